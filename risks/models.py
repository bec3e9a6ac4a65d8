from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from core.models import TimeStampedModel, VersionedModel
from risks.scoring import risk_grade

ONE_TO_FIVE = [MinValueValidator(1), MaxValueValidator(5)]


class RiskStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class Risk(VersionedModel):
    """A risk on the programme's register, scored on the NHS 5×5 matrix."""

    programme = models.ForeignKey("schemes.Programme", on_delete=models.PROTECT, related_name="risks")
    schemes = models.ManyToManyField("schemes.Scheme", blank=True, related_name="risks")
    title = models.CharField(max_length=200)
    description = models.TextField()
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="owned_risks"
    )
    owner_name = models.CharField(max_length=200, blank=True, help_text="When the owner has no account.")
    raised_on = models.DateField()
    likelihood = models.PositiveSmallIntegerField(validators=ONE_TO_FIVE)
    consequence = models.PositiveSmallIntegerField(validators=ONE_TO_FIVE)
    target_likelihood = models.PositiveSmallIntegerField(validators=ONE_TO_FIVE)
    target_consequence = models.PositiveSmallIntegerField(validators=ONE_TO_FIVE)
    status = models.CharField(max_length=10, choices=RiskStatus.choices, default=RiskStatus.OPEN)
    on_assurance_framework = models.BooleanField(default=False)
    assurance_reference = models.CharField(max_length=50, blank=True)
    escalated_to_board = models.BooleanField(default=False)
    demo_values = models.BooleanField(default=False, help_text="Scores invented for the demo, not from a paper.")
    history = HistoricalRecords()

    class Meta:
        ordering = ["programme", "-raised_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(likelihood__gte=1, likelihood__lte=5, consequence__gte=1, consequence__lte=5),
                name="risk_score_in_matrix",
            ),
            models.CheckConstraint(
                condition=Q(
                    target_likelihood__gte=1,
                    target_likelihood__lte=5,
                    target_consequence__gte=1,
                    target_consequence__lte=5,
                ),
                name="risk_target_in_matrix",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def score(self) -> int:
        return self.likelihood * self.consequence

    @property
    def grade(self):
        return risk_grade(self.score)

    @property
    def target_score(self) -> int:
        return self.target_likelihood * self.target_consequence

    @property
    def owner_display(self) -> str:
        return str(self.owner) if self.owner else self.owner_name


class MitigatingAction(TimeStampedModel):
    risk = models.ForeignKey(Risk, on_delete=models.CASCADE, related_name="actions")
    action = models.TextField()
    owner_name = models.CharField(max_length=200, blank=True)
    due_date = models.DateField(null=True, blank=True)
    done = models.BooleanField(default=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["risk", "due_date", "id"]

    def __str__(self) -> str:
        return self.action[:80]
