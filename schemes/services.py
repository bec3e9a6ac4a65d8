"""Writes for programmes, schemes, periods and their updates. Views, commands and tests all call these."""

import calendar
import logging
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import models, transaction
from django.template.loader import render_to_string
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from core.quarters import financial_year_label, financial_year_of
from core.rag import RAG
from core.services import audited_save, bump_version, check_version
from milestones.models import Milestone
from milestones.rag_rules import suggest_scheme_rag
from notifications import services as notify
from notifications.models import DigestPreference
from schemes.models import (
    LOCKED_FOR_LEAD,
    Approval,
    ApprovalOutcome,
    CommentKind,
    Programme,
    ProgrammeLocality,
    ProgressComment,
    ReportingPeriod,
    Scheme,
    SchemeDependency,
    SchemeLead,
    SchemePeriodUpdate,
    SchemeStatus,
    UpdateStatus,
    Workstream,
)
from schemes.permissions import gate_outcome_refusal
from schemes.selectors import inbox_lead

logger = logging.getLogger(__name__)


@transaction.atomic
def programme_create(
    *,
    slug: str,
    name: str,
    partnership,
    start_date: date,
    end_date: date,
    organisation: str = "",
    health_and_wellbeing_board: str = "",
    is_illustrative: bool = False,
    by=None,
) -> Programme:
    """Create a programme of a partnership; its end must follow its start. `is_illustrative` for an invented one
    (labelled so on every page, export and PDF)."""
    if end_date <= start_date:
        raise ValidationError({"end_date": "The programme must end after it starts."})
    return audited_save(
        Programme(
            slug=slug,
            name=name,
            partnership=partnership,
            organisation=organisation,
            health_and_wellbeing_board=health_and_wellbeing_board,
            start_date=start_date,
            end_date=end_date,
            is_illustrative=is_illustrative,
        ),
        by=by,
    )


@transaction.atomic
def workstream_create(*, programme: Programme, name: str, order: int = 0, by=None) -> Workstream:
    """Add a workstream heading to a programme; names are unique within it."""
    if programme.workstreams.filter(name=name).exists():
        raise ValidationError({"name": f"The programme already has a workstream called “{name}”."})
    return audited_save(Workstream(programme=programme, name=name, order=order), by=by)


@transaction.atomic
def reporting_period_create(
    *,
    programme: Programme,
    code: str,
    name: str,
    start_date: date,
    end_date: date,
    steering_group_date: date | None = None,
    board_date: date | None = None,
    by=None,
) -> ReportingPeriod:
    """Add a reporting period; it must end after it starts and not overlap another of the programme's periods."""
    if end_date <= start_date:
        raise ValidationError({"end_date": "A reporting period must end after it starts."})
    # Periods meet end-to-start in the papers (…20/05/2015, 20/05/2015…), so a shared boundary day is allowed.
    overlap = programme.periods.filter(start_date__lt=end_date, end_date__gt=start_date).first()
    if overlap:
        raise ValidationError({"start_date": f"This period overlaps the period {overlap}."})
    return audited_save(
        ReportingPeriod(
            programme=programme,
            code=code,
            name=name,
            start_date=start_date,
            end_date=end_date,
            steering_group_date=steering_group_date,
            board_date=board_date,
        ),
        by=by,
    )


@transaction.atomic
def scheme_create(
    *,
    programme: Programme,
    ref: str,
    name: str,
    workstream: Workstream | None = None,
    description: str = "",
    clinical_lead: str = "",
    reports_to_ccg: bool = False,
    reports_to_gm: bool = False,
    reports_to_national: bool = False,
    locality: str = "borough",
    status: str = SchemeStatus.ACTIVE,
    by=None,
) -> Scheme:
    """Create a scheme. A ref is unique in its programme and required unless the project is still to scope."""
    if ref and programme.schemes.filter(ref=ref).exists():
        raise ValidationError({"ref": f"Scheme {ref} already exists in this programme."})
    scheme = scheme_build(
        programme=programme,
        ref=ref,
        name=name,
        workstream=workstream,
        description=description,
        clinical_lead=clinical_lead,
        reports_to_ccg=reports_to_ccg,
        reports_to_gm=reports_to_gm,
        reports_to_national=reports_to_national,
        locality=locality,
        status=status,
    )
    return audited_save(scheme, by=by)


