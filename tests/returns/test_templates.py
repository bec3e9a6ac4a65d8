"""Return templates are data per financial year: a later year adds a sheet without touching the builder."""

import datetime as dt

import pytest
from django.urls import reverse

from policy.years import y2015_16, y2016_17
from returns import services
from returns.checks import return_checks
from returns.workbook import return_workbook_bytes
from returns.years import template_for
from schemes import services as scheme_services
from tests.factories.accounts import PartnershipFactory
from tests.factories.schemes import ProgrammeFactory
from tests.returns.helpers import find_row, validation_for, workbook

MATURITY = '"Not yet established,Plans in place,Established,Mature,Exemplary"'


def test_each_year_uses_its_own_template_and_never_borrows_another():
    assert template_for(2014) is None
    assert template_for(2015) is y2015_16.TEMPLATE
    assert template_for(2016, 4) is y2016_17.TEMPLATE
    # A partnership onboarded for 2024/25 used to get the 2016/17 return (issue 18): now it gets none.
    assert template_for(2019) is None
    assert template_for(2024, 2) is None


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


def _programme_2024_25():
    # The factory gives the test's role users their role on it.
    return ProgrammeFactory(slug="bcf-2024-25", start_date=dt.date(2024, 4, 1), end_date=dt.date(2025, 3, 31))


NO_TEMPLATE = "There is no NHS England return template for 2024/25: returns are supported for 2015/16, 2016/17"


def test_a_return_for_a_year_without_a_template_is_refused_by_name_and_nothing_is_saved(db, pmo_user, client):
    from django.core.exceptions import ValidationError
    from django.core.management import call_command
    from django.core.management.base import CommandError

    from returns.models import QuarterlyReturn

    programme = _programme_2024_25()
    with pytest.raises(ValidationError) as refused:
        services.quarterly_return_build(programme=programme, quarter="2024-25-Q2", by=pmo_user)
    assert NO_TEMPLATE in " ".join(refused.value.messages)
    with pytest.raises(CommandError, match=NO_TEMPLATE.replace("/", ".")):
        call_command("build_quarterly_return", programme=programme.slug, quarter="2024-25-Q2", out="/tmp/x.xlsx")
    # The pages: the build form names the refusal, the quarter's page says why there is nothing to build.
    client.force_login(pmo_user)
    response = client.post(
        reverse("returns:build_form"), {"programme": programme.slug, "quarter": "2024-25-Q2"}, follow=True
    )
    assert NO_TEMPLATE in response.content.decode()
    page = client.get(reverse("returns:detail", args=[programme.slug, "2024-25-Q2"]))
    assert page.status_code == 200 and NO_TEMPLATE in page.content.decode()
    assert not QuarterlyReturn.objects.filter(programme=programme).exists()


def test_sign_off_asks_only_for_the_years_own_questions(db, pmo_user):
    """A 2015/16 return is not asked the 2016/17 High Impact Change questions, and the reverse holds."""
    programme = scheme_services.programme_create(
        slug="bcf-2015-16-own",
        name="BCF 2015/16",
        partnership=PartnershipFactory(),
        start_date=dt.date(2015, 4, 1),
        end_date=dt.date(2016, 3, 31),
    )
    draft = services.quarterly_return_build(programme=programme, quarter="2015-16-Q3", by=pmo_user)
    own = {q.code for _sheet, q in y2015_16.TEMPLATE.questions()}
    assert {c["code"] for c in draft.checks if c["rule"] == "question"} <= own
    assert not draft.answers.filter(code__startswith="hic.").exists()
