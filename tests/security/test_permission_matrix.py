"""Every URL × every role × own/other object: the status the server answers, and that a refused POST changes
nothing. URL patterns are discovered from the resolver, so a new view fails this test until it is placed in
the matrix below (issue 9 §2)."""

import functools
from dataclasses import dataclass
from http.cookies import SimpleCookie
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection, transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils.html import escape
from simple_history.models import HistoricalChanges, registered_models

from accounts.models import User
from accounts.roles import Role
from finance.models import Fund
from risks.models import Risk
from schemes.models import Programme, Scheme
from tests.security.partnerships import NORTHSHIRE, NORTHSHIRE_FUND

PROGRAMME = "trafford-bcf-2015-16"
TF = "trafford-tf"
ROLES = ["pmo", "lead", "steering", "secretary", "finance", "governance"]
EVERYONE = set(ROLES)
READERS = EVERYONE
OFFICE = {"pmo"}
MONEY = {"pmo", "finance"}
RETURN_READERS = {"pmo", "steering", "secretary", "finance"}
UPLOADERS = {"pmo", "lead"}  # the lead's upload is then limited to their own schemes, row by row

LEAD_OWN = "lead-own"  # the programme office, and the project lead only on a scheme they lead
OFFICE_LEAD_OWN = {"pmo", LEAD_OWN}
ACCOUNT = "account"  # any signed-in account, even one with no role (their own password)
PUBLIC = "public"  # no sign-in needed
NOT_ALLOWED = None  # 405 for everyone
JOB_VIEWERS = {"pmo", "secretary"}
# Separation of duties (issue 15). A body's decision on a scheme's paper: the programme office or the governance
# secretary, never the scheme's lead (the lead's own scheme gets 403 too). Finance clearance: a finance officer.
GATE_KEEPERS = {"pmo", "governance"}
PAPER_RECORDERS = {"pmo", "governance", LEAD_OWN}
FINANCE_OFFICERS = {"finance"}