def scheme_build(
    *,
    programme: Programme,
    ref: str,
    name: str,
    workstream: Workstream | None = None,
    description: str = "",
    clinical_lead: str = "",
    reports_to_ccg: bool = False,
    reports_to_gm: bool = False,
    reports_to_national: bool = False,
    locality: str = "borough",
    status: str = SchemeStatus.ACTIVE,
    programme_locality: ProgrammeLocality | None = None,
) -> Scheme:
    """A new scheme checked by every rule of scheme_create that needs no query (the ref's uniqueness is checked
    by scheme_create and schemes_create_bulk); not saved."""
    if workstream is not None and workstream.programme_id != programme.pk:
        raise ValidationError({"workstream": "That workstream belongs to another programme."})
    if programme_locality is not None and programme_locality.programme_id != programme.pk:
        raise ValidationError({"programme_locality": "That locality belongs to another programme."})
    if not ref and status != SchemeStatus.TO_SCOPE:
        raise ValidationError({"ref": "Give the scheme a ref (e.g. 5.8); only a project still to scope may have none."})
    scheme = Scheme(
        programme=programme,
        workstream=workstream,
        ref=ref,
        name=name,
        description=description,
        clinical_lead=clinical_lead,
        reports_to_ccg=reports_to_ccg,
        reports_to_gm=reports_to_gm,
        reports_to_national=reports_to_national,
        locality=locality,
        programme_locality=programme_locality,
        status=status,
    )
    # The programme, workstream and locality are objects already checked above: no query per scheme to look them up.
    scheme.full_clean(
        exclude=["programme", "workstream", "programme_locality"], validate_unique=False, validate_constraints=False
    )
    return scheme


@transaction.atomic
def schemes_create_bulk(*, programme: Programme, schemes: list[Scheme], by=None) -> list[Scheme]:
    """Save many schemes built by scheme_build in a fixed number of queries, audited; a ref already used in the
    programme, or twice in the list, is refused."""
    refs = [s.ref for s in schemes if s.ref]
    twice = sorted({ref for ref in refs if refs.count(ref) > 1}) if len(set(refs)) != len(refs) else []
    taken = sorted(programme.schemes.filter(ref__in=refs).values_list("ref", flat=True)) + twice
    if taken:
        raise ValidationError({"ref": f"Scheme {', '.join(taken)} already exists in this programme."})
    for scheme in schemes:
        if scheme.programme_id != programme.pk:
            raise ValidationError({"programme": f"Scheme {scheme.ref} belongs to another programme."})
    return bulk_create_with_history(schemes, Scheme, batch_size=500, default_user=by)


@transaction.atomic
def scheme_leads_assign_bulk(*, leads: list[SchemeLead], by=None) -> list[SchemeLead]:
    """Record many scheme leads at once (the rules of scheme_lead_assign), audited."""
    for lead in leads:
        if lead.start_date and lead.end_date and lead.end_date < lead.start_date:
            raise ValidationError({"end_date": "A lead's end date cannot be before their start date."})
    return bulk_create_with_history(leads, SchemeLead, batch_size=500, default_user=by)


@transaction.atomic
def scheme_lead_assign(
    *, scheme: Scheme, user, start_date: date | None = None, end_date: date | None = None, by=None
) -> SchemeLead:
    """Record that a person leads (or led) a scheme between two dates."""
    if start_date and end_date and end_date < start_date:
        raise ValidationError({"end_date": "A lead's end date cannot be before their start date."})
    return audited_save(SchemeLead(scheme=scheme, user=user, start_date=start_date, end_date=end_date), by=by)


@transaction.atomic
def scheme_dependency_add(
    *, scheme: Scheme, depends_on: Scheme | None = None, external_project: str = "", note: str = "", by=None
) -> SchemeDependency:
    """Record an interdependency with another scheme of the same programme, or with an outside project."""
    if bool(depends_on) == bool(external_project.strip()):
        raise ValidationError("Name either another scheme or an outside project, not both.")
    if depends_on is not None:
        if depends_on.pk == scheme.pk:
            raise ValidationError({"depends_on": "A scheme cannot depend on itself."})
        if depends_on.programme_id != scheme.programme_id:
            raise ValidationError({"depends_on": "Interdependent schemes must be in the same programme."})
    return audited_save(
        SchemeDependency(scheme=scheme, depends_on=depends_on, external_project=external_project.strip(), note=note),
        by=by,
    )


