"""WCAG 2.2 AA (issue 21 point 6): axe-core, vendored from npm (tests/e2e/vendor), runs on every type of page for
every role, in Debian's chromium: no serious or critical violation. One demo load and one sign-in per role; the
pages of each role are visited in turn and every violation is reported at the end, not just the first.

Most pages show every role the same content and differ only in the navigation around it. Each page is checked in
two parts, its <main> and the rest of the document (the navigation, header, footer, title; the page-level rules),
and a part exactly like one already checked (the same markup, bar the per-request CSRF tokens and the words of the
title) is not checked again: axe reads the same markup under the same style sheets, so it finds the same problems.
Every page of every role is still visited, and every part that differs is checked."""

import hashlib
import os
import re
import sys
from pathlib import Path

import pytest

from tests.e2e.conftest import sign_out

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).resolve().parent / "vendor" / "axe-core-4.14.1" / "axe.min.js"
# WCAG 2.0, 2.1 and 2.2, levels A and AA: what UK public-sector services must meet.
AXE_RUN = """async (context) => {
  const result = await axe.run(context, {
    runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]},
    resultTypes: ["violations"],
  });
  return result.violations
    .filter(v => v.impact === "serious" || v.impact === "critical")
    .map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 5).map(n => n.target.join(" ") + " :: " + n.failureSummary.split("\\n").slice(0, 3).join(" "))}));
}"""
ALL_ROLES = ["pmo", "lead", "steering", "secretary", "finance", "governance"]
# A11Y_ROLES=pmo,lead narrows a local run while fixing pages; the full run (CI, `make test`) checks every role.
ROLES = [r for r in os.environ.get("A11Y_ROLES", ",".join(ALL_ROLES)).split(",") if r]


def page_urls() -> dict[str, str]:
    """One page of every type, from the demo: {page type: address}."""
    from django.urls import reverse

    from cases.models import BusinessCase
    from finance.models import Allocation, Decision, Fund
    from metrics.models import Metric
    from reporting.models import IssuedReport
    from risks.models import Issue, Risk
    from schemes.models import Programme, ReportingPeriod, Scheme

    programme = Programme.objects.get(slug="trafford-bcf-2015-16")
    scheme = Scheme.objects.get(programme=programme, ref="5.1")
    fund = Fund.objects.filter(programme__partnership=programme.partnership).order_by("pk").first()
    period = ReportingPeriod.objects.filter(programme=programme).order_by("-start_date").first()
    urls = {
        "dashboard": reverse("dashboard:index"),
        "dashboard milestones": reverse("dashboard:milestones") + "?kind=overdue",
        "scheme list": reverse("schemes:list"),
        "my schemes": reverse("schemes:mine"),
        "scheme page": reverse("schemes:detail", args=[scheme.pk]),
        "scheme history": reverse("schemes:history", args=[scheme.pk]),
        "scheme edit": reverse("schemes:edit", args=[scheme.pk]),
        "risk register": reverse("risks:register"),
        "risk": reverse("risks:detail", args=[Risk.objects.filter(programme=programme).first().pk]),
        "raise a risk": reverse("risks:create") + f"?programme={programme.slug}",
        "money": reverse("finance:list"),
        "fund": reverse("finance:fund", args=[fund.slug]),
        "ledger": reverse("finance:ledger", args=[fund.slug]),
        "monitoring": reverse("finance:monitoring", args=[fund.slug]),
        "decision": reverse("finance:decision", args=[Decision.objects.filter(fund=fund).first().pk]),
        "allocation": reverse("finance:allocation", args=[Allocation.objects.filter(fund=fund).first().pk]),
        "repurpose": reverse("finance:repurpose", args=[fund.slug]),
        "metrics": reverse("metrics:list"),
        "metric": reverse("metrics:detail", args=[Metric.objects.filter(programme=programme).first().pk]),
        "returns": reverse("returns:list"),
        "reports": reverse("reporting:index"),
        "report cover": reverse("reporting:cover", args=[period.pk]),
        "business cases": reverse("cases:portfolio"),
        "set-up": reverse("setup:index"),
        "set-up programme": reverse("setup:programme", args=[programme.slug]),
        "set-up periods": reverse("setup:periods", args=[programme.slug]),
        "people": reverse("setup:people", args=[programme.slug]),
        "people two-step": reverse("accounts:people_two_step"),
        "security log": reverse("accounts:security_events"),
        "data feeds": reverse("api:tokens"),
        "change password": reverse("accounts:password_change"),
        "two-step sign-in": reverse("accounts:mfa"),
        "search": reverse("search:results") + "?q=discharge",
        "accessibility statement": reverse("core:accessibility"),
    }
    issue = Issue.objects.filter(programme=programme).first()
    if issue:
        urls["issue"] = reverse("risks:issue_detail", args=[issue.pk])
    issued = IssuedReport.objects.filter(programme=programme).first()
    if issued:
        urls["issued report"] = reverse("reporting:issued", args=[issued.pk])
    case = BusinessCase.objects.first()
    if case:
        urls["business case"] = reverse("cases:detail", args=[case.pk])
    return urls


