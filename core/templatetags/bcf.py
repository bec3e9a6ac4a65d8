from decimal import ROUND_HALF_UP, Decimal

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from core.rag import RAG, Trend

register = template.Library()


@register.simple_tag
def rag_badge(value, suggested=False):
    """A RAG as a coloured badge that always carries the word (never colour alone).

    A simple tag rather than an included template: lists render hundreds of these.
    """
    if not value:
        return mark_safe('<span class="rag rag-none">Not rated</span>')  # noqa: S308 - constant markup
    rag = RAG(value)
    if suggested:
        return format_html(
            '<span class="rag rag-{} rag-suggested" title="Suggested by the rules: {}">{}'
            '<span class="visually-hidden"> (suggested)</span> *</span>',
            rag.value,
            rag.label,
            rag.label,
        )
    return format_html('<span class="rag rag-{}" title="RAG: {}">{}</span>', rag.value, rag.label, rag.label)


@register.inclusion_tag("components/trend.html")
def trend_badge(value):
    return {"trend": Trend(value) if value else None}


@register.filter
def thousands(value):
    """Pounds shown in £'000s, as the board papers do; negatives in brackets."""
    if value is None:
        return ""
    k = (Decimal(value) / 1000).quantize(Decimal("1"), rounding=ROUND_HALF_UP)
    text = f"{abs(k):,}"
    return f"({text})" if k < 0 else text


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None


@register.filter
def pounds(value):
    """Exact pounds and pence, negatives in brackets: £1,234.50 / (£279.00)."""
    if value is None or value == "":
        return ""
    amount = Decimal(value)
    text = f"£{abs(amount):,.2f}"
    return f"({text})" if amount < 0 else text


@register.filter
def percent(value):
    """A variance percentage as the papers print it: 7.8% / (0.9)%; blank where there is no budget."""
    if value is None or value == "":
        return "n/a"
    amount = Decimal(value)
    text = f"{abs(amount):.1f}"
    return f"({text})%" if amount < 0 else f"{text}%"
