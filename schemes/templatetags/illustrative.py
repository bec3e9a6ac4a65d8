"""{% illustrative_banner %}: the "Illustrative data" label on every page of an invented programme."""

from django import template
from django.utils.html import format_html

from schemes.illustrative import illustrative_label

register = template.Library()

# Where a page keeps the programme it is about, directly or through what it shows (first found wins).
_OWNERS = ("programme", "fund", "scheme", "risk", "metric", "allocation", "decision", "movement", "case", "period")


def _cached(obj, name: str):
    """obj.name if it is already loaded (never a query from the banner), else None."""
    state = getattr(obj, "_state", None)
    return state.fields_cache.get(name) if state is not None else None


def _programme_id(obj) -> int | None:
    if obj is None or isinstance(obj, (str, int, list, dict)):
        return None
    if obj.__class__.__name__ == "Programme":
        return obj.pk
    if getattr(obj, "programme_id", None):
        return obj.programme_id
    for through in ("fund", "scheme"):
        parent = _cached(obj, through)
        if parent is not None and getattr(parent, "programme_id", None):
            return parent.programme_id
    return None


def programme_id_of_page(context) -> int | None:
    for key in _OWNERS:
        found = _programme_id(context.get(key))
        if found:
            return found
    return _programme_id(context.get("picker_current"))  # the programme picked in the navigation, if any


@register.simple_tag(takes_context=True)
def illustrative_banner(context):
    label = illustrative_label(programme_id_of_page(context))
    if not label:
        return ""
    return format_html(
        '<div class="alert alert-warning py-2 mb-2" role="note" data-testid="illustrative-banner">'
        "<strong>Illustrative data.</strong> {}</div>",
        label.removeprefix("Illustrative data: "),
    )


@register.simple_tag
def illustrative_text(obj) -> str:
    """The illustrative label of the programme `obj` is (or belongs to), for a PDF or export template ("" if real)."""
    return illustrative_label(_programme_id(obj))
