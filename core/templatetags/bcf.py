from django import template

from core.rag import RAG, Trend

register = template.Library()


@register.inclusion_tag("components/rag_badge.html")
def rag_badge(value, suggested=False):
    """A RAG as a coloured badge that always carries the word (never colour alone)."""
    rag = RAG(value) if value else None
    return {"rag": rag, "suggested": suggested}


@register.inclusion_tag("components/trend.html")
def trend_badge(value):
    return {"trend": Trend(value) if value else None}


@register.filter
def thousands(value):
    """Pounds shown in £'000s, as the board papers do; negatives in brackets."""
    if value is None:
        return ""
    from decimal import ROUND_HALF_UP, Decimal

    k = (Decimal(value) / 1000).quantize(Decimal("1"), rounding=ROUND_HALF_UP)
    text = f"{abs(k):,}"
    return f"({text})" if k < 0 else text


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None
