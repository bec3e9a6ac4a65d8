from django.db import models
from simple_history.models import HistoricalRecords

from core.models import VersionedModel


class ConditionAnswer(models.TextChoices):
    YES = "Yes", "Yes"
    NO = "No", "No"
    IN_PROGRESS = "No - In Progress", "No - In Progress"


class NationalConditionAnswer(VersionedModel):
    """A programme's answer to one NHS England national condition in a quarterly return."""

    programme = models.ForeignKey("schemes.Programme", on_delete=models.CASCADE, related_name="condition_answers")
    quarter = models.CharField(max_length=20, help_text="e.g. 2014-15-Q4")
    code = models.CharField(max_length=10, help_text="e.g. 1, 4, 4i")
    parent_code = models.CharField(max_length=10, blank=True)
    text = models.TextField()
    answer = models.CharField(max_length=20, choices=ConditionAnswer.choices, blank=True)
    commentary = models.TextField(blank=True)
    order = models.PositiveIntegerField(default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["programme", "quarter", "order"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "quarter", "code"], name="one_answer_per_condition"),
        ]

    def __str__(self) -> str:
        return f"{self.code}) {self.text[:60]}"
