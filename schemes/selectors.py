"""Reads for schemes. Each list selector loads what its page needs in a fixed number of queries."""

from typing import Any

from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.text import Truncator

import policy
from accounts.roles import Role, has_role, user_programme_ids
from core.history import audit_entries
from core.natural import natural_order
from core.quarters import financial_year_of
from core.rag import RAG, rag_trend
from milestones.models import Milestone
from milestones.rag_rules import suggest_milestone_rag, suggest_scheme_rag
from policy.spec import PolicyYear
from schemes.models import (
    Approval,
    ApprovalOutcome,
    CommentKind,
    Programme,
    ReportingPeriod,
    Scheme,
    SchemeLead,
    SchemePeriodUpdate,
    SchemeStatus,
    UpdateStatus,
)
from schemes.permissions import can_add_approval, can_edit_scheme, can_manage_programme, can_record_gate_outcome


def _effective_rag(qs):
    return qs.annotate(
        effective=Case(When(rag="", then=F("rag_suggested")), default=F("rag"), output_field=CharField())
    )


def _milestone_count(**filters):
    """A correlated count of a scheme's milestones (no GROUP BY over a join, so LIMIT stays cheap)."""
    return _counted(Milestone.objects.filter(**filters))


def _counted(milestones):
    counted = milestones.filter(scheme=OuterRef("pk")).order_by().values("scheme").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def schemes_with_status(queryset=None):
    """Schemes with their current RAG (chosen, else suggested), previous RAG and milestone counts.

    Annotations, not per-row queries: the scheme list stays at a fixed query count however many schemes.
    `milestones_overdue` is as at today (Milestone.objects.overdue); pages that show it say so.
    """
    today = timezone.localdate()
    queryset = Scheme.objects.all() if queryset is None else queryset
    # The periods joined for the ordering are the scheme's programme's own (services never pair a scheme with
    # another programme's period). Unscoped, PostgreSQL scanned every partnership's periods in each of the three
    # subqueries for each row (issue 17: 1,800 periods × 150 at 150 partnerships, 31 of the list query's 31 ms);
    # scoped, it reads the programme's dozen through the foreign key's index (2 ms).
    updates = SchemePeriodUpdate.objects.filter(
        scheme=OuterRef("pk"), period__programme=OuterRef("programme_id")
    ).order_by("-period__end_date")
    return (
        queryset.select_related("programme", "workstream")
        .annotate(
            current_rag=Subquery(_effective_rag(updates).values("effective")[:1]),
            current_rag_suggested=Subquery(
                updates.annotate(
                    s=Case(When(rag="", then=Value(True)), default=Value(False), output_field=BooleanField())
                ).values("s")[:1]
            ),
            previous_rag=Subquery(_effective_rag(updates).values("effective")[1:2]),
            milestone_count=_milestone_count(),
            milestones_complete=_milestone_count(status="complete"),
            milestones_overdue=_counted(Milestone.objects.overdue(as_of=today)),
        )
        # Each scheme's leads by start date, as the model's ordering has them, without the join through every
        # scheme and programme that ordering "scheme" by its own Meta.ordering costs (a scan of all schemes).
        .prefetch_related(
            Prefetch("leads", queryset=SchemeLead.objects.select_related("user").order_by("scheme_id", "start_date"))
        )
    )


def scheme_list(*, programme: Programme):
    """A programme's schemes in ref order, with status annotations (see schemes_with_status)."""
    return schemes_with_status(Scheme.objects.filter(programme=programme)).order_by(
        "status", natural_order("ref_key"), "name"
    )


def scheme_list_led_by(*, user):
    """The schemes a person leads today, across the programmes they hold a role on."""
    mine = Scheme.objects.led_by(user).filter(programme_id__in=user_programme_ids(user))
    return schemes_with_status(mine).order_by("programme__name", natural_order("ref_key"), "name")


def current_leads(scheme: Scheme) -> list:
    """Leads holding the role today (uses the prefetched `leads`)."""
    today = timezone.localdate()
    return [lead.user for lead in scheme.leads.all() if lead.is_current(today)]


def scheme_detail(*, scheme: Scheme) -> dict:
    """Everything the scheme page shows, in a fixed number of queries."""
    scheme = (
        Scheme.objects.select_related("programme", "workstream")
        .prefetch_related(
            Prefetch("leads", queryset=SchemeLead.objects.select_related("user")),
            Prefetch("milestones", queryset=Milestone.objects.prefetch_related("date_changes__changed_by")),
            "dependencies__depends_on",
            "dependents__scheme",
            Prefetch("approvals", queryset=Approval.objects.select_related("outcome_recorded_by")),
            "comments__period",
            Prefetch("period_updates", queryset=SchemePeriodUpdate.objects.select_related("period")),
        )
        .get(pk=scheme.pk)
    )
    return {
        "scheme": scheme,
        "milestones": list(scheme.milestones.all()),
        "leads": list(scheme.leads.all()),
        "depends_on": list(scheme.dependencies.all()),
        "depended_on_by": list(scheme.dependents.all()),
        "approvals": list(scheme.approvals.all()),
        "comments": list(scheme.comments.all()),
        "period_updates": list(scheme.period_updates.all()),
    }


