"""Read a PDF's pages back with pdfplumber and list what a reader would see as a layout fault.

The page's text block is A4 less the margins of static/reporting/page.css. Only the running header and footer
(7.5 pt, the page's margin boxes) may print in the margins, and only between the side margins.
"""

import io
from collections import defaultdict

import pdfplumber

MM = 72 / 25.4
MARGIN_TOP, MARGIN_RIGHT, MARGIN_BOTTOM, MARGIN_LEFT = 20 * MM, 15 * MM, 18 * MM, 15 * MM
RUNNING_SIZE = 7.5  # the header and footer, in the margin boxes
BODY_SIZE = 9.0
SMALLEST = 7.0  # nothing printed smaller (chart labels included)
TOLERANCE = 0.75  # a quarter of a millimetre: a border's half width


def _box(obj) -> str:
    return f"({obj['x0']:.0f},{obj['top']:.0f})-({obj['x1']:.0f},{obj['bottom']:.0f})"


def _text_of(chars) -> str:
    return "".join(c["text"] for c in chars)[:60]


def page_problems(page, number: int) -> list[str]:
    left, right = MARGIN_LEFT - TOLERANCE, page.width - MARGIN_RIGHT + TOLERANCE
    top, bottom = MARGIN_TOP - TOLERANCE, page.height - MARGIN_BOTTOM + TOLERANCE
    problems = []
    outside = []
    for char in page.chars:
        running = round(char["size"], 1) == RUNNING_SIZE and (char["bottom"] <= top or char["top"] >= bottom)
        if char["x0"] < left or char["x1"] > right or (not running and (char["top"] < top or char["bottom"] > bottom)):
            outside.append(char)
    if outside:
        problems.append(f"p.{number}: text outside the text block: {_text_of(outside)!r} at {_box(outside[0])}")
    for kind in ("rects", "lines", "curves"):
        for obj in getattr(page, kind):
            if obj["x0"] < left or obj["x1"] > right or obj["top"] < top or obj["bottom"] > bottom:
                problems.append(f"p.{number}: a {kind[:-1]} outside the text block at {_box(obj)}")
                break
    small = [c for c in page.chars if c["size"] < SMALLEST - 0.05]
    if small:
        problems.append(f"p.{number}: text below {SMALLEST} pt ({small[0]['size']:.1f} pt): {_text_of(small)!r}")
    problems += _overlapping_text(page, number)
    problems += _text_across_cells(page, number)
    return problems


def _overlapping_text(page, number: int) -> list[str]:
    """Two glyphs printed over each other (e.g. an axis unit over an axis number): boxes sharing over a third of
    the smaller one's area."""
    grid = defaultdict(list)
    # Not the DRAFT watermark; each glyph with its place in the page's text, so neighbours in a word (which
    # may kern into each other, "Tr") are told from text printed over other text.
    chars = [(order, c) for order, c in enumerate(page.chars) if c["text"].strip() and c["size"] < 40]
    for index, (_order, char) in enumerate(chars):
        grid[(int(char["x0"] // 20), int(char["top"] // 20))].append(index)
    for index, (a_order, a) in enumerate(chars):
        gx, gy = int(a["x0"] // 20), int(a["top"] // 20)
        for dx in (-1, 0, 1):
            for dy in (-1, 0, 1):
                for other in grid[(gx + dx, gy + dy)]:
                    if other <= index:
                        continue
                    b_order, b = chars[other]
                    if abs(a_order - b_order) == 1 and abs(a["bottom"] - b["bottom"]) < 0.5:
                        continue
                    w = min(a["x1"], b["x1"]) - max(a["x0"], b["x0"])
                    h = min(a["bottom"], b["bottom"]) - max(a["top"], b["top"])
                    smaller = min((a["x1"] - a["x0"]) * a["height"], (b["x1"] - b["x0"]) * b["height"]) or 1
                    if w > 0 and h > 0 and w * h > smaller / 3:
                        return [f"p.{number}: {a['text']!r} and {b['text']!r} print over each other at {_box(a)}"]
    return []


def _text_across_cells(page, number: int) -> list[str]:
    """A glyph half inside a coloured cell (e.g. a date range running over the RAG cell next to it)."""
    cells = [
        r
        for r in page.rects
        if r.get("fill")
        and r["width"] > 4
        and r["height"] > 4
        and r.get("non_stroking_color") not in (None, (1, 1, 1), [1, 1, 1], (1,), [1])
    ]
    for char in page.chars:
        if not char["text"].strip() or char["size"] >= 40:
            continue
        area = (char["x1"] - char["x0"]) * (char["bottom"] - char["top"]) or 1
        for cell in cells:
            w = min(char["x1"], cell["x1"]) - max(char["x0"], cell["x0"])
            h = min(char["bottom"], cell["bottom"]) - max(char["top"], cell["top"])
            if w > 0 and h > 0 and 0.15 < w * h / area < 0.85:
                return [f"p.{number}: {char['text']!r} runs across the edge of a coloured cell at {_box(cell)}"]
    return []


def layout_problems(pdf: bytes) -> list[str]:
    with pdfplumber.open(io.BytesIO(bytes(pdf))) as document:
        return [problem for number, page in enumerate(document.pages, 1) for problem in page_problems(page, number)]


def page_texts(pdf: bytes) -> list[str]:
    with pdfplumber.open(io.BytesIO(bytes(pdf))) as document:
        return [page.extract_text() or "" for page in document.pages]


def stranded_headings(pdf: bytes) -> list[str]:
    """Headings (text larger than the body, bold) that are the last thing printed on their page."""
    found = []
    with pdfplumber.open(io.BytesIO(bytes(pdf))) as document:
        for number, page in enumerate(document.pages[:-1], 1):
            body = [
                c
                for c in page.chars
                if c["text"].strip()
                and c["size"] < 40
                and c["top"] >= MARGIN_TOP
                and c["bottom"] <= page.height - MARGIN_BOTTOM
            ]
            if not body:
                continue
            last_line = max(c["bottom"] for c in body)
            tail = [c for c in body if abs(c["bottom"] - last_line) < 2]
            if all(c["size"] > BODY_SIZE + 0.5 for c in tail):
                found.append(f"p.{number}: {_text_of(sorted(tail, key=lambda c: c['x0']))!r}")
    return found
