"""Money pages as each role uses them, against the demo data (seeds 003 and 004)."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from finance.models import Allocation, Decision, DecisionStatus, FinancialYear, Fund, Movement, QuarterlySpend
from finance.selectors import fund_balances, fund_reconciliation

D = Decimal
TF = "trafford-tf"


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def alloc(name: str) -> Allocation:
    return Allocation.objects.get(fund__slug=TF, scheme_name=name)


def balance(allocation: Allocation) -> Decimal:
    return fund_balances(fund=allocation.fund).by_allocation.get(allocation.pk, D("0"))


def decision_data(**extra) -> dict:
    return {
        "decision-title": "Winter pressures virement",
        "decision-body": "Executive",
        "decision-decided_on": "2019-11-20",
        "decision-reference": "EXE/2019/42",
        "decision-key_decision": "on",
        "decision-notice_given": "on",
    } | extra


def test_the_fund_page_shows_appendix_1_computed_and_reconciled(demo, demo_client):
    client = demo_client("steering")
    page = text(client.get(reverse("finance:fund", args=[TF])))
    assert "Reconciles" in page
    assert re.search(r"Schemes going forward .* Total 21,524", page)
    assert re.search(r"Schemes discontinued .* Total 476", page)
    assert "Grand total 22,000" in page
    assert "Primary Care Neighbourhood Model" in page and "2,074" in page


def test_the_ledger_shows_the_repurposing_with_its_decision(demo, demo_client):
    page = text(demo_client("secretary").get(reverse("finance:ledger", args=[TF])))
    assert "Transformation Fund - Re-purpose of the Funding" in page
    assert "Trafford Council Executive, 18/03/2019" in page
    assert "New Organisational Form: (£2,314,000.00)" in page
    assert "Primary Care Neighbourhood Model: £2,074,000.00" in page
    decision = Decision.objects.get(fund__slug=TF, decided_on="2019-03-18")
    detail = text(demo_client("secretary").get(reverse("finance:decision", args=[decision.pk])))
    assert "Key decision (as defined in the Constitution) Yes" in detail
    assert "Finance officer clearance Finance Officer" in detail and "(printed on the paper: GB)" in detail
    assert "Legal officer clearance JLF" in detail and "Proposed by Programme Office" in detail


def test_budget_monitoring_rebuilds_seed_003_tables(demo, demo_client):
    response = demo_client("finance").get(
        reverse("finance:monitoring", args=["trafford-budgets-2016-17"]), {"quarter": "2016-17-Q3"}
    )
    page = text(response)
    # Rows and subtotals as the paper prints them (variance and % computed here, never transcribed).
    assert "Children's Services 29,911 32,233 2,322 7.8%" in page.replace("&#x27;", "'")
    assert "Economic Growth, Environment &amp; Infrastructure 32,198 31,919 (279) (0.9)%" in page
    assert "Total Service budgets 125,700 127,301 1,601 1.3%" in page
    assert "Total Trafford Council 147,320 147,534 214 0.1%" in page
    assert "Other primary care 34,044 33,370 (674) (2.0)%" in page
    assert "Total CCG Commissioned Services 327,072 332,478 5,406 1.7%" in page
    assert "Total Trafford CCG 334,713 334,713 0 0.0%" in page


def clear_and_approve(demo_client, decision, username="finance"):
    """The finance officer (who did not propose it) gives clearance on the page, then approves it there."""
    client = demo_client(username)
    decision.refresh_from_db()
    client.post(reverse("finance:decision_clear", args=[decision.pk]), {"version": decision.version})
    decision.refresh_from_db()
    return client.post(reverse("finance:decision_approve", args=[decision.pk]), {"version": decision.version})


def test_a_repurposing_is_proposed_previewed_then_approved(demo, demo_client):
    client = demo_client("pmo")
    source, target = alloc("Home Care"), alloc("Training")
    data = decision_data(
        reason="Winter: more home care hours",
        financial_year=FinancialYear.objects.get(start_year=2018).pk,
        from_0_allocation=source.pk,
        from_0_amount="150000.00",
        to_0_allocation=target.pk,
        to_0_amount="150000",
    )
    response = client.post(reverse("finance:repurpose", args=[TF]), data)
    decision = Decision.objects.get(title="Winter pressures virement")
    assert response.status_code == 302 and response.url == reverse("finance:decision", args=[decision.pk])
    assert decision.status == DecisionStatus.PROPOSED
    assert balance(source) == D("4390000")  # not yet
    preview = text(client.get(response.url))
    assert "If approved" in preview
    assert "Home Care £4,390,000.00 (£150,000.00) £4,240,000.00" in preview
    clear_and_approve(demo_client, decision)
    decision.refresh_from_db()
    assert decision.status == DecisionStatus.APPROVED
    assert (balance(source), balance(target)) == (D("4240000"), D("720000"))
    assert fund_reconciliation(fund=source.fund)["problems"] == []


@pytest.mark.parametrize(
    "amount, message",
    [
        ("-10", "Ensure this value is greater than or equal to 0"),
        ("10.005", "Ensure that there are no more than 2 decimal places"),
        ("ten", "Enter a number"),
        ("5000000", "below zero"),
    ],
)
def test_bad_repurposing_input_says_why_and_saves_nothing(demo, demo_client, amount, message):
    before = (Decision.objects.count(), Movement.objects.count())
    response = demo_client("finance").post(
        reverse("finance:repurpose", args=[TF]),
        decision_data(
            reason="x",
            financial_year=FinancialYear.objects.get(start_year=2018).pk,
            from_0_allocation=alloc("Home Care").pk,
            from_0_amount=amount,
            to_0_allocation=alloc("Training").pk,
            to_0_amount=amount,
        ),
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert (Decision.objects.count(), Movement.objects.count()) == before


def test_a_decision_without_a_date_is_refused_in_the_form(demo, demo_client):
    before = Decision.objects.count()
    response = demo_client("finance").post(
        reverse("finance:allocation_create", args=[TF]),
        decision_data(**{"decision-decided_on": ""})
        | {
            "initiative": "New",
            "scheme_name": "Falls",
            "amount": "100",
            "financial_year": FinancialYear.objects.get(start_year=2019).pk,
        },
    )
    assert response.status_code == 200 and "This field is required" in response.content.decode()
    assert Decision.objects.count() == before and not Allocation.objects.filter(scheme_name="Falls").exists()


def test_over_allocation_through_the_form_is_refused(demo, demo_client):
    response = demo_client("finance").post(
        reverse("finance:allocation_create", args=[TF]),
        decision_data()
        | {
            "initiative": "New",
            "scheme_name": "Falls",
            "amount": "1.00",
            "financial_year": FinancialYear.objects.get(start_year=2019).pk,
        },
    )
    assert "over-allocate" in response.content.decode()
    assert not Allocation.objects.filter(scheme_name="Falls").exists()


def test_a_movement_in_a_closed_year_is_refused_in_the_form(demo, demo_client):
    closed = FinancialYear.objects.get(start_year=2017)
    closed.is_closed = True
    closed.save()
    response = demo_client("finance").post(
        reverse("finance:repurpose", args=[TF]),
        decision_data(
            reason="x",
            financial_year=closed.pk,
            from_0_allocation=alloc("Home Care").pk,
            from_0_amount="1",
            to_0_allocation=alloc("Training").pk,
            to_0_amount="1",
        ),
    )
    assert "2017/18 is closed" in response.content.decode()
    assert not Decision.objects.filter(title="Winter pressures virement").exists()


def test_an_approved_decision_cannot_be_corrected_or_approved_again(demo, demo_client):
    client = demo_client("finance")
    decision = Decision.objects.get(fund__slug=TF, decided_on="2019-03-18")
    response = client.post(
        reverse("finance:decision_edit", args=[decision.pk]),
        {
            "title": "Changed",
            "body": "X",
            "decided_on": "2019-03-18",
            "version": decision.version,
        },
    )
    assert "approved" in response.content.decode()
    response = client.post(
        reverse("finance:decision_approve", args=[decision.pk]), {"version": decision.version}, follow=True
    )
    assert "no longer change" in response.content.decode()
    decision.refresh_from_db()
    assert decision.title == "Transformation Fund - Re-purpose of the Funding"


def test_a_stale_approval_is_refused(demo, demo_client):
    client = demo_client("pmo")
    client.post(
        reverse("finance:repurpose", args=[TF]),
        decision_data(
            reason="x",
            financial_year=FinancialYear.objects.get(start_year=2018).pk,
            from_0_allocation=alloc("Home Care").pk,
            from_0_amount="10",
            to_0_allocation=alloc("Training").pk,
            to_0_amount="10",
        ),
    )
    decision = Decision.objects.get(title="Winter pressures virement")
    old_version = decision.version
    client.post(
        reverse("finance:decision_edit", args=[decision.pk]),
        {
            "title": "Winter pressures virement",
            "body": "Executive",
            "decided_on": "2019-11-21",
            "version": old_version,
        },
    )
    response = demo_client("finance").post(
        reverse("finance:decision_approve", args=[decision.pk]), {"version": old_version}, follow=True
    )
    assert "changed after you opened it" in response.content.decode()
    decision.refresh_from_db()
    assert decision.status == DecisionStatus.PROPOSED


def test_reversal_undoes_an_approved_movement(demo, demo_client):
    client = demo_client("pmo")
    movement = Movement.objects.get(fund__slug=TF, kind="repurposing")
    response = client.post(
        reverse("finance:reverse", args=[movement.pk]),
        decision_data(**{"decision-decided_on": "2019-12-01"}) | {"reason": "Ratification refused by GMHSCP"},
    )
    assert response.status_code == 302
    clear_and_approve(demo_client, Decision.objects.get(title="Winter pressures virement"))
    assert balance(alloc("Primary Care Neighbourhood Model")) == 0
    assert balance(alloc("New Organisational Form")) == D("2314000")
    assert fund_reconciliation(fund=movement.fund)["problems"] == []


def test_discontinuing_releases_the_unspent_money(demo, demo_client):
    client = demo_client("pmo")
    training = alloc("Training")
    response = client.post(
        reverse("finance:discontinue", args=[training.pk]),
        decision_data()
        | {
            "spend_to_date": "120000",
            "financial_year": FinancialYear.objects.get(start_year=2019).pk,
            "reason": "No benefits",
        },
    )
    assert response.status_code == 302
    clear_and_approve(demo_client, Decision.objects.get(title="Winter pressures virement"))
    training.refresh_from_db()
    assert training.status == "discontinued" and training.spend_to_date == D("120000")
    rec = fund_reconciliation(fund=training.fund)
    assert rec["unallocated"] == D("450000") and rec["discontinued"] == D("596000") and not rec["problems"]


def test_spend_is_recorded_and_bad_figures_refused(demo, demo_client):
    client = demo_client("finance")
    home = alloc("Home Care")
    year = FinancialYear.objects.get(start_year=2019)
    url = reverse("finance:spend", args=[home.pk])
    client.post(
        url,
        {
            "financial_year": year.pk,
            "quarter": 1,
            "planned": "1000000",
            "actual": "950000.50",
            "forecast_outturn": "4400000",
        },
    )
    row = QuarterlySpend.objects.get(allocation=home)
    assert (row.actual, row.forecast_outturn) == (D("950000.50"), D("4400000"))
    response = client.post(url, {"financial_year": year.pk, "quarter": 1, "planned": "-1"}, follow=True)
    assert "Not saved" in response.content.decode()
    row.refresh_from_db()
    assert row.planned == D("1000000")
    page = text(client.get(reverse("finance:fund", args=[TF])))
    # The fund's tiles: spend summed, Home Care's forecast replaces its budget in the forecast total.
    # 950 recorded for Home Care, and the discontinued schemes' 476 spent to 31 March 2019 (their figure is spend).
    assert "Spent 1,426 " in page and "Forecast outturn 22,010 " in page and "Variance 10 " in page


@pytest.mark.parametrize("username", ["steering", "secretary", "lead"])
def test_readers_see_money_but_cannot_change_it(demo, demo_client, username):
    client = demo_client(username)
    home = alloc("Home Care")
    decision = Decision.objects.filter(fund__slug=TF).first()
    assert client.get(reverse("finance:fund", args=[TF])).status_code == 200
    assert client.get(reverse("finance:allocation", args=[home.pk])).status_code == 200
    before = (Decision.objects.count(), QuarterlySpend.objects.count())
    for url in [
        reverse("finance:repurpose", args=[TF]),
        reverse("finance:allocation_create", args=[TF]),
        reverse("finance:discontinue", args=[home.pk]),
        reverse("finance:spend", args=[home.pk]),
        reverse("finance:decision_clear", args=[decision.pk]),
        reverse("finance:decision_approve", args=[decision.pk]),
        reverse("finance:decision_reject", args=[decision.pk]),
    ]:
        assert client.post(url, decision_data(reason="x", version=1)).status_code == 403, url
    assert (Decision.objects.count(), QuarterlySpend.objects.count()) == before
    assert "Propose a repurposing" not in client.get(reverse("finance:fund", args=[TF])).content.decode()


def test_anonymous_and_roleless_users_are_kept_out(demo, client, make_user):
    url = reverse("finance:fund", args=[TF])
    assert client.get(url).status_code == 302
    client.force_login(make_user())
    assert client.get(url).status_code == 403
    assert client.get(reverse("finance:list")).status_code == 403


def test_unknown_fund_is_404(demo, demo_client):
    assert demo_client("finance").get(reverse("finance:fund", args=["no-such-fund"])).status_code == 404


def test_fund_list_and_empty_state(db, client, make_user):
    from accounts.roles import Role

    client.force_login(make_user(Role.STEERING_GROUP))
    assert "No funds yet" in client.get(reverse("finance:list")).content.decode()
    assert not Fund.objects.exists()


def test_the_decision_edit_form_opens_with_its_date_in_the_date_picker(demo, demo_client):
    decision = Decision.objects.get(fund__slug=TF, decided_on="2019-03-18")
    page = demo_client("finance").get(reverse("finance:decision_edit", args=[decision.pk])).content.decode()
    # A type="date" input shows nothing unless its value is ISO; "18/03/2019" would open it blank.
    assert 'type="date" name="decided_on" value="2019-03-18"' in page
