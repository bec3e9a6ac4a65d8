"""Every export writes user text and refs as text, never as a formula (issue 15, point 8).

Issue 15, attack 7: the risk register workbook wrote scheme refs without neutralising, so a ref of `=1+143`
became a live formula. Here formula-like text is planted in every kind of user text the exports carry
(refs, names, descriptions, titles, actions, allocation names, metric names and notes), every export in
EXPORTS is downloaded as a user would, and each file is read back: openpyxl for .xlsx (no cell is a
formula unless it is the export's own total, no text starts with a formula character), the csv module for
.csv (a field starting with one is a number, or the neutralised text).

EXPORTS is the one list of exports. test_every_export_is_listed finds every module that writes a workbook
or a CSV and fails if one is not in the list, so a new export has to be added here.
"""

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import User
from finance.models import Allocation, Fund
from metrics.models import Metric, MetricValue
from milestones.models import Milestone
from policy.years import y2016_17
from returns import services as return_services
from risks.models import MitigatingAction, Risk
from schemes.models import Programme, Scheme
from tests.factories.returns import pooled_fund_create

SLUG = "trafford-bcf-2015-16"
ROOT = Path(__file__).resolve().parents[2]
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# The only texts a return's checklist formula may quote: Yes, No and the template's choices.
RETURN_WORDS = {"Yes", "No"} | {choice for _sheet, q in y2016_17.TEMPLATE.questions() for choice in q.choices}

# One formula-like text per kind of user text; each starts with a different trigger.
PLANTED = {
    "ref": "=1+143",
    "scheme": "+cmd|' /C calc'!A0",
    "milestone": "-2+3",
    "risk": "@SUM(1)",
    "action": "\t=1+1",
    "allocation": "\r=2+2",
    "fund": '=HYPERLINK("http://evil.example","fund")',
    "metric": "+1+1 metric",
    "note": "-1-1 note",
}