# Who may use each URL: (GET, POST). A set names the demo users allowed; everyone else signed in must get 403,
# and anonymous visitors are sent to sign in. Read pages answer a POST as a GET (it changes nothing).
MATRIX = {
    "home": (ACCOUNT, ACCOUNT),
    "core:healthz": (PUBLIC, NOT_ALLOWED),
    "core:accessibility": (PUBLIC, NOT_ALLOWED),  # the accessibility statement, public as the regulations ask
    "search:results": (READERS, NOT_ALLOWED),  # scoped to the reader's programmes (tests/search)
    "accounts:login": (PUBLIC, PUBLIC),
    "accounts:logout": (NOT_ALLOWED, ACCOUNT),
    "accounts:password_change": (ACCOUNT, ACCOUNT),
    "accounts:password_change_done": (ACCOUNT, NOT_ALLOWED),
    "accounts:mfa": (ACCOUNT, NOT_ALLOWED),
    "accounts:mfa_setup": (ACCOUNT, ACCOUNT),
    "accounts:mfa_verify": (ACCOUNT, ACCOUNT),
    "accounts:mfa_remove": (NOT_ALLOWED, ACCOUNT),
    "accounts:mfa_recovery_codes": (NOT_ALLOWED, ACCOUNT),
    "accounts:password_reset": (PUBLIC, PUBLIC),
    "accounts:password_reset_done": (PUBLIC, NOT_ALLOWED),
    "accounts:password_reset_confirm": (PUBLIC, PUBLIC),
    "accounts:password_reset_complete": (PUBLIC, NOT_ALLOWED),
    "accounts:sso_start": (PUBLIC, NOT_ALLOWED),
    "accounts:sso_callback": (PUBLIC, NOT_ALLOWED),
    # The programme office looks after other people's two-step sign-in and reads the security log.
    "accounts:people_two_step": (OFFICE, NOT_ALLOWED),
    "accounts:people_two_step_reset": (NOT_ALLOWED, OFFICE),
    "accounts:security_events": (OFFICE, NOT_ALLOWED),
    # An invitation's one-time link: public (a wrong token gets a page saying so, 400).
    "accounts:invitation_accept": (PUBLIC, PUBLIC),
    # Setting up a programme (issue 17): the programme office only (schemes.permissions.programme_can_set_up).
    "setup:index": (OFFICE, OFFICE),
    "setup:programme": (OFFICE, OFFICE),
    "setup:checklist": (OFFICE, OFFICE),
    "setup:periods": (OFFICE, OFFICE),
    "setup:period_edit": (OFFICE, OFFICE),
    "setup:period_close": (OFFICE, OFFICE),
    "setup:workstreams": (OFFICE, OFFICE),
    "setup:workstream_edit": (OFFICE, OFFICE),
    "setup:localities": (OFFICE, OFFICE),
    "setup:locality_edit": (OFFICE, OFFICE),
    "setup:scheme_lead": (OFFICE, OFFICE),
    "setup:people": (OFFICE, OFFICE),
    "setup:person": (OFFICE, OFFICE),
    "finance:setup_years": (OFFICE, OFFICE),
    "finance:setup_funds": (OFFICE, OFFICE),
    "finance:setup_fund": (OFFICE, OFFICE),
    "schemes:list": (READERS, READERS),
    "schemes:mine": (READERS, READERS),
    "schemes:detail": (READERS, READERS),
    "schemes:history": (READERS, READERS),
    "schemes:edit": (OFFICE_LEAD_OWN, OFFICE_LEAD_OWN),
    "schemes:approval_add": (NOT_ALLOWED, PAPER_RECORDERS),  # the lead's paper is pending; an outcome is refused
    "schemes:approval_outcome": (NOT_ALLOWED, GATE_KEEPERS),
    "schemes:update_approve": (NOT_ALLOWED, OFFICE),
    "schemes:inbox": (READERS, READERS),
    "notifications:list": (READERS, READERS),
    "notifications:mark_read": (NOT_ALLOWED, READERS),
    "notifications:digest": (READERS, READERS),
    "schemes:comment_add": (NOT_ALLOWED, OFFICE_LEAD_OWN),
    "schemes:update_rag": (NOT_ALLOWED, OFFICE_LEAD_OWN),
    "schemes:update_submit": (NOT_ALLOWED, OFFICE_LEAD_OWN),
    "schemes:update_return": (NOT_ALLOWED, OFFICE),
    "schemes:export": (READERS, READERS),
    "schemes:import": (UPLOADERS, UPLOADERS),
    "milestones:complete": (NOT_ALLOWED, OFFICE_LEAD_OWN),
    "milestones:move": (NOT_ALLOWED, OFFICE_LEAD_OWN),
    "milestones:rag": (NOT_ALLOWED, OFFICE_LEAD_OWN),
    "milestones:add": (NOT_ALLOWED, OFFICE_LEAD_OWN),
    "risks:register": (READERS, READERS),
    "risks:create": (UPLOADERS, UPLOADERS),
    "risks:detail": (READERS, READERS),
    "risks:edit": (OFFICE_LEAD_OWN, OFFICE_LEAD_OWN),
    "risks:rescore": (NOT_ALLOWED, OFFICE_LEAD_OWN),
    "risks:close": (NOT_ALLOWED, OFFICE_LEAD_OWN),
    "risks:to_issue": (NOT_ALLOWED, OFFICE_LEAD_OWN),
    "risks:action_add": (NOT_ALLOWED, OFFICE_LEAD_OWN),
    "risks:action_status": (NOT_ALLOWED, OFFICE_LEAD_OWN),
    "risks:issue_detail": (READERS, READERS),
    "risks:issue_resolve": (NOT_ALLOWED, OFFICE_LEAD_OWN),
    "risks:export": (READERS, READERS),
    "risks:import": (UPLOADERS, UPLOADERS),
    "finance:list": (READERS, READERS),
    "finance:fund": (READERS, READERS),
    "finance:ledger": (READERS, READERS),
    "finance:monitoring": (READERS, READERS),
    "finance:decision": (READERS, READERS),
    "finance:allocation": (READERS, READERS),
    "finance:export_xlsx": (READERS, READERS),
    "finance:export_csv": (READERS, READERS),
    "finance:decision_edit": (MONEY, MONEY),
    "finance:decision_clear": (NOT_ALLOWED, FINANCE_OFFICERS),
    "finance:decision_approve": (NOT_ALLOWED, MONEY),  # and never by the decision's proposer (test_duty_cells)
    "finance:decision_reject": (NOT_ALLOWED, MONEY),
    "finance:spend": (NOT_ALLOWED, MONEY),
    "finance:discontinue": (MONEY, MONEY),
    "finance:reverse": (MONEY, MONEY),
    "finance:allocation_create": (MONEY, MONEY),
    "finance:repurpose": (MONEY, MONEY),
    "finance:import": (MONEY, MONEY),
    "finance:allocation_link": (MONEY, MONEY),
    "finance:allocation_plan": (MONEY, MONEY),
    # Loading a programme from one workbook: the programme office only (programme_load.permissions); a checked
    # upload is its uploader's (the programme office here).
    "programme_load:start": (OFFICE, OFFICE),
    "programme_load:template": (OFFICE, OFFICE),
    "programme_load:check": (OFFICE, OFFICE),
    "dashboard:index": (READERS, NOT_ALLOWED),
    "dashboard:milestones": (READERS, NOT_ALLOWED),
    "dashboard:csv": (READERS, NOT_ALLOWED),
    "metrics:list": (READERS, READERS),
    "metrics:detail": (READERS, READERS),
    "metrics:template": (READERS, READERS),
    "metrics:create": (OFFICE, OFFICE),
    "metrics:plan": (OFFICE, OFFICE),
    "metrics:record": (OFFICE_LEAD_OWN, OFFICE_LEAD_OWN),
    "metrics:upload": (UPLOADERS, UPLOADERS),
    "api:tokens": (READERS, READERS),
    "api:token_revoke": (NOT_ALLOWED, {"finance"}),  # the token's owner; to anyone else it does not exist (404)
    "api:index": (READERS, NOT_ALLOWED),
    "api:feed": (READERS, NOT_ALLOWED),
    # NHS England returns: the programme office builds, edits, signs off and corrects; the other roles but project
    # leads read and download signed-off ones.
    "returns:list": (RETURN_READERS, RETURN_READERS),
    "returns:detail": (RETURN_READERS, RETURN_READERS),
    "returns:download": (RETURN_READERS, RETURN_READERS),
    "returns:build_form": (NOT_ALLOWED, OFFICE),
    "returns:build": (NOT_ALLOWED, OFFICE),
    "returns:sign_off": (NOT_ALLOWED, OFFICE),
    "returns:correct": (NOT_ALLOWED, OFFICE),
    "returns:answer": (OFFICE, OFFICE),
    "returns:job": (OFFICE, NOT_ALLOWED),
    # Business cases (issue 20): leads draft their scheme's case, finance officers set unit costs, the programme
    # office or a finance officer says how a benefit is measured, and the programme office records the decision.
    "cases:portfolio": (READERS, READERS),
    "cases:export": (READERS, READERS),
    "cases:detail": (READERS, READERS),
    "cases:create": (UPLOADERS, UPLOADERS),
    "cases:scenario_add": (NOT_ALLOWED, OFFICE_LEAD_OWN),
    "cases:make_full": (NOT_ALLOWED, OFFICE_LEAD_OWN),
    "cases:decide": (NOT_ALLOWED, OFFICE),
    "cases:risk_link": (NOT_ALLOWED, OFFICE_LEAD_OWN),
    "cases:investment_add": (NOT_ALLOWED, OFFICE_LEAD_OWN),
    "cases:benefit_add": (NOT_ALLOWED, OFFICE_LEAD_OWN),
    "cases:benefit_edit": (NOT_ALLOWED, OFFICE_LEAD_OWN),
    "cases:unit_cost": (NOT_ALLOWED, FINANCE_OFFICERS),
    "cases:measure": (NOT_ALLOWED, MONEY),
    "reporting:index": (READERS, NOT_ALLOWED),
    "reporting:draft": (READERS, NOT_ALLOWED),
    "reporting:board_pack": (READERS, NOT_ALLOWED),  # whoever may preview the draft, as reporting:draft
    "reporting:draft_build": (NOT_ALLOWED, READERS),
    "reporting:cover": (OFFICE, OFFICE),
    "reporting:issue": (OFFICE, OFFICE),
    "reporting:issued": (READERS, NOT_ALLOWED),
    "reporting:issued_download": (READERS, NOT_ALLOWED),
    "reporting:issued_snapshot": (READERS, NOT_ALLOWED),
    "reporting:finance_appendix": (READERS, NOT_ALLOWED),
    "reporting:budget_monitoring": (READERS, NOT_ALLOWED),
    # A background report job: the person who asked for it (the secretary here) and the programme office.
    "reporting:job": (JOB_VIEWERS, NOT_ALLOWED),
    "reporting:job_status": (JOB_VIEWERS, NOT_ALLOWED),
    "reporting:job_download": (JOB_VIEWERS, NOT_ALLOWED),
    "reporting:job_retry": (NOT_ALLOWED, JOB_VIEWERS),
}
# Pages that need no sign-in and answer only GET: a POST is 405 for everyone, anonymous visitors included.
PUBLIC_GET_ONLY = {  # (accounts:invitation_accept takes a POST: the password it sets)
    "core:healthz",
    "core:accessibility",
    "accounts:password_reset_done",
    "accounts:password_reset_complete",
    "accounts:sso_start",
    "accounts:sso_callback",
}
# To anyone else these objects do not exist: 404, not 403.
HIDDEN_FROM_OTHERS = {
    "api:token_revoke",
    "reporting:job",
    "reporting:job_status",
    "reporting:job_download",
    "reporting:job_retry",
}