@transaction.atomic
def approval_record(
    *,
    scheme: Scheme,
    body: str,
    item: str,
    papers_date: date | None = None,
    meeting_date: date | None = None,
    outcome: str = ApprovalOutcome.PENDING,
    reason: str = "",
    by=None,
) -> Approval:
    """Record a paper to a body (TSG, CC&FC, PRAP) and its outcome; a rejection needs its reason.

    Anyone who may change the scheme records a paper as pending; an outcome already decided is recorded only by
    the programme office or the governance secretary, never by the scheme's lead.
    """
    if outcome not in ApprovalOutcome.values:
        raise ValidationError({"outcome": "Choose approved, rejected, withdrawn, deferred or pending."})
    decided = outcome != ApprovalOutcome.PENDING
    if decided:
        refusal = gate_outcome_refusal(by, scheme)
        if refusal:
            raise ValidationError({"outcome": refusal})
    if outcome == ApprovalOutcome.REJECTED and not reason.strip():
        raise ValidationError({"reason": "Say why the body rejected it (e.g. “change scope”)."})
    if papers_date and meeting_date and papers_date > meeting_date:
        raise ValidationError({"papers_date": "Papers are due before the meeting, not after it."})
    return audited_save(
        Approval(
            scheme=scheme,
            body=body,
            item=item,
            papers_date=papers_date,
            meeting_date=meeting_date,
            outcome=outcome,
            reason=reason.strip(),
            outcome_recorded_by=by if decided else None,
            outcome_recorded_at=timezone.now() if decided else None,
        ),
        by=by,
        reason=f"Outcome recorded: {ApprovalOutcome(outcome).label}" if decided else "",
    )


@transaction.atomic
def progress_comment_add(
    *,
    scheme: Scheme,
    period: ReportingPeriod,
    date: date,
    text: str,
    kind: str = CommentKind.GENERAL,
    rag: str = "",
    by=None,
) -> ProgressComment:
    """Add a dated progress comment to a scheme's update for a period; closed periods take no more comments."""
    if period.programme_id != scheme.programme_id:
        raise ValidationError({"period": "That reporting period belongs to another programme."})
    if period.is_closed:
        raise ValidationError({"period": f"The period {period} is closed: comments can no longer be added to it."})
    # An update is written after the period's cut-off and before its board meets; a date after that (today, on a
    # page for an old period) would print a later update in an earlier report. Earlier dates are kept, as the
    # papers carry updates written before the period began.
    if date > period.writing_ends:
        raise ValidationError(
            {
                "date": f"The date of the update cannot be after {period.writing_ends:%d/%m/%Y}, when updates for "
                f"{period} {'go to the board' if period.board_date else 'end'}. To write about later events, "
                "open a later period."
            }
        )
    if not text.strip():
        raise ValidationError({"text": "Write the comment."})
    if rag and rag not in RAG.values:
        raise ValidationError({"rag": "Choose Red, Amber, Green or Complete."})
    if kind not in CommentKind.values:
        raise ValidationError({"kind": "Choose progress update, point to highlight or good news."})
    if SchemePeriodUpdate.objects.filter(scheme=scheme, period=period, status__in=LOCKED_FOR_LEAD).exists():
        raise ValidationError(
            {"text": "This period's update has been submitted: the programme office must return it first."}
        )
    return audited_save(
        ProgressComment(scheme=scheme, period=period, date=date, text=text.strip(), kind=kind, rag=rag, author=by),
        by=by,
    )


@transaction.atomic
def scheme_period_update_refresh_suggestion(*, scheme: Scheme, period: ReportingPeriod, by=None) -> SchemePeriodUpdate:
    """Create the scheme's update for the period if missing and store the RAG the rules suggest as at the period end."""
    suggested = suggest_scheme_rag(scheme.milestones.all(), as_of=period.end_date) or ""
    update = SchemePeriodUpdate.objects.select_for_update().filter(scheme=scheme, period=period).first()
    if update is None:
        return audited_save(SchemePeriodUpdate(scheme=scheme, period=period, rag_suggested=suggested), by=by)
    if update.rag_suggested != suggested:
        update.rag_suggested = suggested
        update.version += 1
        audited_save(update, by=by, reason="RAG suggestion recalculated")
    return update


SCHEME_EDITABLE_FIELDS = (
    "name",
    "workstream",
    "description",
    "clinical_lead",
    "reports_to_ccg",
    "reports_to_gm",
    "reports_to_national",
    "locality",
    "programme_locality",
    "status",
)


