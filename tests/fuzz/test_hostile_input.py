"""Hostile and random input to every form and service (issue 9 §5), driven by Hypothesis.

Every URL that takes a POST is sent, as the programme office (who may use them all), the fields its own
form has, filled with very long text, unicode, control characters, huge or negative numbers and odd dates.
The answer must never be a server error, and afterwards the invariants hold: every fund reconciles, every
RAG is in its set, milestone dates are ordered. Each example runs in a savepoint that is rolled back.
"""

import re
import time

import pytest
from django.db import connection, transaction
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import User
from tests.security.test_permission_matrix import ACCOUNT, MATRIX, NOT_ALLOWED, urls

pytestmark = pytest.mark.django_db

ODD = [
    "",
    " ",
    "0",
    "-1",
    "-0",
    "0.001",
    "1e309",
    "NaN",
    "Infinity",
    "99999999999999999999999999",
    "-99999999999999999999999999",
    "2015-02-30",
    "31/02/2015",
    "0000-00-00",
    "9999-12-31",
    "0001-01-01",
    "\x00",
    "a\x00b",
    "\t\r\n",
    "=cmd|' /C calc'!A0",
    "+1+1",
    "@SUM(A1)",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "../../../etc/passwd",
    "\u202egnp.exe",
    "😀" * 50,
    "Z̤͔ͧ̑̓ä͖̭̈̇lͮ̒ͫǫ̗̻͊",
    "red",
    "purple",
    "99",
]
hostile = st.one_of(
    st.sampled_from(ODD),
    st.text(max_size=40),
    st.text(min_size=1, max_size=8).map(lambda t: t * 800),  # very long, cheaply
    st.integers(min_value=-(10**24), max_value=10**24).map(str),
    st.decimals(allow_nan=True, allow_infinity=True, places=None).map(str),
    st.dates().map(lambda d: d.isoformat()),
    st.dates().map(lambda d: d.strftime("%d/%m/%Y")),
)

EXAMPLES = 5
FIELD = re.compile(r'<(?:input|select|textarea)[^>]*\bname="([^"]+)"')
# Fields every service reads, for views that take only a POST (no form page to read them from).
COMMON = [
    "version",
    "reason",
    "note",
    "text",
    "date",
    "rag",
    "rag_reason",
    "new_date",
    "completed_on",
    "amount",
    "likelihood",
    "consequence",
    "title",
    "description",
    "status",
    "token",
    "comment",
    "answer",
    "commentary",
]


def _post_urls(objects):
    """(name, url, has a GET page) for every URL the programme office may POST to."""
    addresses = urls(objects, own=False)
    skip = {"accounts:logout", "accounts:login", "accounts:password_change"}  # would end the session under test
    chosen = []
    for name, (get_rule, post_rule) in MATRIX.items():
        may_post = post_rule == ACCOUNT or (isinstance(post_rule, set) and "pmo" in post_rule)
        if may_post and name not in skip:
            chosen.append((name, addresses[name], get_rule is not NOT_ALLOWED))
    return sorted(chosen)


def _fields(client, url, has_get):
    names = set(COMMON)
    if has_get:
        page = client.get(url)
        if page.status_code == 200 and page.get("Content-Type", "").startswith("text/html"):
            names |= set(FIELD.findall(page.content.decode()))
    return sorted(names - {"csrfmiddlewaretoken"})


def _invariants():
    from core.rag import RAG
    from finance.models import Fund
    from finance.selectors import fund_reconciliation
    from milestones.models import Milestone
    from schemes.models import SchemePeriodUpdate

    for fund in Fund.objects.all():
        assert fund_reconciliation(fund=fund)["balanced"], f"{fund} does not reconcile"
    allowed = set(RAG.values) | {""}
    assert set(Milestone.objects.values_list("rag", flat=True)) <= allowed
    assert set(SchemePeriodUpdate.objects.values_list("rag", flat=True)) <= allowed
    for start, due in Milestone.objects.exclude(start_date=None).values_list("start_date", "due_date"):
        assert start <= due


class _Writes:
    """Counts the statements that may change data: everything but reads and savepoints (anything else counts)."""

    READS = ("SELECT", "SAVEPOINT", "RELEASE", "ROLLBACK")

    def __init__(self):
        self.count = 0
        self.examples = 0  # examples that wrote something, so had the invariants checked again

    def __call__(self, execute, sql, params, many, context):
        if not sql.lstrip().upper().startswith(self.READS):
            self.count += 1
        return execute(sql, params, many, context)


def test_no_form_answers_hostile_input_with_a_server_error(objects, monkeypatch):
    # The session clock stands at sign-in, as for the permission matrix (tests/security/conftest.py): otherwise,
    # once the run passes 30 seconds (a busy machine, PostgreSQL), every request saves the session again, a write
    # that had the invariants checked again after examples that changed no data (under a profiler: 420 checks,
    # where 68 examples changed data).
    signed_in_at = time.time()
    monkeypatch.setattr("accounts.middleware.now", lambda: signed_in_at)
    pmo = User.objects.get(username="pmo")
    client = Client(raise_request_exception=False)
    client.force_login(pmo)
    targets = [(name, url, _fields(client, url, has_get)) for name, url, has_get in _post_urls(objects)]
    assert len(targets) > 40  # every state-changing view, not a handful
    # The invariants hold before; after an example they are checked again unless it changed no data at all (most
    # hostile input is refused by the form), when the database is as it was here.
    _invariants()
    writes = _Writes()

    failures = []

    def fuzz(name, url, fields):
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        )
        @given(payload=st.dictionaries(st.sampled_from(fields), hostile, min_size=1, max_size=len(fields)))
        def post(payload):
            with transaction.atomic():
                before = writes.count
                with connection.execute_wrapper(writes):
                    response = client.post(url, payload)
                if response.status_code >= 500:
                    failures.append((name, {k: v[:60] for k, v in payload.items()}, response.status_code))
                else:
                    text = response.get("Content-Type", "").startswith("text/")
                    assert not text or "Traceback" not in response.content.decode(errors="replace"), name
                    if writes.count > before:
                        writes.examples += 1
                        _invariants()
                transaction.set_rollback(True)

        post()

    for name, url, fields in targets:
        fuzz(name, url, fields)
    assert failures == [], failures[:5]
    print(f"fuzzed {len(targets)} forms x {EXAMPLES} examples on {connection.vendor}, {writes.examples} changed data")
