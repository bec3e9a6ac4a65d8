"""Charts drawn for print: at the size they print (one SVG unit is one CSS pixel, 0.75 pt), so a 10-unit label
prints at 7.5 pt, and every label is placed inside the drawing and clear of its neighbours.

The screen's charts (core.charts) scale with their container; a report's column is narrower than a screen, and
scaling one down printed its axis text at about 5 pt and clipped its last label.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from core.charts import INK, SERIES_COLOURS, axis_ticks, format_number

LABEL_SIZE = 10  # 7.5 pt
CHAR_WIDTH = 0.62  # DejaVu Sans, an average character as a share of the font size (a little generous)
PLAN_FILL, PLAN_STROKE = "#ffffff", INK
ACTUAL_FILL = SERIES_COLOURS[0]


def _n(value: float) -> str:
    """A coordinate: at most two decimals, no trailing zeros."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def text_width(text: str, size: float = LABEL_SIZE) -> float:
    return CHAR_WIDTH * size * len(text)


def _text(x: float, y: float, text: str, *, anchor: str = "start", size: float = LABEL_SIZE, bold=False) -> str:
    weight = ' font-weight="700"' if bold else ""
    return (
        f'<text x="{_n(x)}" y="{_n(y)}" font-size="{_n(size)}" text-anchor="{anchor}" fill="{INK}"{weight}>'
        f"{escape(text)}</text>"
    )


def _inside(x: float, text: str, width: float) -> float:
    """The centre of a middle-anchored label moved just enough to keep the whole label inside the drawing."""
    half = text_width(text) / 2
    return min(max(x, half + 1), width - half - 1)


def plan_actual_bars(
    labels: Sequence[str],
    plan: Sequence[Decimal | None],
    actual: Sequence[Decimal | None],
    *,
    title: str,
    unit: str = "",
    width: int = 325,
    height: int = 130,
) -> SafeString:
    """A metric's plan and actual per period as pairs of bars from zero (plan outlined, actual filled), for print.

    Bars, not lines: a quarterly or yearly metric has one or two values in a report's window, which a line chart
    draws as lone dots. A missing value draws no bar. Period labels are thinned so none overlaps the next.
    """
    labels = [str(label) for label in labels]
    key = repr((title, labels, [str(v) for v in plan], [str(v) for v in actual]))
    chart_id = "print-bars-" + hashlib.sha1(key.encode(), usedforsecurity=False).hexdigest()[:8]
    spoken = "; ".join(
        f"{label}: plan {format_number(p, unit)}, actual {format_number(a, unit)}"
        for label, p, a in zip(labels, plan, actual, strict=True)
    )
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" id="{chart_id}" class="chart print-chart" role="img" '
        f'aria-label="{escape(title)}" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        'font-family="DejaVu Sans">',
        f"<title>{escape(title)}</title><desc>{escape(spoken)}</desc>",
    ]
    numbers = [float(v) for v in (*plan, *actual) if v is not None]
    if not numbers or not labels:
        out.append(_text(width / 2, height / 2, "No figures yet", anchor="middle"))
        out.append("</svg>")
        return mark_safe("".join(out))  # noqa: S308 - every piece of text is escaped
    ticks = axis_ticks(min(0.0, *numbers), max(0.0, *numbers))
    y_min, y_max = ticks[0], ticks[-1]
    tick_texts = [format_number(Decimal(str(round(t, 6)))) for t in ticks]
    # Legend along the top: Plan, Actual, then the unit, each after the last.
    legend_y = LABEL_SIZE + 1
    x = 0.0
    for name, fill in (("Plan", PLAN_FILL), ("Actual", ACTUAL_FILL)):
        out.append(
            f'<rect x="{_n(x + 0.5)}" y="{_n(legend_y - 8)}" width="10" height="8" fill="{fill}" stroke="{INK}" '
            'stroke-width="0.75"/>'
        )
        out.append(_text(x + 14, legend_y, name))
        x += 14 + text_width(name) + 10
    if unit:
        out.append(_text(x, legend_y, f"({unit})"))
    left = max(text_width(t) for t in tick_texts) + 6
    top, bottom, right = legend_y + 10, height - LABEL_SIZE - 6, 2.0
    plot_w, plot_h = width - left - right, bottom - top

    def y_at(value: float) -> float:
        return top + plot_h * (y_max - value) / (y_max - y_min)

    for tick, text in zip(ticks, tick_texts, strict=True):
        y = y_at(tick)
        out.append(
            f'<line x1="{_n(left)}" y1="{_n(y)}" x2="{_n(width - right)}" y2="{_n(y)}" stroke="#b1b4b6" '
            'stroke-width="0.5"/>'
        )
        out.append(_text(left - 3, y + 3.5, text, anchor="end"))
    group = plot_w / len(labels)
    bar = min(18.0, group * 0.36)
    step = max(1, math.ceil((max(text_width(label) for label in labels) + 6) / group))
    zero = y_at(0.0)
    for index, label in enumerate(labels):
        centre = left + group * (index + 0.5)
        for offset, value, fill, name in (
            (-bar, plan[index], PLAN_FILL, "Plan"),
            (0.0, actual[index], ACTUAL_FILL, "Actual"),
        ):
            if value is None:
                continue
            y = y_at(float(value))
            out.append(
                f'<rect x="{_n(centre + offset)}" y="{_n(min(y, zero))}" width="{_n(bar)}" '
                f'height="{_n(max(abs(zero - y), 0.5))}" fill="{fill}" stroke="{INK}" stroke-width="0.75" '
                f'data-value="{escape(str(value))}"><title>{escape(name)}, {escape(label)}: '
                f"{escape(format_number(value, unit))}</title></rect>"
            )
        if index % step == 0:
            out.append(_text(_inside(centre, label, width), height - 3, label, anchor="middle"))
    out.append(
        f'<line x1="{_n(left)}" y1="{_n(zero)}" x2="{_n(width - right)}" y2="{_n(zero)}" stroke="{INK}" '
        'stroke-width="1"/>'
    )
    out.append("</svg>")
    return mark_safe("".join(out))  # noqa: S308 - every piece of text is escaped