@transaction.atomic
def scheme_update(*, scheme: Scheme, by=None, expected_version: int | None = None, **fields) -> Scheme:
    """Change a scheme's details; a stale edit (someone saved since the form opened) is refused."""
    unknown = set(fields) - set(SCHEME_EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(f"These scheme fields cannot be changed here: {', '.join(sorted(unknown))}.")
    scheme = Scheme.objects.select_for_update().get(pk=scheme.pk)
    check_version(scheme, expected_version)
    workstream = fields.get("workstream")
    if workstream is not None and workstream.programme_id != scheme.programme_id:
        raise ValidationError({"workstream": "That workstream belongs to another programme."})
    place = fields.get("programme_locality")
    if place is not None and place.programme_id != scheme.programme_id:
        raise ValidationError({"programme_locality": "That locality belongs to another programme."})
    changed = {k: v for k, v in fields.items() if getattr(scheme, k) != v}
    if not changed:
        return scheme
    for key, value in changed.items():
        setattr(scheme, key, value)
    bump_version(scheme)
    return audited_save(scheme, by=by)


def _locked_update(update: SchemePeriodUpdate, expected_version: int | None) -> SchemePeriodUpdate:
    locked = SchemePeriodUpdate.objects.select_for_update().select_related("period", "scheme").get(pk=update.pk)
    check_version(locked, expected_version)
    if locked.period.is_closed:
        raise ValidationError(f"The period {locked.period} is closed: its update can no longer change.")
    return locked


@transaction.atomic
def scheme_period_update_get_or_create(*, scheme: Scheme, period: ReportingPeriod, by=None) -> SchemePeriodUpdate:
    """The scheme's update for a period, created as a draft with the rules' RAG suggestion if missing."""
    if period.programme_id != scheme.programme_id:
        raise ValidationError({"period": "That reporting period belongs to another programme."})
    existing = SchemePeriodUpdate.objects.filter(scheme=scheme, period=period).first()
    return existing or scheme_period_update_refresh_suggestion(scheme=scheme, period=period, by=by)


@transaction.atomic
def scheme_rag_set(
    *, update: SchemePeriodUpdate, rag: str, reason: str = "", by=None, expected_version: int | None = None
) -> SchemePeriodUpdate:
    """Set the overall project status RAG for a period. Differing from the rules' suggestion needs a reason."""
    update = _locked_update(update, expected_version)
    if rag not in RAG.values:
        raise ValidationError({"rag": "Choose Red, Amber, Green or Complete."})
    if update.status in LOCKED_FOR_LEAD:
        raise ValidationError(
            {"rag": "This update has been submitted; the programme office must return it before it changes."}
        )
    # Recalculate the suggestion now, so the reason is asked against what the rules say today.
    update.rag_suggested = suggest_scheme_rag(update.scheme.milestones.all(), as_of=update.period.end_date) or ""
    reason = (reason or "").strip()
    if rag != update.rag_suggested and not reason:
        suggested = RAG(update.rag_suggested).label if update.rag_suggested else "no RAG"
        raise ValidationError(
            {"reason": f"The rules suggest {suggested}: write why the scheme is {RAG(rag).label} instead."}
        )
    update.rag = rag
    update.rag_reason = reason
    bump_version(update)
    return audited_save(update, by=by, reason=reason)


@transaction.atomic
def scheme_period_update_submit(*, update: SchemePeriodUpdate, by=None, expected_version: int | None = None):
    """A project lead submits the period update to the programme office; it needs a RAG and a progress comment."""
    update = _locked_update(update, expected_version)
    if update.status == UpdateStatus.SUBMITTED:
        raise ValidationError("This update has already been submitted.")
    if update.status == UpdateStatus.APPROVED:
        raise ValidationError("This update has already been approved by the programme office.")
    errors = {}
    if not update.rag:
        errors["rag"] = "Confirm or choose the overall project status RAG before submitting."
    if not ProgressComment.objects.filter(scheme=update.scheme, period=update.period).exists():
        errors["text"] = "Write at least one progress comment for this period before submitting."
    if errors:
        raise ValidationError(errors)
    update.status = UpdateStatus.SUBMITTED
    update.submitted_at = timezone.now()
    update.submitted_by = by
    update.return_comment = ""
    bump_version(update)
    audited_save(update, by=by, reason="Submitted")
    notify.update_submitted(update=update, by=by)
    return update


@transaction.atomic
def scheme_period_update_return(
    *, update: SchemePeriodUpdate, comment: str, by=None, expected_version: int | None = None
) -> SchemePeriodUpdate:
    """The programme office returns a submitted update to its lead with a comment saying what to change."""
    update = _locked_update(update, expected_version)
    if update.status != UpdateStatus.SUBMITTED:
        raise ValidationError("Only a submitted update can be returned.")
    if not (comment or "").strip():
        raise ValidationError({"comment": "Say what the project lead needs to change."})
    update.status = UpdateStatus.RETURNED
    update.return_comment = comment.strip()
    update.returned_at = timezone.now()
    update.returned_by = by
    bump_version(update)
    audited_save(update, by=by, reason="Returned")
    notify.update_returned(update=update, by=by)
    return update


@transaction.atomic
def scheme_period_update_approve(
    *, update: SchemePeriodUpdate, by=None, expected_version: int | None = None
) -> SchemePeriodUpdate:
    """The programme office accepts a submitted update as it stands: it goes into the report unchanged."""
    update = _locked_update(update, expected_version)
    if update.status != UpdateStatus.SUBMITTED:
        raise ValidationError("Only a submitted update can be approved.")
    update.status = UpdateStatus.APPROVED
    update.approved_at = timezone.now()
    update.approved_by = by
    bump_version(update)
    audited_save(update, by=by, reason="Approved")
    notify.update_approved(update=update, by=by)
    return update


def reporting_period_close_preview(*, period: ReportingPeriod) -> dict:
    """What closing a period locks, for the programme office to read before confirming: each scheme's update
    status (schemes whose update is not approved are listed by name), the comments and completions dated in it."""
    schemes = list(Scheme.objects.filter(programme_id=period.programme_id).exclude(status=SchemeStatus.CLOSED))
    updates = {u.scheme_id: u for u in SchemePeriodUpdate.objects.filter(period=period)}
    by_status: dict[str, list[Scheme]] = {status: [] for status in UpdateStatus.values}
    for scheme in schemes:
        update = updates.get(scheme.pk)
        by_status[update.status if update else UpdateStatus.DRAFT].append(scheme)
    not_approved = [s for status, found in by_status.items() if status != UpdateStatus.APPROVED for s in found]
    return {
        "period": period,
        "schemes": len(schemes),
        "counts": [(UpdateStatus(status).label, len(found)) for status, found in by_status.items()],
        "approved": len(by_status[UpdateStatus.APPROVED]),
        "not_approved": sorted(not_approved, key=lambda s: s.ref_key or ""),
        "comments": ProgressComment.objects.filter(period=period).count(),
        "completions": Milestone.objects.filter(scheme__programme_id=period.programme_id).completed_in(period).count(),
    }


@transaction.atomic
def reporting_period_close(*, period: ReportingPeriod, by=None, expected_version: int | None = None) -> ReportingPeriod:
    """Close a period once reported: its updates, comments and completions in it can no longer change. For the
    whole programme and for good, so it is done from the Reporting periods page after a preview."""
    period = ReportingPeriod.objects.select_for_update().get(pk=period.pk)
    check_version(period, expected_version)
    if period.is_closed:
        raise ValidationError(f"The period {period} is already closed.")
    period.is_closed = True
    bump_version(period)
    return audited_save(period, by=by, reason="Period closed")


@transaction.atomic
def approval_set_outcome(*, approval: Approval, outcome: str, reason: str = "", by=None) -> Approval:
    """Record what the body decided, by the programme office or the governance secretary and never by the
    scheme's lead; a rejection needs its reason (e.g. “change scope”)."""
    approval = Approval.objects.select_for_update().select_related("scheme").get(pk=approval.pk)
    if outcome not in ApprovalOutcome.values:
        raise ValidationError({"outcome": "Choose approved, rejected, withdrawn, deferred or pending."})
    refusal = gate_outcome_refusal(by, approval.scheme)
    if refusal:
        raise ValidationError({"outcome": refusal})
    reason = (reason or "").strip()
    if outcome == ApprovalOutcome.REJECTED and not reason:
        raise ValidationError({"reason": "Say why the body rejected it (e.g. “change scope”)."})
    approval.outcome, approval.reason = outcome, reason
    approval.outcome_recorded_by, approval.outcome_recorded_at = by, timezone.now()
    return audited_save(approval, by=by, reason=f"Outcome recorded: {ApprovalOutcome(outcome).label}")


# --- Setting up a programme (issue 17): the programme office, in the browser --------------------------------


@transaction.atomic
def programme_update(
    *,
    programme: Programme,
    name: str,
    organisation: str = "",
    partner_organisations: str = "",
    start_date: date,
    end_date: date,
    reminder_summary_emails: str | None = None,
    by=None,
    expected_version: int | None = None,
) -> Programme:
    """Change a programme's name, partners, dates and the extra addresses of its reminder summary (None leaves them);
    a stale edit is refused, and it must still end after it starts and cover its reporting periods."""
    programme = Programme.objects.select_for_update().get(pk=programme.pk)
    check_version(programme, expected_version)
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "Give the programme a name."})
    if end_date <= start_date:
        raise ValidationError({"end_date": "The programme must end after it starts."})
    partners = "\n".join(line.strip() for line in (partner_organisations or "").splitlines() if line.strip())
    fields = {
        "name": name,
        "organisation": (organisation or "").strip(),
        "partner_organisations": partners,
        "start_date": start_date,
        "end_date": end_date,
    }
    if reminder_summary_emails is not None:
        fields["reminder_summary_emails"] = _email_lines(reminder_summary_emails, field="reminder_summary_emails")
    changed = {k: v for k, v in fields.items() if getattr(programme, k) != v}
    if not changed:
        return programme
    for key, value in changed.items():
        setattr(programme, key, value)
    bump_version(programme)
    return audited_save(programme, by=by)


