import io

import pytest
from django.core.management import CommandError, call_command
from django.db import models

from milestones.models import Milestone
from schemes.models import Programme, SchemePeriodUpdate


@pytest.mark.django_db
def test_generate_synthetic_builds_the_requested_size_deterministically():
    call_command(
        "generate_synthetic", "--schemes", "12", "--milestones-per-scheme", "5", "--seed", "3", stdout=io.StringIO()
    )
    programme = Programme.objects.get(slug="synthetic-3-12x5")
    assert programme.schemes.count() == 12
    assert Milestone.objects.filter(scheme__programme=programme).count() == 60
    assert programme.periods.count() == 12
    assert SchemePeriodUpdate.objects.filter(scheme__programme=programme).count() == 12 * 12
    dates = list(
        Milestone.objects.filter(scheme__programme=programme).order_by("id").values_list("due_date", flat=True)
    )
    with pytest.raises(CommandError, match="already exists"):
        call_command("generate_synthetic", "--schemes", "12", "--milestones-per-scheme", "5", "--seed", "3")
    call_command(
        "generate_synthetic", "--schemes", "12", "--milestones-per-scheme", "5", "--seed", "4", stdout=io.StringIO()
    )
    other = list(
        Milestone.objects.filter(scheme__programme__slug="synthetic-4-12x5")
        .order_by("id")
        .values_list("due_date", flat=True)
    )
    assert other != dates  # another seed, another programme


@pytest.mark.django_db
def test_generate_synthetic_refuses_nonsense_sizes():
    with pytest.raises(CommandError):
        call_command("generate_synthetic", "--schemes", "0")


@pytest.mark.django_db
def test_generate_synthetic_partnerships_gives_each_its_own_programme_and_no_row_crosses_between_them():
    """--partnerships N (issue 17's national scale): N partnerships, each with one programme of the size asked for,
    and every row that points at another (a scheme's workstream and lead, a risk's schemes, an allocation's scheme,
    a movement's allocations, a lead's memberships) stays inside its own partnership."""
    from accounts.models import Membership
    from finance.models import Allocation, Fund, MovementLine
    from risks.models import Risk
    from schemes.models import Scheme, SchemeLead

    before = set(Programme.objects.values_list("pk", flat=True))
    stdout = io.StringIO()
    call_command(
        "generate_synthetic",
        "--partnerships", "3", "--schemes", "4", "--milestones-per-scheme", "2", "--risks", "3", "--seed", "7",
        stdout=stdout,
    )  # fmt: skip
    assert "Created 3 partnerships" in stdout.getvalue()
    programmes = list(Programme.objects.exclude(pk__in=before).select_related("partnership").order_by("slug"))
    assert [p.slug for p in programmes] == ["synthetic-p7-4x2", "synthetic-p8-4x2", "synthetic-p9-4x2"]
    assert len({p.partnership_id for p in programmes}) == 3  # each its own partnership
    for programme in programmes:
        assert Programme.objects.filter(partnership=programme.partnership).count() == 1
        assert programme.schemes.count() == 4
        assert Milestone.objects.filter(scheme__programme=programme).count() == 8
        assert Risk.objects.filter(programme=programme).count() == 3
        assert Fund.objects.filter(programme=programme).count() == 1
    # Nothing crosses a partnership: each foreign key is compared with its own programme's.
    ours = [p.pk for p in programmes]
    schemes = Scheme.objects.filter(programme__in=ours)
    assert not schemes.exclude(workstream__programme=models.F("programme")).exists()
    assert not Risk.objects.filter(programme__in=ours).exclude(schemes__programme=models.F("programme")).exists()
    assert Risk.objects.filter(programme__in=ours, schemes__isnull=False).exists()
    allocations = Allocation.objects.filter(fund__programme__in=ours)
    assert allocations.exists()
    assert not allocations.exclude(scheme__programme=models.F("fund__programme")).exists()
    lines = MovementLine.objects.filter(movement__fund__programme__in=ours, allocation__isnull=False)  # not unallocated
    assert lines.exists() and not lines.exclude(allocation__fund=models.F("movement__fund")).exists()
    for lead in SchemeLead.objects.filter(scheme__programme__in=ours).select_related("scheme"):
        held = set(Membership.objects.filter(user=lead.user_id).values_list("programme_id", flat=True))
        assert held == {lead.scheme.programme_id}, lead.user  # a lead holds a role on their own programme only
    # The same seeds again are refused, and nothing is added.
    with pytest.raises(CommandError, match="already exists"):
        call_command("generate_synthetic", "--partnerships", "2", "--schemes", "4", "--milestones-per-scheme", "2",
                     "--seed", "8")  # fmt: skip
    assert Programme.objects.exclude(pk__in=before).count() == 3
    with pytest.raises(CommandError):
        call_command("generate_synthetic", "--partnerships", "2", "--schemes", "1")
