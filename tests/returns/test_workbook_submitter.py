"""The return workbook as a submitter expects it (issue 19 point 6): demo figures labelled, quarterly money with
live totals, a checklist of formulas, the cover filled, the narrative by scheme, page setup and validations."""

from returns import services
from returns.checks import return_checks
from returns.workbook import return_workbook_bytes
from returns.years import y2015_16
from tests.returns.helpers import workbook

DEMO_NOTE = "Demo figures"


def _sheet_text(ws) -> str:
    return "\n".join(str(v) for row in ws.iter_rows(values_only=True) for v in row if v is not None)


def _render(figures: dict, answers: dict | None = None) -> bytes:
    template = y2015_16.TEMPLATE
    answers = answers or {}
    return return_workbook_bytes(
        template=template,
        document={
            "programme": "P",
            "quarter_label": "2015/16 Q1",
            "status_line": "DRAFT",
            "answers": answers,
            "figures": figures,
            "checks": return_checks(template=template, answers=answers, figures=figures),
        },
    )


def _metric(demo: bool) -> dict:
    return {
        "key": "a",
        "metric": "Admissions",
        "unit": "Count",
        "period": "Q1",
        "plan": "10",
        "actual": "9",
        "status": "On track",
        "note": "",
        "demo": demo,
    }


def test_the_demos_supporting_metrics_say_the_figures_are_illustrative(programme, pmo):
    draft = services.quarterly_return_build(programme=programme, quarter="2015-16-Q1", by=pmo)
    assert all(row["demo"] for row in draft.figures["metrics"]["rows"])
    ws = workbook(draft.workbook)["Supporting Metrics"]
    text = _sheet_text(ws)
    assert DEMO_NOTE in text and "illustrative" in text
    assert DEMO_NOTE in _sheet_text(workbook(draft.workbook)["Cover"])


def test_real_figures_carry_no_demo_label():
    content = _render({"income": {"rows": []}, "expenditure": {"rows": []}, "metrics": {"rows": [_metric(False)]}})
    for ws in workbook(content).worksheets:
        assert DEMO_NOTE not in _sheet_text(ws), ws.title
    content = _render({"income": {"rows": []}, "expenditure": {"rows": []}, "metrics": {"rows": [_metric(True)]}})
    assert DEMO_NOTE in _sheet_text(workbook(content)["Supporting Metrics"])
