"""Browser journey in Debian's chromium: every demo user signs in and sees the scheme list."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import ARTIFACTS

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(
    "username,first_page",
    [
        ("pmo", "/dashboard/"),
        ("lead", "/schemes/mine/"),
        ("steering", "/dashboard/"),
        ("secretary", "/dashboard/"),
        ("finance", "/dashboard/"),
    ],
)
def test_demo_user_signs_in_and_sees_the_demo_schemes(page, live_server, username, first_page, e2e_demo):
    page.goto(f"{live_server.url}/")
    assert "/accounts/login/" in page.url
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("e2e-demo-password")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}{first_page}")  # each role's first page
    page.get_by_role("link", name="Schemes", exact=True).click()
    page.wait_for_url(f"{live_server.url}/schemes/**")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Trafford Better Care Fund 2015/16")
    expect(page.get_by_role("link", name="Community (District) Nursing")).to_be_visible()
    # Bootstrap was served from our own static files: the navbar is styled dark.
    background = page.eval_on_selector("nav.navbar", "el => getComputedStyle(el).backgroundColor")
    assert background != "rgba(0, 0, 0, 0)"
    page.screenshot(path=str(ARTIFACTS / f"scheme-list-{username}.png"), full_page=True)


def test_wrong_password_is_refused_in_the_browser(page, live_server, make_user):
    make_user(username="someone")
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("someone")
    page.get_by_label("Password").fill("wrong")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("Please enter a correct username and password")).to_be_visible()


def test_scheme_list_works_at_phone_width(page, live_server, e2e_demo):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("steering")
    page.get_by_label("Password").fill("e2e-demo-password")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/dashboard/")
    page.goto(f"{live_server.url}/schemes/")
    # The navigation collapses behind a labelled toggle button, and the table scrolls inside its wrapper.
    page.get_by_role("button", name="Show navigation").click()
    expect(page.get_by_role("link", name="Schemes", exact=True)).to_be_visible()
    page_width = page.evaluate("document.documentElement.scrollWidth")
    assert page_width <= 390
    page.screenshot(path=str(ARTIFACTS / "scheme-list-phone.png"), full_page=True)
