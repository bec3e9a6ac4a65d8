"""Metric figures and statuses for templates, as filters rather than included templates: the dashboard and the
metrics page render hundreds of them, and each {% include %} costs a template render."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import template
from django.utils.safestring import mark_safe

from metrics.models import Unit

register = template.Library()

_BADGES = {
    "on_track": mark_safe('<span class="badge text-bg-success">✔ On track</span>'),  # noqa: S308 - constant markup
    "not_on_track": mark_safe('<span class="badge text-bg-danger">✖ Not on track</span>'),  # noqa: S308
}
_NO_DATA = mark_safe('<span class="badge text-bg-light border">No actual yet</span>')  # noqa: S308


@register.filter
def figure(value, unit: str = "") -> str:
    """1,688.75 or 79.4% (up to two decimals, trailing zeros dropped); — when there is none."""
    if value is None or value == "":
        return "—"
    text = _grouped(value)
    return f"{text}%" if unit == Unit.PERCENT else text


CENTS = Decimal("0.01")


def _grouped(value) -> str:
    """What intcomma(floatformat(value, -2)) gives in en-GB, without their per-call locale work (the dashboard
    formats hundreds of figures): no decimals for a whole number, else two, rounded half up; commas between
    thousands."""
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    if not number.is_finite():
        return str(value)
    if number == number.to_integral_value():
        return f"{number + 0:,.0f}"  # + 0: no "-0"
    return f"{number.quantize(CENTS, rounding=ROUND_HALF_UP) + 0:,.2f}"


@register.simple_tag
def metric_status(status: str):
    """On track / Not on track / No actual yet as a badge that carries the words, not colour alone."""
    return _BADGES.get(status, _NO_DATA)


_HEADLINE_BADGES = {
    "on track": _BADGES["on_track"],
    "not on track": _BADGES["not_on_track"],
    "no data": mark_safe('<span class="badge text-bg-light border">No data</span>'),  # noqa: S308
}


@register.simple_tag
def headline_status(status: str):
    """A headline metric's "on track" / "not on track" / "no data" as a badge with the words."""
    return _HEADLINE_BADGES.get(status, _HEADLINE_BADGES["no data"])
