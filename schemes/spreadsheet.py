"""Excel in and out: a programme's schemes and milestones as one workbook, and the upload that reads it back.

The renderer is pure (data in, bytes out). The importer is a write: every change goes through the
schemes and milestones services, inside one transaction, so an upload with any problem saves nothing.
"""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from accounts.roles import Role, has_role
from core.exceptions import StaleEdit
from core.natural import natural_key
from core.spreadsheets import (
    NO,
    YES,
    SheetRow,
    SpreadsheetErrors,
    headers_check,
    list_validation,
    sheet_append,
    sheet_rows,
    shown_date,
    stored_text,
    workbook_bytes,
    workbook_open,
    write_table,
)
from milestones import services as milestone_services
from milestones.models import Milestone, MilestoneStatus
from schemes import services as scheme_services
from schemes.models import Locality, Programme, Scheme, SchemeLead, SchemeStatus
from schemes.permissions import can_edit_scheme

SCHEMES_SHEET = "Schemes"
MILESTONES_SHEET = "Milestones"
README_SHEET = "Read me"

SCHEME_HEADERS = [
    "Ref",
    "Name",
    "Workstream",
    "Description",
    "Clinical lead",
    "CCG",
    "GM",
    "National",
    "Locality",
    "Status",
    "Version",
]
MILESTONE_HEADERS = [
    "Milestone ID",
    "Scheme ref",
    "Phase",
    "Description",
    "Start date",
    "Baseline date",
    "Due date",
    "Completed on",
    "Status",
    "Reason for date change",
    "Version",
]

_WIDTHS = {
    "Ref": 8,
    "Name": 40,
    "Workstream": 28,
    "Description": 70,
    "Clinical lead": 24,
    "CCG": 7,
    "GM": 7,
    "National": 10,
    "Locality": 14,
    "Status": 14,
    "Version": 9,
    "Milestone ID": 13,
    "Scheme ref": 11,
    "Phase": 8,
    "Start date": 13,
    "Baseline date": 14,
    "Due date": 13,
    "Completed on": 14,
    "Reason for date change": 40,
}
# Columns people should not edit: greyed so the sheet says so without a lecture.
_INFORMATIONAL = {"Version", "Milestone ID", "Baseline date"}
_WRAPPED = {"Description", "Reason for date change"}
_DATES = {"Start date", "Baseline date", "Due date", "Completed on"}


# --- Reading for the download -------------------------------------------------------------------


def programme_workbook_data(*, programme: Programme) -> dict:
    """The programme's schemes (with workstream) and milestones (with scheme) for the workbook, in two queries."""
    schemes = sorted(
        Scheme.objects.filter(programme=programme).select_related("workstream"),
        key=lambda s: (not s.ref, natural_key(s.ref), s.name.casefold()),  # projects still to scope last
    )
    milestones = sorted(
        Milestone.objects.filter(scheme__programme=programme).select_related("scheme"),
        key=lambda m: (
            not m.scheme.ref,
            natural_key(m.scheme.ref),
            m.scheme.name.casefold(),
            m.order,
            m.due_date,
            m.pk,
        ),
    )
    return {"programme": programme, "schemes": schemes, "milestones": milestones}


# --- The renderer -------------------------------------------------------------------------------


def _yes_no(value: bool) -> str:
    return YES if value else NO


def _write_table(ws, headers: list[str], rows: list[list]) -> int:
    return write_table(ws, headers, rows, widths=_WIDTHS, informational=_INFORMATIONAL, wrapped=_WRAPPED, dates=_DATES)


def _readme_lines(programme: Programme) -> list[str]:
    return [
        f"{programme.name}: schemes and milestones",
        *([programme.illustrative_label] if programme.is_illustrative else []),  # an invented programme says so
        "Change cells on the Schemes and Milestones sheets, save the file as .xlsx and upload it on the "
        "import page. Rows you leave as they are change nothing.",
        "To add a milestone, add a row on the Milestones sheet with Milestone ID left blank, the scheme's ref, "
        "a description and a due date.",
        "To move a milestone's date, change its Due date and say why in “Reason for date change”. "
        "The Baseline date is the date first planned: it never changes.",
        "To complete a milestone, fill in “Completed on” with the date it was completed (not a future date).",
        "Do not change Ref, Milestone ID or Version: they tell us which record a row is, and whether someone "
        "else changed it after you downloaded this file.",
        "Dates are DD/MM/YYYY. Yes/No, Locality and Status cells have a drop-down list.",
        "Project leads can change the milestones of the schemes they lead; only the programme office can "
        "change the Schemes sheet. Deleting a row deletes nothing.",
        "The upload is all or nothing: if any row has a problem, nothing is saved and every problem is listed "
        "with its sheet, row and column.",
    ]


