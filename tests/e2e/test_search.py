"""Issue 21 done-when: search finds a milestone by a word in its title (by visible labels). And the navigation, search
box included, stays on one line at 1280 × 800 for every role."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import ARTIFACTS, sign_out

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# [top, bottom] of every item in the expanded navigation: one line when every item starts above the point where
# the first one to end ends (they overlap vertically), whatever their own heights and alignment.
NAV_ITEMS = """() => [...document.querySelectorAll("nav.navbar .navbar-brand, #mainnav > ul > li, #mainnav > form")]
  .map(el => { const r = el.getBoundingClientRect(); return [Math.round(r.top), Math.round(r.bottom), Math.round(r.right)]; })"""


def test_search_finds_a_milestone_by_a_word_in_its_title(page, live_server, sign_in, e2e_demo):
    from milestones.models import Milestone

    page.set_viewport_size({"width": 1280, "height": 800})

    for role in ("pmo", "finance", "steering", "secretary", "governance", "lead"):
        sign_in(role)
        items = page.evaluate(NAV_ITEMS)
        one_line = max(top for top, _, _ in items) < min(bottom for _, bottom, _ in items)
        assert len(items) > 5 and one_line, f"{role}: the navigation wraps at 1280 px: {items}"
        assert all(bottom - top <= 48 for top, bottom, _ in items), f"{role}: an item wraps inside: {items}"
        nav_height = page.locator("nav.navbar").bounding_box()["height"]
        assert nav_height < 70, f"{role}: the navigation is {nav_height} px high"
        assert max(right for _, _, right in items) <= 1280, f"{role}: the navigation is wider than 1280 px: {items}"
        if role != "lead":
            sign_out(page)

    # The lead, signed in last, searches for one word of a milestone's title.
    spec = Milestone.objects.get(scheme__ref="5.1", description="New service specification to be developed")
    page.get_by_label("Search the programme").fill("specification")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.get_by_role("heading", name="Search results for “specification”")).to_be_visible()
    milestones = page.get_by_role("region", name="Milestones")
    expect(milestones).to_contain_text("Milestone of 5.1 Community (District) Nursing")
    page.screenshot(path=str(ARTIFACTS / "search-results.png"), full_page=True)
    milestones.get_by_role("link", name="New service specification to be developed").click()
    page.wait_for_url(f"**/schemes/{spec.scheme_id}/#milestone-{spec.pk}")
    expect(page.locator(f"#milestone-{spec.pk}")).to_be_in_viewport()
    expect(page.locator(f"#milestone-{spec.pk}")).to_contain_text("New service specification to be developed")
    # README's picture of the scheme page (docs/scheme-page.png is copied from here).
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(ARTIFACTS / "scheme-page.png"))
