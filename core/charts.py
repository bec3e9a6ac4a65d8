"""Small charts drawn on the server as SVG, so the page and the PDF report show the same picture.

No JavaScript and no dependencies: each builder takes plain numbers and labels and returns an
inline ``<svg>`` as a django SafeString. Every piece of text is escaped here, so labels typed by
users are safe to pass in. Each chart:

- carries ``role="img"``, an ``aria-label`` and ``<title>``/``<desc>`` elements;
- never relies on colour alone: bars carry their word (Red, Amber…), strip cells their letter,
  dashed lines a legend entry;
- uses presentation attributes only (no CSS classes), so WeasyPrint draws it the same as a browser;
- scales down with its container (``max-width: 100%``) while keeping its proportions.

Charts do not replace a table: the page shows the numbers as text or in a table beside each chart
(a ``<details>`` table or a visually hidden one), built from the same data.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping, Sequence
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from core.rag import RAG

Number = int | float | Decimal

# The RAG colours of static/css/app.css (each meets WCAG AA with its text colour).
RAG_FILL = {
    RAG.RED.value: "#b3261e",
    RAG.AMBER.value: "#ffbf47",
    RAG.GREEN.value: "#00703c",
    RAG.BLUE.value: "#1d70b8",
    "": "#ffffff",
}
RAG_TEXT = {RAG.RED.value: "#ffffff", RAG.AMBER.value: "#0b0c0c", RAG.GREEN.value: "#ffffff", RAG.BLUE.value: "#ffffff"}
RAG_LETTER = {RAG.RED.value: "R", RAG.AMBER.value: "A", RAG.GREEN.value: "G", RAG.BLUE.value: "B"}
NOT_RATED_LABEL = "Not rated"
RAG_VALUES = frozenset(RAG.values)  # RAG.values builds a new list on every call

# Line colours, dark enough against white (>= 4.5:1) and told apart by dashes and the legend too.
SERIES_COLOURS = ["#1d70b8", "#0b0c0c", "#b3261e", "#00703c", "#6f3c96"]
INK = "#0b0c0c"
GRID = "#b1b4b6"
FONT = 'font-family="Helvetica, Arial, sans-serif"'


def rag_label(rag: str | None) -> str:
    """The word for a RAG value ('red' → 'Red', 'blue' → 'Complete'); 'Not rated' when empty."""
    return RAG(rag).label if rag in RAG_VALUES else NOT_RATED_LABEL


def format_number(value: Number | None, unit: str = "") -> str:
    """12 → '12', 1234.5 → '1,234.5', Decimal('3.50') → '3.5'; the unit appended ('%' without a space)."""
    if value is None:
        return "no value"
    number = Decimal(str(value))
    if number == number.to_integral_value():
        text = f"{int(number):,}"
    else:
        text = f"{number.quantize(Decimal('0.01')).normalize():,f}"
    if not unit:
        return text
    return f"{text}{unit}" if unit in ("%", "‰") else f"{text} {unit}"


def _n(value: float) -> str:
    """A coordinate: at most two decimals, no trailing zeros."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _chart_id(prefix: str, *parts) -> str:
    digest = hashlib.sha1(repr(parts).encode(), usedforsecurity=False).hexdigest()[:8]
    return f"{prefix}-{digest}"


def _open_svg(*, chart_id: str, width: float, height: float, title: str, desc: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" id="{escape(chart_id)}" class="chart" role="img" '
        f'aria-label="{escape(title)}" aria-describedby="{escape(chart_id)}-desc" '
        f'viewBox="0 0 {_n(width)} {_n(height)}" width="{_n(width)}" height="{_n(height)}" '
        f'style="max-width:100%;height:auto" {FONT}>',
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>',
        f'<desc id="{escape(chart_id)}-desc">{escape(desc or title)}</desc>',
    ]


def _text(x: float, y: float, text: str, *, size: int = 12, anchor: str = "start", fill: str = INK, bold=False) -> str:
    weight = ' font-weight="700"' if bold else ""
    return (
        f'<text x="{_n(x)}" y="{_n(y)}" font-size="{size}" text-anchor="{anchor}" fill="{fill}"{weight}>'
        f"{escape(text)}</text>"
    )


def _bar_fill(item: Mapping) -> tuple[str, str]:
    """(fill, stroke) of a bar: its RAG colour, an explicit colour, or blue."""
    if "rag" in item:
        rag = item.get("rag") or ""
        fill = RAG_FILL.get(rag, RAG_FILL[""])
        return fill, ("#6c757d" if fill == "#ffffff" else fill)
    colour = item.get("colour") or SERIES_COLOURS[0]
    return colour, colour


