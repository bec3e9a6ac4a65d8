"""Writes for programmes, schemes, periods and their updates. Views, commands and tests all call these."""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core.rag import RAG
from core.services import audited_save, bump_version, check_version
from milestones.rag_rules import suggest_scheme_rag
from schemes.models import (
    Approval,
    ApprovalOutcome,
    CommentKind,
    Programme,
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


@transaction.atomic
def programme_create(
    *, slug: str, name: str, partnership, start_date: date, end_date: date, organisation: str = "", by=None
) -> Programme:
    """Create a programme of a partnership; its end must follow its start."""
    if end_date <= start_date:
        raise ValidationError({"end_date": "The programme must end after it starts."})
    return audited_save(
        Programme(
            slug=slug,
            name=name,
            partnership=partnership,
            organisation=organisation,
            start_date=start_date,
            end_date=end_date,
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
    if workstream is not None and workstream.programme_id != programme.pk:
        raise ValidationError({"workstream": "That workstream belongs to another programme."})
    if ref and programme.schemes.filter(ref=ref).exists():
        raise ValidationError({"ref": f"Scheme {ref} already exists in this programme."})
    if not ref and status != SchemeStatus.TO_SCOPE:
        raise ValidationError({"ref": "Give the scheme a ref (e.g. 5.8); only a project still to scope may have none."})
    return audited_save(
        Scheme(
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
            status=status,
        ),
        by=by,
    )


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
    if not text.strip():
        raise ValidationError({"text": "Write the comment."})
    if rag and rag not in RAG.values:
        raise ValidationError({"rag": "Choose Red, Amber, Green or Complete."})
    if kind not in CommentKind.values:
        raise ValidationError({"kind": "Choose progress update, point to highlight or good news."})
    if SchemePeriodUpdate.objects.filter(scheme=scheme, period=period, status=UpdateStatus.SUBMITTED).exists():
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
    if update.status == UpdateStatus.SUBMITTED:
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
    return audited_save(update, by=by, reason="Submitted")


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
    bump_version(update)
    return audited_save(update, by=by, reason="Returned")


@transaction.atomic
def reporting_period_close(*, period: ReportingPeriod, by=None) -> ReportingPeriod:
    """Close a period once reported: its updates, comments and completions in it can no longer change."""
    period = ReportingPeriod.objects.select_for_update().get(pk=period.pk)
    period.is_closed = True
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
