"""Metrics in and out: the template (every metric's planned periods) as .xlsx or .csv, and the upload.

The upload goes through metrics.services inside one transaction: if any row has a problem, nothing is saved
and every problem is listed with its row and column.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from accounts.roles import Role, has_role
from core.exceptions import StaleEdit
from core.natural import natural_order
from core.spreadsheets import (
    HEADER_FILL,
    INFO_FILL,
    SheetRow,
    SpreadsheetErrors,
    csv_rows,
    csv_text_of,
    headers_check,
    sheet_append,
    sheet_rows,
    workbook_bytes,
    workbook_open,
)
from metrics import permissions, services
from metrics.models import Metric, MetricValue, period_label

SHEET = "Metrics"
HEADERS = [
    "Metric code",
    "Metric",
    "Scheme ref",
    "Period",
    "Plan",
    "Numerator",
    "Denominator",
    "Actual",
    "Note",
    "Version",
]
_WIDTHS = [30, 50, 11, 12, 12, 12, 12, 12, 50, 9]
_INFO = {"Metric", "Scheme ref", "Version"}


def _number(value):
    return "" if value is None else value


def template_rows(*, programme) -> list[list]:
    """One row per metric per planned period, as the template has them (texts not yet neutralised)."""
    values = (
        MetricValue.objects.filter(metric__programme=programme)
        .select_related("metric", "metric__scheme")
        .order_by(natural_order("metric__scheme__ref_key"), "metric__order", "metric__name", "period_start")
    )
    return [
        [
            v.metric.code,
            v.metric.name,
            v.metric.scheme.ref if v.metric.scheme_id else "",
            period_label(v.period_start, v.metric.frequency),
            v.plan,
            _number(v.numerator),
            _number(v.denominator),
            _number(v.actual),
            v.note,
            v.version,
        ]
        for v in values
    ]


def template_workbook_bytes(*, programme) -> bytes:
    """The template as .xlsx: the Metrics sheet (the upload reads it back) and a read-me."""
    workbook = Workbook()
    ws = workbook.active
    ws.title = SHEET
    sheet_append(ws, HEADERS)
    for index in range(1, len(HEADERS) + 1):
        cell = ws.cell(row=1, column=index)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        ws.column_dimensions[get_column_letter(index)].width = _WIDTHS[index - 1]
    for row in template_rows(programme=programme):
        sheet_append(ws, row)
    for cells in ws.iter_rows(min_row=2):
        for cell, header in zip(cells, HEADERS, strict=False):
            if header in _INFO:
                cell.fill = INFO_FILL
    ws.freeze_panes = "A2"
    notes = workbook.create_sheet("Read me")
    for line in [
        f"{programme.name}: metrics and KPIs",
        *([programme.illustrative_label] if programme.is_illustrative else []),  # an invented programme says so
        "One row per metric per planned period. Fill in Actual (and a Note where it is off plan) and upload the file.",
        "Period is written like May 2015 (monthly), 2015/16 Q1 (quarterly) or 2015/16 (annual).",
        "The programme office may change Plan, or add a row to plan a new period; an actual needs a planned period.",
        "Headline metrics (a BCF year's, e.g. 2025/26): fill in Numerator and Denominator; Actual is computed from "
        "them (numerator ÷ denominator × per, e.g. per 100,000) and may be left blank. Other metrics leave them blank.",
        "Percentages are 0 to 100. Figures have at most two decimal places. Leave Version as it is: it tells the "
        "upload whether someone changed the row after you downloaded it.",
        "The upload is all or nothing: if any row has a problem, nothing is saved and every problem is listed.",
    ]:
        sheet_append(notes, [line])
    notes.column_dimensions["A"].width = 120
    return workbook_bytes(workbook)


def csv_text(*, programme) -> str:
    """The template as CSV, the same header and rows as the Metrics sheet."""
    return csv_text_of([HEADERS, *template_rows(programme=programme)])


class _Import:
    def __init__(self, *, programme, user, errors):
        self.programme, self.user, self.errors = programme, user, errors
        self.is_office = has_role(user, Role.PROGRAMME_OFFICE, programme=programme)
        self.metrics = {
            m.code: m
            for m in Metric.objects.filter(programme=programme)
            .select_related("scheme")
            .prefetch_related("scheme__leads")
        }
        self.values = {
            (v.metric_id, v.period_start): v for v in MetricValue.objects.filter(metric__programme=programme)
        }
        self.seen: dict = {}
        self.summary = {"plans": 0, "actuals": 0}

    def row(self, row: SheetRow) -> None:
        code = row.text("Metric code")
        metric = self.metrics.get(code)
        if metric is None:
            known = ", ".join(sorted(self.metrics)) or "none defined yet"
            row.problem("Metric code", f"“{code}” is not a metric of {self.programme} (codes: {known}).")
            return
        try:
            start = services.period_parse(row.values.get("Period"), metric.frequency)
        except ValidationError as exc:
            row.problem("Period", " ".join(exc.messages))
            return
        key = (metric.pk, start)
        if key in self.seen:
            row.problem(
                "Period", f"{metric.code} {period_label(start, metric.frequency)} is also on row {self.seen[key]}."
            )
            return
        self.seen[key] = row.number
        if not permissions.can_record(self.user, metric):
            row.problem(
                "Metric code", f"You may not record figures for “{metric.name}”: it is not a KPI of a scheme you lead."
            )
            return
        existing = self.values.get(key)
        plan_text, actual_text, note = row.text("Plan"), row.text("Actual"), row.text("Note")
        version = row.integer("Version", required=False, hint="Leave Version as it was downloaded.")
        if existing is not None and version is not None and version != existing.version:
            row.problem(
                "Version",
                f"{metric.code} {period_label(start, metric.frequency)} was changed by someone else after this file "
                "was downloaded: download it again and re-enter this row.",
            )
            return
        plan = None
        if plan_text:
            try:
                plan = services.figure(row.values.get("Plan"), metric=metric, field="Plan", label="Plan")
            except ValidationError as exc:
                row.problem("Plan", " ".join(exc.messages))
        actual = None
        if actual_text:
            try:
                actual = services.figure(row.values.get("Actual"), metric=metric, field="Actual", label="Actual")
            except ValidationError as exc:
                row.problem("Actual", " ".join(exc.messages))
        if not row.ok:
            return
        if metric.is_headline:
            self.headline_row(row, metric, start, existing, plan, actual, note)
            return
        if row.text("Numerator") or row.text("Denominator"):
            row.problem("Numerator", f"{metric.name} is not a headline metric: leave Numerator and Denominator blank.")
            return
        plan_changes = plan is not None and (existing is None or existing.plan != plan)
        if existing is None and plan is None:
            row.problem(
                "Period",
                f"{metric.name} has no plan for {period_label(start, metric.frequency)}: an actual needs a planned "
                "period (the programme office fills in Plan to add one).",
            )
            return
        if plan_changes and not self.is_office:
            row.problem("Plan", "Only the programme office changes plans: leave Plan as it was downloaded.")
            return
        try:
            with transaction.atomic():
                if plan_changes:
                    existing = services.plan_set(metric=metric, period_start=start, plan=plan, by=self.user)
                    self.summary["plans"] += 1
                if existing.actual != actual or existing.note != note:
                    services.actual_record(metric=metric, period_start=start, actual=actual, note=note, by=self.user)
                    self.summary["actuals"] += 1
        except (ValidationError, StaleEdit) as exc:
            messages = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
            row.problem("Actual", " ".join(messages))

    def headline_row(self, row: SheetRow, metric, start, existing, plan, actual, note: str) -> None:
        """A headline metric's row: the actual comes from Numerator and Denominator (Actual, if filled, must agree)."""
        numerator, denominator = row.values.get("Numerator"), row.values.get("Denominator")
        given = bool(row.text("Numerator")) or bool(row.text("Denominator"))
        if actual is not None and not given:
            row.problem(
                "Numerator", f"{metric.name} is computed: fill in Numerator and Denominator rather than Actual."
            )
            return
        plan_changes = plan is not None and (existing is None or existing.plan != plan)
        if existing is None and plan is None:
            row.problem("Period", f"{metric.name} has no plan for {period_label(start, metric.frequency)}.")
            return
        if plan_changes and not self.is_office:
            row.problem("Plan", "Only the programme office changes plans: leave Plan as it was downloaded.")
            return
        try:
            with transaction.atomic():
                if plan_changes:
                    existing = services.plan_set(metric=metric, period_start=start, plan=plan, by=self.user)
                    self.summary["plans"] += 1
                before = (existing.numerator, existing.denominator, existing.note)
                value = services.headline_actual_record(
                    metric=metric,
                    period_start=start,
                    numerator=numerator if given else None,
                    denominator=denominator if given else None,
                    note=note,
                    by=self.user,
                )
                if actual is not None and value.actual != actual:
                    raise ValidationError(
                        {
                            "actual": f"Actual {actual} does not match Numerator ÷ Denominator"
                            f"{f' × {metric.per:,}' if metric.per > 1 else ''} = {value.actual}: "
                            "leave Actual blank (it is computed)."
                        }
                    )
                if (value.numerator, value.denominator, value.note) != before:
                    self.summary["actuals"] += 1
        except (ValidationError, StaleEdit) as exc:
            messages = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
            fields = exc.message_dict if isinstance(exc, ValidationError) and hasattr(exc, "error_dict") else {}
            column = next((c for c in ("Denominator", "Numerator", "Period") if c.lower() in fields), "Actual")
            row.problem(column, " ".join(messages))


def metrics_import(*, programme, file, user) -> dict:
    """Plans and actuals from the template (.xlsx or .csv); raises SpreadsheetErrors and saves nothing on any problem.

    Both kinds of file are read within the upload limits (core.spreadsheets) before any row is.
    """
    permissions.require_uploader(user)
    errors: list[dict] = []
    name = (getattr(file, "name", "") or "").lower()
    if name.endswith(".csv"):
        return _import(csv_rows(file, sheet=SHEET, headers=HEADERS, errors=errors), programme, user, errors)
    with workbook_open(file) as workbook:
        ws = headers_check(workbook, SHEET, HEADERS, errors)
        if errors:
            raise SpreadsheetErrors(errors)
        return _import(sheet_rows(ws, SHEET, HEADERS, errors), programme, user, errors)


def _import(rows, programme, user, errors: list[dict]) -> dict:
    state = _Import(programme=programme, user=user, errors=errors)
    with transaction.atomic():
        for row in rows:
            state.row(row)
        if errors:
            raise SpreadsheetErrors(errors)
    return state.summary