def programme_workbook_bytes(*, programme: Programme, schemes, milestones) -> bytes:
    """The programme's schemes and milestones as an .xlsx template that the upload reads back."""
    workbook = Workbook()
    ws = workbook.active
    ws.title = SCHEMES_SHEET
    last = _write_table(
        ws,
        SCHEME_HEADERS,
        [
            [
                s.ref,
                s.name,
                s.workstream.name if s.workstream else "",
                s.description,
                s.clinical_lead,
                _yes_no(s.reports_to_ccg),
                _yes_no(s.reports_to_gm),
                _yes_no(s.reports_to_national),
                s.get_locality_display(),
                s.get_status_display(),
                s.version,
            ]
            for s in schemes
        ],
    )
    for header in ("CCG", "GM", "National"):
        list_validation(ws, SCHEME_HEADERS, header, [YES, NO], last)
    list_validation(ws, SCHEME_HEADERS, "Locality", Locality.labels, last)
    list_validation(ws, SCHEME_HEADERS, "Status", SchemeStatus.labels, last)

    ws = workbook.create_sheet(MILESTONES_SHEET)
    last = _write_table(
        ws,
        MILESTONE_HEADERS,
        [
            [
                m.pk,
                m.scheme.ref,
                m.phase,
                m.description,
                m.start_date,
                m.baseline_date,
                m.due_date,
                m.completed_on,
                m.get_status_display(),
                "",
                m.version,
            ]
            for m in milestones
        ],
    )
    list_validation(ws, MILESTONE_HEADERS, "Status", MilestoneStatus.labels, last)

    ws = workbook.create_sheet(README_SHEET)
    for line in _readme_lines(programme):
        sheet_append(ws, [line])
    ws["A1"].font = Font(bold=True, size=13)
    ws.column_dimensions["A"].width = 120
    for (cell,) in ws.iter_rows(min_row=2, max_col=1):
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    return workbook_bytes(workbook)


# --- The importer -------------------------------------------------------------------------------
# The importer is a write, so by our layout it belongs in services.py. It lives here instead so that
# this feature does not clash with concurrent edits of schemes/services.py; it holds no business rule
# of its own beyond reading cells: every change goes through scheme_* and milestone_* services.

_SCHEME_FIELD_COLUMNS = {
    "ref": "Ref",
    "name": "Name",
    "workstream": "Workstream",
    "description": "Description",
    "clinical_lead": "Clinical lead",
    "reports_to_ccg": "CCG",
    "reports_to_gm": "GM",
    "reports_to_national": "National",
    "locality": "Locality",
    "status": "Status",
    "programme": "Ref",
}
_MILESTONE_FIELD_COLUMNS = {
    "scheme": "Scheme ref",
    "phase": "Phase",
    "description": "Description",
    "start_date": "Start date",
    "baseline_date": "Due date",
    "due_date": "Due date",
    "new_date": "Due date",
    "reason": "Reason for date change",
    "completed_on": "Completed on",
    "status": "Status",
}