def _normal(text: str) -> str:
    """XML reading turns a carriage return into a line feed; compare texts with one kind of line break."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


@dataclass
class Export:
    name: str
    module: str  # the module that writes the file (see test_every_export_is_listed)
    kind: str  # "xlsx" or "csv"
    url: Callable[[dict], str]
    carries: set[str]  # the planted texts this export must show (neutralised)
    own_formulas: re.Pattern | None = None  # formulas the export writes itself (never user text)
    user: str = "pmo"
    extra: dict = field(default_factory=dict)


def _dashboard(tile: str) -> Callable[[dict], str]:
    return lambda ctx: reverse("dashboard:csv", args=[tile]) + f"?programme={SLUG}"


EXPORTS = [
    Export(
        "schemes and milestones workbook",
        "schemes/spreadsheet.py",
        "xlsx",
        lambda ctx: reverse("schemes:export", kwargs={"programme": SLUG}),
        {"ref", "scheme", "milestone"},
    ),
    Export(
        "risk register workbook",
        "risks/spreadsheet.py",
        "xlsx",
        lambda ctx: reverse("risks:export", args=[SLUG]),
        {"ref", "risk", "action"},
    ),
    Export(
        "fund workbook (Appendix 1 and quarterly spend)",
        "finance/spreadsheet.py",
        "xlsx",
        lambda ctx: reverse("finance:export_xlsx", args=[ctx["fund"].slug]),
        {"allocation", "fund"},
    ),
    Export(
        "fund CSV (Appendix 1)",
        "finance/spreadsheet.py",
        "csv",
        lambda ctx: reverse("finance:export_csv", args=[ctx["fund"].slug]),
        {"allocation"},
    ),
    Export(
        "metrics template workbook",
        "metrics/spreadsheet.py",
        "xlsx",
        lambda ctx: reverse("metrics:template", args=["xlsx"]) + f"?programme={SLUG}",
        {"metric", "note"},
    ),
    Export(
        "metrics template CSV",
        "metrics/spreadsheet.py",
        "csv",
        lambda ctx: reverse("metrics:template", args=["csv"]) + f"?programme={SLUG}",
        {"metric", "note"},
    ),
    # Its drop-downs list the programme's own choices; no user text is written into the blank template.
    Export(
        "blank programme workbook",
        "programme_load/template.py",
        "xlsx",
        lambda ctx: reverse("programme_load:template", args=[SLUG]),
        set(),
    ),
    # Manchester's cases (the planted texts are Trafford's): checked for any unneutralised text at all.
    Export(
        "business cases workbook",
        "cases/exports.py",
        "xlsx",
        lambda ctx: reverse("cases:export", args=["xlsx"]) + "?programme=manchester-cicb-2012",
        set(),
    ),
    Export(
        "business cases CSV",
        "cases/exports.py",
        "csv",
        lambda ctx: reverse("cases:export", args=["csv"]) + "?programme=manchester-cicb-2012",
        set(),
    ),
    Export("dashboard schemes CSV", "dashboard/views.py", "csv", _dashboard("schemes"), {"ref", "scheme"}),
    Export("dashboard milestones CSV", "dashboard/views.py", "csv", _dashboard("milestones"), {"ref", "milestone"}),
    Export("dashboard risks CSV", "dashboard/views.py", "csv", _dashboard("risks"), {"ref", "risk"}),
    Export("dashboard money CSV", "dashboard/views.py", "csv", _dashboard("money"), {"fund"}),
    Export("dashboard metrics CSV", "dashboard/views.py", "csv", _dashboard("metrics"), {"metric"}),
    Export(
        "NHS England quarterly return workbook",
        "returns/workbook.py",
        "xlsx",
        lambda ctx: reverse("returns:download", args=[SLUG, "2015-16-Q1", ctx["return"].revision]),
        {"metric", "fund", "allocation"},
        own_formulas=re.compile(
            r"=SUM\([A-Z]+\d+:[A-Z]+\d+\)"
            r'|=IF\(COUNTIF\(E\d+:E\d+,"No"\)=0,"Complete Template","Incomplete Template"\)'
            # The checklist's tests of answer cells: the only quoted texts are the template's own words.
            # Tokens: its functions, references to other sheets' cells, punctuation, and quoted words.
            + r"|=(?:(?:IF|OR|AND|NOT|LEN|TRIM|CLEAN)\(|(?:'[A-Za-z ]+'|[A-Za-z]+)![A-Z]+\d+|[),=0]"
            + r'|"(?:'
            + "|".join(re.escape(word) for word in sorted(RETURN_WORDS, key=len, reverse=True))
            + r')")+'
        ),
    ),
]


@pytest.fixture
def planted(demo):
    """The demo with formula-like text in every kind of user text the exports carry, and a return built."""
    programme = Programme.objects.get(slug=SLUG)
    pmo = User.objects.get(username="pmo")
    fund = pooled_fund_create(programme=programme, by=pmo)
    scheme = Scheme.objects.get(programme=programme, ref="5.7")
    # The planted texts go in with update(): they are what a user could have typed, whatever a form allows.
    Scheme.objects.filter(pk=scheme.pk).update(ref=PLANTED["ref"], name=PLANTED["scheme"])
    Milestone.objects.filter(scheme__programme=programme).update(description=PLANTED["milestone"])
    Risk.objects.filter(programme=programme).update(title=PLANTED["risk"])
    MitigatingAction.objects.filter(risk__programme=programme).update(action=PLANTED["action"])
    first = Allocation.objects.filter(fund=fund).order_by("pk").first()
    Allocation.objects.filter(pk=first.pk).update(scheme_name=PLANTED["allocation"], scheme=None)
    Fund.objects.filter(pk=fund.pk).update(name=PLANTED["fund"])
    Metric.objects.filter(programme=programme).update(name=PLANTED["metric"])
    MetricValue.objects.filter(metric__programme=programme).update(note=PLANTED["note"])
    fund.refresh_from_db()
    draft = return_services.quarterly_return_build(programme=programme, quarter="2015-16-Q1", by=pmo)
    return {"fund": fund, "return": draft}


def _xlsx_cells(content: bytes, export: Export) -> list[str]:
    """Every text cell of every sheet; fails on a formula that is not the export's own."""
    texts = []
    book = load_workbook(io.BytesIO(content))
    for ws in book:
        for row in ws.iter_rows():
            for cell in row:
                where = f"{export.name}: {ws.title}!{cell.coordinate} = {cell.value!r}"
                if cell.data_type == "f":
                    assert export.own_formulas and export.own_formulas.fullmatch(cell.value), where
                    continue
                if isinstance(cell.value, str):
                    assert not cell.value.startswith(TRIGGERS), where
                    texts.append(cell.value)
    return texts