def urls(objects: dict, own: bool, *, programme: str = PROGRAMME, fund: str = TF, lead_pk: int | None = None) -> dict:
    """The URL of every named pattern, for the lead's own object (own=True) or someone else's; over Trafford's
    programme and fund unless others are named (the second partnership's, or ones that do not exist)."""
    o = objects["own" if own else "other"]
    lead_pk = User.objects.get(username="lead").pk if lead_pk is None else lead_pk
    return {
        "home": reverse("home"),
        "core:healthz": reverse("core:healthz"),
        "core:accessibility": reverse("core:accessibility"),
        "search:results": reverse("search:results") + "?q=falls",
        "accounts:login": reverse("accounts:login"),
        "accounts:logout": reverse("accounts:logout"),
        "accounts:password_change": reverse("accounts:password_change"),
        "accounts:password_change_done": reverse("accounts:password_change_done"),
        "accounts:mfa": reverse("accounts:mfa"),
        "accounts:mfa_setup": reverse("accounts:mfa_setup"),
        "accounts:mfa_verify": reverse("accounts:mfa_verify"),
        "accounts:mfa_remove": reverse("accounts:mfa_remove"),
        "accounts:mfa_recovery_codes": reverse("accounts:mfa_recovery_codes"),
        "accounts:password_reset": reverse("accounts:password_reset"),
        "accounts:password_reset_done": reverse("accounts:password_reset_done"),
        "accounts:password_reset_confirm": reverse("accounts:password_reset_confirm", args=["MQ", "set-password"]),
        "accounts:password_reset_complete": reverse("accounts:password_reset_complete"),
        "accounts:sso_start": reverse("accounts:sso_start"),
        "accounts:sso_callback": reverse("accounts:sso_callback"),
        "accounts:people_two_step": reverse("accounts:people_two_step"),
        "accounts:people_two_step_reset": reverse("accounts:people_two_step_reset", args=[lead_pk]),
        "accounts:security_events": reverse("accounts:security_events"),
        "accounts:invitation_accept": reverse("accounts:invitation_accept", args=["not-a-real-token"]),
        "setup:index": reverse("setup:index"),
        "setup:programme": reverse("setup:programme", args=[programme]),
        "setup:checklist": reverse("setup:checklist", args=[programme]),
        "setup:periods": reverse("setup:periods", args=[programme]),
        "setup:period_edit": reverse("setup:period_edit", args=[objects["period"].pk]),
        "setup:period_close": reverse("setup:period_close", args=[objects["period"].pk]),
        "setup:workstreams": reverse("setup:workstreams", args=[programme]),
        "setup:workstream_edit": reverse("setup:workstream_edit", args=[o["scheme"].workstream_id]),
        "setup:localities": reverse("setup:localities", args=[programme]),
        "setup:locality_edit": reverse("setup:locality_edit", args=[objects["locality"].pk]),
        "setup:scheme_lead": reverse("setup:scheme_lead", args=[o["scheme"].pk]),
        "setup:people": reverse("setup:people", args=[programme]),
        "setup:person": reverse("setup:person", args=[programme, lead_pk]),
        "finance:setup_years": reverse("finance:setup_years"),
        "finance:setup_funds": reverse("finance:setup_funds", args=[programme]),
        "finance:setup_fund": reverse("finance:setup_fund", args=[fund]),
        "schemes:list": reverse("schemes:list"),
        "schemes:mine": reverse("schemes:mine"),
        "schemes:detail": reverse("schemes:detail", args=[o["scheme"].pk]),
        "schemes:history": reverse("schemes:history", args=[o["scheme"].pk]),
        "schemes:edit": reverse("schemes:edit", args=[o["scheme"].pk]),
        "schemes:approval_add": reverse("schemes:approval_add", args=[o["scheme"].pk]),
        "schemes:approval_outcome": reverse("schemes:approval_outcome", args=[o["approval"].pk]),
        "schemes:update_approve": reverse("schemes:update_approve", args=[o["scheme"].pk, "2015-16-P2"]),
        "schemes:inbox": reverse("schemes:inbox"),
        "notifications:list": reverse("notifications:list"),
        "notifications:mark_read": reverse("notifications:mark_read"),
        "notifications:digest": reverse("notifications:digest"),
        "schemes:comment_add": reverse("schemes:comment_add", args=[o["scheme"].pk, "2015-16-P2"]),
        "schemes:update_rag": reverse("schemes:update_rag", args=[o["scheme"].pk, "2015-16-P2"]),
        "schemes:update_submit": reverse("schemes:update_submit", args=[o["scheme"].pk, "2015-16-P2"]),
        "schemes:update_return": reverse("schemes:update_return", args=[o["scheme"].pk, "2015-16-P2"]),
        "schemes:export": reverse("schemes:export", args=[programme]),
        "schemes:import": reverse("schemes:import", args=[programme]),
        "milestones:complete": reverse("milestones:complete", args=[o["milestone"].pk]),
        "milestones:move": reverse("milestones:move", args=[o["milestone"].pk]),
        "milestones:rag": reverse("milestones:rag", args=[o["milestone"].pk]),
        "milestones:add": reverse("milestones:add", args=[o["scheme"].pk]),
        "risks:register": reverse("risks:register"),
        "risks:create": reverse("risks:create"),
        "risks:detail": reverse("risks:detail", args=[o["risk"].pk]),
        "risks:edit": reverse("risks:edit", args=[o["risk"].pk]),
        "risks:rescore": reverse("risks:rescore", args=[o["risk"].pk]),
        "risks:close": reverse("risks:close", args=[o["risk"].pk]),
        "risks:to_issue": reverse("risks:to_issue", args=[o["risk"].pk]),
        "risks:action_add": reverse("risks:action_add", args=[o["risk"].pk]),
        "risks:action_status": reverse("risks:action_status", args=[o["action"].pk]),
        "risks:issue_detail": reverse("risks:issue_detail", args=[o["issue"].pk]),
        "risks:issue_resolve": reverse("risks:issue_resolve", args=[o["issue"].pk]),
        "risks:export": reverse("risks:export", args=[programme]),
        "risks:import": reverse("risks:import", args=[programme]),
        "finance:list": reverse("finance:list"),
        "finance:decision": reverse("finance:decision", args=[objects["decision"].pk]),
        "finance:decision_edit": reverse("finance:decision_edit", args=[objects["decision"].pk]),
        "finance:decision_clear": reverse("finance:decision_clear", args=[objects["decision"].pk]),
        "finance:decision_approve": reverse("finance:decision_approve", args=[objects["decision"].pk]),
        "finance:decision_reject": reverse("finance:decision_reject", args=[objects["decision"].pk]),
        "finance:allocation": reverse("finance:allocation", args=[objects["allocation"].pk]),
        "finance:spend": reverse("finance:spend", args=[objects["allocation"].pk]),
        "finance:discontinue": reverse("finance:discontinue", args=[objects["allocation"].pk]),
        "finance:reverse": reverse("finance:reverse", args=[objects["movement"].pk]),
        "finance:fund": reverse("finance:fund", args=[fund]),
        "finance:ledger": reverse("finance:ledger", args=[fund]),
        "finance:monitoring": reverse("finance:monitoring", args=[fund]),
        "finance:allocation_create": reverse("finance:allocation_create", args=[fund]),
        "finance:repurpose": reverse("finance:repurpose", args=[fund]),
        "finance:export_xlsx": reverse("finance:export_xlsx", args=[fund]),
        "finance:export_csv": reverse("finance:export_csv", args=[fund]),
        "finance:import": reverse("finance:import", args=[fund]),
        "finance:allocation_link": reverse("finance:allocation_link", args=[objects["allocation"].pk]),
        "finance:allocation_plan": reverse("finance:allocation_plan", args=[objects["allocation"].pk]),
        "programme_load:start": reverse("programme_load:start", args=[programme]),
        "programme_load:template": reverse("programme_load:template", args=[programme]),
        "programme_load:check": reverse("programme_load:check", args=[programme, objects["workbook_upload"].pk]),
        "dashboard:index": reverse("dashboard:index"),
        "dashboard:milestones": reverse("dashboard:milestones"),
        "dashboard:csv": reverse("dashboard:csv", args=["schemes"]),
        "metrics:list": reverse("metrics:list"),
        "metrics:create": reverse("metrics:create"),
        "metrics:template": reverse("metrics:template", args=["xlsx"]),
        "metrics:upload": reverse("metrics:upload"),
        "metrics:detail": reverse("metrics:detail", args=[o["metric"].pk]),
        "metrics:plan": reverse("metrics:plan", args=[o["metric"].pk]),
        "metrics:record": reverse("metrics:record", args=[o["metric"].pk, "2015-07-01"]),
        "api:tokens": reverse("api:tokens"),
        "api:token_revoke": reverse("api:token_revoke", args=[objects["token"].pk]),
        "api:index": reverse("api:index"),
        "api:feed": reverse("api:feed", args=["risks"]),
        "returns:list": reverse("returns:list"),
        "returns:detail": reverse("returns:detail", args=[programme, "2015-16-Q1"]),
        "returns:download": reverse("returns:download", args=[programme, "2015-16-Q1", 1]),
        "returns:build_form": reverse("returns:build_form"),
        "returns:build": reverse("returns:build", args=[programme, "2015-16-Q1"]),
        "returns:sign_off": reverse("returns:sign_off", args=[programme, "2015-16-Q1"]),
        "returns:correct": reverse("returns:correct", args=[programme, "2015-16-Q1"]),
        "returns:answer": reverse("returns:answer", args=[objects["returns"]["answer"].pk]),
        "returns:job": reverse("returns:job", args=[objects["returns"]["job"].pk]),
        "cases:portfolio": reverse("cases:portfolio"),
        "cases:export": reverse("cases:export", args=["xlsx"]) + f"?programme={programme}",
        "cases:detail": reverse("cases:detail", args=[o["case"].pk]),
        "cases:create": reverse("cases:create") + f"?programme={programme}",
        "cases:scenario_add": reverse("cases:scenario_add", args=[o["case"].pk]),
        "cases:make_full": reverse("cases:make_full", args=[o["case"].pk]),
        "cases:decide": reverse("cases:decide", args=[o["case"].pk]),
        "cases:risk_link": reverse("cases:risk_link", args=[o["case"].pk]),
        "cases:investment_add": reverse("cases:investment_add", args=[o["scenario"].pk]),
        "cases:benefit_add": reverse("cases:benefit_add", args=[o["scenario"].pk]),
        "cases:benefit_edit": reverse("cases:benefit_edit", args=[o["benefit"].pk]),
        "cases:unit_cost": reverse("cases:unit_cost", args=[o["benefit"].pk]),
        "cases:measure": reverse("cases:measure", args=[o["benefit"].pk]),
        "reporting:index": reverse("reporting:index"),
        "reporting:draft": reverse("reporting:draft", args=[objects["period"].pk]),
        "reporting:board_pack": reverse("reporting:board_pack", args=[objects["period"].pk]),
        "reporting:draft_build": reverse("reporting:draft_build", args=[objects["period"].pk]),
        "reporting:cover": reverse("reporting:cover", args=[objects["period"].pk]),
        "reporting:issue": reverse("reporting:issue", args=[objects["period"].pk]),
        "reporting:issued": reverse("reporting:issued", args=[objects["issued_report"].pk]),
        "reporting:issued_download": reverse("reporting:issued_download", args=[objects["issued_report"].pk]),
        "reporting:issued_snapshot": reverse("reporting:issued_snapshot", args=[objects["issued_report"].pk]),
        "reporting:finance_appendix": reverse("reporting:finance_appendix", args=[fund]),
        "reporting:budget_monitoring": reverse("reporting:budget_monitoring", args=[fund]),
        "reporting:job": reverse("reporting:job", args=[objects["report_job"].pk]),
        "reporting:job_status": reverse("reporting:job_status", args=[objects["report_job"].pk]),
        "reporting:job_download": reverse("reporting:job_download", args=[objects["report_job"].pk]),
        "reporting:job_retry": reverse("reporting:job_retry", args=[objects["report_job"].pk]),
    }


