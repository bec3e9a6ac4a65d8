"""The highlight report's print layout, read back from the PDF with pdfplumber: nothing outside the text block,
no text over other text or across a coloured cell, nothing under 7 pt, no heading left at the foot of a page,
small tables whole; on the demo report and on a synthetic one with long names, long refs and many milestones."""

import copy
import re
import xml.etree.ElementTree as ET

import pytest

from reporting import highlight as services
from reporting import selectors
from reporting.templatetags.report_tags import metric_chart
from tests.reporting.layout import layout_problems, page_texts, stranded_headings

pytestmark = pytest.mark.django_db

LONG_WORD = "Integrated-Neighbourhood-Care-Teams-Commissioning-Framework-Supercalifragilisticexpialidocious"


def test_the_demo_report_prints_inside_the_text_block_with_headings_kept_and_small_tables_whole(trafford):
    programme, p1, _ = trafford
    rendered = services.highlight_report_draft(programme=programme, period=p1)
    assert layout_problems(rendered.pdf) == []
    assert stranded_headings(rendered.pdf) == []
    pages = [re.sub(r"\s+", "", text) for text in page_texts(rendered.pdf)]
    schemes = list(programme.schemes.exclude(status="to_scope").order_by("ref"))
    # The projects table (7 rows) is not split across pages.
    table_page = next(text for text in pages if "Projectswithintheprogramme" in text)
    for scheme in schemes:
        assert re.sub(r"\s+", "", f"{scheme.ref}{scheme.name}")[:25] in table_page, scheme
    # "Individual projects update" starts the page of the first scheme's update, not a page of its own.
    heading_page = [text for text in pages if "Individualprojectsupdate" in text][-1]  # not the contents
    assert re.sub(r"\s+", "", f"{schemes[0].ref}{schemes[0].name}") in heading_page.split("Individualprojectsupdate")[1]
    # The RAG chart carries its title as text on the page.
    assert "SchemesbyRAGthisperiod" in "".join(pages)


def _amplified(snapshot: dict, milestones: int = 30) -> dict:
    """The snapshot with the longest text a programme might type: long refs and names, unbroken words, many
    milestones with date ranges and extension reasons, long assurance references."""
    snapshot = copy.deepcopy(snapshot)
    for number, scheme in enumerate(snapshot["schemes"]):
        scheme["ref"] = f"BCF-2015/16-TRAFFORD-{number:04d}/REF"
        scheme["name"] = f"{scheme['name']} {LONG_WORD}"
        scheme["project_leads"] = [*scheme["project_leads"], "Dr Bartholomew Featherstonehaugh-Cholmondeley"]
        template = scheme["milestones"][0]
        extra = [
            {
                **template,
                "id": 10_000 * (number + 1) + index,
                "phase": f"Phase-{index}-Implementation-and-Evaluation",
                "description": f"{LONG_WORD} milestone {index} {template['description']}",
                "start_date": "2015-04-01",
                "due_date": "2015-06-30",
                "extended_reason": f"The supplier's {LONG_WORD} contract slipped",
                "rag": ["red", "amber", "green", "blue", ""][index % 5],
                "rag_suggested": bool(index % 2),
            }
            for index in range(milestones)
        ]
        scheme["milestones"] += extra
        scheme["completed_this_period"] = [m["id"] for m in extra[:6]]
        scheme["planned_next_period"] = [m["id"] for m in extra[6:12]]
    for risk in snapshot["risks"]:
        risk["title"] = f"{risk['title']} {LONG_WORD}"
        risk["on_assurance_framework"] = True
        risk["assurance_reference"] = "BAF-REF-2015-16-00000000000000000042"
    return snapshot


def test_a_large_report_with_long_names_and_refs_prints_inside_the_text_block(small):
    programme, p1, _ = small
    snapshot = _amplified(selectors.highlight_snapshot(programme=programme, period=p1))
    rendered = services.highlight_report_render(snapshot=snapshot)
    assert rendered.pages > 10
    assert layout_problems(rendered.pdf) == []
    assert stranded_headings(rendered.pdf) == []


# --- Charts ---------------------------------------------------------------------------------------------

SVG = "{http://www.w3.org/2000/svg}"


def _texts(svg: str) -> tuple[float, list[tuple[float, float, float, str, str]]]:
    """The chart's width and each text's x, y, font size, anchor and words."""
    root = ET.fromstring(str(svg))
    width = float(root.get("viewBox").split()[2])
    return width, [
        (float(t.get("x")), float(t.get("y")), float(t.get("font-size")), t.get("text-anchor") or "start", t.text)
        for t in root.iter(f"{SVG}text")
    ]


def _extent(x: float, size: float, anchor: str, text: str) -> tuple[float, float]:
    wide = 0.62 * size * len(text)  # DejaVu Sans: about 0.6 em a character
    start = {"start": x, "middle": x - wide / 2, "end": x - wide}[anchor]
    return start, start + wide


QUARTERLY = {
    "name": "Permanent admissions of older people (65+) to residential and nursing care homes",
    "scheme": "",
    "unit": "days",
    "status": "On track",
    "demo": True,
    "periods": [
        {"label": "2015/16 Q1", "plan": "62.00", "actual": "58.00"},
        {"label": "2015/16 Q2", "plan": "62.00", "actual": None},
    ],
}
MONTHLY = {
    **QUARTERLY,
    "name": "Delayed transfers of care (delayed days)",
    "periods": [
        {"label": f"{month} 2015", "plan": "601.40", "actual": actual}
        for month, actual in (("Apr", "640"), ("May", "655"), ("Jun", "598"), ("Jul", None))
    ],
}


@pytest.mark.parametrize("metric", [QUARTERLY, MONTHLY], ids=["quarterly", "monthly"])
def test_metric_charts_keep_every_label_inside_legible_and_apart(metric):
    svg = str(metric_chart(metric))
    width, texts = _texts(svg)
    # The chart prints at its own size (no scaling), so a 9.5-unit font is 7.1 pt: at least 7 pt.
    assert 'width="100%"' not in svg
    for x, _y, size, anchor, text in texts:
        assert size * 0.75 >= 7, (text, size)
        start, end = _extent(x, size, anchor, text)
        assert start >= 0 and end <= width, f"{text!r} clipped: {start:.0f}..{end:.0f} of {width:.0f}"
    # No two labels on the same line overlap ("days" over the axis numbers).
    for i, (x1, y1, s1, a1, t1) in enumerate(texts):
        for x2, y2, s2, a2, t2 in texts[i + 1 :]:
            if abs(y1 - y2) < max(s1, s2):
                one, two = _extent(x1, s1, a1, t1), _extent(x2, s2, a2, t2)
                assert one[1] <= two[0] or two[1] <= one[0], (t1, t2)


def test_a_quarterly_metric_is_drawn_as_bars_or_lines_not_single_points():
    root = ET.fromstring(str(metric_chart(QUARTERLY)))
    marks = [*root.iter(f"{SVG}rect"), *root.iter(f"{SVG}polyline")]
    # Two periods, plan in both and actual in one: three values, each a bar (or a line between two points).
    assert len([m for m in marks if m.get("data-value") or m.tag.endswith("polyline")]) >= 3