def _is_number(text: str) -> bool:
    try:
        Decimal(text)
    except InvalidOperation:
        return False
    return True


def _csv_cells(content: bytes, export: Export) -> list[str]:
    """Every field; a field starting with a formula character must be a number (a negative amount)."""
    texts = []
    for number, row in enumerate(csv.reader(io.StringIO(content.decode("utf-8-sig"))), start=1):
        for value in row:
            assert not value.startswith(TRIGGERS) or _is_number(value), f"{export.name}: line {number}: {value!r}"
            texts.append(value)
    return texts


def _check(export: Export, client, ctx) -> None:
    response = client.get(export.url(ctx))
    assert response.status_code == 200, f"{export.name}: {response.status_code}"
    content = b"".join(response.streaming_content) if response.streaming else response.content
    texts = _xlsx_cells(content, export) if export.kind == "xlsx" else _csv_cells(content, export)
    shown = {_normal(text) for text in texts}
    for key in sorted(export.carries):
        neutralised = _normal("'" + PLANTED[key])
        assert any(text.startswith(neutralised) for text in shown), f"{export.name} does not show {key} as text"


def test_every_export_writes_formula_like_user_text_as_text(demo_client, planted):
    # One test over the list (the demo is loaded once), reporting every export that fails, not just the first.
    problems = []
    for export in EXPORTS:
        try:
            _check(export, demo_client(export.user), planted)
        except AssertionError as exc:
            problems.append(str(exc).splitlines()[0])
    assert not problems, "\n".join(problems)


def test_the_attack_a_scheme_ref_of_1_plus_143_in_the_risk_register_is_text(demo_client, planted):
    """Issue 15, attack 7, as reported: the Schemes cell of a risk linked to the scheme."""
    response = demo_client("pmo").get(reverse("risks:export", args=[SLUG]))
    ws = load_workbook(io.BytesIO(response.content))["Risks"]
    column = [c.value for c in ws[1]].index("Schemes") + 1
    cells = [ws.cell(row=r, column=column) for r in range(2, ws.max_row + 1)]
    linked = [c for c in cells if c.value and "1+143" in c.value]
    assert linked, "no risk of the demo is linked to scheme 5.7"
    for cell in linked:
        assert cell.data_type == "s" and cell.value.startswith("'="), (cell.coordinate, cell.value, cell.data_type)


WRITERS = re.compile(r"\bWorkbook\(\)|csv\.writer\(|\bsheet_append\(|\bcsv_text_of\(")


def test_every_export_is_listed():
    """Every module that writes a workbook or a CSV is in EXPORTS (core.spreadsheets is the writer itself)."""
    writers = set()
    for path in ROOT.rglob("*.py"):
        relative = path.relative_to(ROOT).as_posix()
        if relative.startswith((".venv/", "tests/", "bench/", "core/spreadsheets.py")) or "/migrations/" in relative:
            continue
        if WRITERS.search(path.read_text(encoding="utf-8")):
            writers.add(relative)
    assert writers == {e.module for e in EXPORTS}
