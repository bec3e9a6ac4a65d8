"""Issue 17, "Done when", in Debian's chromium: from an empty installation with one superuser, a new partnership's
programme office is invited, sets its programme up in the browser and loads it from the app's own workbook; the
figures on the dashboard, in the highlight report's PDF and in the Appendix 1 export (CSV and XLSX) are the ones
the workbook's rows give (computed here from the rows, never typed); and Trafford's people see none of it, nor it
any of Trafford's.

Trafford is a small Trafford-like partnership made here (a programme, a scheme, a risk and a fund): the journey
does not need the whole demo.
"""

import csv
import datetime as dt
import io
import re
from collections import Counter
from decimal import Decimal

import pytest
from django.core import mail
from openpyxl import load_workbook

from accounts.models import User
from accounts.roles import Role
from accounts.services import partnership_ensure
from finance import services as finance_services
from finance.models import Decision
from risks.scoring import Grade, risk_grade
from schemes import services as scheme_services
from schemes.models import Programme, ReportingPeriod, Scheme
from tests.e2e.conftest import ARTIFACTS, sign_out
from tests.factories.accounts import UserFactory
from tests.factories.risks import RiskFactory
from tests.factories.schemes import SchemeFactory
from tests.reporting.conftest import pdf_text

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery"  # the factories' password
ROOT_PASSWORD = "a-long-root-password-1"
OFFICE_PASSWORD = "a-long-office-password-1"
FINANCE_PASSWORD = "a-long-finance-password-1"
SLUG = "northshire-bcf"
FUND = "Northshire BCF pooled budget"
CONTRIBUTIONS = [("Northshire ICB", Decimal("8000000")), ("Northshire Council", Decimal("5347000"))]
WORKSTREAMS = ["Community", "Prevention"]
TODAY = dt.date.today()  # the live server judges dates by today, so the plan is laid out around it


def _financial_year(day: dt.date) -> int:
    return day.year if day.month >= 4 else day.year - 1


def _uk(day: dt.date) -> str:
    return day.strftime("%d/%m/%Y")


# The reporting periods, from the board's meeting dates: the current one runs from 90 days ago to 30 days ahead.
FIRST_START = TODAY - dt.timedelta(days=180)
BOARD_DATES = [TODAY - dt.timedelta(days=90), TODAY + dt.timedelta(days=30), TODAY + dt.timedelta(days=120)]
CURRENT = (BOARD_DATES[0], BOARD_DATES[1])


def _trafford():
    """A small Trafford: its programme office, a scheme, a risk and a fund of its own."""
    partnership = partnership_ensure(slug="trafford", name="Trafford", hwb_area="Trafford")
    programme = scheme_services.programme_create(
        slug="trafford-bcf",
        name="Trafford BCF",
        partnership=partnership,
        start_date=dt.date(2015, 4, 1),
        end_date=dt.date(2016, 3, 31),
    )
    scheme = SchemeFactory(programme=programme, ref="5.1", name="Trafford Community Nursing")
    RiskFactory(schemes=[scheme], title="Trafford winter pressures")
    year = finance_services.financial_year_get_or_create(start_year=2015)
    fund = finance_services.fund_create(
        slug="trafford-tf",
        name="Trafford Transformation Fund",
        programme=programme,
        years=[year],
        contributions=[("Trafford CCG", Decimal("22000000"), year)],
    )
    office = UserFactory(username="trafford-pmo", roles=[Role.PROGRAMME_OFFICE], roles__programmes=[programme])
    return scheme, fund, office


