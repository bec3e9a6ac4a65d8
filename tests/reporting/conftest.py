import io
import re

import pytest


def pdf_text(pdf: bytes) -> str:
    """Every page's text, read back from the PDF (not the HTML it came from), whitespace collapsed."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(bytes(pdf)))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() or "" for page in reader.pages))


def squash(text: str) -> str:
    """Text without any whitespace, for matching phrases the PDF wraps across lines."""
    return re.sub(r"\s+", "", text)


def outline(reader) -> list[tuple[int, str, int]]:
    """A PDF's bookmarks as (depth, title, page number from 1), in order."""
    rows = []

    def walk(items, depth):
        for item in items:
            if isinstance(item, list):
                walk(item, depth + 1)
            else:
                rows.append((depth, item.title, reader.get_destination_page_number(item) + 1))

    walk(reader.outline, 0)
    return rows


@pytest.fixture
def trafford(demo):
    from schemes.models import Programme

    programme = Programme.objects.get(slug="trafford-bcf-2015-16")
    return programme, programme.periods.get(code="2015-16-P1"), programme.periods.get(code="2015-16-P2")


@pytest.fixture
def small(db):
    """A small synthetic programme (3 schemes, 4 milestones each, 3 monthly periods from April 2024, 3 risks):
    its report is a few pages, for tests of issuing and versions rather than of the demo's content."""
    from demo.synthetic import synthetic_programme_generate

    programme = synthetic_programme_generate(
        schemes=3, milestones_per_scheme=4, periods=3, seed=11, slug="small-programme", risks=3
    )
    periods = list(programme.periods.order_by("start_date"))
    return programme, periods[0], periods[1]
