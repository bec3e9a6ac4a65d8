from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.text import Truncator
from simple_history.models import HistoricalRecords

from core.models import TimeStampedModel, VersionedModel
from risks.scoring import Grade, risk_grade

ONE_TO_FIVE = [MinValueValidator(1), MaxValueValidator(5)]


class RiskStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class RiskCategory(models.TextChoices):
    DELIVERY = "delivery", "Delivery"
    FINANCIAL = "financial", "Financial"
    WORKFORCE = "workforce", "Workforce"
    ESTATES = "estates", "Estates"
    IT = "it", "IT and information governance"
    CLINICAL = "clinical", "Clinical quality and safety"
    PARTNERSHIP = "partnership", "Partnership and governance"
    REPUTATION = "reputation", "Reputation"


class BoardEscalation(models.TextChoices):
    AUTO = "auto", "Automatic (moderate and above)"
    ALWAYS = "always", "Always report to the board"
    NEVER = "never", "Do not report to the board"


class RiskQuerySet(models.QuerySet):
    def with_score(self):
        return self.annotate(
            score_value=F("likelihood") * F("consequence"),
            target_score_value=F("target_likelihood") * F("target_consequence"),
        )

    def open(self):
        return self.filter(status=RiskStatus.OPEN)

    def escalated(self):
        """Risks the highlight report lists: always, or automatically when moderate (score 4) and above."""
        return self.with_score().filter(
            Q(board_escalation=BoardEscalation.ALWAYS) | Q(board_escalation=BoardEscalation.AUTO, score_value__gte=4)
        )


class Risk(VersionedModel):
    """A risk on the programme's register, scored on the NHS 5×5 matrix."""

    programme = models.ForeignKey("schemes.Programme", on_delete=models.PROTECT, related_name="risks")
    schemes = models.ManyToManyField("schemes.Scheme", blank=True, related_name="risks")
    title = models.CharField(max_length=200)
    # Blank only for a risk loaded from a programme's workbook (title, scheme and scores are all a new programme
    # has); the register's form still asks for one (risks.services.risk_create).
    description = models.TextField(blank=True)
    cause = models.TextField(blank=True)
    effect = models.TextField(blank=True)
    category = models.CharField(max_length=20, choices=RiskCategory.choices, default=RiskCategory.DELIVERY)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="owned_risks"
    )
    owner_name = models.CharField(max_length=200, blank=True, help_text="When the owner has no account.")
    raised_on = models.DateField()
    likelihood = models.PositiveSmallIntegerField(validators=ONE_TO_FIVE)
    consequence = models.PositiveSmallIntegerField(validators=ONE_TO_FIVE)
    target_likelihood = models.PositiveSmallIntegerField(validators=ONE_TO_FIVE)
    target_consequence = models.PositiveSmallIntegerField(validators=ONE_TO_FIVE)
    target_reason = models.TextField(blank=True, help_text="Needed when the target is above the current score.")
    status = models.CharField(max_length=10, choices=RiskStatus.choices, default=RiskStatus.OPEN)
    closed_reason = models.TextField(blank=True)
    next_review_date = models.DateField(null=True, blank=True)
    on_assurance_framework = models.BooleanField(default=False)
    assurance_reference = models.CharField(max_length=50, blank=True)
    board_escalation = models.CharField(
        "Report to the board", max_length=10, choices=BoardEscalation.choices, default=BoardEscalation.AUTO
    )
    # Why a risk is kept off the board's report ("never"): needed unless the programme office decides it, and
    # shown on the risk's page and in the register (risks.services._check_board_escalation).
    board_escalation_reason = models.TextField("Why it is not reported to the board", blank=True)
    demo_values = models.BooleanField(default=False, help_text="Scores invented for the demo, not from a paper.")
    history = HistoricalRecords()

    objects = RiskQuerySet.as_manager()

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
            models.CheckConstraint(condition=~Q(status="closed") | ~Q(closed_reason=""), name="risk_closed_has_reason"),
            models.CheckConstraint(
                condition=Q(next_review_date__isnull=True) | Q(next_review_date__gte=F("raised_on")),
                name="risk_review_after_raised",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def score(self) -> int:
        return self.likelihood * self.consequence

    @property
    def grade(self) -> Grade:
        return risk_grade(self.score)

    @property
    def target_score(self) -> int:
        return self.target_likelihood * self.target_consequence

    @property
    def target_grade(self) -> Grade:
        return risk_grade(self.target_score)

    @property
    def owner_display(self) -> str:
        return str(self.owner) if self.owner else self.owner_name

    @property
    def is_escalated(self) -> bool:
        if self.board_escalation == BoardEscalation.ALWAYS:
            return True
        return self.board_escalation == BoardEscalation.AUTO and self.score >= 4


class RiskAssessment(models.Model):
    """Each scoring of a risk (the first is its initial score): the register's trend is read from these."""

    risk = models.ForeignKey(Risk, on_delete=models.CASCADE, related_name="assessments")
    assessed_on = models.DateField()
    likelihood = models.PositiveSmallIntegerField(validators=ONE_TO_FIVE)
    consequence = models.PositiveSmallIntegerField(validators=ONE_TO_FIVE)
    note = models.TextField(blank=True)
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["risk", "assessed_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(likelihood__gte=1, likelihood__lte=5, consequence__gte=1, consequence__lte=5),
                name="assessment_in_matrix",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.assessed_on:%d/%m/%Y}: {self.likelihood} × {self.consequence}"

    @property
    def score(self) -> int:
        return self.likelihood * self.consequence


class IssueStatus(models.TextChoices):
    OPEN = "open", "Open"
    RESOLVED = "resolved", "Resolved"


class Issue(VersionedModel):
    """Something that has happened and needs managing (often a risk that materialised)."""

    programme = models.ForeignKey("schemes.Programme", on_delete=models.PROTECT, related_name="issues")
    schemes = models.ManyToManyField("schemes.Scheme", blank=True, related_name="issues")
    from_risk = models.OneToOneField(Risk, on_delete=models.PROTECT, null=True, blank=True, related_name="became_issue")
    title = models.CharField(max_length=200)
    description = models.TextField()
    impact = models.TextField(blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="owned_issues"
    )
    owner_name = models.CharField(max_length=200, blank=True)
    raised_on = models.DateField()
    status = models.CharField(max_length=10, choices=IssueStatus.choices, default=IssueStatus.OPEN)
    history = HistoricalRecords()

    class Meta:
        ordering = ["programme", "-raised_on", "id"]

    def __str__(self) -> str:
        return self.title

    @property
    def owner_display(self) -> str:
        return str(self.owner) if self.owner else self.owner_name


class ActionStatus(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"


class MitigatingAction(TimeStampedModel):
    """An action on a risk (mitigating) or an issue; it stays with the risk when the risk becomes an issue."""

    risk = models.ForeignKey(Risk, on_delete=models.CASCADE, null=True, blank=True, related_name="actions")
    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, null=True, blank=True, related_name="actions")
    action = models.TextField()
    owner_name = models.CharField(max_length=200, blank=True)
    due_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=ActionStatus.choices, default=ActionStatus.NOT_STARTED)
    history = HistoricalRecords()

    class Meta:
        ordering = ["due_date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(risk__isnull=False) | Q(issue__isnull=False), name="action_on_risk_or_issue"
            ),
        ]

    def __str__(self) -> str:
        return Truncator(self.action).chars(80)

    def is_overdue(self, today) -> bool:
        return self.status != ActionStatus.DONE and self.due_date is not None and self.due_date < today
