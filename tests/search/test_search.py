"""Search (issue 21 point 5): one box finds schemes, milestones, risks, decisions and issued reports by reference
or words, only in the programmes the person holds a role on. These run on SQLite (the icontains fallback) and on
PostgreSQL (full-text search) alike; test_postgres.py checks what only PostgreSQL does."""

import pytest
from django.urls import reverse

from search.selectors import PER_KIND, search
from tests.factories.milestones import MilestoneFactory

pytestmark = pytest.mark.django_db


def _titles(results) -> dict[str, list[str]]:
    return {section.label: [hit.title for hit in section.hits] for section in results.sections}


def test_search_finds_each_kind_by_a_word(two_partnerships):
    ours = two_partnerships["ours"]
    found = _titles(search(user=two_partnerships["reader"], text="falls"))
    assert found == {
        "Schemes": [ours["scheme"].name],
        "Milestones": [ours["milestone"].description],
        "Risks": [ours["risk"].title],
        "Decisions": [ours["decision"].title],
        "Highlight reports": ["Highlight report to the Falls Health & Wellbeing Board, 21/07/2015"],
    }


def test_another_partnerships_rows_never_appear(two_partnerships, client):
    """The other partnership's records carry the same word; none of them comes back, on the page or in the links."""
    theirs = two_partnerships["theirs"]
    results = search(user=two_partnerships["reader"], text="falls")
    urls = {hit.url for section in results.sections for hit in section.hits}
    assert results.count == 5
    client.force_login(two_partnerships["reader"])
    page = client.get(reverse("search:results"), {"q": "falls"}).content.decode()
    for url in (
        reverse("schemes:detail", args=[theirs["scheme"].pk]),
        f"#milestone-{theirs['milestone'].pk}",
        reverse("risks:detail", args=[theirs["risk"].pk]),
        reverse("finance:decision", args=[theirs["decision"].pk]),
        reverse("reporting:issued", args=[theirs["report"].pk]),
    ):
        assert not any(url in u for u in urls)
        assert url not in page
    assert theirs["scheme"].ref not in page


def test_search_finds_a_scheme_by_its_ref(two_partnerships):
    ours = two_partnerships["ours"]
    results = search(user=two_partnerships["reader"], text=ours["scheme"].ref)
    assert _titles(results)["Schemes"] == [ours["scheme"].name]
    hit = results.sections[0].hits[0]
    assert (hit.ref, hit.url) == (ours["scheme"].ref, reverse("schemes:detail", args=[ours["scheme"].pk]))


def test_every_word_must_match(two_partnerships):
    reader = two_partnerships["reader"]
    assert _titles(search(user=reader, text="discharge pathway"))["Milestones"] == [
        two_partnerships["ours"]["milestone"].description
    ]
    assert search(user=reader, text="discharge submarine").count == 0


def test_a_milestones_source_note_is_not_searched(two_partnerships):
    """The source note is the programme office's provenance note: search must not reveal it to other roles."""
    assert search(user=two_partnerships["reader"], text="reticulated").count == 0


def test_a_milestone_hit_links_to_its_row_on_the_scheme_page(two_partnerships):
    ours = two_partnerships["ours"]
    hit = search(user=two_partnerships["lead"], text="pathway").sections[1].hits[0]
    assert hit.url == f"{reverse('schemes:detail', args=[ours['scheme'].pk])}#milestone-{ours['milestone'].pk}"
    assert hit.context == f"Milestone of {ours['scheme'].ref} {ours['scheme'].name}"


def test_one_letter_asks_for_more(two_partnerships):
    results = search(user=two_partnerships["reader"], text=" f ")
    assert results.too_short and results.count == 0


def test_the_best_of_each_kind_are_shown_and_the_page_says_there_are_more(two_partnerships, client):
    ours = two_partnerships["ours"]
    for n in range(PER_KIND + 2):
        MilestoneFactory(scheme=ours["scheme"], description=f"Falls clinic {n} opened")
    results = search(user=two_partnerships["reader"], text="falls")
    milestones = results.sections[1]
    assert len(milestones.hits) == PER_KIND and milestones.more
    client.force_login(two_partnerships["reader"])
    page = client.get(reverse("search:results"), {"q": "falls"}).content.decode()
    assert f"Milestones ({PER_KIND}+)" in page and f"Only the best {PER_KIND} are shown" in page


def test_search_reads_one_query_per_kind(two_partnerships, django_assert_max_num_queries):
    reader = two_partnerships["reader"]
    with django_assert_max_num_queries(6):  # the reader's roles, then one per kind (no N+1 over the hits)
        search(user=reader, text="falls")


def test_an_account_with_no_role_is_refused(client, make_user):
    client.force_login(make_user())
    assert client.get(reverse("search:results"), {"q": "falls"}).status_code == 403


def test_the_navigation_has_the_search_box(two_partnerships, client):
    client.force_login(two_partnerships["reader"])
    page = client.get(reverse("search:results"), {"q": "pathway"}).content.decode()
    assert 'role="search"' in page and 'name="q"' in page
    assert "Search results for “pathway”" in page
