"""Excel in and out for the risk register: the register with its initial, current and target matrices,
and the upload that reads the Risks sheet back.

Built on core.spreadsheets (neutralised text, bounded reading, header checks, row reading), as every upload
is, so they behave alike. The importer is a write kept here beside its renderer; every change goes through the
risk services inside one transaction, so an upload with any problem saves nothing.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from accounts.models import User
from core.exceptions import StaleEdit
from core.spreadsheets import (
    NO,
    YES,
    SpreadsheetErrors,
    headers_check,
    list_validation,
    sheet_append,
    sheet_rows,
    stored_text,
    workbook_bytes,
    workbook_open,
    write_table,
)
from risks import services
from risks.models import BoardEscalation, RiskCategory, RiskStatus
from risks.permissions import can_edit_risk, can_raise_risk, risk_schemes_for_edit
from risks.scoring import CONSEQUENCE_LABELS, LIKELIHOOD_LABELS, risk_grade
from risks.selectors import annotate_register, risk_owner_candidates, risk_queryset

RISKS_SHEET = "Risks"
RISK_HEADERS = [
    "Risk ID",
    "Title",
    "Description",
    "Cause",
    "Effect",
    "Category",
    "Schemes",
    "Owner",
    "Raised on",
    "Likelihood",
    "Consequence",
    "Score",
    "Grade",
    "Initial score",
    "Target likelihood",
    "Target consequence",
    "Target score",
    "Target reason",
    "Status",
    "Closed reason",
    "Next review",
    "On assurance framework",
    "Assurance reference",
    "Report to the board",
    "Open actions",
    "Version",
]
_WIDTHS = {"Description": 70, "Status": 14, "Version": 9}
GRADE_FILLS = {"low": "CCE5D4", "moderate": "FFE58F", "high": "F4A261", "extreme": "B3261E"}
_FIELD_COLUMNS = {
    "title": "Title",
    "description": "Description",
    "likelihood": "Likelihood",
    "consequence": "Consequence",
    "target_likelihood": "Target likelihood",
    "target_consequence": "Target consequence",
    "target_reason": "Target reason",
    "reason": "Closed reason",
    "next_review_date": "Next review",
    "assurance_reference": "Assurance reference",
    "schemes": "Schemes",
    "assessed_on": "Likelihood",
    "board_escalation_reason": "Report to the board",
}


def register_workbook_data(*, programme) -> dict:
    """Every risk of the programme (any status) with what the workbook shows, in a fixed number of queries."""
    risks = list(risk_queryset().filter(programme=programme).order_by("id"))
    return {"programme": programme, "risks": annotate_register(risks, programme=programme)}


def _matrix(ws, top: int, title: str, counts: dict) -> None:
    ws.cell(row=top, column=1, value=title).font = Font(bold=True, size=12)
    ws.cell(row=top + 1, column=1, value="Likelihood ↓ / Consequence →").font = Font(bold=True)
    for c in range(1, 6):
        ws.cell(row=top + 1, column=c + 1, value=f"{c} {CONSEQUENCE_LABELS[c]}").font = Font(bold=True)
    for i, likelihood in enumerate(range(5, 0, -1)):
        row = top + 2 + i
        ws.cell(row=row, column=1, value=f"{likelihood} {LIKELIHOOD_LABELS[likelihood]}").font = Font(bold=True)
        for consequence in range(1, 6):
            grade = risk_grade(likelihood * consequence).value
            cell = ws.cell(row=row, column=consequence + 1, value=counts.get((likelihood, consequence), 0))
            cell.fill = PatternFill("solid", fgColor=GRADE_FILLS[grade])
            cell.alignment = Alignment(horizontal="center")
            if grade == "extreme":
                cell.font = Font(color="FFFFFF", bold=True)


def register_workbook_bytes(*, programme, risks) -> bytes:
    """The register as .xlsx: Risks (the upload template), Matrices (open risks), Actions and Read me."""
    workbook = Workbook()
    ws = workbook.active
    ws.title = RISKS_SHEET
    rows = []
    for r in risks:
        rows.append(
            [
                r.pk,
                r.title,
                r.description,
                r.cause,
                r.effect,
                r.get_category_display(),
                ", ".join(s.ref for s in r.schemes.all() if s.ref),
                r.owner_display,
                r.raised_on,
                r.likelihood,
                r.consequence,
                r.score,
                r.grade.label,
                r.initial_score,
                r.target_likelihood,
                r.target_consequence,
                r.target_score,
                r.target_reason,
                r.get_status_display(),
                r.closed_reason,
                r.next_review_date,
                YES if r.on_assurance_framework else NO,
                r.assurance_reference,
                r.get_board_escalation_display(),
                sum(1 for a in r.actions.all() if a.status != "done"),
                r.version,
            ]
        )
    last = write_table(ws, RISK_HEADERS, rows, widths=_WIDTHS, informational={"Version"}, wrapped={"Description"})
    for column in ("Raised on", "Next review"):
        letter = chr(ord("A") + RISK_HEADERS.index(column))
        for (cell,) in ws.iter_rows(
            min_row=2, min_col=RISK_HEADERS.index(column) + 1, max_col=RISK_HEADERS.index(column) + 1
        ):
            cell.number_format = "DD/MM/YYYY"
        ws.column_dimensions[letter].width = 13
    list_validation(ws, RISK_HEADERS, "Category", RiskCategory.labels, last)
    list_validation(ws, RISK_HEADERS, "Status", RiskStatus.labels, last)
    list_validation(ws, RISK_HEADERS, "On assurance framework", [YES, NO], last)
    list_validation(ws, RISK_HEADERS, "Report to the board", BoardEscalation.labels, last)
    for column in ("Likelihood", "Consequence", "Target likelihood", "Target consequence"):
        letter = chr(ord("A") + RISK_HEADERS.index(column))
        one_to_five = DataValidation(
            type="whole", operator="between", formula1="1", formula2="5", showErrorMessage=True
        )
        one_to_five.error = "Choose a whole number from 1 to 5."
        one_to_five.add(f"{letter}2:{letter}{last}")
        ws.add_data_validation(one_to_five)

    open_risks = [r for r in risks if r.status == RiskStatus.OPEN]
    matrices = workbook.create_sheet("Matrices")
    for top, title, key in (
        (
            1,
            "Initial",
            lambda r: (
                (r.assessments.all()[0].likelihood, r.assessments.all()[0].consequence)
                if r.assessments.all()
                else (r.likelihood, r.consequence)
            ),
        ),
        (10, "Current", lambda r: (r.likelihood, r.consequence)),
        (19, "Target", lambda r: (r.target_likelihood, r.target_consequence)),
    ):
        counts: dict = {}
        for r in open_risks:
            counts[key(r)] = counts.get(key(r), 0) + 1
        _matrix(matrices, top, f"{title}: open risks by likelihood and consequence", counts)
    matrices.column_dimensions["A"].width = 30
    for letter in "BCDEF":
        matrices.column_dimensions[letter].width = 15

    actions = workbook.create_sheet("Actions")
    sheet_append(actions, ["Risk ID", "Risk title", "Action", "Owner", "Due", "Status"])
    for cell in actions[1]:
        cell.font = Font(bold=True)
    for r in risks:
        for a in r.actions.all():
            sheet_append(
                actions,
                [
                    r.pk,
                    r.title,
                    a.action,
                    a.owner_name,
                    a.due_date,
                    a.get_status_display(),
                ],
            )
    for (cell,) in actions.iter_rows(min_row=2, min_col=5, max_col=5):
        cell.number_format = "DD/MM/YYYY"

    readme = workbook.create_sheet("Read me")
    for line in [
        f"{programme.name}: risk register",
        *([programme.illustrative_label] if programme.is_illustrative else []),  # an invented programme says so
        "Change cells on the Risks sheet, save as .xlsx and upload it on the register's upload page. Rows left as they are change nothing.",
        "To raise a risk, add a row with Risk ID blank: title, description, raised on, likelihood, consequence and targets.",
        "Likelihood and consequence are whole numbers from 1 to 5; Score, Grade, Initial and Target score are worked out, not read.",
        "A target above the current score needs a Target reason. Closing a risk (Status: Closed) needs a Closed reason.",
        "Schemes: the refs of the linked schemes, comma-separated (blank for a programme-level risk).",
        "Do not change Risk ID or Version: they tell us which risk a row is, and whether someone changed it after you downloaded this file.",
        "The upload is all or nothing: if any row has a problem, nothing is saved and every problem is listed by sheet, row and column.",
        "The Matrices sheet counts open risks per cell: initial (first score), current and target. Actions lists each risk's actions.",
    ]:
        sheet_append(readme, [line])
    readme.column_dimensions["A"].width = 120
    return workbook_bytes(workbook)


def _scheme_list(row, programme, schemes_by_ref):
    refs = [ref.strip() for ref in row.text("Schemes").split(",") if ref.strip()]
    unknown = [ref for ref in refs if ref not in schemes_by_ref]
    if unknown:
        row.problem("Schemes", f"No scheme {', '.join(unknown)} in {programme.name}.")
        return None
    return [schemes_by_ref[ref] for ref in refs]


def _owner(row, users_by_name, candidates: set[int], programme):
    """The owner's account when the name is someone's; otherwise the name as typed. An account of someone with no
    role in the programme's partnership is refused: another partnership's people are never named here."""
    text = row.text("Owner")
    user = users_by_name.get(text.casefold()) if text else None
    if user is not None and user.pk not in candidates:
        row.problem(
            "Owner",
            f"“{text}” has no role in {programme.partnership}: a risk's owner is one of its people. Ask the programme "
            "office to invite them, or correct the name.",
        )
        return None, ""
    return user, ("" if user else text)


def _scale(row, column):
    return row.integer(column, required=True, hint=f"{column} must be a whole number from 1 to 5.")


def register_workbook_import(*, programme, file, user) -> dict:
    """Create, update, re-score and close risks from the Risks sheet; any problem saves nothing.

    Raises SpreadsheetErrors listing every problem (sheet, row, column, message).
    """
    summary = dict.fromkeys(("risks_created", "risks_updated", "risks_rescored", "risks_closed"), 0)
    with workbook_open(file) as workbook:
        errors: list[dict] = []
        ws = headers_check(workbook, RISKS_SHEET, RISK_HEADERS, errors)
        if errors:
            raise SpreadsheetErrors(errors)
        _import_rows(ws, programme, user, errors, summary)
    return summary


def _import_rows(ws, programme, user, errors: list[dict], summary: dict) -> None:
    with transaction.atomic():
        existing = {r.pk: r for r in risk_queryset().filter(programme=programme).prefetch_related("schemes__leads")}
        schemes_by_ref = {s.ref: s for s in programme.schemes.exclude(ref="").prefetch_related("leads")}
        users_by_name = {}
        for u in User.objects.filter(is_active=True):
            users_by_name[u.username.casefold()] = u
            users_by_name.setdefault(str(u).casefold(), u)
        candidates = set(risk_owner_candidates(programme).values_list("pk", flat=True))
        for row in sheet_rows(ws, RISKS_SHEET, RISK_HEADERS, errors):
            try:
                with transaction.atomic():  # a savepoint: one refused row must not poison the rest on PostgreSQL
                    _import_row(row, programme, user, existing, schemes_by_ref, users_by_name, candidates, summary)
                    if not row.ok:
                        raise _RowFailed
            except _RowFailed:
                pass
            except (ValidationError, StaleEdit) as exc:
                row.service_problem(exc, _FIELD_COLUMNS, "Title")
        if errors:
            raise SpreadsheetErrors(errors)  # inside the transaction: everything saved above rolls back


class _RowFailed(Exception):
    pass


def _import_row(row, programme, user, existing, schemes_by_ref, users_by_name, candidates, summary) -> None:
    schemes = _scheme_list(row, programme, schemes_by_ref)
    values = {
        "likelihood": _scale(row, "Likelihood"),
        "consequence": _scale(row, "Consequence"),
        "target_likelihood": _scale(row, "Target likelihood"),
        "target_consequence": _scale(row, "Target consequence"),
    }
    category = row.choice("Category", RiskCategory, default=RiskCategory.DELIVERY)
    status = row.choice("Status", RiskStatus, default=RiskStatus.OPEN)
    board = row.choice("Report to the board", BoardEscalation, default=BoardEscalation.AUTO)
    on_af = row.yes_no("On assurance framework", default=False)
    raised_on = row.date("Raised on", required=True)
    next_review = row.date("Next review")
    owner, owner_name = _owner(row, users_by_name, candidates, programme)
    if not row.ok:
        return
    details = {
        "title": row.text("Title"),
        "description": row.text("Description"),
        "cause": row.text("Cause"),
        "effect": row.text("Effect"),
        "category": category,
        "owner": owner,
        "owner_name": owner_name,
        "next_review_date": next_review,
        "on_assurance_framework": on_af,
        "assurance_reference": row.text("Assurance reference"),
        "board_escalation": board,
    }
    risk_id = row.values.get("Risk ID")
    if risk_id in (None, ""):
        if not can_raise_risk(user, schemes, programme):
            row.problem(
                "Schemes", "You can only raise risks on schemes you lead (programme-level risks: the programme office)."
            )
            return
        services.risk_create(
            programme=programme,
            schemes=schemes,
            raised_on=raised_on,
            target_reason=row.text("Target reason"),
            by=user,
            **values,
            **details,
        )
        summary["risks_created"] += 1
        return
    risk = existing.get(int(risk_id)) if str(risk_id).isdigit() or isinstance(risk_id, int) else None
    if risk is None:
        row.problem(
            "Risk ID", f"There is no risk {risk_id} in {programme.name}: leave Risk ID blank to raise a new one."
        )
        return
    version = row.integer("Version", required=True, hint="Keep the Version the download gave this row.")
    if version is None:
        return
    changed_details = {
        k: v
        for k, v in details.items()
        if (stored_text(getattr(risk, k)) if isinstance(v, str) else getattr(risk, k)) != v
    }
    if can_edit_risk(user, risk):
        # A lead's row changes only the links to schemes they lead; links to the others are kept (issue 15).
        try:
            schemes = risk_schemes_for_edit(user, risk, schemes)
        except ValidationError as exc:
            row.problem("Schemes", " ".join(exc.message_dict.get("schemes", exc.messages)))
            return
    changed_schemes = {s.pk for s in schemes} != {s.pk for s in risk.schemes.all()}
    rescore = any(getattr(risk, k) != v for k, v in values.items())
    close = status == RiskStatus.CLOSED and risk.status != RiskStatus.CLOSED
    if status == RiskStatus.OPEN and risk.status == RiskStatus.CLOSED:
        row.problem("Status", "Reopening a closed risk is done on its page, with a reason.")
        return
    if not (changed_details or changed_schemes or rescore or close):
        return
    if not can_edit_risk(user, risk):
        row.problem("Risk ID", "Only the programme office or the lead of a linked scheme can change this risk.")
        return
    expected = version
    if changed_details or changed_schemes:
        services.risk_update(
            risk=risk,
            schemes=schemes if changed_schemes else None,
            by=user,
            expected_version=expected,
            **changed_details,
        )
        summary["risks_updated"] += 1
        expected = None
    if rescore:
        services.risk_rescore(
            risk=risk,
            assessed_on=timezone.localdate(),
            note="Re-scored by spreadsheet upload",
            target_reason=row.text("Target reason"),
            by=user,
            expected_version=expected,
            **values,
        )
        summary["risks_rescored"] += 1
        expected = None
    if close:
        services.risk_close(risk=risk, reason=row.text("Closed reason"), by=user, expected_version=expected)
        summary["risks_closed"] += 1