def _email_lines(text: str, *, field: str) -> str:
    """Addresses given one a line or comma-separated, checked, one a line and each once; a bad one is named."""
    addresses = list(dict.fromkeys(a.strip() for a in text.replace(",", "\n").splitlines() if a.strip()))
    for address in addresses:
        try:
            validate_email(address)
        except ValidationError:
            raise ValidationError({field: f"“{address[:100]}” is not an e-mail address."}) from None
    return "\n".join(addresses)


@transaction.atomic
def workstream_add(*, programme: Programme, name: str, by=None) -> Workstream:
    """Add a workstream at the end of the list; names are unique within the programme."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "Give the workstream a name."})
    last = programme.workstreams.order_by("-order").values_list("order", flat=True).first() or 0
    return workstream_create(programme=programme, name=name, order=last + 1, by=by)


@transaction.atomic
def workstream_update(
    *, workstream: Workstream, name: str, is_retired: bool, by=None, expected_version: int | None = None
) -> Workstream:
    """Rename or retire (or bring back) a workstream. Retiring keeps its schemes and history; it is just no longer
    offered for a scheme."""
    workstream = Workstream.objects.select_for_update().get(pk=workstream.pk)
    check_version(workstream, expected_version)
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "Give the workstream a name."})
    if Workstream.objects.filter(programme_id=workstream.programme_id, name=name).exclude(pk=workstream.pk).exists():
        raise ValidationError({"name": f"The programme already has a workstream called “{name}”."})
    if workstream.name == name and workstream.is_retired == is_retired:
        return workstream
    workstream.name, workstream.is_retired = name, is_retired
    bump_version(workstream)
    return audited_save(workstream, by=by)


@transaction.atomic
def locality_add(*, programme: Programme, name: str, by=None) -> ProgrammeLocality:
    """Add a locality the programme reports by; names are unique within the programme."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "Give the locality a name."})
    if programme.localities.filter(name=name).exists():
        raise ValidationError({"name": f"The programme already has a locality called “{name}”."})
    return audited_save(ProgrammeLocality(programme=programme, name=name), by=by)