def _all_patterns(patterns=None, namespace=None):
    for p in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(p, URLResolver):
            if p.namespace == "admin":
                continue  # Django's admin: is_staff is checked by Django itself
            yield from _all_patterns(p.url_patterns, p.namespace or namespace)
        elif isinstance(p, URLPattern):
            yield f"{namespace}:{p.name}" if namespace else p.name


def _status(client, method, url):
    # Each request in its own savepoint, rolled back, and the client's cookies put back afterwards (signing
    # out, say, would otherwise end the session): every request sees the same data as the same person.
    cookies = SimpleCookie(client.cookies.output(header="", sep="\n"))
    with transaction.atomic():
        response = getattr(client, method)(url)
        transaction.set_rollback(True)
    client.cookies = cookies
    return response.status_code


@functools.cache
def _history_rows_sql() -> str:
    """The one query that counts the rows of every audited table and its history table (built once a process)."""
    audited = {model._meta.db_table for model in registered_models.values()}
    history = {model._meta.db_table for model in apps.get_models() if issubclass(model, HistoricalChanges)}
    assert len(audited) > 10 and len(history) >= len(audited)  # every audited model, not an empty sum
    counts = " + ".join(f"(SELECT COUNT(*) FROM {connection.ops.quote_name(t)})" for t in sorted(audited | history))
    return f"SELECT {counts}"