@dataclass
class _Import:
    programme: Programme
    user: object
    is_office: bool
    errors: list[dict] = field(default_factory=list)
    summary: dict[str, int] = field(
        default_factory=lambda: dict.fromkeys(
            (
                "schemes_created",
                "schemes_updated",
                "milestones_created",
                "milestones_updated",
                "milestones_moved",
                "milestones_completed",
            ),
            0,
        )
    )
    schemes_by_ref: dict[str, Scheme] = field(default_factory=dict)
    schemes_to_scope: dict[str, Scheme] = field(default_factory=dict)
    refs_not_saved: set[str] = field(default_factory=set)
    workstreams: dict = field(default_factory=dict)
    milestones: dict[int, Milestone] = field(default_factory=dict)

    def load(self) -> None:
        schemes = Scheme.objects.filter(programme=self.programme).prefetch_related(
            Prefetch("leads", queryset=SchemeLead.objects.all())
        )
        for scheme in schemes:
            if scheme.ref:
                self.schemes_by_ref[scheme.ref] = scheme
            else:
                # A project still to scope has no ref: its row is recognised by its name.
                self.schemes_to_scope[scheme.name.casefold()] = scheme
        by_pk = {s.pk: s for s in [*self.schemes_by_ref.values(), *self.schemes_to_scope.values()]}
        self.workstreams = {w.name.casefold(): w for w in self.programme.workstreams.all()}
        for milestone in Milestone.objects.filter(scheme__programme=self.programme):
            milestone.scheme = by_pk[milestone.scheme_id]
            self.milestones[milestone.pk] = milestone

    # --- Schemes sheet ---------------------------------------------------------------------

    def scheme_row(self, row: SheetRow, seen: dict) -> None:
        ref, name = row.text("Ref"), row.text("Name")
        key = ref or f"name:{name.casefold()}"
        if key in seen:
            what = f"Scheme {ref}" if ref else f"The project “{name}”"
            row.problem("Ref", f"{what} is also on row {seen[key]}: give each scheme one row.")
            return
        seen[key] = row.number
        existing = self.schemes_by_ref.get(ref) if ref else self.schemes_to_scope.get(name.casefold())
        new = existing is None
        if not name:
            row.problem("Name", "Give the scheme a name.")
        workstream = None
        workstream_name = row.text("Workstream")
        if workstream_name:
            workstream = self.workstreams.get(workstream_name.casefold())
            if workstream is None:
                known = ", ".join(f"“{w.name}”" for w in self.workstreams.values()) or "none yet"
                row.problem(
                    "Workstream", f"“{workstream_name}” is not a workstream of this programme (it has {known})."
                )
        wanted = {
            "name": name,
            "workstream": workstream,
            "description": row.text("Description"),
            "clinical_lead": row.text("Clinical lead"),
            "reports_to_ccg": row.yes_no("CCG", default=False if new else None),
            "reports_to_gm": row.yes_no("GM", default=False if new else None),
            "reports_to_national": row.yes_no("National", default=False if new else None),
            "locality": row.choice("Locality", Locality, default=Locality.BOROUGH if new else None),
            "status": row.choice(
                "Status", SchemeStatus, default=(SchemeStatus.ACTIVE if ref else SchemeStatus.TO_SCOPE) if new else None
            ),
        }
        version = None
        if not new:
            version = row.integer(
                "Version",
                required=True,
                hint="Keep the Version from the download: it shows whether someone changed the scheme since.",
            )
        if not row.ok:
            self.refs_not_saved.add(ref)
            return
        if new:
            self._scheme_create(row, ref, wanted)
        else:
            self._scheme_update(row, existing, wanted, version)
        if not row.ok:
            self.refs_not_saved.add(ref)

    def _scheme_create(self, row: SheetRow, ref: str, wanted: dict) -> None:
        if not self.is_office:
            row.problem("Ref", "Only the programme office can change scheme details: this row would add a new scheme.")
            return
        try:
            with transaction.atomic():
                scheme = scheme_services.scheme_create(programme=self.programme, ref=ref, by=self.user, **wanted)
        except ValidationError as exc:
            row.service_problem(exc, _SCHEME_FIELD_COLUMNS, "Ref")
            return
        if ref:
            self.schemes_by_ref[ref] = scheme
        self.summary["schemes_created"] += 1

    def _scheme_update(self, row: SheetRow, scheme: Scheme, wanted: dict, version: int | None) -> None:
        current = {
            "name": stored_text(scheme.name),
            "workstream": scheme.workstream_id,
            "description": stored_text(scheme.description),
            "clinical_lead": stored_text(scheme.clinical_lead),
            "reports_to_ccg": scheme.reports_to_ccg,
            "reports_to_gm": scheme.reports_to_gm,
            "reports_to_national": scheme.reports_to_national,
            "locality": scheme.locality,
            "status": scheme.status,
        }
        comparable = {**wanted, "workstream": wanted["workstream"].pk if wanted["workstream"] else None}
        changed = {k: wanted[k] for k in wanted if comparable[k] != current[k]}
        if not changed:
            return
        columns = [_SCHEME_FIELD_COLUMNS[k] for k in changed]
        if not self.is_office:
            row.problem(
                columns[0],
                "Only the programme office can change scheme details "
                f"(this row differs from scheme {scheme.ref or scheme.name} in: {', '.join(columns)}).",
            )
            return
        try:
            with transaction.atomic():
                scheme_services.scheme_update(scheme=scheme, by=self.user, expected_version=version, **changed)
        except (ValidationError, StaleEdit) as exc:
            row.service_problem(exc, _SCHEME_FIELD_COLUMNS, columns[0])
            return
        self.summary["schemes_updated"] += 1

    # --- Milestones sheet ------------------------------------------------------------------

    def milestone_row(self, row: SheetRow, seen: dict) -> None:
        milestone_id = row.integer(
            "Milestone ID",
            required=False,
            hint="Milestone ID must be the number from the download; leave it blank for a new milestone.",
        )
        milestone = None
        if milestone_id is not None:
            if milestone_id in seen:
                row.problem("Milestone ID", f"Milestone {milestone_id} is also on row {seen[milestone_id]}.")
                return
            seen[milestone_id] = row.number
            milestone = self.milestones.get(milestone_id)
            if milestone is None:
                row.problem(
                    "Milestone ID",
                    f"There is no milestone {milestone_id} in this programme. "
                    "Leave Milestone ID blank to add a new milestone.",
                )
        scheme = self._scheme_for(row)
        description = row.text("Description")
        if not description:
            row.problem("Description", "Describe the milestone.")
        start = row.date("Start date")
        due = row.date("Due date", required=True)
        completed = row.date("Completed on")
        status = row.choice("Status", MilestoneStatus, default="")
        if start and due and start > due:
            row.problem("Start date", f"The start date {shown_date(start)} is after the due date {shown_date(due)}.")
        wanted = {
            "phase": row.text("Phase"),
            "description": description,
            "start_date": start,
            "due_date": due,
            "completed_on": completed,
            "status": status,
            "reason": row.text("Reason for date change"),
        }
        version = None
        if milestone is not None:
            version = row.integer(
                "Version",
                required=True,
                hint="Keep the Version from the download: it shows whether someone changed the milestone since.",
            )
            if scheme is not None and milestone.scheme_id != scheme.pk:
                row.problem(
                    "Scheme ref",
                    f"Milestone {milestone.pk} belongs to scheme {milestone.scheme.ref}: a milestone cannot move to "
                    "another scheme. Add a new row (Milestone ID blank) instead.",
                )
        if not row.ok or scheme is None:
            return
        if milestone is None:
            self._milestone_create(row, scheme, wanted)
        else:
            self._milestone_change(row, milestone, wanted, version)

    def _scheme_for(self, row: SheetRow) -> Scheme | None:
        ref = row.text("Scheme ref")
        if not ref:
            row.problem("Scheme ref", "Give the ref of the milestone's scheme (e.g. 5.1).")
            return None
        scheme = self.schemes_by_ref.get(ref)
        if scheme is None:
            if ref in self.refs_not_saved:
                row.problem("Scheme ref", f"Scheme {ref} could not be saved: see its problems on the Schemes sheet.")
            else:
                row.problem("Scheme ref", f"{ref} is not a scheme of this programme.")
        return scheme

    def _status_problem(self, row: SheetRow, status: str, current: str, will_complete: bool) -> None:
        allowed = {current, MilestoneStatus.COMPLETE} if will_complete else {current}
        if status and status not in allowed:
            row.problem(
                "Status",
                f"The status cannot be set to “{MilestoneStatus(status).label}” by upload. "
                "To complete a milestone, fill in “Completed on”; the status follows.",
            )

    def _refused(self, row: SheetRow, scheme: Scheme, column: str, what: str) -> bool:
        if can_edit_scheme(self.user, scheme):
            return False
        row.problem(
            column,
            f"Only the programme office or the project lead of scheme {scheme.ref or scheme.name} "
            f"can {what} its milestones.",
        )
        return True

    def _milestone_create(self, row: SheetRow, scheme: Scheme, wanted: dict) -> None:
        if self._refused(row, scheme, "Scheme ref", "add to"):
            return
        self._status_problem(row, wanted["status"], MilestoneStatus.NOT_STARTED, bool(wanted["completed_on"]))
        if not row.ok:
            return
        try:
            with transaction.atomic():
                milestone = milestone_services.milestone_create(
                    scheme=scheme,
                    description=wanted["description"],
                    phase=wanted["phase"],
                    start_date=wanted["start_date"],
                    due_date=wanted["due_date"],
                    by=self.user,
                )
                if wanted["completed_on"]:
                    milestone_services.milestone_complete(
                        milestone=milestone, completed_on=wanted["completed_on"], by=self.user
                    )
        except ValidationError as exc:
            row.service_problem(exc, _MILESTONE_FIELD_COLUMNS, "Description")
            return
        self.summary["milestones_created"] += 1
        if wanted["completed_on"]:
            self.summary["milestones_completed"] += 1

    def _milestone_change(self, row: SheetRow, milestone: Milestone, wanted: dict, version: int | None) -> None:
        details = {
            "Phase": wanted["phase"] != stored_text(milestone.phase),
            "Description": wanted["description"] != stored_text(milestone.description),
            "Start date": wanted["start_date"] != milestone.start_date,
        }
        update = any(details.values())
        move = wanted["due_date"] != milestone.due_date
        complete = bool(wanted["completed_on"]) and not milestone.is_complete
        completion_changed = milestone.is_complete and wanted["completed_on"] != milestone.completed_on
        status_changed = bool(wanted["status"]) and wanted["status"] != milestone.status
        differs = {
            **details,
            "Due date": move,
            "Completed on": complete or completion_changed,
            "Status": status_changed,
        }
        changed_columns = [column for column, changed in differs.items() if changed]
        if not changed_columns:
            return
        if self._refused(row, milestone.scheme, changed_columns[0], "change"):
            return
        if completion_changed:
            row.problem(
                "Completed on",
                f"This milestone was completed on {shown_date(milestone.completed_on)}: the completion date cannot be "
                f"changed or cleared by upload (the row says {shown_date(wanted['completed_on'])}).",
            )
        self._status_problem(row, wanted["status"], milestone.status, complete)
        if move and not wanted["reason"]:
            row.problem(
                "Reason for date change",
                f"The due date moves from {shown_date(milestone.due_date)} to {shown_date(wanted['due_date'])}: "
                "say why in “Reason for date change”.",
            )
        if not row.ok:
            return

        def do_update(expected):
            milestone_services.milestone_update(
                milestone=milestone,
                description=wanted["description"],
                phase=wanted["phase"],
                start_date=wanted["start_date"],
                by=self.user,
                expected_version=expected,
            )

        def do_move(expected):
            milestone_services.milestone_move(
                milestone=milestone,
                new_date=wanted["due_date"],
                reason=wanted["reason"],
                by=self.user,
                expected_version=expected,
            )

        def do_complete(expected):
            milestone_services.milestone_complete(
                milestone=milestone, completed_on=wanted["completed_on"], by=self.user, expected_version=expected
            )

        steps = []
        if update:
            steps.append(do_update)
        if move:
            # A range start moving past the old due date is valid only once the date has moved: move first then.
            later_start = wanted["start_date"] and wanted["start_date"] > milestone.due_date
            steps.insert(0 if later_start else len(steps), do_move)
        if complete:
            steps.append(do_complete)
        try:
            with transaction.atomic():
                expected = version
                for step in steps:
                    step(expected)
                    # Only the first call checks the Version from the file: each call bumps it.
                    expected = None
        except (ValidationError, StaleEdit) as exc:
            row.service_problem(exc, _MILESTONE_FIELD_COLUMNS, changed_columns[0])
            return
        self.summary["milestones_updated"] += int(update)
        self.summary["milestones_moved"] += int(move)
        self.summary["milestones_completed"] += int(complete)


