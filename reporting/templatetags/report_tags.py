"""Filters and chart tags for the highlight report, which reads a JSON snapshot (ISO dates, decimal strings)."""

import datetime as dt
from decimal import Decimal, InvalidOperation

from django import template
from django.utils.safestring import SafeString, mark_safe

from core import charts
from core.charts import bar_chart
from core.rag import RAG
from core.templatetags import bcf
from reporting.charts import plan_actual_bars

register = template.Library()

RAG_WORDS = dict(RAG.choices)
UNIT_SUFFIX = {"percent": "%", "rate": "per 100k", "days": "days", "pounds": "£"}


@register.filter
def ukdate(value) -> str:
    """'2015-05-20' → '20/05/2015'; blank stays blank."""
    if not value:
        return ""
    try:
        return dt.date.fromisoformat(str(value)[:10]).strftime("%d/%m/%Y")
    except ValueError:
        return str(value)


@register.filter
def longdate(value) -> str:
    """'2015-06-09' → '9 June 2015', as the cover prints it."""
    if not value:
        return ""
    day = dt.date.fromisoformat(str(value)[:10])
    return f"{day.day} {day:%B %Y}"


def _decimal(value) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


@register.filter
def pounds(value) -> str:
    """'2074000.00' → '£2,074,000'; a negative in brackets as the papers print it."""
    amount = _decimal(value)
    if amount is None:
        return "—"
    text = f"£{abs(amount):,.0f}"
    return f"({text})" if amount < 0 else text


@register.filter
def thousands(value) -> str:
    """Pounds as £'000s, rounded and bracketed exactly as the fund pages do (core's filter); a dash when blank."""
    amount = _decimal(value)
    return "—" if amount is None else bcf.thousands(amount)


@register.filter
def percent(value) -> str:
    """A variance percentage as the papers print it, 7.8% / (0.9)% (core's filter); n/a where there is no budget."""
    return bcf.percent(value)


@register.filter
def figure(value) -> str:
    amount = _decimal(value)
    if amount is None:
        return "—"
    return f"{amount:,.2f}".rstrip("0").rstrip(".") if amount % 1 else f"{amount:,.0f}"


@register.filter
def rag_word(value) -> str:
    return RAG_WORDS.get(value, "Not rated") if value else "Not rated"


@register.filter
def paragraphs(value) -> list[str]:
    """Text typed one paragraph per line, as a list without blank lines."""
    return [line.strip() for line in str(value or "").splitlines() if line.strip()]


@register.filter
def pick(ids, milestones) -> list:
    """The milestones whose ids are listed, in the listed order."""
    by_id = {m["id"]: m for m in milestones}
    return [by_id[i] for i in ids if i in by_id]


# The PDF's charts name the font the report embeds: the same drawing on any machine (a server with Arial
# would otherwise print Arial), and WeasyPrint skips a font search for every label (~a third of a chart).
PRINT_FONT = 'font-family="DejaVu Sans"'


def _for_print(svg: SafeString) -> SafeString:
    return mark_safe(svg.replace(charts.FONT, PRINT_FONT, 1))  # noqa: S308 - our own SVG, attribute swapped


@register.simple_tag
def rag_chart(schemes):
    counts = {}
    for scheme in schemes:
        counts[scheme["rag"]] = counts.get(scheme["rag"], 0) + 1
    items = [{"rag": rag, "value": counts.get(rag, 0)} for rag in ("red", "amber", "green", "blue")]
    items.append({"rag": "", "label": "Not rated", "value": counts.get("", 0)})
    return _for_print(
        bar_chart(items, title="Schemes by RAG", desc="Number of schemes at each RAG this period.", width=420)
    )


@register.simple_tag
def money_chart(fund):
    items = [
        {"label": "Allocated", "value": _decimal(fund["allocated"]) / 1000, "colour": "#1d70b8"},
        {"label": "Spent", "value": _decimal(fund["spent"]) / 1000, "colour": "#0b0c0c"},
        {"label": "Forecast", "value": _decimal(fund["forecast"]) / 1000, "colour": "#6f3c96"},
    ]
    return _for_print(
        bar_chart(
            items,
            title=f"{fund['name']}: allocated, spent and forecast (£'000s)",
            desc="Allocated, spent and forecast outturn in thousands of pounds.",
            width=420,
        )
    )


@register.simple_tag
def metric_chart(metric):
    periods = metric["periods"]
    if not periods:
        return ""
    # Bars at the size they print (reporting.charts): a quarterly metric has a value or two in the window,
    # which a line chart drew as lone dots, and a line chart scaled into the column printed 5 pt labels.
    return plan_actual_bars(
        [p["label"] for p in periods],
        [_decimal(p["plan"]) for p in periods],
        [_decimal(p["actual"]) for p in periods],
        unit=UNIT_SUFFIX.get(metric["unit"], ""),
        title=f"{metric['name']}: plan and actual",
    )


@register.simple_tag
def headline_chart(metric, year: str):
    """A headline metric's plan and actual per quarter or month of its year, as print bars (labels 7.5 pt)."""
    periods = metric["periods"]
    if not periods:
        return ""
    return plan_actual_bars(
        [p["label"].replace(f"{year} ", "") for p in periods],  # "Q2" under a chart titled with the year
        [_decimal(p["plan"]) for p in periods],
        [_decimal(p["actual"]) for p in periods],
        unit=UNIT_SUFFIX.get(metric["unit"], ""),
        title=f"{metric['name']}: plan and actual, {year}",
    )