@transaction.atomic
def locality_update(
    *, locality: ProgrammeLocality, name: str, is_retired: bool, by=None, expected_version: int | None = None
) -> ProgrammeLocality:
    """Rename or retire (or bring back) a locality."""
    locality = ProgrammeLocality.objects.select_for_update().get(pk=locality.pk)
    check_version(locality, expected_version)
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "Give the locality a name."})
    if ProgrammeLocality.objects.filter(programme_id=locality.programme_id, name=name).exclude(pk=locality.pk).exists():
        raise ValidationError({"name": f"The programme already has a locality called “{name}”."})
    if locality.name == name and locality.is_retired == is_retired:
        return locality
    locality.name, locality.is_retired = name, is_retired
    bump_version(locality)
    return audited_save(locality, by=by)


class Cadence(models.TextChoices):
    MONTHLY = "1", "Monthly"
    BI_MONTHLY = "2", "Every two months"
    QUARTERLY = "3", "Quarterly"


# A plan longer than this is a typing mistake (a year 2205, say), not a programme.
MAX_PLANNED_PERIODS = 120


@dataclass(frozen=True)
class PlannedPeriod:
    """A reporting period before it is saved: what the preview shows and what is then created."""

    code: str
    name: str
    start_date: date
    end_date: date
    board_date: date | None


