"""Business cases as XLSX or CSV: tables in, bytes out. Every text goes through core.spreadsheets' neutraliser."""

from openpyxl import Workbook

from cases.selectors import Table
from core.spreadsheets import csv_text_of, workbook_bytes, write_table


def cases_xlsx(tables: list[Table]) -> bytes:
    """One sheet per table."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for table in tables:
        ws = workbook.create_sheet(title=table.title[:31])
        write_table(ws, table.headers, table.rows, widths={"Business case": 45, "Description": 45})
    return workbook_bytes(workbook)


def cases_csv(tables: list[Table]) -> bytes:
    """The tables one after another, each under its title, a blank row between them."""
    rows: list[list] = []
    for index, table in enumerate(tables):
        if index:
            rows.append([])
        rows.append([table.title])
        rows.append(table.headers)
        rows.extend(table.rows)
    return csv_text_of(rows).encode("utf-8-sig")