HISTORY_ROWS_STATEMENT = "bcf_test_history_rows"


def _history_rows() -> int:
    """Rows in every audited table and in its history table, counted in one query (this runs twice for each refused
    POST, some 3,800 times a run): a refused request must neither add nor remove a row nor save an audited change.

    On PostgreSQL the query is prepared once per database session: planning its 76 counts cost more than running
    them (4.7 ms a query planned afresh, 0.9 ms prepared). A prepared statement outlives a rolled-back transaction,
    and lasts as long as the session: a new connection prepares it again."""
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            cursor.execute(_history_rows_sql())
        else:
            if getattr(connection, "_history_rows_prepared_on", None) is not connection.connection:
                cursor.execute(f"PREPARE {HISTORY_ROWS_STATEMENT} AS {_history_rows_sql()}")
                connection._history_rows_prepared_on = connection.connection  # a new session must prepare again
            cursor.execute(f"EXECUTE {HISTORY_ROWS_STATEMENT}")
        return cursor.fetchone()[0]


def _request(client, method, url, *, count_changes: bool):
    """(status, history rows written). Each request runs in a savepoint that is rolled back, and the client's
    cookies are put back afterwards (signing out would otherwise end the session): every request sees the
    same data as the same person."""
    cookies = SimpleCookie(client.cookies.output(header="", sep="\n"))
    with transaction.atomic():
        before = _history_rows() if count_changes else 0
        response = getattr(client, method)(
            url, {"version": 1, "reason": "matrix", "amount": "1"} if method == "post" else None
        )
        written = (_history_rows() - before) if count_changes else 0
        transaction.set_rollback(True)
    client.cookies = cookies
    return response, written