def period_list(*, programme: Programme):
    return ReportingPeriod.objects.filter(programme=programme).order_by("start_date")


def period_current(*, programme: Programme, today=None) -> ReportingPeriod | None:
    """The period a lead is updating: the open one containing today, else the latest open one that has started."""
    today = today or timezone.localdate()
    periods = list(ReportingPeriod.objects.filter(programme=programme).order_by("start_date"))
    open_periods = [p for p in periods if not p.is_closed]
    for period in open_periods:
        if period.contains(today):
            return period
    started = [p for p in open_periods if p.start_date <= today]
    if started:
        return started[-1]
    return (open_periods or periods or [None])[0]


def period_latest(periods: list[ReportingPeriod], today) -> ReportingPeriod | None:
    """The period a report or dashboard opens on: the latest that has started and goes to a board (has a board
    date); if none has a board date, the latest that has started; before any has started, the first one.

    A period with no board date has no highlight report of its own yet (the demo's P2 is known only from the
    paper's "planned for next period" headings), so it is not the default."""
    ordered = sorted(periods, key=lambda p: p.start_date)
    started = [p for p in ordered if p.start_date <= today]
    reported = [p for p in started if p.board_date is not None]
    if reported:
        return reported[-1]
    if started:
        return started[-1]
    return ordered[0] if ordered else None


def period_after(period: ReportingPeriod, periods: list[ReportingPeriod]) -> ReportingPeriod | None:
    later = [p for p in periods if p.start_date >= period.end_date and p.pk != period.pk]
    return min(later, key=lambda p: p.start_date) if later else None


def milestones_completed_in(milestones, period: ReportingPeriod) -> list:
    """'Milestones completed this period' (Milestone.is_completed_in: derived from the dates, never typed)."""
    return sorted((m for m in milestones if m.is_completed_in(period)), key=lambda m: (m.completed_on, m.order))


def milestones_planned_next(milestones, period: ReportingPeriod, next_period: ReportingPeriod | None) -> list:
    """'Milestones planned for next period': only those due in the next period (Milestone.is_planned_for). The ones
    still open and overdue at this period's end are listed apart (milestones_overdue_at_end), not as "planned".

    Without a next period defined, the next period is taken to be as long as this one.
    """
    following = next_period or ReportingPeriod(
        start_date=period.end_date, end_date=period.end_date + (period.end_date - period.start_date)
    )
    return sorted(
        (m for m in milestones if m.is_planned_for(following) and not m.is_overdue(period.end_date)),
        key=lambda m: (m.due_date, m.order),
    )


def milestones_overdue_at_end(milestones, period: ReportingPeriod) -> list:
    """Milestones still open and past their date at the period's end (Milestone.is_overdue), oldest first."""
    return sorted((m for m in milestones if m.is_overdue(period.end_date)), key=lambda m: (m.due_date, m.order))


def scheme_workspace(*, scheme: Scheme, period: ReportingPeriod | None, user) -> dict:
    """What the scheme page shows for one reporting period, in a fixed number of queries."""
    context = scheme_detail(scheme=scheme)
    scheme = context["scheme"]
    periods = list(ReportingPeriod.objects.filter(programme_id=scheme.programme_id).order_by("start_date"))
    period = period or period_current(programme=scheme.programme)
    milestones = context["milestones"]
    as_of = period.end_date if period else timezone.localdate()
    context["period_default_date"] = period.default_date() if period else timezone.localdate()
    for m in milestones:
        m.suggested_rag = suggest_milestone_rag(m, as_of=min(as_of, timezone.localdate()))
        m.pk_str = str(m.pk)  # form keys in the template
    for a in context["approvals"]:
        a.pk_str = str(a.pk)
    updates = {u.period_id: u for u in context["period_updates"]}
    update = updates.get(period.pk) if period else None
    previous = [p for p in periods if period and p.end_date <= period.start_date]
    previous_update = updates.get(previous[-1].pk) if previous else None
    next_period = period_after(period, periods) if period else None
    context.update(
        {
            "periods": periods,
            "period": period,
            "next_period": next_period,
            "update": update,
            "suggested_now": suggest_scheme_rag(milestones, as_of=as_of) if period else None,
            "trend": rag_trend(
                previous_update.effective_rag if previous_update else None, update.effective_rag if update else None
            ),
            "completed_this_period": milestones_completed_in(milestones, period) if period else [],
            "planned_next_period": milestones_planned_next(milestones, period, next_period) if period else [],
            "overdue_at_end": milestones_overdue_at_end(milestones, period) if period else [],
            "period_comments": [c for c in context["comments"] if period and c.period_id == period.pk],
            "can_edit": can_edit_scheme(user, scheme),
            "can_manage": can_manage_programme(user, scheme.programme_id),
            "can_add_approval": can_add_approval(user, scheme),
            "can_record_gates": can_record_gate_outcome(user, scheme),
            "today": timezone.localdate(),
            "rag_choices": RAG.choices,
            "comment_kinds": CommentKind.choices,
            "approval_outcomes": ApprovalOutcome.choices,
            "rag_history": rag_history(periods=periods, updates=updates, milestones=milestones),
        }
    )
    return context


