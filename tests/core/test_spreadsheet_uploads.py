"""Every upload refuses the workbook bomb before parsing it, with the sizes in words on the page, listed like
any other upload problem, and saves nothing (issue 15, attack 2, through each upload's page).

UPLOADS is the one list of uploads; test_every_upload_is_listed finds every module that reads an uploaded
workbook or CSV, so a new upload has to be added here.
"""

import re
import resource
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from finance.spreadsheet import ALLOCATION_HEADERS, APPENDIX_SHEET, HEADER_ROW, SPEND_HEADERS, SPEND_SHEET
from metrics.spreadsheet import HEADERS as METRIC_HEADERS
from metrics.spreadsheet import SHEET as METRIC_SHEET
from programme_load.template import SHEETS as PROGRAMME_SHEETS
from risks.spreadsheet import RISK_HEADERS, RISKS_SHEET
from schemes.spreadsheet import MILESTONE_HEADERS, MILESTONES_SHEET, SCHEME_HEADERS, SCHEMES_SHEET
from tests.factories.workbooks import MB, workbook_bomb

SLUG = "trafford-bcf-2015-16"
FUND = "trafford-tf"
ROOT = Path(__file__).resolve().parents[2]
BOMB_REFUSAL = "This file unpacks to 58 MB, more than the 20 MB allowed."
DECISION = {"decision-title": "Re-purpose", "decision-body": "Executive", "decision-decided_on": "2015-06-01"}


@dataclass
class Upload:
    name: str
    module: str  # the module that reads the upload (see test_every_upload_is_listed)
    url: str
    sheets: list
    data: dict = field(default_factory=dict)
    header_row: int = 1


UPLOADS = [
    Upload(
        "schemes and milestones",
        "schemes/spreadsheet.py",
        reverse("schemes:import", kwargs={"programme": SLUG}),
        [(SCHEMES_SHEET, SCHEME_HEADERS), (MILESTONES_SHEET, MILESTONE_HEADERS)],
    ),
    Upload(
        "risk register", "risks/spreadsheet.py", reverse("risks:import", args=[SLUG]), [(RISKS_SHEET, RISK_HEADERS)]
    ),
    Upload(
        "fund allocations (Appendix 1)",
        "finance/spreadsheet.py",
        reverse("finance:import", args=[FUND]),
        [(APPENDIX_SHEET, ALLOCATION_HEADERS)],
        {"kind": "allocations", **DECISION},
        header_row=HEADER_ROW,
    ),
    Upload(
        "fund quarterly spend",
        "finance/spreadsheet.py",
        reverse("finance:import", args=[FUND]),
        [(SPEND_SHEET, SPEND_HEADERS)],
        {"kind": "spend"},
    ),
    Upload(
        "a whole programme (one workbook)",
        "programme_load/services.py",
        reverse("programme_load:start", args=[SLUG]),
        list(PROGRAMME_SHEETS.items()),
    ),
    Upload(
        "metrics (Excel)",
        "metrics/spreadsheet.py",
        reverse("metrics:upload"),
        [(METRIC_SHEET, METRIC_HEADERS)],
        {"programme": SLUG},
    ),
]


def _status_kb(name: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(name + ":"):
            return int(line.split()[1])
    raise LookupError(name)


@contextmanager
def address_space_grows_at_most(mb: int):
    """Cap this process's address space at its size now plus `mb` (RLIMIT_AS), then put the cap back.

    An upload that builds the whole bomb fails with MemoryError instead of taking the machine with it.
    """
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    resource.setrlimit(resource.RLIMIT_AS, (_status_kb("VmSize") * 1024 + mb * MB, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def _audit_rows() -> int:
    """Every history row of every audited model: an upload that saved anything adds at least one."""
    return sum(model.objects.count() for model in apps.get_models() if model.__name__.startswith("Historical"))


def test_every_upload_refuses_the_bomb_on_its_page_and_saves_nothing(demo_client):
    client = demo_client("pmo")
    before = _audit_rows()
    problems = []
    for upload in UPLOADS:
        content = workbook_bomb(upload.sheets, unpacked_mb=58, header_row=upload.header_row)
        with address_space_grows_at_most(300):
            response = client.post(upload.url, {**upload.data, "file": SimpleUploadedFile("bomb.xlsx", content)})
        page = response.content.decode()
        if response.status_code != 400 or "upload-problems-summary" not in page or BOMB_REFUSAL not in page:
            problems.append(f"{upload.name}: {response.status_code}, refusal shown: {BOMB_REFUSAL in page}")
        elif [(e["sheet"], e["row"], e["column"]) for e in response.context["errors"]] != [("", None, "")]:
            problems.append(f"{upload.name}: listed as {response.context['errors']}")
    assert not problems, "\n".join(problems)
    assert _audit_rows() == before


def test_the_metrics_csv_upload_is_refused_over_the_size_limit(demo_client, settings):
    settings.SPREADSHEET_UPLOAD_MAX_MB = 1
    content = (",".join(METRIC_HEADERS) + "\r\n").encode() + b"x," * MB
    response = demo_client("pmo").post(
        reverse("metrics:upload"), {"programme": SLUG, "file": SimpleUploadedFile("metrics.csv", content)}
    )
    assert response.status_code == 400
    assert "This file is 2.0 MB, more than the 1 MB allowed." in response.content.decode()


READERS = re.compile(r"\bworkbook_open\(|\bload_workbook\(|\bcsv_rows\(|csv\.reader\(")


def test_every_upload_is_listed():
    """Every module that reads an uploaded workbook or CSV is in UPLOADS (core.spreadsheets is the reader)."""
    readers = set()
    for path in ROOT.rglob("*.py"):
        relative = path.relative_to(ROOT).as_posix()
        if relative.startswith((".venv/", "tests/", "bench/", "core/spreadsheets.py")) or "/migrations/" in relative:
            continue
        if READERS.search(path.read_text(encoding="utf-8")):
            readers.add(relative)
    assert readers == {u.module for u in UPLOADS}
