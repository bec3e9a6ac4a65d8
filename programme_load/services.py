"""Load a whole programme (schemes, milestones, risks, allocations) from one workbook: a dry run, then the load.

Every rule is the owning app's: rows are checked with the services' own checks (scheme_build,
milestone_check_new, risk_check_new, finance's money) and saved through their services, new rows in bulk
(schemes_create_bulk, milestones_create_bulk, risks_create_bulk, allocations_add_bulk, one movement_propose),
changed rows one at a time (scheme_update, milestone_move, risk_rescore, ...). All of it runs inside one
transaction: any problem and nothing is saved. The dry run runs exactly the same code and rolls back, so what
it reports is what the load will do.

Keys, so that loading the same workbook again changes nothing: a scheme is its Ref; a milestone is its Scheme
ref and Description; a risk is its Title; an allocation is its Scheme ref, Initiative and Workstream (in the
chosen fund).
"""

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.db.models.functions import Lower
from django.utils import timezone

from accounts.models import User
from core.exceptions import StaleEdit
from core.spreadsheets import (
    SheetRow,
    SpreadsheetErrors,
    headers_check,
    problem,
    read_text,
    sheet_rows,
    shown_date,
    stored_text,
    workbook_open,
)
from finance import selectors as finance_selectors
from finance import services as finance_services
from finance.models import Allocation, AllocationStatus, Fund, MovementKind
from milestones import services as milestone_services
from milestones.models import Milestone
from milestones.services import NewMilestone
from programme_load.template import (
    ALLOCATIONS_SHEET,
    AMOUNT,
    MILESTONES_SHEET,
    RISKS_SHEET,
    SCHEMES_SHEET,
    SHEETS,
    SPEND,
)
from risks import services as risk_services
from risks.models import Risk, RiskCategory
from risks.services import NewRisk
from schemes import services as scheme_services
from schemes.models import Locality, Programme, Scheme, SchemeLead, SchemeStatus

ZERO = Decimal("0")
TEMPLATE = "the programme workbook downloaded from the load page"

_SCHEME_COLUMNS = {
    "ref": "Ref",
    "name": "Name",
    "workstream": "Workstream",
    "locality": "Locality",
    "programme_locality": "Locality",
    "description": "Description",
    "clinical_lead": "Clinical lead",
    "reports_to_ccg": "CCG",
    "reports_to_gm": "GM",
    "reports_to_national": "National",
    "status": "Ref",
    "programme": "Ref",
    "end_date": "Project lead e-mail",
}
_MILESTONE_COLUMNS = {
    "description": "Description",
    "phase": "Phase",
    "start_date": "Due date",
    "due_date": "Due date",
    "new_date": "Due date",
    "baseline_date": "Baseline date",
    "reason": "Reason for date change",
    "completed_on": "Completed on",
}
_RISK_COLUMNS = {
    "title": "Title",
    "likelihood": "Likelihood",
    "consequence": "Consequence",
    "target_likelihood": "Target likelihood",
    "target_consequence": "Target consequence",
    "target_reason": "Reason for target",
    "description": "Description",
    "category": "Category",
    "owner_name": "Owner",
    "raised_on": "Raised on",
    "next_review_date": "Next review date",
    "assessed_on": "Raised on",
    "schemes": "Scheme ref",
}
_ALLOCATION_COLUMNS = {"scheme_name": "Initiative", "initiative": "Initiative", "scheme": "Scheme ref"}


def _norm(text: str) -> str:
    """Text as a key compares it: case and runs of spaces ignored."""
    return re.sub(r"\s+", " ", (text or "").strip()).casefold()


@dataclass
class Step:
    """One row's effect, as the dry run lists it."""

    sheet: str
    row: int
    action: str  # "create" or "change"
    key: str
    detail: str

    def as_dict(self) -> dict:
        return {"sheet": self.sheet, "row": self.row, "action": self.action, "key": self.key, "detail": self.detail}


