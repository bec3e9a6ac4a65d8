"""NHS 5×5 risk scoring: likelihood × consequence, graded by the usual bands."""

from django.db import models

LIKELIHOOD_LABELS = {1: "Rare", 2: "Unlikely", 3: "Possible", 4: "Likely", 5: "Almost certain"}
CONSEQUENCE_LABELS = {1: "Negligible", 2: "Minor", 3: "Moderate", 4: "Major", 5: "Catastrophic"}


class Grade(models.TextChoices):
    LOW = "low", "Low"
    MODERATE = "moderate", "Moderate"
    HIGH = "high", "High"
    EXTREME = "extreme", "Extreme"


def risk_grade(score: int) -> Grade:
    """1–3 low, 4–6 moderate, 8–12 high, 15–25 extreme (products of 1–5 × 1–5 skip 7, 13 and 14)."""
    if not 1 <= score <= 25:
        raise ValueError(f"A risk score is 1 to 25, not {score}.")
    if score <= 3:
        return Grade.LOW
    if score <= 6:
        return Grade.MODERATE
    if score <= 12:
        return Grade.HIGH
    return Grade.EXTREME