def _workbook(template: bytes) -> tuple[bytes, dict]:
    """The app's blank workbook filled in: 10 schemes, 60 milestones, 8 risks, 10 allocations (2 discontinued);
    and what the app must show for it, computed from those rows."""
    wb = load_workbook(io.BytesIO(template))
    schemes, milestones, risks, allocations = (wb[name] for name in ("Schemes", "Milestones", "Risks", "Allocations"))
    headers = {name: [c.value for c in wb[name][1]] for name in ("Schemes", "Milestones", "Risks", "Allocations")}

    next_row = dict.fromkeys(headers, 2)

    def put(ws, name, **values):
        # Row by row from the top: the template's drop-downs reach far down, so ws.append could start below them.
        for column, header in enumerate(headers[name], start=1):
            ws.cell(row=next_row[name], column=column, value=values.get(header))
        next_row[name] += 1

    rows = {"milestones": [], "risks": [], "allocations": []}
    as_of = min(TODAY, CURRENT[1])
    for n in range(1, 11):
        ref = f"N{n}"
        put(
            schemes,
            "Schemes",
            **{"Ref": ref, "Name": f"Northshire scheme {n}", "Workstream": WORKSTREAMS[n % 2], "CCG": "Yes"},
        )
        for m in range(6):
            baseline = TODAY - dt.timedelta(days=150 - 25 * m - n)
            moved = (n + m) % 4 == 0
            due = baseline + dt.timedelta(days=21) if moved else baseline
            # Every third milestone is done, on its due date if that has passed.
            completed = due if m % 3 == 0 and due <= TODAY else None
            rows["milestones"].append((baseline, due, completed))
            put(
                milestones,
                "Milestones",
                **{
                    "Scheme ref": ref,
                    "Phase": "Delivery",
                    "Description": f"Northshire milestone {n}.{m + 1}",
                    "Baseline date": dt.datetime.combine(baseline, dt.time()),
                    "Due date": dt.datetime.combine(due, dt.time()),
                    "Reason for date change": "Waiting for the provider" if moved else None,
                    "Completed on": dt.datetime.combine(completed, dt.time()) if completed else None,
                },
            )
        if n <= 8:
            likelihood, consequence = 1 + n % 5, 1 + (n * 2) % 5
            rows["risks"].append((likelihood, consequence))
            put(
                risks,
                "Risks",
                **{
                    "Title": f"Northshire risk {n}",
                    "Scheme ref": ref,
                    "Likelihood": likelihood,
                    "Consequence": consequence,
                },
            )
        discontinued = n in (4, 9)
        amount = Decimal(600_000 + 35_500 * n) if not discontinued else Decimal(300_000)
        spend = Decimal(120_000 + n * 1_000) if discontinued else None
        rows["allocations"].append((amount, spend))
        put(
            allocations,
            "Allocations",
            **{
                "Scheme ref": ref,
                "Initiative": "BCF",
                "Workstream": WORKSTREAMS[n % 2],
                "Amount (£)": float(amount),
                "Status": "Discontinued" if discontinued else "Going forward",
                "Spend to date (£)": float(spend) if spend is not None else None,
            },
        )
    buffer = io.BytesIO()
    wb.save(buffer)

    total = sum(amount for _name, amount in CONTRIBUTIONS)
    going_forward = sum(amount for amount, spend in rows["allocations"] if spend is None)
    discontinued = sum(spend for _amount, spend in rows["allocations"] if spend is not None)
    grades = Counter(risk_grade(likelihood * consequence) for likelihood, consequence in rows["risks"])
    expected = {
        "total": total,
        "going_forward": going_forward,
        "discontinued": discontinued,
        "unallocated": total - going_forward - discontinued,
        "grades": {grade: grades.get(grade, 0) for grade in Grade},
        "completed": sum(1 for _b, _d, done in rows["milestones"] if done and CURRENT[0] <= done < CURRENT[1]),
        "slipped_open": sum(1 for b, d, done in rows["milestones"] if d > b and (done is None or done > as_of)),
        "slipped_all": sum(1 for b, d, _done in rows["milestones"] if d > b),
    }
    assert len(rows["milestones"]) == 60 and len(rows["risks"]) == 8
    assert expected["completed"] and expected["slipped_open"] and expected["discontinued"]  # the checks can fail
    return buffer.getvalue(), expected


def _accept(page, live_server, password: str) -> None:
    """Open the one-time link of the latest invitation e-mail and set a password."""
    link = re.search(r"https?://\S+/accounts/invitation/\S+/", mail.outbox[-1].body).group(0)
    page.goto(link)
    page.get_by_label("Choose a password").fill(password)
    page.get_by_label("The same password again").fill(password)
    page.get_by_role("button", name="Set my password").click()
    page.wait_for_url(f"{live_server.url}/accounts/login/")


