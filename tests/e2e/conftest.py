from pathlib import Path

import pytest

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "e2e"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
def page(chromium_path, monkeypatch):
    """A page in Debian's chromium (never a downloaded browser)."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # live_server and Playwright share the thread
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        # Anything the Content-Security-Policy blocks is a bug: the journey must not depend on it silently.
        blocked = []
        page.on(
            "console",
            lambda message: blocked.append(message.text) if "Content Security Policy" in message.text else None,
        )
        yield page
        context.close()
        browser.close()
        assert blocked == [], f"The Content-Security-Policy blocked: {blocked}"


@pytest.fixture
def sign_in(page, live_server):
    def _sign_in(username, password="e2e-demo-password"):
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        # Each role's first page: the dashboard, or My schemes for a project lead.
        page.wait_for_url(lambda url: url.startswith(live_server.url) and "/accounts/login/" not in url)
        return page

    return _sign_in


def sign_out(page) -> None:
    """Sign out from the account menu (the signed-in person's name, top right)."""
    page.get_by_role("button", name="Account:").click()
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/accounts/login/**")
