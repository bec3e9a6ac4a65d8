"""Which programmes are illustrative (invented, e.g. the 2025/26 demo partnership), so every page, export and PDF of
one says so. The one home for the label: pages (the base template's banner), exports and PDFs all ask here."""

from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from schemes.models import Programme

CACHE_KEY = "schemes:illustrative-programmes"


def illustrative_programmes() -> dict[int, str]:
    """{programme id: its illustrative label} for every illustrative programme: one small query, remembered until a
    programme changes (most requests then ask nothing of the database)."""
    found = cache.get(CACHE_KEY)
    if found is None:
        found = {p.pk: p.illustrative_label for p in Programme.objects.filter(is_illustrative=True)}
        cache.set(CACHE_KEY, found, 3600)
    return found


def illustrative_label(programme_id: int | None) -> str:
    """The illustrative label of the programme (id), or "" for a real one."""
    return illustrative_programmes().get(programme_id, "") if programme_id else ""


@receiver([post_save, post_delete], sender=Programme)
def _forget(**kwargs) -> None:
    cache.delete(CACHE_KEY)
