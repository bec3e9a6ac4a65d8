"""Hostile workbooks for the upload tests: real .xlsx files that openpyxl would open, built to hurt.

A workbook bomb is a valid workbook with the sheets an upload expects plus one sheet nobody uses whose XML
is huge but compresses to almost nothing (issue 15: 207 KB that unpacked to 58 MB took 40-51 s of CPU and
about 1 GB of memory in the server process).
"""

import io
import random
import zipfile

from openpyxl import Workbook, load_workbook

MB = 1024 * 1024
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_CELL = b"<c><v>1</v></c>"  # no r="..": openpyxl counts along the row, as Excel allows


def template_workbook(sheets: list[tuple[str, list[str]]], *, header_row: int = 1, extra: str | None = None) -> bytes:
    """A workbook with the given sheets and header rows (and an extra, empty sheet if named)."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, headers in sheets:
        ws = workbook.create_sheet(title)
        for column, header in enumerate(headers, start=1):
            ws.cell(row=header_row, column=column, value=header)
    if extra:
        workbook.create_sheet(extra)["A1"] = "notes"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _replace_entry(content: bytes, name: str, write) -> bytes:
    """The same archive with entry `name` rewritten by write(stream), streamed (no 58 MB string in memory)."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(content)) as source,
        zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as target,
    ):
        names = source.namelist()
        assert name in names, f"{name} is not in the workbook ({names})"
        for info in source.infolist():
            if info.filename == name:
                with target.open(name, "w", force_zip64=True) as stream:
                    write(stream)
            else:
                target.writestr(info, source.read(info.filename), compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def _sheet_path(content: bytes, title: str) -> str:
    """openpyxl writes sheets in order as xl/worksheets/sheetN.xml."""
    titles = load_workbook(io.BytesIO(content), read_only=True).sheetnames
    return f"xl/worksheets/sheet{titles.index(title) + 1}.xml"


def sheet_xml_replaced(content: bytes, title: str, rows) -> bytes:
    """The workbook with sheet `title`'s XML replaced: `rows` yields each <row> element's bytes."""

    def write(stream):
        stream.write(f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}"><sheetData>'.encode())
        for row in rows:
            stream.write(row)
        stream.write(b"</sheetData></worksheet>")

    return _replace_entry(content, _sheet_path(content, title), write)


def workbook_bomb(sheets: list[tuple[str, list[str]]], *, unpacked_mb: float = 58, header_row: int = 1) -> bytes:
    """The upload's sheets with their headers, plus a sheet "Notes" of 100-cell rows unpacking to `unpacked_mb`."""
    content = template_workbook(sheets, header_row=header_row, extra="Notes")
    row = b"<row>" + _CELL * 100 + b"</row>"
    count = int(unpacked_mb * MB) // len(row)
    return sheet_xml_replaced(content, "Notes", (row for _ in range(count)))


def workbook_bomb_within_limits(sheets: list[tuple[str, list[str]]], *, unpacked_mb: float = 19.5) -> bytes:
    """A bomb made to pass the archive's directory checks: under 20 MB unpacked and packed only about 46 to 1
    (every 16th cell a random number), yet holding about 1.3 million cells, so only counting them finds it."""
    rng = random.Random(15)
    content = template_workbook(sheets, extra="Notes")

    def rows():
        size = 0
        while size < unpacked_mb * MB:
            cells = [b"<c><v>%d</v></c>" % rng.randrange(10**6) if i % 16 == 0 else _CELL for i in range(100)]
            row = b"<row>" + b"".join(cells) + b"</row>"
            size += len(row)
            yield row

    return sheet_xml_replaced(content, "Notes", rows())


def unpacked_bytes(content: bytes) -> int:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return sum(info.file_size for info in archive.infolist())
