"""What only PostgreSQL does for search: stemmed, ranked full-text search on GIN indexes (search.documents). Runs
when DATABASE_URL points at PostgreSQL (as CI does); skipped on SQLite, where test_search.py covers the fallback."""

import pytest
from django.db import connection

from search import documents
from search.selectors import KINDS, _matching, search
from tests.factories.milestones import MilestoneFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL): SQLite searches with icontains (test_search.py)")


def test_every_searched_table_has_its_gin_index():
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE indexname LIKE 'search_%%'")
        found = dict(cursor.fetchall())
    for document in documents.DOCUMENTS:
        assert "USING gin" in found[document.index_name]
        assert "to_tsvector('english'::regconfig" in found[document.index_name]


def test_words_are_stemmed_nurses_finds_nursing(two_partnerships):
    found = search(user=two_partnerships["reader"], text="nurses")
    assert [hit.title for hit in found.sections[0].hits] == [two_partnerships["ours"]["scheme"].name]


def test_websearch_syntax_excludes_a_word(two_partnerships):
    reader = two_partnerships["reader"]
    assert search(user=reader, text="falls").count == 5
    assert search(user=reader, text="falls -workforce").count == 4  # the risk is "Falls workforce shortage"


def test_the_closer_match_ranks_first(two_partnerships):
    scheme = two_partnerships["ours"]["scheme"]
    MilestoneFactory(scheme=scheme, description="Falls clinic opened")
    MilestoneFactory(scheme=scheme, description="Falls falls falls: the falls service's falls pathway")
    titles = [hit.title for hit in search(user=two_partnerships["reader"], text="falls").sections[1].hits]
    assert titles[0] == "Falls falls falls: the falls service's falls pathway"


@pytest.mark.parametrize("kind", KINDS, ids=[k.label for k in KINDS])
def test_the_query_can_use_its_gin_index(kind, two_partnerships):
    """The query's to_tsvector() is the indexed expression: with sequential scans off, the planner uses the index
    (on a table this small it would otherwise rightly scan). Over the whole table, so that the programme's own
    index is no rival here."""
    queryset = _matching(
        kind, kind.queryset(frozenset([two_partnerships["ours"]["programme"].pk])).model.objects.all(), "falls"
    )
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    plan = queryset.explain()
    assert kind.document.index_name in plan, plan
