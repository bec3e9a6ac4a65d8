import io

import pytest
from django.core.management import CommandError, call_command

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