def _bar_label(item: Mapping) -> str:
    if item.get("label"):
        return str(item["label"])
    if "rag" in item:
        return rag_label(item.get("rag"))
    return ""


def bar_chart(
    items: Sequence[Mapping],
    *,
    title: str,
    desc: str = "",
    unit: str = "",
    orientation: str = "vertical",
    width: int = 320,
    height: int = 180,
    chart_id: str | None = None,
) -> SafeString:
    """Bars for a few counts, e.g. schemes by RAG, each bar labelled with its word and its value.

    items: ``[{"label": "Red", "value": 7, "rag": "red", "href": "/schemes/?rag=red"}, …]``.
      - ``value``: a number (negative values are drawn as zero-length bars; counts are never negative).
      - ``rag`` (optional): 'red', 'amber', 'green', 'blue' or ''/None for not rated. Gives the
        bar its RAG colour, and its word as the label when no ``label`` is given.
      - ``colour`` (optional): a fill for a bar without ``rag``.
      - ``href`` (optional): the bar and its label link there (the list behind the count).
    orientation: 'vertical' (columns, labels underneath) or 'horizontal' (rows, labels on the left).
    The longest bar is the largest value; a value of 0 draws no bar but keeps its label and "0".
    """
    chart_id = chart_id or _chart_id("bar", title, [(_bar_label(i), str(i.get("value"))) for i in items])
    values = [max(0.0, float(i.get("value") or 0)) for i in items]
    top = max(values, default=0) or 1.0
    out = _open_svg(chart_id=chart_id, width=width, height=height, title=title, desc=desc)
    count = max(len(items), 1)
    if orientation == "horizontal":
        label_w, value_w, pad = 90.0, 48.0, 4.0
        row_h = (height - 2 * pad) / count
        bar_h = max(4.0, row_h * 0.7)
        span = width - label_w - value_w
        for index, (item, value) in enumerate(zip(items, values, strict=True)):
            y = pad + index * row_h + (row_h - bar_h) / 2
            length = span * value / top
            fill, stroke = _bar_fill(item)
            label = _bar_label(item)
            value_text = format_number(item.get("value") or 0, unit)
            parts = [
                f'<rect x="{_n(label_w)}" y="{_n(y)}" width="{_n(length)}" height="{_n(bar_h)}" '
                f'fill="{fill}" stroke="{stroke}" data-value="{escape(str(item.get("value") or 0))}">'
                f"<title>{escape(label)}: {escape(value_text)}</title></rect>",
                _text(label_w - 6, y + bar_h / 2 + 4, label, anchor="end"),
                _text(label_w + length + 4, y + bar_h / 2 + 4, value_text, bold=True),
            ]
            out.append(_link(item, parts))
    else:
        label_h, value_h, pad = 20.0, 16.0, 4.0
        col_w = (width - 2 * pad) / count
        bar_w = max(4.0, col_w * 0.62)
        base = height - label_h
        span = base - value_h - pad
        for index, (item, value) in enumerate(zip(items, values, strict=True)):
            x = pad + index * col_w + (col_w - bar_w) / 2
            bar_height = span * value / top
            fill, stroke = _bar_fill(item)
            label = _bar_label(item)
            value_text = format_number(item.get("value") or 0, unit)
            centre = x + bar_w / 2
            parts = [
                f'<rect x="{_n(x)}" y="{_n(base - bar_height)}" width="{_n(bar_w)}" height="{_n(bar_height)}" '
                f'fill="{fill}" stroke="{stroke}" data-value="{escape(str(item.get("value") or 0))}">'
                f"<title>{escape(label)}: {escape(value_text)}</title></rect>",
                _text(centre, base - bar_height - 4, value_text, anchor="middle", bold=True),
                _text(centre, height - 5, label, anchor="middle"),
            ]
            out.append(_link(item, parts))
        out.append(f'<line x1="{_n(pad)}" y1="{_n(base)}" x2="{_n(width - pad)}" y2="{_n(base)}" stroke="{INK}"/>')
    out.append("</svg>")
    return mark_safe("".join(out))  # noqa: S308 - every piece of text above is escaped


def _link(item: Mapping, parts: list[str]) -> str:
    if not item.get("href"):
        return "<g>" + "".join(parts) + "</g>"
    return f'<a href="{escape(item["href"])}">' + "".join(parts) + "</a>"


