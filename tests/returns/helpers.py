import io
from decimal import Decimal

import openpyxl


def workbook(content, *, data_only: bool = False) -> openpyxl.Workbook:
    """The workbook as openpyxl reads it: formulas as written, or (data_only) their cached values."""
    return openpyxl.load_workbook(io.BytesIO(bytes(content)), data_only=data_only)


def rows(ws) -> list[list]:
    return [list(r) for r in ws.iter_rows(values_only=True)]


def find_row(ws, column: int, text: str) -> int:
    """The first row whose cell in `column` (1-based) equals or starts with `text`."""
    for row in ws.iter_rows():
        value = row[column - 1].value if len(row) >= column else None
        if isinstance(value, str) and value.startswith(text):
            return row[0].row
    raise AssertionError(f"{text!r} not found in column {column} of {ws.title}")


def decimal(value) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


def validation_for(ws, cell: str):
    """The data validation covering a cell, or None."""
    for validation in ws.data_validations.dataValidation:
        if cell in validation.sqref:
            return validation
    return None