def _add_months(day: date, months: int) -> date:
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _financial_year(day: date) -> str:
    start = financial_year_of(day)
    return financial_year_label(start, "-")


def _name_periods(programme: Programme, spans: list[tuple[date, date, date | None]]) -> list[PlannedPeriod]:
    """Codes such as 2025-26-P3, numbered within each financial year after the periods the programme already has."""
    if not spans:
        return []
    taken = set(programme.periods.values_list("code", flat=True))
    counts: dict[str, int] = {}
    for existing in programme.periods.all():
        year = _financial_year(existing.start_date)
        counts[year] = counts.get(year, 0) + 1
    planned = []
    for start, end, board in spans:
        year = _financial_year(start)
        counts[year] = counts.get(year, 0) + 1
        number = counts[year]
        code = f"{year}-P{number}"
        while code in taken:
            number += 1
            code = f"{year}-P{number}"
        counts[year] = number
        taken.add(code)
        label = f"{year[:4]}/{year[5:]}"
        planned.append(
            PlannedPeriod(code=code, name=f"Period {number} {label}", start_date=start, end_date=end, board_date=board)
        )
    return planned


def reporting_periods_plan_cadence(
    *, programme: Programme, cadence: str, first_start: date, until: date
) -> list[PlannedPeriod]:
    """Periods of one, two or three months from `first_start`, the last one ending on `until` (half-open: each ends
    the day the next starts). Board dates are added afterwards, period by period."""
    try:
        months = int(Cadence(str(cadence)))
    except ValueError:
        raise ValidationError({"cadence": "Choose monthly, every two months or quarterly."}) from None
    if until <= first_start:
        raise ValidationError(
            {"until": f"These dates make no periods: the last period must end after {first_start:%d/%m/%Y}."}
        )
    spans: list[tuple[date, date, date | None]] = []
    start = first_start
    while start < until:
        end = min(_add_months(first_start, months * (len(spans) + 1)), until)
        spans.append((start, end, None))
        start = end
        if len(spans) > MAX_PLANNED_PERIODS:
            raise ValidationError({"until": f"That makes more than {MAX_PLANNED_PERIODS} periods: check the dates."})
    return _name_periods(programme, spans)


def reporting_periods_plan_board_dates(
    *, programme: Programme, first_start: date, board_dates: list[date]
) -> list[PlannedPeriod]:
    """One period per board meeting: each runs from the previous meeting (or `first_start`) up to its meeting, and
    the meeting is the board date that receives its highlight report."""
    dates = sorted(set(board_dates))
    if not dates:
        raise ValidationError({"board_dates": "These dates make no periods: give at least one board meeting date."})
    if len(dates) != len(board_dates):
        raise ValidationError({"board_dates": "A board meeting date is listed twice."})
    if dates[0] <= first_start:
        raise ValidationError(
            {"board_dates": f"The first board meeting ({dates[0]:%d/%m/%Y}) must be after the first period starts."}
        )
    if len(dates) > MAX_PLANNED_PERIODS:
        raise ValidationError({"board_dates": f"That makes more than {MAX_PLANNED_PERIODS} periods: check the dates."})
    starts = [first_start, *dates[:-1]]
    return _name_periods(programme, [(s, e, e) for s, e in zip(starts, dates, strict=True)])


@transaction.atomic
def reporting_periods_create(*, programme: Programme, planned: list[PlannedPeriod], by=None) -> list[ReportingPeriod]:
    """Save a previewed plan: all of it or, if any period overlaps one the programme has, none of it."""
    if not planned:
        raise ValidationError("There are no periods to save.")
    Programme.objects.select_for_update().get(pk=programme.pk)
    created = []
    for period in planned:
        try:
            created.append(
                reporting_period_create(
                    programme=programme,
                    code=period.code,
                    name=period.name,
                    start_date=period.start_date,
                    end_date=period.end_date,
                    board_date=period.board_date,
                    by=by,
                )
            )
        except ValidationError as exc:
            raise ValidationError(
                f"Nothing was saved: the period {period.start_date:%d/%m/%Y} to {period.end_date:%d/%m/%Y} "
                f"cannot be added ({' '.join(exc.messages)})"
            ) from exc
    return created


