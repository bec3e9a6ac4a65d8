"""The read-only feeds: each register as flat rows (one query a page, whatever the size) for Power BI or Excel.

Money and figures are strings of exact decimals ("2074000.00"), dates ISO 8601, so nothing is rounded on
the way. Each feed takes the same filters as its page: programme (or fund) by slug.
"""

from decimal import Decimal

from django.db.models import OuterRef, Subquery

from core.natural import natural_order
from finance.models import Allocation
from finance.selectors import allocations_with_money
from metrics.models import MetricValue, period_label
from metrics.selectors import status_of
from milestones.models import Milestone
from risks.models import Risk
from risks.scoring import risk_grade
from schemes.illustrative import illustrative_label
from schemes.models import Scheme, SchemePeriodUpdate

PENNY = Decimal("0.01")


def _pounds(value):
    """Pounds and pence whatever the database returns for a sum (SQLite drops trailing zeros)."""
    return None if value is None else Decimal(value).quantize(PENNY)


def _latest_rag():
    # Periods of the scheme's own programme only, as in schemes.selectors.schemes_with_status: unscoped, the join
    # for the ordering scanned every partnership's periods once per row (issue 17).
    latest = (
        SchemePeriodUpdate.objects.filter(scheme=OuterRef("pk"), period__programme=OuterRef("programme_id"))
        .exclude(rag="")
        .order_by("-period__start_date")
    )
    return Subquery(latest.values("rag")[:1])


def schemes_feed(*, programme_ids, programme=None, fund=None):
    queryset = Scheme.objects.select_related("programme", "workstream").annotate(latest_rag=_latest_rag())
    queryset = queryset.filter(programme_id__in=programme_ids)  # only the reader's programmes
    if programme is not None:
        queryset = queryset.filter(programme=programme)
    return queryset.order_by("programme_id", natural_order("ref_key"), "pk"), lambda s: {
        "id": s.pk,
        "programme": s.programme.slug,
        "ref": s.ref,
        "name": s.name,
        "workstream": s.workstream.name if s.workstream else None,
        "locality": s.get_locality_display(),
        "status": s.get_status_display(),
        "clinical_lead": s.clinical_lead,
        "reports_to_ccg": s.reports_to_ccg,
        "reports_to_gm": s.reports_to_gm,
        "reports_to_national": s.reports_to_national,
        "latest_rag": s.latest_rag or None,
    }


def milestones_feed(*, programme_ids, programme=None, fund=None):
    queryset = Milestone.objects.select_related("scheme", "scheme__programme")
    queryset = queryset.filter(scheme__programme_id__in=programme_ids)  # only the reader's programmes
    if programme is not None:
        queryset = queryset.filter(scheme__programme=programme)
    return queryset.order_by(
        "scheme__programme_id", natural_order("scheme__ref_key"), "order", "due_date", "pk"
    ), lambda m: {
        "id": m.pk,
        "programme": m.scheme.programme.slug,
        "scheme_id": m.scheme_id,
        "scheme_ref": m.scheme.ref,
        "phase": m.phase,
        "description": m.description,
        "start_date": m.start_date,
        "baseline_date": m.baseline_date,
        "due_date": m.due_date,
        "slippage_days": (m.due_date - m.baseline_date).days,
        "completed_on": m.completed_on,
        "status": m.get_status_display(),
        "rag": m.rag or None,
    }


def risks_feed(*, programme_ids, programme=None, fund=None):
    queryset = Risk.objects.select_related("programme", "owner").prefetch_related("schemes")
    queryset = queryset.filter(programme_id__in=programme_ids)  # only the reader's programmes
    if programme is not None:
        queryset = queryset.filter(programme=programme)

    def row(r):
        score = r.likelihood * r.consequence
        return {
            "id": r.pk,
            "programme": r.programme.slug,
            "title": r.title,
            "description": r.description,
            "category": r.get_category_display(),
            "owner": str(r.owner) if r.owner else r.owner_name,
            "raised_on": r.raised_on,
            "likelihood": r.likelihood,
            "consequence": r.consequence,
            "score": score,
            "grade": risk_grade(score).label,
            "target_score": r.target_likelihood * r.target_consequence,
            "status": r.get_status_display(),
            "next_review_date": r.next_review_date,
            "on_assurance_framework": r.on_assurance_framework,
            "scheme_refs": [s.ref for s in r.schemes.all()],
            "demo_values": r.demo_values,
        }

    return queryset.order_by("programme_id", "pk"), row


def allocations_feed(*, programme_ids, programme=None, fund=None):
    queryset = allocations_with_money(Allocation.objects.select_related("fund", "scheme"))
    queryset = queryset.filter(fund__programme_id__in=programme_ids)  # only the reader's programmes
    if fund is not None:
        queryset = queryset.filter(fund=fund)
    if programme is not None:
        queryset = queryset.filter(fund__programme=programme)

    def row(a):
        forecast = a.forecast if a.forecast is not None else a.budget
        return {
            "id": a.pk,
            "fund": a.fund.slug,
            "initiative": a.initiative,
            "workstream": a.workstream,
            "scheme_name": a.scheme_name,
            "scheme_id": a.scheme_id,
            "status": a.get_status_display(),
            "allocated": _pounds(a.budget),
            "spent": _pounds(a.actual_spend),
            "forecast_outturn": _pounds(forecast),
            "forecast_given": a.forecast is not None,
            "variance": _pounds(forecast - a.budget),
        }

    return queryset.order_by("fund_id", "order", "pk"), row


def metrics_feed(*, programme_ids, programme=None, fund=None):
    queryset = MetricValue.objects.select_related("metric", "metric__programme", "metric__scheme")
    queryset = queryset.filter(metric__programme_id__in=programme_ids)  # only the reader's programmes
    if programme is not None:
        queryset = queryset.filter(metric__programme=programme)

    def row(v):
        m = v.metric
        return {
            "id": v.pk,
            "programme": m.programme.slug,
            "metric": m.code,
            "name": m.name,
            "scheme_ref": m.scheme.ref if m.scheme_id else None,
            "unit": m.unit,
            "direction": m.direction,
            "period_start": v.period_start,
            "period": period_label(v.period_start, m.frequency),
            "plan": _pounds(v.plan),
            "actual": _pounds(v.actual),
            "status": status_of(metric=m, plan=v.plan, actual=v.actual),
            "demo": m.is_demo,
        }

    return queryset.order_by("metric__programme_id", "metric__order", "metric_id", "period_start"), row


def _programme_id(item) -> int:
    """The programme a feed's row belongs to (a scheme, milestone, risk, allocation or metric value)."""
    if isinstance(item, Milestone):
        return item.scheme.programme_id
    if isinstance(item, Allocation):
        return item.fund.programme_id
    if isinstance(item, MetricValue):
        return item.metric.programme_id
    return item.programme_id


def illustrated_row(row: dict, item) -> dict:
    """A row of an invented programme says so ("illustrative": its label); a real programme's row is unchanged."""
    label = illustrative_label(_programme_id(item))
    return {**row, "illustrative": label} if label else row


FEEDS = {
    "schemes": (schemes_feed, "Schemes with their latest chosen RAG"),
    "milestones": (milestones_feed, "Milestones with baseline, due date and slippage"),
    "risks": (risks_feed, "The risk register with scores and grades"),
    "allocations": (allocations_feed, "Fund allocations with allocated, spent, forecast and variance"),
    "metrics": (metrics_feed, "Metric and KPI plans and actuals per period, with status"),
}