@dataclass
class _Load:
    programme: Programme
    user: Any
    fund: Fund | None
    decision: dict
    today: dt.date
    errors: list[dict] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)
    schemes: dict[str, Scheme] = field(default_factory=dict)
    new_schemes: list[tuple[SheetRow, Scheme]] = field(default_factory=list)
    scheme_changes: list[tuple[SheetRow, Scheme, dict]] = field(default_factory=list)
    new_leads: list[tuple[SheetRow, Scheme, User]] = field(default_factory=list)
    new_milestones: list[tuple[SheetRow, NewMilestone]] = field(default_factory=list)
    milestone_changes: list[tuple[SheetRow, Milestone, dict]] = field(default_factory=list)
    new_risks: list[tuple[SheetRow, NewRisk]] = field(default_factory=list)
    risk_changes: list[tuple[SheetRow, Risk, dict]] = field(default_factory=list)
    new_allocations: list[tuple[SheetRow, Allocation, Decimal, Decimal | None]] = field(default_factory=list)
    allocation_links: list[tuple[SheetRow, Allocation, Scheme]] = field(default_factory=list)
    money_changes: list[tuple[SheetRow, Allocation, Decimal]] = field(default_factory=list)
    discontinuations: list[tuple[SheetRow, Allocation, Decimal]] = field(default_factory=list)
    bad_refs: set[str] = field(default_factory=set)

    # --- What is there already (a fixed number of queries) ------------------------------------------------

    def load_existing(self) -> None:
        schemes = Scheme.objects.filter(programme=self.programme).prefetch_related(
            Prefetch("leads", queryset=SchemeLead.objects.all())
        )
        self.existing_schemes = {s.ref: s for s in schemes if s.ref}
        self.schemes = dict(self.existing_schemes)
        by_pk = {s.pk: s for s in schemes}
        self.workstreams = {_norm(w.name): w for w in self.programme.workstreams.all()}
        # The programme's own localities, when it has set any up: the Locality column names one of them.
        self.localities = {_norm(p.name): p for p in self.programme.localities.filter(is_retired=False)}
        self.closed_periods = list(self.programme.periods.filter(is_closed=True))
        self.milestones: dict[tuple[int, str], Milestone] = {}
        self.milestone_count: dict[int, int] = {}
        for milestone in Milestone.objects.filter(scheme__programme=self.programme):
            milestone.scheme = by_pk[milestone.scheme_id]
            self.milestones[(milestone.scheme_id, _norm(milestone.description))] = milestone
            self.milestone_count[milestone.scheme_id] = self.milestone_count.get(milestone.scheme_id, 0) + 1
        self.risks: dict[str, Risk] = {}
        for risk in Risk.objects.filter(programme=self.programme).prefetch_related("schemes"):
            self.risks.setdefault(_norm(risk.title), risk)

    def load_money(self) -> None:
        self.allocations_by_link: dict[tuple, Allocation] = {}
        self.allocations_by_name: dict[tuple, Allocation] = {}
        self.balances = None
        self.pending_discontinuation: set[int] = set()
        if self.fund is None:
            return
        for allocation in self.fund.allocations.all():
            names = (_norm(allocation.initiative), _norm(allocation.workstream))
            if allocation.scheme_id:
                self.allocations_by_link[(allocation.scheme_id, *names)] = allocation
            self.allocations_by_name[(*names, _norm(allocation.scheme_name))] = allocation
        self.balances = finance_selectors.fund_balances_pending(fund=self.fund)
        self.pending_discontinuation = finance_selectors.allocations_pending_discontinuation(fund=self.fund)

    def users_by_email(self, rows: list[SheetRow]) -> dict[str, list]:
        emails = {row.text("Project lead e-mail").casefold() for row in rows} - {""}
        found: dict[str, list] = {}
        if emails:
            for user in User.objects.annotate(lower_email=Lower("email")).filter(lower_email__in=emails):
                found.setdefault(user.email.casefold(), []).append(user)
        return found

    # --- Schemes ------------------------------------------------------------------------------------------

    def scheme_rows(self, rows: list[SheetRow]) -> None:
        users = self.users_by_email(rows)
        seen: dict[str, int] = {}
        for row in rows:
            self.scheme_row(row, seen, users)

    def scheme_row(self, row: SheetRow, seen: dict, users: dict) -> None:
        ref, name = row.text("Ref"), row.text("Name")
        if not ref:
            row.problem("Ref", "Give the scheme's ref (e.g. 5.1): the ref is how the other sheets name it.")
            return
        if ref in seen:
            row.problem("Ref", f"Scheme {ref} is also on row {seen[ref]}: a ref is used once.")
            self.bad_refs.add(ref)
            return
        seen[ref] = row.number
        if not name:
            row.problem("Name", "Give the scheme a name.")
        existing = self.existing_schemes.get(ref)
        base = existing if existing is not None else Scheme()  # a new scheme's defaults
        workstream = None
        workstream_name = row.text("Workstream")
        if workstream_name:
            workstream = self.workstreams.get(_norm(workstream_name))
            if workstream is None:
                known = ", ".join(f"“{w.name}”" for w in self.workstreams.values()) or "none yet"
                row.problem(
                    "Workstream", f"“{workstream_name}” is not a workstream of this programme (it has {known})."
                )
        place = base.programme_locality if existing is not None else None
        if self.localities:
            place_name = row.text("Locality")
            if place_name:
                place = self.localities.get(_norm(place_name))
                if place is None:
                    known = ", ".join(f"“{p.name}”" for p in self.localities.values())
                    row.problem("Locality", f"“{place_name}” is not a locality of this programme (it has {known}).")
            area = base.locality
        else:
            area = row.choice("Locality", Locality, default=base.locality)
        wanted: dict[str, Any] = {
            "name": name,
            "workstream": workstream,
            "locality": area,
            "programme_locality": place,
            "reports_to_ccg": row.yes_no("CCG", default=base.reports_to_ccg),
            "reports_to_gm": row.yes_no("GM", default=base.reports_to_gm),
            "reports_to_national": row.yes_no("National", default=base.reports_to_national),
            "clinical_lead": row.text("Clinical lead"),
            "description": row.text("Description"),
        }
        lead = self._lead(row, users)
        if not row.ok:
            self.bad_refs.add(ref)
            return
        if existing is None:
            try:
                scheme = scheme_services.scheme_build(
                    programme=self.programme, ref=ref, status=SchemeStatus.ACTIVE, **wanted
                )
            except ValidationError as exc:
                row.service_problem(exc, _SCHEME_COLUMNS, "Ref")
                self.bad_refs.add(ref)
                return
            self.schemes[ref] = scheme
            self.new_schemes.append((row, scheme))
            self.steps.append(Step(SCHEMES_SHEET, row.number, "create", ref, name))
            if lead is not None:
                self.new_leads.append((row, scheme, lead))
            return
        self._scheme_change(row, existing, wanted, lead)

    def _lead(self, row: SheetRow, users: dict):
        email = row.text("Project lead e-mail")
        if not email:
            return None
        matches = users.get(email.casefold(), [])
        if not matches:
            row.problem(
                "Project lead e-mail",
                f"No one has an account with the e-mail “{email}”: invite the project lead first, or correct it.",
            )
            return None
        if len(matches) > 1:
            row.problem("Project lead e-mail", f"More than one account has the e-mail “{email}”: ask the office.")
            return None
        return matches[0]

    def _scheme_change(self, row: SheetRow, scheme: Scheme, wanted: dict, lead) -> None:
        current = {
            "name": stored_text(scheme.name),
            "workstream": scheme.workstream_id,
            "locality": scheme.locality,
            "programme_locality": scheme.programme_locality_id,
            "reports_to_ccg": scheme.reports_to_ccg,
            "reports_to_gm": scheme.reports_to_gm,
            "reports_to_national": scheme.reports_to_national,
            "clinical_lead": stored_text(scheme.clinical_lead),
            "description": stored_text(scheme.description),
        }
        comparable = {
            **wanted,
            "workstream": wanted["workstream"].pk if wanted["workstream"] else None,
            "programme_locality": wanted["programme_locality"].pk if wanted["programme_locality"] else None,
        }
        changed = {k: wanted[k] for k in wanted if comparable[k] != current[k]}
        if changed:
            self.scheme_changes.append((row, scheme, changed))
            columns = ", ".join(_SCHEME_COLUMNS[k] for k in changed)
            self.steps.append(Step(SCHEMES_SHEET, row.number, "change", scheme.ref, f"changes {columns}"))
        if lead is None:
            return
        current_leads = [x for x in scheme.leads.all() if x.is_current(self.today)]
        if any(x.user_id == lead.pk for x in current_leads):
            return
        if current_leads:
            row.problem(
                "Project lead e-mail",
                f"Scheme {scheme.ref} is led by {current_leads[0].user}: a workbook does not replace a scheme's "
                "current lead (leads change from a date, with their history kept).",
            )
            return
        self.new_leads.append((row, scheme, lead))
        self.steps.append(Step(SCHEMES_SHEET, row.number, "change", scheme.ref, f"lead: {lead}"))

    def scheme_for(self, row: SheetRow, column: str = "Scheme ref") -> Scheme | None:
        ref = row.text(column)
        if not ref:
            row.problem(column, "Give the ref of a scheme (e.g. 5.1).")
            return None
        scheme = self.schemes.get(ref)
        if scheme is None:
            if ref in self.bad_refs:
                row.problem(column, f"Scheme {ref} has problems on the Schemes sheet: see them there.")
            else:
                row.problem(column, f"{ref} is not a scheme of {self.programme.name} nor on the Schemes sheet.")
        return scheme

    # --- Milestones ---------------------------------------------------------------------------------------

    def milestone_row(self, row: SheetRow, seen: dict) -> None:
        scheme = self.scheme_for(row)
        description = row.text("Description")
        if not description:
            row.problem("Description", "Describe the milestone.")
        baseline = row.date("Baseline date")
        due = row.date("Due date", required=baseline is None)
        due = due or baseline
        completed = row.date("Completed on")
        reason = row.text("Reason for date change")
        if not row.ok or scheme is None or due is None:
            return
        key = (scheme.ref, _norm(description))
        if key in seen:
            row.problem("Description", f"Scheme {scheme.ref} has this milestone on row {seen[key]} too.")
            return
        seen[key] = row.number
        existing = self.milestones.get((scheme.pk, key[1])) if scheme.pk else None
        if existing is None:
            order = self.milestone_count.get(scheme.pk or id(scheme), 0)
            self.milestone_count[scheme.pk or id(scheme)] = order + 1
            item = NewMilestone(
                scheme=scheme,
                description=description,
                due_date=due,
                baseline_date=baseline or due,
                phase=row.text("Phase"),
                reason=reason,
                completed_on=completed,
                order=order,
            )
            try:
                milestone_services.milestone_check_new(item, today=self.today, closed_periods=self.closed_periods)
            except ValidationError as exc:
                if "reason" in getattr(exc, "message_dict", {}):
                    row.problem(
                        "Reason for date change",
                        f"The due date {shown_date(due)} differs from the baseline {shown_date(baseline)}: "
                        "say why in “Reason for date change”.",
                    )
                else:
                    row.service_problem(exc, _MILESTONE_COLUMNS, "Description")
                return
            self.new_milestones.append((row, item))
            self.steps.append(Step(MILESTONES_SHEET, row.number, "create", scheme.ref, description))
            return
        self._milestone_change(row, existing, baseline, due, completed, reason)

    def _milestone_change(self, row: SheetRow, milestone: Milestone, baseline, due, completed, reason) -> None:
        if baseline is not None and baseline != milestone.baseline_date:
            row.problem(
                "Baseline date",
                f"The baseline is the date first planned ({shown_date(milestone.baseline_date)}): it never changes. "
                "Move the Due date instead, with a reason.",
            )
        wanted: dict = {}
        phase = row.text("Phase")
        if phase != stored_text(milestone.phase):
            wanted["phase"] = phase
        if due != milestone.due_date:
            if milestone.is_complete:
                row.problem("Due date", f"This milestone was completed on {shown_date(milestone.completed_on)}.")
            elif not reason:
                row.problem(
                    "Reason for date change",
                    f"The due date moves from {shown_date(milestone.due_date)} to {shown_date(due)}: say why in "
                    "“Reason for date change”.",
                )
            wanted["due_date"] = due
        if milestone.is_complete and completed != milestone.completed_on:
            row.problem(
                "Completed on",
                f"This milestone was completed on {shown_date(milestone.completed_on)}: the completion date cannot be "
                "changed or cleared by a workbook.",
            )
        elif completed and not milestone.is_complete:
            wanted["completed_on"] = completed
        if not row.ok or not wanted:
            return
        self.milestone_changes.append((row, milestone, {**wanted, "reason": reason}))
        detail = ", ".join(
            {
                "phase": "phase",
                "due_date": f"due {shown_date(due)}",
                "completed_on": f"completed {shown_date(completed)}",
            }[k]
            for k in wanted
        )
        self.steps.append(
            Step(
                MILESTONES_SHEET, row.number, "change", milestone.scheme.ref, f"{milestone.description[:60]}: {detail}"
            )
        )

    # --- Risks --------------------------------------------------------------------------------------------

    def _score(self, row: SheetRow, column: str, *, required: bool) -> int | None:
        value = row.integer(column, required=required, hint=f"{column} must be a whole number from 1 to 5.")
        if value is not None and not 1 <= value <= 5:
            row.problem(column, f"{column} must be a whole number from 1 to 5, not {value}.")
            return None
        return value

    def risk_row(self, row: SheetRow, seen: dict) -> None:
        title = row.text("Title")
        if not title:
            row.problem("Title", "Give the risk a title.")
        scheme = self.scheme_for(row)
        likelihood = self._score(row, "Likelihood", required=True)
        consequence = self._score(row, "Consequence", required=True)
        target_likelihood = self._score(row, "Target likelihood", required=False)
        target_consequence = self._score(row, "Target consequence", required=False)
        category = row.choice("Category", RiskCategory, default=RiskCategory.DELIVERY)
        raised_on = row.date("Raised on")
        review = row.date("Next review date")
        if not row.ok or scheme is None or likelihood is None or consequence is None or category is None:
            return
        key = _norm(title)
        if key in seen:
            row.problem("Title", f"A risk titled “{title}” is also on row {seen[key]}: give each risk its own title.")
            return
        seen[key] = row.number
        existing = self.risks.get(key)
        if existing is None:
            item = NewRisk(
                programme=self.programme,
                title=title,
                likelihood=likelihood,
                consequence=consequence,
                schemes=[scheme],
                description=row.text("Description"),
                category=category,
                owner_name=row.text("Owner"),
                raised_on=raised_on,
                next_review_date=review,
                target_likelihood=target_likelihood,
                target_consequence=target_consequence,
                target_reason=row.text("Reason for target"),
            )
            try:
                risk_services.risk_check_new(item, today=self.today)
            except ValidationError as exc:
                row.service_problem(exc, _RISK_COLUMNS, "Title")
                return
            self.new_risks.append((row, item))
            self.steps.append(Step(RISKS_SHEET, row.number, "create", scheme.ref, title))
            return
        details = {
            "description": row.text("Description"),
            "category": category,
            "owner_name": row.text("Owner"),
            "next_review_date": review,
        }
        changed = {
            k: v
            for k, v in details.items()
            if (stored_text(getattr(existing, k)) if isinstance(v, str) else getattr(existing, k)) != v
        }
        wanted: dict = {"details": changed}
        if sorted(s.pk for s in existing.schemes.all()) != [scheme.pk]:
            wanted["schemes"] = [scheme]
        if (likelihood, consequence) != (existing.likelihood, existing.consequence):
            wanted["score"] = (likelihood, consequence)
        target = (target_likelihood, target_consequence)
        if target != (None, None) and target != (existing.target_likelihood, existing.target_consequence):
            wanted["target"] = target
        if not changed and len(wanted) == 1:
            return
        self.risk_changes.append((row, existing, {**wanted, "target_reason": row.text("Reason for target")}))
        what = [*(_RISK_COLUMNS[k] for k in changed), *(["Scheme ref"] if "schemes" in wanted else [])]
        what += ["Likelihood/Consequence"] if "score" in wanted else []
        what += ["Target"] if "target" in wanted else []
        self.steps.append(Step(RISKS_SHEET, row.number, "change", scheme.ref, f"{title}: {', '.join(what)}"))

    # --- Allocations --------------------------------------------------------------------------------------

    def _pounds(self, row: SheetRow, column: str) -> Decimal | None:
        value = row.values.get(column)
        if read_text(value) == "":
            return None
        if isinstance(value, float):
            value = repr(value)
        try:
            return finance_services.money(value, field=column, label=column)
        except ValidationError as exc:
            for message in exc.messages:
                row.problem(column, message)
            return None

    def allocation_row(self, row: SheetRow, seen: dict) -> None:
        scheme = self.scheme_for(row)
        initiative, workstream = row.text("Initiative"), row.text("Workstream")
        if not initiative:
            row.problem("Initiative", "Give the initiative the money sits under (e.g. BCF, Transformation Fund).")
        amount = self._pounds(row, AMOUNT)
        spend = self._pounds(row, SPEND)
        status = row.choice("Status", AllocationStatus, default=AllocationStatus.GOING_FORWARD)
        if amount is None and row.ok:
            row.problem(AMOUNT, f"Give the amount in pounds ({AMOUNT}).")
        if status == AllocationStatus.DISCONTINUED and spend is None and row.ok:
            row.problem(SPEND, "A discontinued allocation keeps its spend to date: give it (0 if nothing was spent).")
        if status == AllocationStatus.GOING_FORWARD and spend is not None:
            row.problem(
                SPEND,
                "Spend to date is kept only for a discontinued allocation: record the spend of a scheme going forward "
                "on the fund's Quarterly spend sheet.",
            )
        if amount is not None and spend is not None and spend > amount:
            row.problem(SPEND, f"Spend to date (£{spend:,.2f}) is more than the amount (£{amount:,.2f}).")
        if self.fund is None and row.ok:
            row.problem(AMOUNT, "Choose the fund these allocations belong to on the load page.")
        if not row.ok or scheme is None or amount is None:
            return
        key = (scheme.ref, _norm(initiative), _norm(workstream))
        if key in seen:
            row.problem("Initiative", f"Scheme {scheme.ref} has this initiative and workstream on row {seen[key]} too.")
            return
        seen[key] = row.number
        existing = None
        if scheme.pk:
            existing = self.allocations_by_link.get((scheme.pk, key[1], key[2]))
        if existing is None:
            existing = self.allocations_by_name.get((key[1], key[2], _norm(scheme.name)))
            if existing is not None and existing.scheme_id not in (None, scheme.pk):
                row.problem(
                    "Initiative",
                    f"{self.fund} already has “{existing.path}”, linked to another scheme: give this line another "
                    "initiative or workstream.",
                )
                return
            if existing is not None:
                self.allocation_links.append((row, existing, scheme))
                self.steps.append(Step(ALLOCATIONS_SHEET, row.number, "change", scheme.ref, f"{existing.path}: linked"))
        if existing is None:
            allocation = Allocation(
                initiative=initiative, workstream=workstream, scheme_name=scheme.name, scheme=scheme
            )
            self.new_allocations.append(
                (row, allocation, amount, spend if status == AllocationStatus.DISCONTINUED else None)
            )
            what = f"£{amount:,.2f}" + (f", discontinued with £{spend:,.2f} spent" if spend is not None else "")
            self.steps.append(Step(ALLOCATIONS_SHEET, row.number, "create", scheme.ref, f"{initiative}: {what}"))
            return
        self._allocation_change(row, existing, scheme, amount, status, spend)

    def _allocation_change(self, row: SheetRow, allocation: Allocation, scheme, amount, status, spend) -> None:
        stopped = allocation.status == AllocationStatus.DISCONTINUED or allocation.pk in self.pending_discontinuation
        if stopped:
            if status != AllocationStatus.DISCONTINUED:
                row.problem("Status", f"“{allocation.path}” is discontinued: a workbook cannot start it again.")
            return  # its money was settled when it stopped
        current = self.balances.by_allocation.get(allocation.pk, ZERO) if self.balances else ZERO
        if amount != current:
            self.money_changes.append((row, allocation, amount - current))
            self.steps.append(
                Step(
                    ALLOCATIONS_SHEET,
                    row.number,
                    "change",
                    scheme.ref,
                    f"{allocation.path}: £{current:,.2f} → £{amount:,.2f}",
                )
            )
        if status == AllocationStatus.DISCONTINUED:
            self.discontinuations.append((row, allocation, spend))
            self.steps.append(
                Step(
                    ALLOCATIONS_SHEET,
                    row.number,
                    "change",
                    scheme.ref,
                    f"{allocation.path}: discontinued, £{spend:,.2f} spent",
                )
            )

    def check_over_allocation(self) -> None:
        """Refuse, on the row that passes it, a workbook that adds more than the fund has unallocated."""
        if self.balances is None:
            return
        steps = [(row, diff) for row, _allocation, diff in self.money_changes]
        steps += [(row, amount) for row, _allocation, amount, _spend in self.new_allocations]
        steps.sort(key=lambda step: step[0].number)
        net = sum((diff for _row, diff in steps), ZERO)
        available = self.balances.unallocated
        if net <= available:
            return
        running = ZERO
        for row, diff in steps:
            running += diff
            if running > available and diff > 0:
                row.problem(
                    AMOUNT,
                    f"The workbook allocates £{net:,.2f} in all, but only £{available:,.2f} of {self.fund} is "
                    f"unallocated: it would over-allocate the fund by £{net - available:,.2f}. Reduce this or "
                    "another amount.",
                )
                return

    # --- Saving (inside the caller's transaction) ---------------------------------------------------------

    def save(self) -> None:
        by = self.user
        if self.new_schemes:
            self._bulk(
                SCHEMES_SHEET,
                _SCHEME_COLUMNS,
                lambda: scheme_services.schemes_create_bulk(
                    programme=self.programme, schemes=[s for _row, s in self.new_schemes], by=by
                ),
            )
        for row, scheme, changed in self.scheme_changes:
            self._one(
                row,
                _SCHEME_COLUMNS,
                "Name",
                lambda s=scheme, c=changed: scheme_services.scheme_update(scheme=s, by=by, **c),
            )
        if self.new_leads:
            leads = [
                SchemeLead(scheme=scheme, user=user, start_date=self.today) for _row, scheme, user in self.new_leads
            ]
            self._bulk(
                SCHEMES_SHEET, _SCHEME_COLUMNS, lambda: scheme_services.scheme_leads_assign_bulk(leads=leads, by=by)
            )
        if self.new_milestones:
            self._bulk(
                MILESTONES_SHEET,
                _MILESTONE_COLUMNS,
                lambda: milestone_services.milestones_create_bulk(
                    items=[item for _row, item in self.new_milestones], by=by, today=self.today
                ),
            )
        for row, milestone, wanted in self.milestone_changes:
            self._one(row, _MILESTONE_COLUMNS, "Due date", lambda m=milestone, w=wanted: self._milestone_save(m, w))
        if self.new_risks:
            self._bulk(
                RISKS_SHEET,
                _RISK_COLUMNS,
                lambda: risk_services.risks_create_bulk(
                    items=[item for _row, item in self.new_risks], by=by, today=self.today
                ),
            )
        for row, risk, wanted in self.risk_changes:
            self._one(row, _RISK_COLUMNS, "Title", lambda r=risk, w=wanted: self._risk_save(r, w))
        if self.fund is not None:
            self._money_save()

    def _bulk(self, sheet: str, columns: dict, call) -> None:
        try:
            with transaction.atomic():
                call()
        except ValidationError as exc:
            self._sheet_problem(sheet, exc)

    def _sheet_problem(self, sheet: str, exc: ValidationError) -> None:
        """A refusal of the sheet as a whole (the rows were checked one by one before; this is a last line)."""
        for message in exc.messages:
            self.errors.append(problem(sheet, None, "", message))

    def _one(self, row: SheetRow, columns: dict, fallback: str, call) -> None:
        try:
            with transaction.atomic():
                call()
        except (ValidationError, StaleEdit) as exc:
            row.service_problem(exc, columns, fallback)

    def _milestone_save(self, milestone: Milestone, wanted: dict) -> None:
        by = self.user
        if "phase" in wanted:
            milestone = milestone_services.milestone_update(
                milestone=milestone,
                description=milestone.description,
                phase=wanted["phase"],
                start_date=milestone.start_date,
                by=by,
            )
        if "due_date" in wanted:
            milestone = milestone_services.milestone_move(
                milestone=milestone, new_date=wanted["due_date"], reason=wanted["reason"], by=by
            )
        if "completed_on" in wanted:
            milestone_services.milestone_complete(
                milestone=milestone, completed_on=wanted["completed_on"], by=by, today=self.today
            )

    def _risk_save(self, risk: Risk, wanted: dict) -> None:
        by = self.user
        if wanted["details"] or "schemes" in wanted:
            risk = risk_services.risk_update(risk=risk, by=by, schemes=wanted.get("schemes"), **wanted["details"])
        if "score" in wanted or "target" in wanted:
            likelihood, consequence = wanted.get("score", (risk.likelihood, risk.consequence))
            target_likelihood, target_consequence = wanted.get("target", (None, None))
            risk_services.risk_rescore(
                risk=risk,
                likelihood=likelihood,
                consequence=consequence,
                target_likelihood=target_likelihood,
                target_consequence=target_consequence,
                target_reason=wanted["target_reason"] if "target" in wanted else None,
                note="Loaded from the programme workbook",
                by=by,
            )

    def _money_save(self) -> None:
        by, fund = self.user, self.fund
        if fund is None:
            return
        for row, allocation, scheme in self.allocation_links:
            self._one(
                row,
                _ALLOCATION_COLUMNS,
                "Scheme ref",
                lambda a=allocation, s=scheme: finance_services.allocation_update_details(
                    allocation=a, scheme=s, by=by
                ),
            )
        if self.new_allocations:
            self._bulk(
                ALLOCATIONS_SHEET,
                _ALLOCATION_COLUMNS,
                lambda: finance_services.allocations_add_bulk(
                    fund=fund, allocations=[a for _row, a, _amount, _spend in self.new_allocations], by=by
                ),
            )
        if self.errors:
            return
        lines: list[tuple[Allocation | None, Decimal]] = [(a, diff) for _row, a, diff in self.money_changes]
        lines += [(allocation, amount) for _row, allocation, amount, _spend in self.new_allocations if amount]
        stopping = [(row, a, spend) for row, a, spend in self.discontinuations]
        stopping += [(row, a, spend) for row, a, _amount, spend in self.new_allocations if spend is not None]
        if not lines and not stopping:
            return
        decision = self._decision(fund)
        if decision is None:
            return
        decision, year = decision
        if lines:
            net = sum((diff for _a, diff in lines), ZERO)
            if net:
                lines.append((None, -net))
            try:
                with transaction.atomic():
                    finance_services.movement_propose(
                        decision=decision,
                        kind=MovementKind.ALLOCATION
                        if all(d > 0 for _a, d in lines if _a)
                        else MovementKind.REPURPOSING,
                        reason=f"Loaded from the programme workbook: {len(lines) - (1 if net else 0)} allocation(s).",
                        financial_year=year,
                        lines=lines,
                        by=by,
                    )
            except ValidationError as exc:
                self._sheet_problem(ALLOCATIONS_SHEET, exc)
                return
        for row, allocation, spend in stopping:
            self._one(
                row,
                _ALLOCATION_COLUMNS,
                SPEND,
                lambda a=allocation, s=spend: finance_services.discontinuation_propose(
                    allocation=a,
                    spend_to_date=s,
                    decision=decision,
                    financial_year=year,
                    reason="Discontinued, as loaded from the programme workbook",
                    by=by,
                ),
            )

    def _decision(self, fund: Fund):
        fields = {k: v for k, v in self.decision.items() if v not in (None, "")}
        decided_on = fields.get("decided_on")
        if isinstance(decided_on, str):
            decided_on = fields["decided_on"] = dt.date.fromisoformat(decided_on)
        if not fields.get("title") or not fields.get("body") or decided_on is None:
            self.errors.append(
                problem(
                    ALLOCATIONS_SHEET,
                    None,
                    "Decision",
                    "The workbook moves money: give the decision behind it (title, body and date) on the load page.",
                )
            )
            return None
        year = finance_selectors.financial_year_containing(decided_on)
        if year is None:
            self.errors.append(
                problem(
                    ALLOCATIONS_SHEET,
                    None,
                    "Decision",
                    f"No financial year is set up for {shown_date(decided_on)}, the decision's date: set it up first.",
                )
            )
            return None
        try:
            with transaction.atomic():
                decision = finance_services.decision_record(
                    fund=fund, title=fields["title"], body=fields["body"], decided_on=decided_on, by=self.user
                )
        except ValidationError as exc:
            self._sheet_problem(ALLOCATIONS_SHEET, exc)
            return None
        return decision, year


