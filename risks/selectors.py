"""Reads for the risk register and heat map, each in a fixed number of queries."""

from typing import Any

from django.db.models import Count, Prefetch, Q
from django.utils import timezone

from accounts.models import User
from core.rag import Trend
from risks.models import Issue, MitigatingAction, Risk, RiskAssessment, RiskStatus
from risks.scoring import CONSEQUENCE_LABELS, LIKELIHOOD_LABELS, risk_grade
from schemes.models import ReportingPeriod, SchemeLead
from schemes.selectors import period_current

GRADE_RANGES = {"low": (1, 3), "moderate": (4, 6), "high": (8, 12), "extreme": (15, 25)}


def risk_queryset():
    return (
        Risk.objects.with_score()
        .select_related("owner", "programme")
        .prefetch_related(
            "schemes",
            Prefetch("actions", queryset=MitigatingAction.objects.order_by("due_date", "id")),
            Prefetch("assessments", queryset=RiskAssessment.objects.order_by("assessed_on", "id")),
        )
    )


def risk_owner_candidates(programme):
    """Who may be named as a risk's owner: the people holding a role on one of the programme's partnership's
    programmes, and anyone already owning one of its risks; never another partnership's (issue 17). The risk form
    and the register upload both ask here."""
    owners = Q(memberships__programme__partnership_id=programme.partnership_id) | Q(
        pk__in=Risk.objects.filter(programme=programme).values("owner")
    )
    return User.objects.filter(owners, is_active=True).distinct()


def previous_period_end(*, programme, today=None):
    """End of the period before the current one: the register's trend compares against the score then."""
    current = period_current(programme=programme, today=today)
    if current is None:
        return None
    previous = (
        ReportingPeriod.objects.filter(programme=programme, end_date__lte=current.start_date)
        .order_by("-end_date")
        .first()
    )
    return previous.end_date if previous else None


def score_trend(risk: Risk, as_of) -> str:
    """Up means the risk got worse (higher score) since `as_of`; uses the prefetched assessments."""
    if as_of is None:
        return Trend.NEW
    earlier = [a for a in risk.assessments.all() if a.assessed_on <= as_of]
    if not earlier:
        return Trend.NEW
    before = earlier[-1].score
    if risk.score > before:
        return "up"
    if risk.score < before:
        return "down"
    return Trend.SAME


def annotate_register(risks: list[Risk], *, programme) -> list[Risk]:
    """Adds trend, initial score and overdue actions to each risk (no queries beyond the prefetch)."""
    as_of = previous_period_end(programme=programme)
    today = timezone.localdate()
    row: Any  # the register's extra attributes ride on each Risk it lists
    for row in risks:
        risk = row
        assessments = list(risk.assessments.all())
        risk.initial_score = assessments[0].score if assessments else risk.score
        risk.trend = score_trend(risk, as_of)
        risk.overdue_actions = [a for a in risk.actions.all() if a.is_overdue(today)]
        risk.review_overdue = (
            risk.status == RiskStatus.OPEN and risk.next_review_date is not None and risk.next_review_date < today
        )
    return risks


def heat_map(*, queryset) -> dict:
    """Counts of risks per likelihood × consequence cell: one aggregate query. Rows run from 5 (top) to 1."""
    counts = {
        (row["likelihood"], row["consequence"]): row["n"]
        for row in queryset.order_by().values("likelihood", "consequence").annotate(n=Count("id"))
    }
    rows = []
    for likelihood in range(5, 0, -1):
        cells = []
        for consequence in range(1, 6):
            score = likelihood * consequence
            cells.append(
                {
                    "likelihood": likelihood,
                    "consequence": consequence,
                    "score": score,
                    "grade": risk_grade(score),
                    "count": counts.get((likelihood, consequence), 0),
                }
            )
        rows.append({"likelihood": likelihood, "label": LIKELIHOOD_LABELS[likelihood], "cells": cells})
    return {
        "rows": rows,
        "consequence_labels": [CONSEQUENCE_LABELS[c] for c in range(1, 6)],
        "total": sum(counts.values()),
    }


def grade_filter(grade: str) -> Q:
    low, high = GRADE_RANGES[grade]
    return Q(score_value__gte=low, score_value__lte=high)


def risk_detail(*, risk: Risk) -> dict:
    risk = (
        risk_queryset().prefetch_related(Prefetch("schemes__leads", queryset=SchemeLead.objects.all())).get(pk=risk.pk)
    )
    annotate_register([risk], programme=risk.programme)
    return {"risk": risk, "assessments": list(risk.assessments.all()), "actions": list(risk.actions.all())}


def issue_list(*, programme):
    return (
        Issue.objects.filter(programme=programme)
        .select_related("owner", "from_risk")
        .prefetch_related("schemes", "actions")
        .order_by("status", "-raised_on")
    )


def risks_for_scheme(*, scheme) -> list[Risk]:
    """The risks linked to a scheme, highest score first, for the scheme page (one query)."""
    return sorted(Risk.objects.filter(schemes=scheme), key=lambda r: (-r.score, r.pk))
