"""Return templates are data per financial year: a later year adds a sheet without touching the builder."""

import datetime as dt

from returns import services
from returns.checks import return_checks
from returns.workbook import return_workbook_bytes
from returns.years import template_for, y2015_16, y2016_17
from schemes import services as scheme_services
from tests.factories.accounts import PartnershipFactory
from tests.returns.helpers import find_row, validation_for, workbook

MATURITY = '"Not yet established,Plans in place,Established,Mature,Exemplary"'


def test_each_year_uses_its_own_template_or_the_latest_earlier_one():
    assert template_for(2014) is None
    assert template_for(2015) is y2015_16.TEMPLATE
    assert template_for(2016) is y2016_17.TEMPLATE
    assert template_for(2019) is y2016_17.TEMPLATE


def test_2016_17_adds_the_high_impact_change_model_sheet_and_the_same_builder_draws_it(db, pmo_user):
    programme = scheme_services.programme_create(
        slug="bcf-2016-17",
        name="BCF 2016/17",
        partnership=PartnershipFactory(),
        start_date=dt.date(2016, 4, 1),
        end_date=dt.date(2017, 3, 31),
    )
    draft = services.quarterly_return_build(programme=programme, quarter="2016-17-Q1", by=pmo_user)
    book = workbook(draft.workbook)
    assert book.sheetnames[-2:] == ["High Impact Change Model", "Narrative"]
    ws = book["High Impact Change Model"]
    first = find_row(ws, 1, "Chg 1")
    assert ws.cell(first, 2).value == "Early discharge planning"
    assert ws.cell(first - 1, 3).value == "Maturity"
    for row in range(first, first + len(y2016_17.HIGH_IMPACT_CHANGES)):
        assert validation_for(ws, f"C{row}").formula1 == MATURITY
    # Its answers are answers like any other: required, checked, listed on the checklist.
    assert draft.answers.filter(code__startswith="hic.").count() == 8
    assert {c["sheet"] for c in draft.failed_checks} >= {"High Impact Change Model"}
    answer = draft.answers.get(code="hic.4")
    services.return_answer_update(answer=answer, value="Established", by=pmo_user, expected_version=answer.version)
    content = draft.answers.model.objects.get(pk=answer.pk).quarterly_return.workbook
    checklist = workbook(content, data_only=True)["Checklist"]
    row = find_row(checklist, 3, "Chg 4 Home first / discharge to assess")
    assert checklist.cell(row, 5).value == "Yes"


def test_the_renderer_draws_any_template_from_data_alone():
    template = y2016_17.TEMPLATE
    answers = {"hic.1": {"value": "Mature", "commentary": '=HYPERLINK("http://x")'}}
    figures = {"income": {"rows": []}, "expenditure": {"rows": []}, "metrics": {"rows": []}}
    checks = return_checks(template=template, answers=answers, figures=figures)
    content = return_workbook_bytes(
        template=template,
        document={
            "programme": "P",
            "quarter_label": "2016/17 Q1",
            "status_line": "DRAFT",
            "answers": answers,
            "figures": figures,
            "checks": checks,
        },
    )
    ws = workbook(content)["High Impact Change Model"]
    row = find_row(ws, 1, "Chg 1")
    assert ws.cell(row, 3).value == "Mature"
    assert ws.cell(row, 4).value == '\'=HYPERLINK("http://x")'
    assert ws.cell(row, 4).data_type == "s"