def _pounds(amount: Decimal) -> str:
    return f"£{amount:,.2f}"


def test_a_new_partnership_sets_itself_up_loads_its_workbook_and_is_kept_apart(page, live_server, sign_in):
    User.objects.create_superuser("root", "root@example.org", ROOT_PASSWORD)
    trafford_scheme, trafford_fund, _trafford_office = _trafford()
    base = live_server.url
    # The machine the suite runs on is shared and slow: a page may take longer than Playwright's 30 s, but a locator
    # that finds nothing also waits this long before failing (at 180 s, one stale click cost three minutes). The
    # whole journey takes about 20 s; the PDF and the exports have their own, longer wait.
    page.set_default_timeout(60_000)
    page.set_default_navigation_timeout(60_000)
    slow = {"timeout": 300_000}

    # --- The superuser: the partnership and its programme (the admin), then invites its programme office.
    sign_in("root", ROOT_PASSWORD)
    page.goto(f"{base}/admin/accounts/partnership/add/")
    page.locator("#id_name").fill("Northshire")
    page.locator("#id_hwb_area").fill("Northshire")
    page.locator("#id_slug").fill("northshire")
    page.locator("input[name=_save]").click()
    page.wait_for_url(f"{base}/admin/accounts/partnership/")
    page.goto(f"{base}/admin/schemes/programme/add/")
    page.locator("#id_slug").fill(SLUG)
    page.locator("#id_name").fill("Northshire BCF")
    page.locator("#id_partnership").select_option(label="Northshire")
    page.locator("#id_start_date").fill((FIRST_START).isoformat())
    page.locator("#id_end_date").fill((TODAY + dt.timedelta(days=400)).isoformat())
    page.locator("input[name=_save]").click()
    page.wait_for_url(f"{base}/admin/schemes/programme/")
    programme = Programme.objects.get(slug=SLUG)
    page.goto(f"{base}/setup/{SLUG}/people/")
    page.get_by_label("E-mail address").fill("olu.office@northshire.example")
    page.get_by_label("Role").select_option("Programme office")
    page.get_by_role("button", name="Send invitation").click()
    page.get_by_text("Invitation sent to olu.office@northshire.example").wait_for()
    sign_out(page)

    # --- The programme office accepts, and sets the programme up: no admin from here on.
    _accept(page, live_server, OFFICE_PASSWORD)
    office = User.objects.get(email="olu.office@northshire.example")
    assert not office.is_staff and not office.is_superuser
    sign_in(office.username, OFFICE_PASSWORD)
    page.goto(f"{base}/setup/{SLUG}/")
    page.get_by_label("Partner organisations").fill("Northshire ICB\nNorthshire Council")
    page.get_by_role("button", name="Save", exact=True).click()
    page.get_by_text("Programme saved.").wait_for()

    page.goto(f"{base}/money/setup/years/?programme={SLUG}")
    year = _financial_year(TODAY)
    for start in (year - 1, year):
        page.get_by_label("Financial year").fill(f"{start}/{str(start + 1)[2:]}")
        page.get_by_role("button", name="Add year").click()
        page.get_by_text(f"Financial year {start}/{str(start + 1)[2:]} added.").wait_for()

    page.goto(f"{base}/setup/{SLUG}/periods/")
    page.get_by_label("From the board's meeting dates").check()
    page.get_by_label("The first period starts on").fill(_uk(FIRST_START))
    page.get_by_label("Board meeting dates").fill("\n".join(_uk(d) for d in BOARD_DATES))
    page.get_by_role("button", name="Preview").click()
    page.get_by_role("button", name="Save these periods").click()
    page.get_by_text("3 reporting periods saved.").wait_for()

    page.goto(f"{base}/setup/{SLUG}/workstreams/")
    for name in WORKSTREAMS:
        page.get_by_label("Name").fill(name)
        page.get_by_role("button", name="Add workstream").click()
        page.get_by_text(f"Workstream “{name}” added.").wait_for()

    page.goto(f"{base}/money/setup/{SLUG}/funds/")
    page.get_by_label("Name").fill(FUND)
    page.get_by_label("Pooled under a section 75 agreement (CCG/ICB and council)").check()
    for start in (year - 1, year):
        page.get_by_label(f"{start}/{str(start + 1)[2:]}").check()
    page.get_by_role("button", name="Add fund").click()
    page.get_by_text("now add its contributions").wait_for()
    for contributor, amount in CONTRIBUTIONS:
        page.get_by_label("Contributor").fill(contributor)
        page.get_by_label("Amount (£)").fill(str(amount))
        page.get_by_role("button", name="Add contribution").click()
        page.get_by_text("Contribution added.").first.wait_for()
    fund_slug = programme.funds.get().slug

    # A finance officer to clear and approve the money the workbook moves (nobody approves their own proposal).
    page.goto(f"{base}/setup/{SLUG}/people/")
    page.get_by_label("E-mail address").fill("fay.finance@northshire.example")
    page.get_by_label("Role").select_option("Finance officer")
    page.get_by_role("button", name="Send invitation").click()
    page.get_by_text("Invitation sent to fay.finance@northshire.example").wait_for()

    # --- The workbook: the app's own template, filled in here, uploaded, dry run, confirmed.
    page.goto(f"{base}/load/{SLUG}/")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the programme workbook (.xlsx)").click()
    content, expected = _workbook(download.value.path().read_bytes())
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    page.set_input_files("input[type=file]", files=[{"name": "northshire.xlsx", "mimeType": xlsx, "buffer": content}])
    page.locator("#id_fund").select_option(label=FUND)
    page.get_by_label("Decision title").fill("Section 75 agreement: scheme allocations")
    page.get_by_label("Decision-making body").fill("Northshire Health and Wellbeing Board")
    page.get_by_label("Date of decision").fill(TODAY.isoformat())
    page.get_by_role("button", name="Upload for a dry run").click()
    page.wait_for_url(re.compile(rf".*/load/{SLUG}/\d+/$"))
    assert Scheme.objects.filter(programme=programme).count() == 0  # the dry run saved nothing
    page.get_by_role("button", name="Load the workbook").click()
    page.get_by_text("Workbook loaded: ").wait_for()
    assert Scheme.objects.filter(programme=programme).count() == 10
    page.screenshot(path=str(ARTIFACTS / "partnership-loaded.png"), full_page=True)
    page.context.clear_cookies()

    _accept(page, live_server, FINANCE_PASSWORD)
    finance = User.objects.get(email="fay.finance@northshire.example")
    sign_in(finance.username, FINANCE_PASSWORD)
    page.goto(f"{base}/money/decisions/{Decision.objects.get(fund__programme=programme).pk}/")
    page.get_by_role("button", name="Give finance clearance").click()
    page.get_by_role("button", name="Approve: the decision has been taken").click()
    page.locator("#decision-status", has_text="Approved").wait_for()
    page.context.clear_cookies()

    # --- The figures: dashboard, PDF, Appendix 1 (CSV and XLSX), all as the workbook's rows give them.
    sign_in(office.username, OFFICE_PASSWORD)
    page.goto(f"{base}/dashboard/?programme={SLUG}")
    split = page.locator(".money-split").inner_text()
    for key in ("total", "going_forward", "discontinued", "unallocated"):
        assert _pounds(expected[key]).removesuffix(".00") in split, (key, split)
    grades = page.locator("#risk-grades").inner_text()
    assert f"{sum(expected['grades'].values())} open risks" in grades
    for grade, count in expected["grades"].items():
        if count:
            assert f"{count} {grade.label}" in grades, (grade, grades)
    slipped = re.sub(r"\s+", " ", page.locator("#slipped-count").inner_text())
    assert slipped.startswith(f"{expected['slipped_open']} slipped"), slipped
    assert f"completed ones included: {expected['slipped_all']}" in slipped
    assert page.locator("#completed-count .tile-number").inner_text() == str(expected["completed"])
    assert "Trafford" not in page.content()
    page.screenshot(path=str(ARTIFACTS / "partnership-dashboard.png"), full_page=True)

    period = ReportingPeriod.objects.get(programme=programme, start_date=CURRENT[0])
    response = page.request.get(f"{base}/reports/periods/{period.pk}/draft.pdf?download=1", **slow)
    assert response.status == 200
    text = re.sub(r"\s+", " ", pdf_text(response.body()))
    glance = text[text.index("The programme at a glance") :]
    assert f"Completed this period {expected['completed']} " in glance
    assert f"Slipped, still open {expected['slipped_open']} " in glance
    assert f"Slipped, all {expected['slipped_all']} " in glance
    assert f"not completed by {_uk(min(TODAY, CURRENT[1]))}" in glance
    for grade, count in expected["grades"].items():
        assert f"Graded {grade.label} {count} " in glance
    figures = " ".join(f"£{expected[key]:,.0f}" for key in ("total", "going_forward", "discontinued", "unallocated"))
    assert f"£ {figures}" in glance, figures
    assert "Trafford" not in text

    csv_response = page.request.get(f"{base}/money/{fund_slug}/allocations.csv", **slow)
    assert csv_response.status == 200
    rows = list(csv.DictReader(io.StringIO(csv_response.text())))
    data = [r for r in rows if r["Row type"] == "data"]
    assert len(data) == 10
    by_status = Counter()
    for r in data:
        by_status[r["Status"]] += Decimal(r["Budget (£)"])
    assert by_status == {"Going forward": expected["going_forward"], "Discontinued": expected["discontinued"]}
    (unallocated,) = [r for r in rows if r["Row type"] == "unallocated"]
    (fund_total,) = [r for r in rows if r["Row type"] == "fund total"]
    assert Decimal(unallocated["Budget (£)"]) == expected["unallocated"]
    assert Decimal(fund_total["Budget (£)"]) == expected["total"]

    xlsx_response = page.request.get(f"{base}/money/{fund_slug}/allocations.xlsx", **slow)
    assert xlsx_response.status == 200
    sheet = load_workbook(io.BytesIO(xlsx_response.body())).worksheets[0]
    header_row = next(row[0].row for row in sheet.iter_rows() if row[0].value == "Initiative")  # under a title
    header = [c.value for c in sheet[header_row]]
    cells = [dict(zip(header, (c.value for c in row), strict=False)) for row in sheet.iter_rows(min_row=header_row + 1)]
    kinds = {}
    for row in cells:
        if row.get("Row type") in ("unallocated", "fund total"):
            kinds[row["Row type"]] = Decimal(str(row["Budget (£)"]))
    assert kinds == {"unallocated": expected["unallocated"], "fund total": expected["total"]}
    assert sum(Decimal(str(r["Budget (£)"])) for r in cells if r.get("Row type") == "data") == (
        expected["going_forward"] + expected["discontinued"]
    )

    # --- Kept apart: Northshire's office sees nothing of Trafford's, and Trafford's nothing of Northshire's.
    northshire_scheme = Scheme.objects.get(programme=programme, ref="N1")
    for url in (
        f"/schemes/{trafford_scheme.pk}/",
        f"/money/{trafford_fund.slug}/",
        f"/money/{trafford_fund.slug}/allocations.csv",
        "/dashboard/?programme=trafford-bcf",
        "/load/trafford-bcf/",
    ):
        assert page.request.get(f"{base}{url}", **slow).status == 404, url
    for url in (f"/schemes/?programme={SLUG}", "/risks/", "/money/"):
        assert "Trafford" not in page.request.get(f"{base}{url}", **slow).text(), url
    page.context.clear_cookies()

    sign_in("trafford-pmo", PASSWORD)
    for url in (
        f"/schemes/{northshire_scheme.pk}/",
        f"/money/{fund_slug}/",
        f"/money/{fund_slug}/allocations.csv",
        f"/dashboard/?programme={SLUG}",
        f"/load/{SLUG}/",
        f"/setup/{SLUG}/people/",
        f"/reports/periods/{period.pk}/draft.pdf",
    ):
        assert page.request.get(f"{base}{url}", **slow).status == 404, url
    for url in ("/dashboard/", "/schemes/", "/risks/", "/money/"):
        body = page.request.get(f"{base}{url}", **slow).text()
        assert "Northshire" not in body, url
    page.goto(f"{base}/dashboard/")
    assert "Trafford BCF" in page.content()