# The security headers every answer must carry (tests/security/test_headers.py checks them).
SECURITY_HEADERS = ("Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options", "Referrer-Policy")


@dataclass(frozen=True)
class Answer:
    """What the server answered one person's request: its status, where it sent them, its security headers, the
    history rows it wrote (None if not counted) and its text (None unless kept: the pages the leak test reads)."""

    status_code: int
    location: str
    headers: dict
    written: int | None
    text: str | None


def _ask(answers: dict, person: str, client, method: str, url: str, *, count_changes=False, keep_text=False):
    """The server's answer to `person` (a username, or "anon") asking `method` `url`, each sent once per test
    database: the matrix, leak, header and fuzz tests walk the same URLs as the same people over the same shared
    objects (`answers` is kept with them, tests/security/conftest.py), and every request is rolled back, so the
    answer is the same whichever of them asks first. Asked again for what was not recorded, it is sent again."""
    key = (person, method, url)
    found = answers.get(key)
    if found is None or (count_changes and found.written is None) or (keep_text and found.text is None):
        response, written = _request(client, method, url, count_changes=count_changes)
        text = None
        if keep_text:
            body = b"".join(response) if response.streaming else response.content
            text = body.decode("utf-8", errors="replace")
        found = Answer(
            status_code=response.status_code,
            location=response.get("Location", ""),
            headers={name: response.headers[name] for name in SECURITY_HEADERS if name in response.headers},
            written=written if count_changes else (found.written if found else None),
            text=text if keep_text else (found.text if found else None),
        )
        answers[key] = found
    return found


def _allowed(rule, who: str, own: bool) -> bool:
    if rule in (PUBLIC, ACCOUNT):
        return who != "anon" or rule == PUBLIC
    return who in rule or (LEAD_OWN in rule and who == "lead" and own)


# Views the matrix's programme (Trafford's 2015/16 BCF) cannot reach, with where their permissions are tested instead.
COVERED_ELSEWHERE = {
    # Only a programme whose policy year plans headline metrics (2025/26) has this page; elsewhere it is a 404.
    "metrics:headline_setup": "tests/metrics/test_headline_views.py (office 200, reader 403, other partnership 404)",
}


def test_the_history_count_sees_an_audited_save(objects):
    """The count a refused POST is checked with (prepared once on PostgreSQL) sees a write made after it was first
    run, and its rollback."""
    before = _history_rows()
    with transaction.atomic():
        risk = Risk.objects.filter(programme__slug=PROGRAMME).first()
        risk.title += " (changed)"
        risk.save()
        assert _history_rows() == before + 1  # its history row
        transaction.set_rollback(True)
    assert _history_rows() == before


def test_every_url_is_in_the_matrix():
    found = set(_all_patterns()) - set(COVERED_ELSEWHERE)
    assert found - set(MATRIX) == set(), "New views: add them to MATRIX with who may GET and POST them."
    assert set(MATRIX) - found == set(), "MATRIX names URLs that no longer exist."


def test_every_role_gets_what_the_matrix_says(objects, answers):
    users = {name: User.objects.get(username=name) for name in ROLES}
    users["norole"] = User.objects.create_user(username="norole", password="x")
    clients = {"anon": Client()}
    for name, user in users.items():
        clients[name] = Client()
        clients[name].force_login(user)
    problems = _matrix_problems(answers, clients, {False: urls(objects, False), True: urls(objects, True)})
    assert problems == []