def rag_history(*, periods, updates: dict, milestones) -> list[dict]:
    """The scheme's RAG for each period that has started, oldest first: the RAG people chose, else the
    update's suggestion, else what the rules suggest from the milestones as they stood at the period's end."""
    today = timezone.localdate()
    history = []
    for period in periods:
        if period.start_date > today:
            continue
        update = updates.get(period.pk)
        rag = update.rag if update else ""
        suggested = not rag
        if not rag:
            rag = (update.rag_suggested if update else "") or (
                suggest_scheme_rag(milestones, as_of=min(period.end_date, today)) or ""
            )
        history.append({"period": period, "rag": rag, "suggested": suggested and bool(rag)})
    return history


def scheme_history(*, scheme: Scheme, hidden_fields: tuple[str, ...] = ()) -> list[dict]:
    """A readable audit trail of a scheme and everything under it: who, when, what, before and after.
    `hidden_fields`: the milestones' fields this reader may not see (schemes.permissions.history_hidden_fields).

    One query per kind of record, however long the history.
    """
    sources = [
        ("Scheme", Scheme.history.filter(id=scheme.pk), lambda r: "Scheme details"),
        (
            "Milestone",
            Milestone.history.filter(scheme_id=scheme.pk),
            lambda r: f"Milestone “{Truncator(r.description).chars(70)}”",
        ),
        (
            "Period update",
            SchemePeriodUpdate.history.filter(scheme_id=scheme.pk).select_related("period"),
            lambda r: f"Update for {r.period}",
        ),
        (
            "Comment",
            scheme.comments.model.history.filter(scheme_id=scheme.pk),
            lambda r: f"Comment of {r.date:%d/%m/%Y}",
        ),
        ("Approval", scheme.approvals.model.history.filter(scheme_id=scheme.pk), lambda r: f"{r.item} – {r.body}"),
        (
            "Lead",
            SchemeLead.history.filter(scheme_id=scheme.pk).select_related("user"),
            lambda r: f"Project lead {r.user}",
        ),
    ]
    return audit_entries(sources, hidden={"Milestone": hidden_fields})


def my_schemes_todo(*, schemes: list[Scheme]) -> dict[int, dict]:
    """For each scheme a lead holds: overdue milestones and whether this period's update is still to do.

    Three queries for any number of schemes. Overdue is as at today (Milestone.objects.overdue).
    """
    today = timezone.localdate()
    ids = [s.pk for s in schemes]
    overdue = Milestone.objects.filter(scheme_id__in=ids).overdue(as_of=today).order_by("due_date")
    periods_by_programme: dict[int, list[ReportingPeriod]] = {}
    for period in ReportingPeriod.objects.filter(programme_id__in={s.programme_id for s in schemes}).order_by(
        "start_date"
    ):
        periods_by_programme.setdefault(period.programme_id, []).append(period)
    updates = {(u.scheme_id, u.period_id): u for u in SchemePeriodUpdate.objects.filter(scheme_id__in=ids)}
    todo: dict[int, dict[str, Any]] = {
        s.pk: {"overdue": [], "period": None, "update": None, "update_missing": False} for s in schemes
    }
    for m in overdue:
        m.pk_str = str(m.pk)  # form keys in the template
        todo[m.scheme_id]["overdue"].append(m)
    for s in schemes:
        periods = [p for p in periods_by_programme.get(s.programme_id, []) if not p.is_closed]
        started = [p for p in periods if p.start_date <= today]
        period = next((p for p in periods if p.contains(today)), started[-1] if started else None)
        update = updates.get((s.pk, period.pk)) if period else None
        todo[s.pk].update(
            {
                "period": period,
                "update": update,
                "update_missing": bool(period) and (update is None or not update.is_locked_for_lead),
            }
        )
    return todo


