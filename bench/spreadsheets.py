"""Spreadsheet benchmark (issue 15, point 5): a real 500-scheme x 20-milestone programme's workbook, downloaded
and uploaded again through the bounded reader.

Called from bench/run.py inside its throw-away test database, last (the second upload saves its changes):

    from bench import spreadsheets as spreadsheets_bench
    spreadsheets_bench.run(emit=emit, programme=programme, user=pmo)

It emits, one JSON line each through `emit`:
    spreadsheet.schemes_500x20.file_kb / .unpacked_mb
    spreadsheet.schemes_500x20.export_seconds      the download
    spreadsheet.schemes_500x20.check_seconds       the bounds (size, parts, rows, cells) before parsing
    spreadsheet.schemes_500x20.import_unchanged_seconds / .import_unchanged_queries
    spreadsheet.schemes_500x20.import_200_moves_seconds   200 due dates moved, with reasons, in one upload
"""

import datetime as dt
import io
import statistics
import time
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from core.spreadsheets import workbook_bytes, workbook_check
from schemes.spreadsheet import (
    MILESTONE_HEADERS,
    MILESTONES_SHEET,
    programme_workbook_bytes,
    programme_workbook_data,
    programme_workbook_import,
)

NAME = "spreadsheet.schemes_500x20"
ROUNDS = 3


def _seconds(function) -> float:
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def _upload(content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile("programme.xlsx", content)


def _moved(content: bytes, count: int) -> bytes:
    """The workbook with the first `count` open milestones' due dates a week later, each with a reason."""
    workbook = load_workbook(io.BytesIO(content))
    ws = workbook[MILESTONES_SHEET]
    due = MILESTONE_HEADERS.index("Due date") + 1
    done = MILESTONE_HEADERS.index("Completed on") + 1
    reason = MILESTONE_HEADERS.index("Reason for date change") + 1
    moved = 0
    for row in range(2, ws.max_row + 1):
        if moved == count:
            break
        if ws.cell(row, done).value is None and isinstance(ws.cell(row, due).value, dt.datetime):
            ws.cell(row, due).value = ws.cell(row, due).value + dt.timedelta(days=7)
            ws.cell(row, reason).value = "Provider start delayed a week"
            moved += 1
    return workbook_bytes(workbook)


def run(*, emit, programme, user) -> None:
    content = b""

    def export():
        nonlocal content
        content = programme_workbook_bytes(**programme_workbook_data(programme=programme))

    emit(f"{NAME}.export_seconds", round(_seconds(export), 2), "s")
    emit(f"{NAME}.file_kb", round(len(content) / 1024), "KB")
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        unpacked = sum(info.file_size for info in archive.infolist())
    emit(f"{NAME}.unpacked_mb", round(unpacked / 1024 / 1024, 1), "MB")

    checks = [_seconds(lambda: workbook_check(io.BytesIO(content))) for _ in range(ROUNDS)]
    emit(f"{NAME}.check_seconds", round(statistics.median(checks), 3), "s")

    imports = []
    for _ in range(ROUNDS):
        with CaptureQueriesContext(connection) as queries:
            imports.append(
                _seconds(lambda: programme_workbook_import(programme=programme, file=_upload(content), user=user))
            )
    emit(f"{NAME}.import_unchanged_seconds", round(statistics.median(imports), 2), "s")
    emit(f"{NAME}.import_unchanged_queries", len(queries), "queries")

    changed = _moved(content, 200)
    seconds = _seconds(lambda: programme_workbook_import(programme=programme, file=_upload(changed), user=user))
    emit(f"{NAME}.import_200_moves_seconds", round(seconds, 2), "s")
