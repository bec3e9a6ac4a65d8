"""Server-side SVG charts: well-formed, accessible, escaped, and drawn to scale."""

import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
from django.utils.safestring import SafeString

from core.charts import axis_ticks, bar_chart, format_number, line_chart, rag_strip

NS = {"svg": "http://www.w3.org/2000/svg"}
EVIL = '<script>alert("x")</script> & =HYPERLINK("http://evil")'


def parse(svg: str) -> ET.Element:
    assert isinstance(svg, SafeString)
    return ET.fromstring(str(svg))  # raises on anything that is not well-formed XML


def texts(root: ET.Element) -> list[str]:
    return [t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text")]


def rects(root: ET.Element) -> list[ET.Element]:
    return root.findall(".//svg:rect", NS)


def assert_accessible(root: ET.Element, title: str) -> None:
    assert root.get("role") == "img"
    assert root.get("aria-label") == title
    assert root.find("svg:title", NS).text == title
    assert root.find("svg:desc", NS) is not None
    assert root.get("aria-describedby") == root.find("svg:desc", NS).get("id")


RAG_ITEMS = [
    {"rag": "red", "value": 7},
    {"rag": "amber", "value": 2},
    {"rag": "green", "value": 0},
    {"rag": "blue", "value": 1},
    {"rag": "", "value": 3},
]


@pytest.mark.parametrize("orientation", ["vertical", "horizontal"])
def test_bar_chart_is_well_formed_accessible_and_labels_each_bar_with_its_word_and_value(orientation):
    root = parse(bar_chart(RAG_ITEMS, title="Schemes by RAG", desc="7 red", orientation=orientation))
    assert_accessible(root, "Schemes by RAG")
    words = texts(root)
    for word in ("Red", "Amber", "Green", "Complete", "Not rated"):
        assert word in words  # the word, never colour alone
    for value in ("7", "2", "0", "1", "3"):
        assert value in words
    assert [r.get("fill") for r in rects(root)] == ["#b3261e", "#ffbf47", "#00703c", "#1d70b8", "#ffffff"]


def test_vertical_bar_chart_draws_a_bigger_value_as_a_taller_bar_and_zero_as_no_bar():
    heights = {r.get("data-value"): float(r.get("height")) for r in rects(parse(bar_chart(RAG_ITEMS, title="t")))}
    assert heights["7"] > heights["3"] > heights["2"] > heights["1"] > heights["0"] == 0
    assert heights["7"] / heights["1"] == pytest.approx(7, rel=0.01)  # to scale


def test_horizontal_bar_chart_draws_a_bigger_value_as_a_longer_bar():
    widths = {
        r.get("data-value"): float(r.get("width"))
        for r in rects(parse(bar_chart(RAG_ITEMS, title="t", orientation="horizontal")))
    }
    assert widths["7"] > widths["3"] > widths["2"] > widths["1"] > widths["0"] == 0


def test_bar_chart_escapes_every_text_and_link():
    svg = bar_chart(
        [{"label": EVIL, "value": 5, "href": '/schemes/?rag=red&x="><script>'}], title=EVIL, desc=EVIL, unit=EVIL
    )
    assert "<script>" not in svg
    root = parse(svg)
    assert root.get("aria-label") == EVIL
    assert EVIL in texts(root)
    link = root.find("svg:a", NS)
    assert link.get("href") == '/schemes/?rag=red&x="><script>'  # kept as data, not markup


def test_bar_chart_with_nothing_to_show_is_still_well_formed():
    root = parse(bar_chart([], title="Nothing"))
    assert rects(root) == []
    root = parse(bar_chart([{"label": "A", "value": 0}], title="All zero"))
    assert float(rects(root)[0].get("height")) == 0


def _points(polyline: ET.Element) -> list[tuple[float, float]]:
    return [tuple(float(n) for n in p.split(",")) for p in polyline.get("points").split()]


def test_line_chart_plan_and_actual_with_a_gap_and_a_dashed_plan():
    svg = line_chart(
        ["Apr", "May", "Jun", "Jul", "Aug"],
        [
            {
                "name": "Plan",
                "values": [Decimal("10"), Decimal("20"), Decimal("30"), Decimal("40"), Decimal("50")],
                "dashed": True,
            },
            {"name": "Actual", "values": [Decimal("12"), Decimal("18"), None, Decimal("45"), Decimal("44")]},
        ],
        unit="admissions",
        title="Non-elective admissions",
    )
    root = parse(svg)
    assert_accessible(root, "Non-elective admissions")
    plan, actual = root.findall("svg:g[@data-series]", NS)
    assert plan.find("svg:polyline", NS).get("stroke-dasharray")
    assert actual.find("svg:polyline", NS).get("stroke-dasharray") is None
    # The gap in June splits the actual line in two; every real value keeps a point with its tooltip.
    assert len(actual.findall("svg:polyline", NS)) == 2
    tips = [c.find("svg:title", NS).text for c in actual.findall("svg:circle", NS)]
    assert tips == [
        "Actual, Apr: 12 admissions",
        "Actual, May: 18 admissions",
        "Actual, Jul: 45 admissions",
        "Actual, Aug: 44 admissions",
    ]
    # Higher values sit higher (smaller y); x advances with the labels.
    plan_points = _points(plan.find("svg:polyline", NS))
    assert [y for _, y in plan_points] == sorted((y for _, y in plan_points), reverse=True)
    assert [x for x, _ in plan_points] == sorted(x for x, _ in plan_points)
    assert {"Plan", "Actual", "Apr", "Aug", "admissions"} <= set(texts(root))


def test_line_chart_draws_an_isolated_value_as_a_dot_and_handles_negative_values():
    root = parse(
        line_chart(
            ["Q1", "Q2", "Q3", "Q4"],
            [{"name": "Variance", "values": [Decimal("-2.5"), None, Decimal("3"), None]}],
            unit="%",
            title="Variance",
        )
    )
    series = root.find("svg:g[@data-series]", NS)
    assert series.findall("svg:polyline", NS) == []  # no two neighbouring values: no line at all
    circles = series.findall("svg:circle", NS)
    assert len(circles) == 2
    zero = root.find("svg:line[@data-zero]", NS)
    assert zero is not None
    zero_y = float(zero.get("y1"))
    negative, positive = (float(c.get("cy")) for c in circles)
    assert negative > zero_y > positive  # below and above the zero line
    assert circles[0].find("svg:title", NS).text == "Variance, Q1: -2.5%"


def test_line_chart_without_values_says_so():
    root = parse(line_chart(["Q1", "Q2"], [{"name": "Actual", "values": [None, None]}], title="Empty"))
    assert "No data" in texts(root)
    root = parse(line_chart([], [], title="Nothing at all"))
    assert "No data" in texts(root)


def test_line_chart_escapes_names_labels_and_units():
    svg = line_chart([EVIL, "b"], [{"name": EVIL, "values": [1, 2]}], unit=EVIL, title=EVIL, desc=EVIL)
    assert "<script>" not in svg
    root = parse(svg)
    assert EVIL in texts(root)
    assert root.find("svg:desc", NS).text == EVIL


def test_line_chart_thins_long_label_lists_but_keeps_every_point():
    labels = [f"M{i}" for i in range(36)]  # three years of months
    root = parse(line_chart(labels, [{"name": "Actual", "values": list(range(36))}], title="Three years"))
    shown = [t for t in texts(root) if t.startswith("M")]
    assert 2 <= len(shown) <= 8 and "M0" in shown and "M35" in shown
    assert len(root.findall(".//svg:circle", NS)) == 36


def test_rag_strip_gives_each_period_its_colour_letter_and_label():
    svg = rag_strip([("P1", "green"), ("P2", "amber"), ("P3", "red"), ("P4", "blue"), (EVIL, None)], title="5.1 RAG")
    assert "<script>" not in svg
    root = parse(svg)
    assert root.get("role") == "img"
    assert "P1: Green; P2: Amber; P3: Red; P4: Complete" in root.get("aria-label")
    cells = root.findall("svg:g", NS)
    assert [c.get("data-rag") for c in cells] == ["green", "amber", "red", "blue", "none"]
    assert [c.find("svg:text", NS).text for c in cells] == ["G", "A", "R", "B", "–"]
    assert cells[4].find("svg:title", NS).text == f"{EVIL}: Not rated"
    xs = [float(c.find("svg:rect", NS).get("x")) for c in cells]
    assert xs == sorted(xs)  # oldest first, left to right


def test_axis_ticks_are_round_and_cover_the_values():
    assert axis_ticks(3, 97) == [0, 25, 50, 75, 100]
    assert axis_ticks(-2, 3)[0] <= -2 and axis_ticks(-2, 3)[-1] >= 3 and 0 in axis_ticks(-2, 3)
    ticks = axis_ticks(5, 5)
    assert ticks[0] < 5 < ticks[-1]


def test_format_number():
    assert format_number(Decimal("3.50"), "%") == "3.5%"
    assert format_number(1234567) == "1,234,567"
    assert format_number(Decimal("-279"), "£k") == "-279 £k"
    assert format_number(None) == "no value"


def test_line_chart_keeps_its_last_label_inside_the_chart():
    """The last point sits at the plot's right edge; its label, centred there, ran past the chart's width and was
    cut ("2025/26 Q" for "2025/26 Q4"). It ends at the point instead, so its whole text is inside."""
    labels = ["2025/26 Q1", "2025/26 Q2", "2025/26 Q3", "2025/26 Q4"]
    width = 320
    root = parse(line_chart(labels, [{"name": "Actual", "values": [1, 2, 3, 4]}], title="Quarters", width=width))
    axis = {t.text: t for t in root.iter("{http://www.w3.org/2000/svg}text") if (t.text or "").startswith("2025")}
    last = axis["2025/26 Q4"]
    # Anchored at its end, at or before the right edge: nothing of it lies beyond the chart's width.
    assert last.get("text-anchor") == "end" and float(last.get("x")) <= width
    assert axis["2025/26 Q1"].get("text-anchor") == "middle"