def _nice_step(span: float, ticks: int) -> float:
    """A round step (1, 2, 2.5 or 5 × 10^n) giving about `ticks` intervals over `span`."""
    raw = span / max(ticks, 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if raw <= factor * magnitude:
            return factor * magnitude
    return 10 * magnitude


def axis_ticks(low: float, high: float, *, ticks: int = 4) -> list[float]:
    """Round tick values covering [low, high] (both included), e.g. (3, 97) → [0, 25, 50, 75, 100]."""
    if low == high:
        spread = abs(low) * 0.1 or 1.0
        low, high = low - spread, high + spread
    step = _nice_step(high - low, ticks)
    start = math.floor(low / step) * step
    stop = math.ceil(high / step) * step
    count = round((stop - start) / step)
    return [round(start + i * step, 10) for i in range(count + 1)]


def line_chart(
    labels: Sequence[str],
    series: Sequence[Mapping],
    *,
    title: str,
    unit: str = "",
    desc: str = "",
    width: int = 320,
    height: int = 160,
    zero_based: bool = False,
    chart_id: str | None = None,
) -> SafeString:
    """Lines over time, e.g. a metric's plan against its actual.

    labels: one x-axis label per point, in order (e.g. ``["Apr 24", "May 24", …]``). Long lists are
      thinned to about six visible labels; every point keeps its label in a tooltip.
    series: one mapping per line, drawn in order:
      - ``name`` (str): shown in the legend and tooltips;
      - ``values``: a sequence as long as ``labels`` of int, float, Decimal or None. None is a gap:
        the line stops and starts again after it; a point with gaps on both sides is drawn as a dot;
      - ``dashed`` (bool, optional): a dashed line, e.g. for the plan or a target;
      - ``colour`` (str, optional): a hex colour; otherwise a colour from SERIES_COLOURS.
    unit: appended to the axis and tooltip values ('%' directly, anything else after a space).
    zero_based: start the y axis at 0 (for counts); otherwise the axis fits the values, and any
      negative values get a solid zero line.
    A chart with no values at all says "No data" instead of drawing axes.

    Example::

        line_chart(["Q1", "Q2", "Q3"], [
            {"name": "Plan", "values": [Decimal("520"), Decimal("505"), Decimal("490")], "dashed": True},
            {"name": "Actual", "values": [Decimal("531"), None, Decimal("488")]},
        ], unit="admissions", title="Non-elective admissions, plan and actual")
    """
    labels = [str(label) for label in labels]
    chart_id = chart_id or _chart_id(
        "line", title, labels, [(s.get("name"), [str(v) for v in s.get("values", [])]) for s in series]
    )
    out = _open_svg(chart_id=chart_id, width=width, height=height, title=title, desc=desc)
    numbers = [float(v) for s in series for v in s.get("values", []) if v is not None]
    if not numbers or not labels:
        out.append(_text(width / 2, height / 2, "No data", anchor="middle"))
        out.append("</svg>")
        return mark_safe("".join(out))  # noqa: S308 - escaped above
    low, high = min(numbers), max(numbers)
    if zero_based:
        low, high = min(low, 0.0), max(high, 0.0)
    ticks = axis_ticks(low, high)
    y_min, y_max = ticks[0], ticks[-1]
    legend_h = 18.0
    left, right, top, bottom = 44.0, 8.0, 8.0 + legend_h, 20.0
    plot_w, plot_h = width - left - right, height - top - bottom

    def x_at(index: int) -> float:
        return left + (plot_w * index / (len(labels) - 1) if len(labels) > 1 else plot_w / 2)

    def y_at(value: float) -> float:
        return top + plot_h * (y_max - value) / (y_max - y_min)

    for tick in ticks:
        y = y_at(tick)
        out.append(
            f'<line x1="{_n(left)}" y1="{_n(y)}" x2="{_n(width - right)}" y2="{_n(y)}" stroke="{GRID}" '
            'stroke-width="0.5"/>'
        )
        out.append(_text(left - 4, y + 4, format_number(_tidy(tick)), size=10, anchor="end"))
    if y_min < 0 < y_max:
        out.append(
            f'<line x1="{_n(left)}" y1="{_n(y_at(0))}" x2="{_n(width - right)}" y2="{_n(y_at(0))}" '
            f'stroke="{INK}" stroke-width="1" data-zero="true"/>'
        )
    step = max(1, math.ceil(len(labels) / 6))
    for index, label in enumerate(labels):
        if index % step == 0 or index == len(labels) - 1:
            if index != len(labels) - 1 and len(labels) - 1 - index < step / 2:
                continue  # keep the last label clear of its neighbour
            # The last point sits at the plot's right edge: a centred label would run off the chart and be cut.
            last = index == len(labels) - 1 and len(labels) > 1
            out.append(_text(x_at(index), height - 5, label, size=10, anchor="end" if last else "middle"))
    legend_x = left
    for number, line in enumerate(series):
        colour = line.get("colour") or SERIES_COLOURS[number % len(SERIES_COLOURS)]
        dash = ' stroke-dasharray="6 4"' if line.get("dashed") else ""
        name = str(line.get("name", f"Series {number + 1}"))
        out.append(
            f'<line x1="{_n(legend_x)}" y1="{_n(legend_h / 2 + 2)}" x2="{_n(legend_x + 18)}" '
            f'y2="{_n(legend_h / 2 + 2)}" stroke="{colour}" stroke-width="2"{dash}/>'
        )
        out.append(_text(legend_x + 22, legend_h / 2 + 6, name, size=11))
        legend_x += 30 + 7 * len(name)
        values = list(line.get("values", []))[: len(labels)]
        segments: list[list[tuple[int, float]]] = [[]]
        for index, value in enumerate(values):
            if value is None:
                if segments[-1]:
                    segments.append([])
                continue
            segments[-1].append((index, float(value)))
        out.append(f'<g data-series="{escape(name)}">')
        for segment in segments:
            if len(segment) > 1:
                points = " ".join(f"{_n(x_at(i))},{_n(y_at(v))}" for i, v in segment)
                out.append(
                    f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2"{dash} '
                    'stroke-linejoin="round" stroke-linecap="round"/>'
                )
            for index, value in segment:
                radius = 3 if len(segment) == 1 or len(labels) <= 24 else 1.5
                out.append(
                    f'<circle cx="{_n(x_at(index))}" cy="{_n(y_at(value))}" r="{radius}" fill="{colour}">'
                    f"<title>{escape(name)}, {escape(labels[index])}: "
                    f"{escape(format_number(values[index], unit))}</title></circle>"
                )
        out.append("</g>")
    out.append(
        f'<line x1="{_n(left)}" y1="{_n(top)}" x2="{_n(left)}" y2="{_n(top + plot_h)}" stroke="{INK}" stroke-width="1"/>'
    )
    if unit:
        out.append(_text(2, top - 4 if top > 12 else 10, unit, size=10))
    out.append("</svg>")
    return mark_safe("".join(out))  # noqa: S308 - every piece of text above is escaped


def _tidy(value: float) -> Decimal:
    return Decimal(str(round(value, 6)))


def rag_strip(
    items: Sequence[tuple[str, str | None]],
    *,
    title: str = "RAG over time",
    desc: str = "",
    cell: int = 22,
    chart_id: str | None = None,
) -> SafeString:
    """A row of RAG cells, oldest first, each coloured and carrying its letter (R, A, G, B, or – unrated).

    items: ``[("2015-16-P1", "red"), ("2015-16-P2", "amber"), ("2015-16-P3", None)]``. Each label is
    the cell's tooltip; the aria-label and <desc> list every label with its RAG word, so a screen
    reader hears the whole history.
    """
    items = list(items)
    chart_id = chart_id or _chart_id("strip", title, items)
    spoken = "; ".join(f"{label}: {rag_label(rag)}" for label, rag in items) or "no ratings"
    gap = 2
    width = max(1, len(items) * (cell + gap) - gap)
    out = _open_svg(chart_id=chart_id, width=width, height=cell, title=f"{title}: {spoken}", desc=desc or spoken)
    for index, (label, rag) in enumerate(items):
        rag = rag if rag in RAG_VALUES else ""
        x = index * (cell + gap)
        fill = RAG_FILL[rag]
        stroke = "#6c757d" if not rag else fill
        out.append(
            f'<g data-rag="{rag or "none"}"><title>{escape(label)}: {escape(rag_label(rag))}</title>'
            f'<rect x="{x}" y="0.5" width="{cell}" height="{cell - 1}" rx="3" fill="{fill}" stroke="{stroke}"/>'
            + _text(
                x + cell / 2,
                cell / 2 + 4.5,
                RAG_LETTER.get(rag, "–"),
                size=12,
                anchor="middle",
                fill=RAG_TEXT.get(rag, INK),
                bold=True,
            )
            + "</g>"
        )
    out.append("</svg>")
    return mark_safe("".join(out))  # noqa: S308 - every piece of text above is escaped
