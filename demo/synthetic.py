"""Synthetic programmes for scale tests and benchmarks (deterministic for a given seed)."""

import random
from datetime import date, timedelta

from django.db import transaction

from accounts.roles import Role
from accounts.services import user_ensure
from core.rag import RAG
from milestones.models import Milestone, MilestoneStatus
from schemes.models import Programme, ReportingPeriod, Scheme, SchemeLead, SchemePeriodUpdate, Workstream

WORKSTREAMS = ["Enablers", "Unscheduled Care", "Scheduled Care", "Mental Health", "Primary Care", "Children's"]


@transaction.atomic
def synthetic_programme_generate(
    *,
    schemes: int,
    milestones_per_scheme: int,
    periods: int = 12,
    seed: int = 1,
    slug: str | None = None,
    risks: int = 0,
) -> Programme:
    """A programme of `schemes` schemes × `milestones_per_scheme` milestones and monthly periods.

    Bulk-created for speed: the rows are synthetic, so the per-record audit trail is not wanted here.
    """
    rng = random.Random(seed)
    slug = slug or f"synthetic-{seed}-{schemes}x{milestones_per_scheme}"
    start = date(2024, 4, 1)
    programme = Programme.objects.create(
        slug=slug,
        name=f"Synthetic programme {seed}",
        start_date=start,
        end_date=start + timedelta(days=30 * periods + 30),
    )
    streams = [Workstream.objects.create(programme=programme, name=n, order=i) for i, n in enumerate(WORKSTREAMS)]
    leads = [
        user_ensure(username=f"{slug}-lead-{i}", first_name="Lead", last_name=str(i), roles=[Role.PROJECT_LEAD])
        for i in range(max(1, schemes // 10))
    ]
    period_objs = ReportingPeriod.objects.bulk_create(
        ReportingPeriod(
            programme=programme,
            code=f"p{i + 1:02d}",
            name=f"Period {i + 1}",
            start_date=start + timedelta(days=30 * i),
            end_date=start + timedelta(days=30 * (i + 1)),
        )
        for i in range(periods)
    )
    scheme_objs = Scheme.objects.bulk_create(
        Scheme(
            programme=programme,
            workstream=rng.choice(streams),
            ref=f"{1 + i // 100}.{i % 100 + 1}",
            name=f"Scheme {i + 1}",
            description="Synthetic scheme for scale testing.",
            reports_to_ccg=rng.random() < 0.7,
            reports_to_gm=rng.random() < 0.3,
        )
        for i in range(schemes)
    )
    SchemeLead.objects.bulk_create(SchemeLead(scheme=s, user=leads[i % len(leads)]) for i, s in enumerate(scheme_objs))
    milestones = []
    for s in scheme_objs:
        for j in range(milestones_per_scheme):
            baseline = start + timedelta(days=rng.randint(0, 30 * periods))
            due = baseline + timedelta(days=rng.choice([0, 0, 0, 14, 30]))
            done = due < start + timedelta(days=30 * periods // 2) and rng.random() < 0.8
            milestones.append(
                Milestone(
                    scheme=s,
                    phase=str(rng.randint(1, 4)),
                    description=f"Milestone {j + 1}",
                    baseline_date=baseline,
                    due_date=due,
                    status=MilestoneStatus.COMPLETE if done else MilestoneStatus.NOT_STARTED,
                    completed_on=due if done else None,
                    order=j,
                )
            )
    Milestone.objects.bulk_create(milestones, batch_size=2000)
    rags = [RAG.RED, RAG.AMBER, RAG.GREEN, RAG.GREEN, RAG.BLUE]
    SchemePeriodUpdate.objects.bulk_create(
        (
            SchemePeriodUpdate(scheme=s, period=p, rag_suggested=rng.choice(rags))
            for s in scheme_objs
            for p in period_objs
        ),
        batch_size=2000,
    )
    if risks:
        synthetic_risks_generate(
            programme=programme, schemes=scheme_objs, count=risks, rng=rng, start=start, periods=periods
        )
    return programme


def synthetic_risks_generate(*, programme, schemes, count: int, rng, start, periods: int) -> None:
    """Risks with an initial and a current assessment, a linked scheme and one or two actions each."""
    from risks.models import MitigatingAction, Risk, RiskAssessment, RiskCategory

    risks = []
    for i in range(count):
        raised = start + timedelta(days=rng.randint(0, 30 * periods // 2))
        likelihood, consequence = rng.randint(1, 5), rng.randint(1, 5)
        closed = rng.random() < 0.1
        risks.append(
            Risk(
                programme=programme,
                title=f"Synthetic risk {i + 1}",
                description="Synthetic risk for scale testing.",
                category=rng.choice(RiskCategory.values),
                raised_on=raised,
                likelihood=likelihood,
                consequence=consequence,
                target_likelihood=min(likelihood, rng.randint(1, 3)),
                target_consequence=min(consequence, rng.randint(1, 3)),
                status="closed" if closed else "open",
                closed_reason="Synthetic closure" if closed else "",
                next_review_date=raised + timedelta(days=rng.randint(30, 120)),
                on_assurance_framework=rng.random() < 0.2,
                assurance_reference="AF-S",
            )
        )
    risks = Risk.objects.bulk_create(risks, batch_size=2000)
    through = Risk.schemes.through
    through.objects.bulk_create(
        (through(risk_id=r.pk, scheme_id=rng.choice(schemes).pk) for r in risks), batch_size=2000
    )
    assessments = []
    for r in risks:
        assessments.append(
            RiskAssessment(
                risk=r,
                assessed_on=r.raised_on,
                likelihood=rng.randint(1, 5),
                consequence=rng.randint(1, 5),
                note="Initial",
            )
        )
        assessments.append(
            RiskAssessment(
                risk=r,
                assessed_on=r.raised_on + timedelta(days=30),
                likelihood=r.likelihood,
                consequence=r.consequence,
                note="Re-scored",
            )
        )
    RiskAssessment.objects.bulk_create(assessments, batch_size=2000)
    MitigatingAction.objects.bulk_create(
        (
            MitigatingAction(risk=r, action=f"Action {j + 1}", due_date=r.raised_on + timedelta(days=60 * (j + 1)))
            for r in risks
            for j in range(rng.randint(1, 2))
        ),
        batch_size=2000,
    )
