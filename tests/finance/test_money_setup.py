"""Setting up a programme's money in the browser (issue 17 §2): financial years, funds and their contributions,
the fund total computed from them, and the checklist's money items."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.roles import Role
from finance import services
from finance.models import FinancialYear, Fund, FundContribution
from tests.factories.accounts import UserFactory
from tests.factories.schemes import ProgrammeFactory


@pytest.fixture
def programme(db):
    return ProgrammeFactory(
        slug="new-bcf", name="New BCF", start_date=dt.date(2025, 4, 1), end_date=dt.date(2027, 3, 31)
    )


@pytest.fixture
def office(client, pmo_user):
    client.force_login(pmo_user)
    return client


def _text(response) -> str:
    return response.content.decode()


def test_the_office_adds_the_financial_years_a_programme_needs(office):
    url = reverse("finance:setup_years")
    assert office.post(url, {"start_year": "2024/25"}).status_code == 302
    assert office.post(url, {"start_year": "2025-26"}).status_code == 302
    years = list(FinancialYear.objects.filter(start_year__gte=2024).order_by("start_year"))
    assert [(y.label, y.starts_on, y.ends_on) for y in years] == [
        ("2024/25", dt.date(2024, 4, 1), dt.date(2025, 3, 31)),
        ("2025/26", dt.date(2025, 4, 1), dt.date(2026, 3, 31)),
    ]
    assert years[0].history.count() == 1


@pytest.mark.parametrize(
    ("typed", "words"),
    [("2024/26", "is not one financial year"), ("twenty", "Write the year as 2024/25"), ("1850/51", "not a plausible")],
)
def test_a_financial_year_that_is_not_one_is_refused_in_words(office, typed, words):
    before = FinancialYear.objects.count()
    response = office.post(reverse("finance:setup_years"), {"start_year": typed})
    assert words in _text(response)
    assert FinancialYear.objects.count() == before


def test_a_year_already_set_up_is_refused(office):
    services.financial_year_add(start_year=2030)
    assert "2030/31 is already set up." in _text(office.post(reverse("finance:setup_years"), {"start_year": "2030/31"}))


def test_a_section_75_pooled_budget_totals_its_contributions(office, programme, pmo_user):
    year = services.financial_year_add(start_year=2025)
    response = office.post(
        reverse("finance:setup_funds", args=[programme.slug]),
        {
            "name": "BCF pooled budget 2025/26",
            "kind": "pooled",
            "section_75": "on",
            "risk_share": "50:50",
            "years": [year.pk],
        },
    )
    fund = Fund.objects.get(programme=programme)
    assert response.url == reverse("finance:setup_fund", args=[fund.slug])
    assert fund.section_75 and list(fund.financial_years.all()) == [year]
    url = reverse("finance:setup_fund", args=[fund.slug])
    for contributor, amount in [("NHS Newtown ICB", "9,847,000.00"), ("Newtown Council", "3500000.50")]:
        ok = office.post(
            url, {"add_contribution": "1", "contributor": contributor, "amount": amount, "financial_year": year.pk}
        )
        assert ok.status_code == 302
    amounts = list(FundContribution.objects.filter(fund=fund).order_by("id").values_list("amount", flat=True))
    assert amounts == [Decimal("9847000.00"), Decimal("3500000.50")]
    page = _text(office.get(url))
    assert "£13,347,000.50" in page  # the total is the sum, computed
    assert FundContribution.history.filter(fund_id=fund.pk).count() == 2
    assert fund.history.first().history_user == pmo_user


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        ("-100", "cannot be negative"),
        ("0", "must be more than £0"),
        ("12.345", "two decimal places"),
        ("lots", "must be a number of pounds"),
    ],
)
def test_a_bad_contribution_is_refused_in_words_and_nothing_is_saved(office, programme, amount, words):
    fund = services.fund_set_up(programme=programme, name="Pooled")
    response = office.post(
        reverse("finance:setup_fund", args=[fund.slug]),
        {"add_contribution": "1", "contributor": "ICB", "amount": amount},
    )
    assert response.status_code == 200
    assert words in _text(response)
    assert not fund.contributions.exists()


def test_a_stale_fund_edit_is_refused(office, programme):
    fund = services.fund_set_up(programme=programme, name="Pooled")
    services.fund_update(fund=fund, name="Renamed by a colleague", kind="pooled", section_75=True, expected_version=1)
    response = office.post(
        reverse("finance:setup_fund", args=[fund.slug]),
        {"save_fund": "1", "name": "Mine", "kind": "pooled", "version": 1},
    )
    assert "changed after you opened it" in _text(response)
    fund.refresh_from_db()
    assert fund.name == "Renamed by a colleague"


def test_the_checklist_names_a_fund_without_money_then_one_not_fully_allocated(office, programme):
    fund = services.fund_set_up(programme=programme, name="Pooled")
    checklist = reverse("setup:checklist", args=[programme.slug])
    page = _text(office.get(checklist))
    assert "The fund Pooled has no contributions" in page and reverse("finance:setup_fund", args=[fund.slug]) in page
    services.contribution_add(fund=fund, contributor="ICB", amount="1000")
    page = _text(office.get(checklist))
    assert "The fund Pooled is not fully allocated: £1,000.00 of £1,000.00 is unallocated." in page
    assert reverse("finance:allocation_create", args=[fund.slug]) in page


@pytest.mark.parametrize(
    "role",
    [Role.PROJECT_LEAD, Role.STEERING_GROUP, Role.BOARD_SECRETARY, Role.FINANCE_OFFICER, Role.GOVERNANCE_SECRETARY],
)
def test_other_roles_cannot_set_up_money(client, programme, role):
    client.force_login(UserFactory(roles=[role]))
    fund = services.fund_set_up(programme=programme, name="Pooled")
    for url, data in [
        (reverse("finance:setup_years"), {"start_year": "2031/32"}),
        (reverse("finance:setup_funds", args=[programme.slug]), {"name": "Sneaky", "kind": "pooled"}),
        (reverse("finance:setup_fund", args=[fund.slug]), {"add_contribution": "1", "contributor": "x", "amount": "5"}),
    ]:
        assert client.get(url).status_code == 403
        assert client.post(url, data).status_code == 403
    assert not FinancialYear.objects.filter(start_year=2031).exists()
    assert list(Fund.objects.values_list("name", flat=True)) == ["Pooled"]
    assert not fund.contributions.exists()


def test_a_missing_fund_is_404_for_the_office(office):
    assert office.get(reverse("finance:setup_fund", args=["no-such-fund"])).status_code == 404