def programme_workbook_import(*, programme: Programme, file, user) -> dict:
    """Create and update a programme's schemes and milestones from the workbook; any problem saves nothing.

    Raises SpreadsheetErrors listing every problem (sheet, row, column, message).
    """
    with workbook_open(file) as workbook:
        errors: list[dict] = []
        schemes_ws = headers_check(workbook, SCHEMES_SHEET, SCHEME_HEADERS, errors)
        milestones_ws = headers_check(workbook, MILESTONES_SHEET, MILESTONE_HEADERS, errors)
        if errors:
            raise SpreadsheetErrors(errors)
        state = _Import(
            programme=programme,
            user=user,
            is_office=has_role(user, Role.PROGRAMME_OFFICE, programme=programme),
            errors=errors,
        )
        with transaction.atomic():
            state.load()
            seen: dict = {}
            for row in sheet_rows(schemes_ws, SCHEMES_SHEET, SCHEME_HEADERS, errors):
                state.scheme_row(row, seen)
            seen = {}
            for row in sheet_rows(milestones_ws, MILESTONES_SHEET, MILESTONE_HEADERS, errors):
                state.milestone_row(row, seen)
            if errors:
                # Raised inside the transaction, so every row that did save is rolled back with it.
                raise SpreadsheetErrors(errors)
    return state.summary