def _matrix_problems(
    answers: dict, clients: dict, addresses_by_own: dict, *, people: dict | None = None, own_decides_for_lead_only=True
) -> list[str]:
    """Every URL × method × client: what differs from MATRIX. `addresses_by_own`: {own: urls(...)}; `people`: the
    username of each client's person (its key, if not named)."""
    login = reverse("accounts:login")
    missing = _missing_urls()
    problems = []
    # A URL with no object in it (a list, a programme's export) is the same for own and other: sent once per person
    # and method, unless the matrix expected the two to differ, which would be a mistake in the matrix.
    asked = {}
    for own, addresses in addresses_by_own.items():
        for name, rules in MATRIX.items():
            for method, rule in zip(("get", "post"), rules, strict=True):
                for who, client in clients.items():
                    if own and who != "lead" and own_decides_for_lead_only:
                        continue  # own/other decides access for the project lead only
                    allowed = rule is not NOT_ALLOWED and _allowed(rule, who, own)
                    request_key, expectation = (who, method, addresses[name]), (name, allowed)
                    if request_key in asked:
                        if asked[request_key] != expectation:
                            problems.append(f"{method.upper()} {name} as {who}: own and other expect different answers")
                        continue
                    asked[request_key] = expectation
                    refused = who != "anon" and rule not in (NOT_ALLOWED, PUBLIC) and not _allowed(rule, who, own)
                    answer = _ask(
                        answers,
                        (people or {}).get(who, who),
                        client,
                        method,
                        addresses[name],
                        count_changes=method == "post" and refused,
                        keep_text=_leak_test_reads(name, method, rule, who, addresses[name], missing),
                    )
                    status, written = answer.status_code, answer.written or 0
                    public = rule == PUBLIC or (rule is NOT_ALLOWED and name in PUBLIC_GET_ONLY)
                    if who == "anon" and not public and name not in ("api:index", "api:feed"):
                        expected = "302 to sign in"
                        ok = status == 302 and answer.location.startswith(login)
                    elif who == "anon" and name in ("api:index", "api:feed"):
                        expected = "405" if rule is NOT_ALLOWED else "401"
                        ok = str(status) == expected
                    elif rule is NOT_ALLOWED:
                        expected, ok = "405", status == 405
                    elif _allowed(rule, who, own):
                        expected, ok = "allowed", status in (200, 201, 302, 400)
                    else:
                        expected = "404" if name in HIDDEN_FROM_OTHERS and who in ROLES else "403"
                        ok = str(status) == expected and written == 0
                    if not ok:
                        problems.append(
                            f"{method.upper()} {name} ({'own' if own else 'other'}) as {who}: {status}, expected {expected}"
                            + (f", wrote {written} history rows" if written else "")
                        )
    return problems


# --- Two partnerships (issue 17) ------------------------------------------------------------------------------
# Northshire (tests/security/partnerships.py) beside the demo's Trafford: each partnership's users get exactly what
# the matrix says on their own partnership's objects, and another partnership's objects answer exactly as a
# missing one does (404 where the role would be allowed), and no page they may open shows the other's data.

MISSING = 10**9


def _missing_urls() -> dict:
    """Every URL with objects, programme and fund that do not exist."""
    fake = SimpleNamespace(pk=MISSING, workstream_id=MISSING)
    kinds = ("scheme", "approval", "milestone", "risk", "action", "issue", "metric", "case", "scenario", "benefit")
    objects = {
        "own": dict.fromkeys(kinds, fake),
        "other": dict.fromkeys(kinds, fake),
        "returns": {"answer": fake, "job": fake},
        **dict.fromkeys(
            (
                "decision",
                "allocation",
                "movement",
                "token",
                "period",
                "issued_report",
                "report_job",
                "workbook_upload",
                "locality",
            ),
            fake,
        ),
    }
    return urls(objects, False, programme="no-such-programme", fund="no-such-fund", lead_pk=MISSING)


def _northshire_urls(objects) -> dict:
    north = objects["northshire"]
    return urls(north, True, programme=NORTHSHIRE, fund=NORTHSHIRE_FUND, lead_pk=north["users"]["lead"].pk)


def _leak_test_reads(name: str, method: str, rule, who: str, url: str, missing: dict) -> bool:
    """Is this a page the leak test reads for another partnership's names: a GET the role may make of a URL with no
    object, programme or fund in it (a list, the dashboard, a feed), the same for every partnership."""
    return (
        method == "get"
        and url == missing[name]
        and rule not in (NOT_ALLOWED, PUBLIC)
        and who in ROLES
        and _allowed(rule, who, own=True)
    )


def _clients(usernames: dict) -> dict:
    clients = {}
    for role, username in usernames.items():
        clients[role] = Client()
        clients[role].force_login(User.objects.get(username=username))
    return clients


def _markers(programme_slugs) -> list[str]:
    """Names only a partnership's own pages may show: its programmes, funds, schemes, risks and people."""
    names = set(Programme.objects.filter(slug__in=programme_slugs).values_list("name", flat=True))
    names |= set(Fund.objects.filter(programme__slug__in=programme_slugs).values_list("name", flat=True))
    names |= set(Scheme.objects.filter(programme__slug__in=programme_slugs).values_list("name", flat=True))
    names |= set(Risk.objects.filter(programme__slug__in=programme_slugs).values_list("title", flat=True))
    # Its project leads by name (the demo's other sign-ins are named after their roles, words any page may use).
    people = User.objects.filter(
        memberships__programme__slug__in=programme_slugs, memberships__role=Role.PROJECT_LEAD
    ).exclude(last_name="")
    names |= {person.get_full_name() for person in people.distinct()}
    return sorted(name for name in names if len(name) > 6)