@transaction.atomic
def reporting_period_update(
    *,
    period: ReportingPeriod,
    name: str,
    board_date: date | None,
    steering_group_date: date | None,
    by=None,
    expected_version: int | None = None,
) -> ReportingPeriod:
    """Change a period's name and meeting dates (its start and end stay: reports and returns are dated by them)."""
    period = ReportingPeriod.objects.select_for_update().get(pk=period.pk)
    check_version(period, expected_version)
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "Give the period a name."})
    if period.is_closed:
        raise ValidationError(f"The period {period} is closed: its details can no longer change.")
    for field, day in (("board_date", board_date), ("steering_group_date", steering_group_date)):
        if day is not None and day < period.start_date:
            raise ValidationError(
                {field: f"The meeting cannot be before the period starts ({period.start_date:%d/%m/%Y})."}
            )
    fields = {"name": name, "board_date": board_date, "steering_group_date": steering_group_date}
    changed = {k: v for k, v in fields.items() if getattr(period, k) != v}
    if not changed:
        return period
    for key, value in changed.items():
        setattr(period, key, value)
    bump_version(period)
    return audited_save(period, by=by)


@transaction.atomic
def scheme_lead_change(*, scheme: Scheme, user, start_date: date, by=None) -> SchemeLead:
    """A new lead for a scheme from a date: the current leads' terms end the day before, and stay in the history."""
    Scheme.objects.select_for_update().get(pk=scheme.pk)
    if not user.is_active:
        raise ValidationError({"user": f"{user} cannot sign in (the account is not active), so cannot lead a scheme."})
    leads = list(SchemeLead.objects.filter(scheme=scheme).select_for_update())
    if any(lead.user_id == user.pk and lead.is_current(start_date) for lead in leads):
        raise ValidationError({"user": f"{user} already leads this scheme on {start_date:%d/%m/%Y}."})
    if any(lead.start_date is not None and lead.start_date >= start_date for lead in leads):
        raise ValidationError(
            {"start_date": "Another lead starts on or after that date: a lead change must come after the last one."}
        )
    day_before = start_date - timedelta(days=1)
    for lead in leads:
        if lead.end_date is None or lead.end_date >= start_date:
            lead.end_date = day_before
            audited_save(lead, by=by, reason=f"Lead changed from {start_date:%d/%m/%Y}")
    return audited_save(SchemeLead(scheme=scheme, user=user, start_date=start_date), by=by, reason="Lead changed")


# --- The weekly e-mail of what is due (issue 21 §2) ---------------------------------------------------------


@dataclass
class DigestOutcome:
    sent: int = 0
    nothing_due: int = 0
    already_sent: int = 0
    no_email: int = 0
    failed: int = 0


def weekly_digest_render(*, user, today: date | None = None) -> tuple[str, str] | None:
    """The subject and text of a lead's weekly e-mail: the inbox's "Due on your schemes" (schemes.selectors.
    inbox_lead), so it shows exactly what the lead may see; None when nothing is due."""
    due = inbox_lead(user=user)
    if not due["due"]:
        return None
    subject = f"What is due on your schemes: {due['updates_due']} update(s), {due['overdue']} overdue milestone(s)"
    body = render_to_string(
        "schemes/email/weekly_digest.txt",
        {"user": user, "due": due, "site_url": settings.SITE_URL.rstrip("/"), "today": today or due["as_at"]},
    )
    return subject, body


def weekly_digests_send(*, today: date | None = None, again: bool = False) -> DigestOutcome:
    """E-mail each lead who opted in what is due, once a week (not again in the same Monday-to-Sunday week unless
    `again`). Only people who lead a scheme now get one; a lead with nothing due gets none."""
    today = today or timezone.localdate()
    week_start = today - timedelta(days=today.weekday())
    outcome = DigestOutcome()
    leads = (
        DigestPreference.objects.filter(weekly_digest=True, user__is_active=True)
        .select_related("user")
        .order_by("user__username")
    )
    for preference in leads:
        user = preference.user
        if not again and preference.last_sent_on and preference.last_sent_on >= week_start:
            outcome.already_sent += 1
            continue
        if not user.email:
            outcome.no_email += 1
            continue
        rendered = weekly_digest_render(user=user, today=today)
        if rendered is None:
            outcome.nothing_due += 1
            continue
        subject, body = rendered
        try:
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])
        except Exception:  # an SMTP refusal, OSError…: one bad address must not stop the others
            logger.exception("Weekly digest to %s not sent: tried again on the next run", user.email)
            outcome.failed += 1
            continue
        DigestPreference.objects.filter(pk=preference.pk).update(last_sent_on=today)
        outcome.sent += 1
    return outcome
