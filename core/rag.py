"""The RAG type: Red / Amber / Green, plus Blue for complete (BRAG), as NHS PMOs use it."""

from django.db import models


class RAG(models.TextChoices):
    RED = "red", "Red"
    AMBER = "amber", "Amber"
    GREEN = "green", "Green"
    BLUE = "blue", "Complete"


# Higher is better: used for the trend between periods.
RAG_RANK = {RAG.RED: 0, RAG.AMBER: 1, RAG.GREEN: 2, RAG.BLUE: 3}


class Trend(models.TextChoices):
    UP = "up", "Improving"
    DOWN = "down", "Worsening"
    SAME = "same", "No change"
    NEW = "new", "No previous rating"


def rag_trend(previous: str | None, current: str | None) -> str | None:
    """Trend of a RAG against the previous period's (None when there is no current RAG)."""
    if not current:
        return None
    if not previous:
        return Trend.NEW
    delta = RAG_RANK[RAG(current)] - RAG_RANK[RAG(previous)]
    if delta > 0:
        return Trend.UP
    if delta < 0:
        return Trend.DOWN
    return Trend.SAME