def test_the_second_partnership_gets_what_the_matrix_says_on_its_own_programme(objects, answers):
    people = {role: f"n-{role}" for role in ROLES}
    problems = _matrix_problems(
        answers, _clients(people), {True: _northshire_urls(objects)}, people=people, own_decides_for_lead_only=False
    )
    assert problems == []


TRAFFORD_PROGRAMMES = [PROGRAMME, "trafford-tf-2017-21", "trafford-budgets-2016-17"]


@pytest.mark.parametrize("direction", ["northshire-users-on-trafford", "trafford-users-on-northshire"])
def test_another_partnerships_objects_are_as_missing_and_nothing_leaks(objects, answers, direction):
    """Every URL × role × method, across the boundary: an object of the other partnership answers exactly as a
    missing one (404 where the role would be allowed), a refused POST writes nothing, and every page the role may
    open (lists, dashboard, exports, feeds) shows none of the other partnership's names."""
    if direction == "northshire-users-on-trafford":
        people = {role: f"n-{role}" for role in ROLES}
        foreign, theirs = urls(objects, False), _markers(TRAFFORD_PROGRAMMES)
    else:
        people = {role: role for role in ROLES}
        foreign, theirs = _northshire_urls(objects), _markers([NORTHSHIRE])
    clients = _clients(people)
    assert len(theirs) >= 5, theirs  # the leak check has something to look for
    missing = _missing_urls()
    problems = []
    for name, rules in MATRIX.items():
        for method, rule in zip(("get", "post"), rules, strict=True):
            if rule in (NOT_ALLOWED, PUBLIC):
                continue
            for who, client in clients.items():
                person = people[who]
                if foreign[name] != missing[name]:
                    response = _ask(answers, person, client, method, foreign[name], count_changes=method == "post")
                    as_missing = _ask(answers, person, client, method, missing[name])
                    written = response.written
                    expected = 404 if _allowed(rule, who, own=True) else as_missing.status_code
                    if response.status_code != expected or response.status_code != as_missing.status_code:
                        problems.append(
                            f"{method.upper()} {name} as {who}: {response.status_code}, a missing one gives "
                            f"{as_missing.status_code}"
                        )
                    if written:
                        problems.append(f"{method.upper()} {name} as {who}: wrote {written} history rows")
                elif _leak_test_reads(name, method, rule, who, foreign[name], missing):
                    text = _ask(answers, person, client, method, foreign[name], keep_text=True).text
                    leaked = [m for m in theirs if m in text or escape(m) in text]
                    if leaked:
                        problems.append(f"GET {name} as {who}: shows {leaked[:3]}")
    assert problems == []


def _proposed_decision(proposer):
    """A repurposing of £10 in the demo fund, proposed by `proposer` (nothing cleared or approved)."""
    from finance import services as finance_services
    from finance.models import Allocation, FinancialYear, Fund

    fund = Fund.objects.get(slug=TF)
    decision = finance_services.decision_record(
        fund=fund, title="Matrix virement", body="Executive", decided_on="2019-11-20", by=proposer
    )
    going = list(Allocation.objects.filter(fund=fund, status="going_forward").order_by("pk")[:2])
    finance_services.repurposing_propose(
        decision=decision,
        sources=[(going[0], "10")],
        destinations=[(going[1], "10")],
        reason="matrix",
        financial_year=FinancialYear.objects.get(start_year=2018),
        by=proposer,
    )
    return decision


def test_duty_cells(objects, demo_client):
    """The cells of the matrix that depend on who someone is to the object, not only their role (issue 15)."""
    from django.utils.html import escape

    from finance.models import DecisionStatus

    pmo, finance = User.objects.get(username="pmo"), User.objects.get(username="finance")
    approval = objects["own"]["approval"]
    # A lead POSTing their own scheme's gate outcome: 403, in words, nothing written.
    response, written = _request(
        demo_client("lead"), "post", reverse("schemes:approval_outcome", args=[approval.pk]), count_changes=True
    )
    assert response.status_code == 403 and written == 0
    assert "governance secretary" in response.content.decode()
    # The governance secretary records it.
    response = demo_client("governance").post(
        reverse("schemes:approval_outcome", args=[approval.pk]), {"outcome": "approved"}
    )
    approval.refresh_from_db()
    assert response.status_code == 302 and approval.outcome == "approved"

    decision = _proposed_decision(pmo)
    # A finance officer clearing someone else's proposal: allowed, and written with who and when.
    response = demo_client("finance").post(
        reverse("finance:decision_clear", args=[decision.pk]), {"version": decision.version}
    )
    decision.refresh_from_db()
    assert response.status_code == 302 and decision.finance_cleared_by == finance
    # The proposer approving: refused with words, nothing written.
    client = demo_client("pmo")
    before = decision.history.count()
    response = client.post(
        reverse("finance:decision_approve", args=[decision.pk]), {"version": decision.version}, follow=True
    )
    decision.refresh_from_db()
    assert escape("You proposed this decision") in response.content.decode()
    assert decision.status == DecisionStatus.PROPOSED and decision.history.count() == before
    # The programme office clearing: 403 (a finance officer's action).
    assert (
        demo_client("pmo")
        .post(reverse("finance:decision_clear", args=[decision.pk]), {"version": decision.version})
        .status_code
        == 403
    )
    # A finance officer clearing their own proposal: refused with words.
    own = _proposed_decision(finance)
    response = demo_client("finance").post(
        reverse("finance:decision_clear", args=[own.pk]), {"version": own.version}, follow=True
    )
    own.refresh_from_db()
    assert escape("You proposed this decision") in response.content.decode() and own.finance_cleared_by is None
