"""Reads for schemes. Each list selector loads what its page needs in a fixed number of queries."""

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

from schemes.models import Programme, ReportingPeriod, Scheme, SchemeLead, SchemePeriodUpdate


def programme_default() -> Programme | None:
    """The programme a user lands on: the one that started most recently."""
    return Programme.objects.order_by("-start_date", "name").first()


def programme_list():
    return Programme.objects.order_by("-start_date", "name")


def _effective_rag(qs):
    return qs.annotate(
        effective=Case(When(rag="", then=F("rag_suggested")), default=F("rag"), output_field=CharField())
    )


def _milestone_count(**filters):
    """A correlated count of a scheme's milestones (no GROUP BY over a join, so LIMIT stays cheap)."""
    from milestones.models import Milestone

    counted = (
        Milestone.objects.filter(scheme=OuterRef("pk"), **filters)
        .order_by()
        .values("scheme")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def schemes_with_status(queryset=None):
    """Schemes with their current RAG (chosen, else suggested), previous RAG and milestone counts.

    Annotations, not per-row queries: the scheme list stays at a fixed query count however many schemes.
    """
    from milestones.models import Milestone

    today = timezone.localdate()
    queryset = Scheme.objects.all() if queryset is None else queryset
    updates = SchemePeriodUpdate.objects.filter(scheme=OuterRef("pk")).order_by("-period__end_date")
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
            milestones_overdue=Coalesce(
                Subquery(
                    Milestone.objects.filter(scheme=OuterRef("pk"), due_date__lt=today)
                    .exclude(status__in=["complete", "cancelled"])
                    .order_by()
                    .values("scheme")
                    .annotate(n=Count("pk"))
                    .values("n"),
                    output_field=IntegerField(),
                ),
                0,
            ),
        )
        .prefetch_related(Prefetch("leads", queryset=SchemeLead.objects.select_related("user")))
    )


def scheme_list(*, programme: Programme):
    """A programme's schemes in ref order, with status annotations (see schemes_with_status)."""
    return schemes_with_status(Scheme.objects.filter(programme=programme)).order_by("status", "ref", "name")


def scheme_list_led_by(*, user):
    """The schemes a person leads today, across programmes."""
    return schemes_with_status(Scheme.objects.led_by(user)).order_by("programme__name", "ref")


def current_leads(scheme: Scheme) -> list:
    """Leads holding the role today (uses the prefetched `leads`)."""
    today = timezone.localdate()
    return [lead.user for lead in scheme.leads.all() if lead.is_current(today)]


def scheme_detail(*, scheme: Scheme) -> dict:
    """Everything the scheme page shows, in a fixed number of queries."""
    from milestones.models import Milestone

    scheme = (
        Scheme.objects.select_related("programme", "workstream")
        .prefetch_related(
            Prefetch("leads", queryset=SchemeLead.objects.select_related("user")),
            Prefetch("milestones", queryset=Milestone.objects.prefetch_related("date_changes__changed_by")),
            "dependencies__depends_on",
            "dependents__scheme",
            "approvals",
            "comments__period",
            "risks",
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
        "risks": list(scheme.risks.all()),
        "period_updates": list(scheme.period_updates.all()),
    }


def period_list(*, programme: Programme):
    return ReportingPeriod.objects.filter(programme=programme).order_by("start_date")