# --- Inbox (issue 21 §2) --------------------------------------------------------------------------------------
# The programme office's list of what is waiting in a period, and a lead's list of what is due. The navigation's
# badge counts with inbox_waiting_count, the page shows the same number.

INBOX_GROUPS = [
    (UpdateStatus.SUBMITTED, "Submitted, waiting for you"),
    (UpdateStatus.RETURNED, "Returned to the lead"),
    (UpdateStatus.DRAFT, "Not yet submitted"),
    (UpdateStatus.APPROVED, "Approved"),
]


def inbox_office(*, programme: Programme, period: ReportingPeriod | None) -> dict:
    """Each active scheme of the programme in one group by its update's status for the period (no update yet
    counts as not yet submitted), with its current leads and who did what when. Three queries."""
    groups: dict[str, list[dict]] = {status: [] for status, _ in INBOX_GROUPS}
    if period is not None:
        schemes = (
            Scheme.objects.filter(programme=programme, status=SchemeStatus.ACTIVE)
            .prefetch_related(Prefetch("leads", queryset=SchemeLead.objects.select_related("user")))
            .order_by(natural_order("ref_key"), "name")
        )
        updates = {
            u.scheme_id: u
            for u in SchemePeriodUpdate.objects.filter(period=period).select_related(
                "submitted_by", "returned_by", "approved_by"
            )
        }
        for scheme in schemes:
            update = updates.get(scheme.pk)
            row = {"scheme": scheme, "update": update, "leads": current_leads(scheme)}
            groups[update.status if update else UpdateStatus.DRAFT].append(row)
    return {
        "groups": [
            {"status": status, "label": label, "rows": groups[status], "count": len(groups[status])}
            for status, label in INBOX_GROUPS
        ],
        "waiting": len(groups[UpdateStatus.SUBMITTED]),
    }


def _office_programme_ids(user) -> list[int]:
    return [pk for pk in user_programme_ids(user) if can_manage_programme(user, pk)]


def inbox_office_waiting_elsewhere(*, user, period: ReportingPeriod | None) -> list[dict]:
    """Submitted updates waiting for this programme office in other open periods (of any of its programmes), so
    nothing waiting is hidden by the period the page shows."""
    waiting = (
        SchemePeriodUpdate.objects.filter(
            status=UpdateStatus.SUBMITTED,
            period__is_closed=False,
            scheme__programme_id__in=_office_programme_ids(user),
        )
        .exclude(period=period)
        .values("period__programme__name", "period__programme__slug", "period__code", "period__name")
        .annotate(n=Count("pk"))
        .order_by("period__programme__name", "period__code")
    )
    return list(waiting)


def inbox_lead(*, user) -> dict:
    """What is due on the schemes the user leads: each scheme's update for its current period, if not yet
    submitted (or returned), and its milestones overdue as at today (MilestoneQuerySet.overdue)."""
    schemes = list(
        Scheme.objects.led_by(user)
        .filter(programme_id__in=user_programme_ids(user))
        .select_related("programme")
        .order_by("programme__name", natural_order("ref_key"), "name")
    )
    todo = my_schemes_todo(schemes=schemes)
    rows = [{"scheme": s, **todo[s.pk]} for s in schemes]
    due = [r for r in rows if r["update_missing"] or r["overdue"]]
    return {
        "rows": rows,
        "due": due,
        "updates_due": sum(1 for r in rows if r["update_missing"]),
        "overdue": sum(len(r["overdue"]) for r in rows),
        "as_at": timezone.localdate(),
    }


def inbox_waiting_count(user) -> int:
    """The navigation badge: submitted updates waiting for this programme office (open periods of its programmes),
    plus, for a lead, the schemes whose update for the period is still to do."""
    count = 0
    office = _office_programme_ids(user)
    if office:
        count += SchemePeriodUpdate.objects.filter(
            status=UpdateStatus.SUBMITTED, period__is_closed=False, scheme__programme_id__in=office
        ).count()
    if has_role(user, Role.PROJECT_LEAD):
        schemes = list(Scheme.objects.led_by(user).filter(programme_id__in=user_programme_ids(user)))
        if schemes:
            count += sum(1 for t in my_schemes_todo(schemes=schemes).values() if t["update_missing"])
    return count


def programme_start_year(programme: Programme) -> int:
    """The start year of the financial year (April to March) the programme's plan is for: 2025 for 2025/26."""
    return financial_year_of(programme.start_date)


def policy_year_for_programme(programme: Programme) -> PolicyYear | None:
    """The BCF policy year a programme's plan and returns follow (its conditions, metrics, sources, return), or
    None when the app has none for that year: never another year's."""
    return policy.year_for(programme_start_year(programme))
