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
    *, schemes: int, milestones_per_scheme: int, periods: int = 12, seed: int = 1, slug: str | None = None
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
    return programme