# The page's <main> (with the <head>: the same markup under other style sheets is not the same page) and the
# document with its <main> emptied, as the browser has them after the page's scripts ran. In the rest, a page's
# title counts only as there or not (all axe's document-title rule reads): the navigation around the pages of one
# role is otherwise the same markup from page to page, and is checked once.
PARTS = """() => {
  const main = document.querySelector("main");
  const rest = document.documentElement.cloneNode(true);
  const emptied = rest.querySelector("main");
  if (emptied) emptied.replaceChildren();
  const title = rest.querySelector("title");
  if (title) title.textContent = title.textContent.trim() ? "a title" : "";
  return {main: main ? document.head.outerHTML + main.outerHTML : null, rest: rest.outerHTML};
}"""
# What changes from one response to the next without changing the page: CSRF tokens (forms, htmx headers), nonces.
PER_REQUEST = re.compile(r'((?:csrfmiddlewaretoken" value=|nonce=|X-CSRFToken&quot;: &quot;|X-CSRFToken": ")"?)[^"&]*')


def _axe(page, context: dict | None = None) -> list[dict]:
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text())  # evaluated, not a <script>: the Content-Security-Policy stays as served
    return page.evaluate(AXE_RUN, context or {"include": [["html"]]})


def _axe_parts(page, checked: dict[str, list[dict]]) -> list[dict]:
    """Axe's serious and critical findings on the page, checking only the parts not already checked (checked:
    {a part's markup digest: its findings}, kept across pages and roles)."""
    parts = page.evaluate(PARTS)
    if parts["main"] is None:
        contexts = {"whole": None}
        parts = {"whole": page.evaluate("document.documentElement.outerHTML")}
    else:
        contexts = {"main": {"include": [["main"]]}, "rest": {"exclude": [["main"]]}}
    found = []
    for part, markup in parts.items():
        digest = part + ":" + hashlib.sha256(PER_REQUEST.sub(r"\1", markup).encode()).hexdigest()
        if digest not in checked:
            checked[digest] = _axe(page, contexts[part])
        found += checked[digest]
    return found


def test_no_serious_or_critical_accessibility_problem_on_any_page_for_any_role(page, live_server, sign_in, e2e_demo):
    urls = page_urls()
    problems: dict[str, list] = {}
    seen: dict[str, set[str]] = {}
    checked: dict[str, list[dict]] = {}

    page.goto(f"{live_server.url}/accounts/login/")
    if found := _axe_parts(page, checked):
        problems["anonymous: sign in"] = found
    page.goto(f"{live_server.url}/accessibility/")
    if found := _axe_parts(page, checked):
        problems["anonymous: accessibility statement"] = found

    for role in ROLES:
        sign_in(role)
        for kind, url in urls.items():
            response = page.goto(f"{live_server.url}{url}")
            if response.status in (403, 404):
                continue  # not this role's page (the permission matrix checks who gets what)
            assert response.status == 200, f"{role} {kind} {url}: {response.status}"
            seen.setdefault(kind, set()).add(role)
            if found := _axe_parts(page, checked):
                problems[f"{role}: {kind} ({url})"] = found
            print(f"axe {role} {kind}: {len(found)} serious or critical", file=sys.stderr, flush=True)
        sign_out(page)

    print(f"axe ran on {len(checked)} distinct parts", file=sys.stderr, flush=True)
    assert set(seen) == set(urls), f"never shown to any role: {set(urls) - set(seen)}"
    assert seen["scheme page"] == set(ROLES) and seen["dashboard"] == set(ROLES)
    report = "\n".join(
        f"{where}\n"
        + "\n".join(f"  [{v['impact']}] {v['id']}: {v['help']}\n    " + "\n    ".join(v["nodes"]) for v in found)
        for where, found in problems.items()
    )
    assert not problems, f"axe found serious or critical problems:\n{report}"
    assert ROLES == ALL_ROLES, "A11Y_ROLES narrowed the run: every role must be checked"
