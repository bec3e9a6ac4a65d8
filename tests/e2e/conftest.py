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


@pytest.fixture(scope="package")
def browser(chromium_path):
    """One Debian chromium (never a downloaded browser) for all the journeys of this worker: starting Playwright's
    driver and the browser for each test cost more than a fresh context, which is all a test needs to start clean
    (no cookies, no storage). Torn down after the last journey, so the tests after it run as before."""
    from playwright.sync_api import sync_playwright

    with pytest.MonkeyPatch.context() as env:
        # Playwright's event loop stays visible in this thread between calls, and the live server and Playwright
        # share the thread: Django's async-safety check would refuse every query while the browser is up.
        env.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
            yield browser
            browser.close()


@pytest.fixture
def page(browser):
    """A page in a context of its own: each journey starts with no cookies and nothing stored."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
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


DEMO_PASSWORD = "e2e-demo-password"


class DemoSnapshot:
    """The demo's rows, copied once into tables of their own, put back before each journey that needs the demo.

    A journey runs against the live server, so its data must be committed, and pytest-django empties every table
    after it. Loading the demo through the services again for each journey costs about 5,000 queries (3 s of CPU,
    7-12 s on a busy PostgreSQL); putting back the rows it made, table by table in one transaction, costs a few
    INSERT ... SELECT. The rows are the ones the services wrote, so each journey sees exactly the demo it saw when
    it loaded the demo for itself."""

    def __init__(self):
        self.tables: list[tuple[str, str, str]] = []  # (table, its copy, its columns)

    def _models(self):
        from django.apps import apps
        from django.db import connection

        existing = set(connection.introspection.table_names())
        for model in apps.get_models(include_auto_created=True):
            meta = model._meta
            if meta.managed and not meta.proxy and meta.db_table in existing:
                yield model

    def take(self) -> None:
        from django.db import connection, transaction

        from demo.services import demo_load

        demo_load(password=DEMO_PASSWORD)
        quote = connection.ops.quote_name
        with transaction.atomic(), connection.cursor() as cursor:
            for index, model in enumerate(sorted(self._models(), key=lambda m: m._meta.db_table)):
                # A generated column (Scheme.ref_key) is computed by the database and cannot be written.
                columns = ", ".join(
                    quote(f.column) for f in model._meta.concrete_fields if not getattr(f, "generated", False)
                )
                copy = f"e2e_demo_copy_{index}"
                cursor.execute(f"DROP TABLE IF EXISTS {copy}")
                cursor.execute(f"CREATE TABLE {copy} AS SELECT {columns} FROM {quote(model._meta.db_table)}")
                self.tables.append((model._meta.db_table, copy, columns))

    def put_back(self) -> None:
        from django.contrib.contenttypes.models import ContentType
        from django.core.management.color import no_style
        from django.db import connection, transaction

        quote = connection.ops.quote_name
        with transaction.atomic(), connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            for table, _copy, _columns in self.tables:
                cursor.execute(f"DELETE FROM {quote(table)}")  # the content types and permissions flush made again
            for table, copy, columns in self.tables:
                cursor.execute(f"INSERT INTO {quote(table)} ({columns}) SELECT {columns} FROM {copy}")
            # New rows must not take the ids of the ones put back (a test that resets sequences may have run).
            for sql in connection.ops.sequence_reset_sql(no_style(), list(self._models())):
                cursor.execute(sql)
        ContentType.objects.clear_cache()  # its ids are the demo's again

    def drop(self) -> None:
        from django.db import connection

        with connection.cursor() as cursor:
            for _table, copy, _columns in self.tables:
                cursor.execute(f"DROP TABLE IF EXISTS {copy}")
        self.tables = []


@pytest.fixture(scope="package")
def _demo_snapshot(django_db_setup, django_db_blocker):
    snapshot = DemoSnapshot()
    yield snapshot
    with django_db_blocker.unblock():
        snapshot.drop()


@pytest.fixture
def e2e_demo(transactional_db, _demo_snapshot):
    """The demo, as demo_load leaves it (demo users' password: DEMO_PASSWORD), committed for the live server."""
    if _demo_snapshot.tables:
        _demo_snapshot.put_back()
    else:
        _demo_snapshot.take()