@dataclass
class LoadResult:
    """What a load did (or, for a dry run, would do): counts per sheet and the rows."""

    steps: list[dict]
    counts: dict[str, dict[str, int]]
    dry_run: bool

    @property
    def changes_nothing(self) -> bool:
        return not self.steps

    def as_plan(self) -> dict:
        return {"steps": self.steps, "counts": self.counts}


def _counts(steps: list[Step]) -> dict[str, dict[str, int]]:
    counts = {sheet: {"create": 0, "change": 0} for sheet in SHEETS}
    for step in steps:
        counts[step.sheet][step.action] += 1
    return counts


def programme_workbook_load(
    *,
    programme: Programme,
    file,
    user,
    fund: Fund | None = None,
    decision: dict | None = None,
    dry_run: bool,
    confirm_plan: dict | None = None,
    today: dt.date | None = None,
) -> LoadResult:
    """Load a programme from its workbook, all or nothing; with dry_run, do it all and roll it back.

    With `confirm_plan` (what the dry run said), a load that would now do anything else is refused: someone changed
    the programme in between. Raises SpreadsheetErrors listing every problem (sheet, row, column, message); then
    nothing is saved.
    """
    if fund is not None and fund.programme_id != programme.pk:
        raise SpreadsheetErrors([problem(ALLOCATIONS_SHEET, None, "", "That fund belongs to another programme.")])
    with workbook_open(file) as workbook:
        errors: list[dict] = []
        sheets = {
            name: headers_check(workbook, name, headers, errors, start_from=TEMPLATE)
            for name, headers in SHEETS.items()
        }
        if errors:
            raise SpreadsheetErrors(errors)
        state = _Load(
            programme=programme,
            user=user,
            fund=fund,
            decision=dict(decision or {}),
            today=today or timezone.localdate(),
            errors=errors,
        )
        rows = {name: list(sheet_rows(sheets[name], name, SHEETS[name], errors)) for name in SHEETS}
        with transaction.atomic():
            state.load_existing()
            state.load_money()
            state.scheme_rows(rows[SCHEMES_SHEET])
            for name, read in (
                (MILESTONES_SHEET, state.milestone_row),
                (RISKS_SHEET, state.risk_row),
                (ALLOCATIONS_SHEET, state.allocation_row),
            ):
                seen: dict = {}
                for row in rows[name]:
                    read(row, seen)
            if not errors:
                state.check_over_allocation()
            if not errors and confirm_plan is not None and [s.as_dict() for s in state.steps] != confirm_plan["steps"]:
                errors.append(
                    problem(
                        "",
                        None,
                        "",
                        "The programme has changed since the dry run, so this load would now do something else. "
                        "Upload the workbook again to see a new dry run.",
                    )
                )
            if not errors:
                state.save()
            if errors:
                # Raised inside the transaction, so every row that did save is rolled back with it.
                raise SpreadsheetErrors(sorted(errors, key=_error_order))
            if dry_run:
                transaction.set_rollback(True)
    return LoadResult(steps=[s.as_dict() for s in state.steps], counts=_counts(state.steps), dry_run=dry_run)


_SHEET_ORDER = {name: index for index, name in enumerate(SHEETS)}


def _error_order(error: dict) -> tuple:
    return (_SHEET_ORDER.get(error["sheet"], -1), error["row"] or 0)
