"""The 2025/26 pooled fund by source and expenditure plan (issue 18 §2): contributions by source, plan lines with the
policy year's scheme types and sources, the NHS minimum contribution to adult social care checked against the
required figure, and bad input refused in words with nothing half-saved."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from core.exceptions import StaleEdit
from finance import selectors, services
from finance.models import Allocation, FundContribution, NhsMinimumRequirement
from tests.factories.finance import decision_clear_and_approve, financial_year
from tests.factories.schemes import ProgrammeFactory

D = Decimal


@pytest.fixture
def year(db):
    return financial_year(2025)


@pytest.fixture
def fund(year, pmo_user):
    programme = ProgrammeFactory(slug="testshire-bcf", start_date=dt.date(2025, 4, 1), end_date=dt.date(2026, 3, 31))
    fund = services.fund_set_up(programme=programme, name="Testshire BCF 2025/26", section_75=True, years=[year])
    for contributor, source, amount in (
        ("NHS Testshire ICB", "nhs_minimum", "1000000"),
        ("Testshire Council", "la_grant", "400000"),
        ("Testshire Council", "dfg", "200000"),
    ):
        services.contribution_add(
            fund=fund, contributor=contributor, amount=amount, financial_year=year, funding_source=source
        )
    return fund


def _plan(fund, year, user, lines):
    """Allocate each (name, source, scheme type, sub-type, amount, counts to ASC) line under one approved decision."""
    decision = services.decision_record(
        fund=fund, title="Plan 2025/26", body="Health and Wellbeing Board", decided_on=dt.date(2025, 5, 1), by=user
    )
    made = []
    for name, source, scheme_type, sub_type, amount, asc in lines:
        made.append(
            services.allocation_create_funded(
                fund=fund,
                initiative="BCF plan",
                scheme_name=name,
                amount=D(amount),
                decision=decision,
                financial_year=year,
                plan={
                    "scheme_type": scheme_type,
                    "sub_type": sub_type,
                    "commissioner": "Testshire Council",
                    "provider": "Private sector",
                    "funding_source": source,
                    "counts_to_asc_minimum": asc,
                },
                by=user,
            )
        )
    if decision.movements.exists():  # lines with no money yet need no approval
        decision_clear_and_approve(decision)
    return made


FULL_PLAN = [
    ("Reablement", "nhs_minimum", "home_based_ic", "Reablement at home", "600000", True),
    ("Community equipment", "nhs_minimum", "assistive_technologies", "Community based equipment", "400000", False),
    ("Home care", "la_grant", "home_care", "Domiciliary care packages", "400000", False),
    ("Adaptations", "dfg", "dfg", "Adaptations, including statutory DFG grants", "200000", False),
]


def test_the_plan_lists_its_lines_with_the_years_names_and_reconciles_by_source(fund, year, pmo_user):
    _plan(fund, year, pmo_user, FULL_PLAN)
    lines = selectors.expenditure_plan(fund, 2025)
    assert [(x.line, x.scheme_name, x.scheme_type, x.source_name, x.planned) for x in lines] == [
        (1, "Reablement", "Home-based intermediate care services", "NHS minimum contribution", D("600000.00")),
        (2, "Community equipment", "Assistive technologies and equipment", "NHS minimum contribution", D("400000")),
        (3, "Home care", "Home care or domiciliary care", "Local Authority Better Care Grant", D("400000")),
        (4, "Adaptations", "DFG related schemes", "Disabled Facilities Grant (DFG)", D("200000")),
    ]
    by_source = {row.code: row for row in selectors.pooled_fund_by_source(fund, 2025)}
    assert [row.code for row in selectors.pooled_fund_by_source(fund, 2025)] == [
        "nhs_minimum",
        "la_grant",
        "dfg",
        "additional_la",
        "additional_icb",
    ]
    assert (by_source["nhs_minimum"].contributed, by_source["nhs_minimum"].planned) == (D("1000000"), D("1000000"))
    assert by_source["additional_icb"].contributed == by_source["additional_icb"].planned == 0
    # The totals the fund page and the report print: the lines' sum, and the contributions' (600+400+400+200).
    plan = selectors.pooled_fund_year(fund, 2025)
    assert (plan.planned, plan.contributed) == (D("1600000"), sum((r.contributed for r in by_source.values()), 0))
    assert plan.planned == sum((line.planned for line in lines), 0) and plan.lines == lines
    services.nhs_minimum_required_set(fund=fund, financial_year=year, required="550000")
    assert selectors.expenditure_plan_problems(fund, 2025) == []


def test_sources_that_do_not_add_up_are_named_one_by_one(fund, year, pmo_user):
    plan = [line for line in FULL_PLAN if line[0] != "Adaptations"]
    plan[2] = ("Home care", "la_grant", "home_care", "", "350000", False)
    plan[0] = ("Reablement", "nhs_minimum", "home_based_ic", "", "550000", True)
    _plan(fund, year, pmo_user, plan)
    services.nhs_minimum_required_set(fund=fund, financial_year=year, required="500000")
    problems = selectors.expenditure_plan_problems(fund, 2025)
    assert problems == [
        "NHS minimum contribution: the fund's 2025/26 contributions from it are £1,000,000.00 but the expenditure "
        "plan spends £950,000.00 of it, £50,000.00 not planned.",
        "Local Authority Better Care Grant: the fund's 2025/26 contributions from it are £400,000.00 but the "
        "expenditure plan spends £350,000.00 of it, £50,000.00 not planned.",
        "Disabled Facilities Grant (DFG): the fund's 2025/26 contributions from it are £200,000.00 but the "
        "expenditure plan spends £0.00 of it, £200,000.00 not planned.",
    ]


def test_planning_more_from_a_source_than_it_pays_in_is_refused_by_name_and_nothing_saved(fund, year, pmo_user):
    _plan(fund, year, pmo_user, FULL_PLAN[:3])
    with pytest.raises(ValidationError) as refused:
        _plan(fund, year, pmo_user, [("More home care", "la_grant", "home_care", "", "50000.01", False)])
    assert (
        "This would plan £450,000.01 from Local Authority Better Care Grant in 2025/26, £50,000.01 more than "
        "Testshire BCF 2025/26's contributions from it (£400,000.00)." in refused.value.message_dict["lines"]
    )
    assert not Allocation.objects.filter(scheme_name="More home care").exists()
    by_source = {row.code: row.planned for row in selectors.pooled_fund_by_source(fund, 2025)}
    assert by_source["la_grant"] == D("400000")


def test_moving_a_funded_line_to_a_source_that_cannot_pay_for_it_is_refused(fund, year, pmo_user):
    lines = _plan(fund, year, pmo_user, FULL_PLAN)
    equipment = Allocation.objects.get(pk=lines[1].pk)
    with pytest.raises(ValidationError) as refused:
        services.allocation_set_plan(allocation=equipment, funding_source="dfg", expected_version=equipment.version)
    assert "from Disabled Facilities Grant (DFG) in 2025/26, £400,000.00 more" in " ".join(
        refused.value.message_dict["funding_source"]
    )
    equipment.refresh_from_db()
    assert equipment.funding_source == "nhs_minimum"


def test_an_nhs_minimum_below_the_required_figure_is_a_red_check_in_words(fund, year, pmo_user):
    _plan(fund, year, pmo_user, FULL_PLAN)
    services.nhs_minimum_required_set(fund=fund, financial_year=year, required="650000")
    check = selectors.nhs_minimum_to_adult_social_care(fund, 2025)
    assert (check.computed, check.required, check.ok) == (D("600000"), D("650000"), False)
    assert "£50,000.00 below the required £650,000.00" in check.message
    assert check.message in selectors.expenditure_plan_problems(fund, 2025)


def test_a_required_minimum_not_entered_fails_the_check_rather_than_passing(fund, year, pmo_user):
    _plan(fund, year, pmo_user, FULL_PLAN)
    check = selectors.nhs_minimum_to_adult_social_care(fund, 2025)
    assert check.ok is False and check.required is None
    assert "has not been entered" in check.message


def test_the_required_minimum_is_audited_and_a_stale_change_refused(fund, year):
    row = services.nhs_minimum_required_set(fund=fund, financial_year=year, required="500000")
    services.nhs_minimum_required_set(fund=fund, financial_year=year, required="520000", expected_version=row.version)
    assert NhsMinimumRequirement.objects.get().required == D("520000")
    assert NhsMinimumRequirement.objects.get().history.count() == 2
    with pytest.raises(StaleEdit):
        services.nhs_minimum_required_set(fund=fund, financial_year=year, required="1", expected_version=row.version)
    assert NhsMinimumRequirement.objects.get().required == D("520000")


@pytest.mark.parametrize(
    ("plan", "field", "words"),
    [
        ({"funding_source": "ibcf"}, "funding_source", "“ibcf” is not a source of funding in 2025/26"),
        ({"scheme_type": "hics"}, "scheme_type", "“hics” is not a scheme type in 2025/26"),
        (
            {"scheme_type": "carers", "sub_type": "Reablement at home"},
            "sub_type",
            "is not a sub-type of Carers' services",
        ),
        (
            {"funding_source": "la_grant", "counts_to_asc_minimum": True},
            "counts_to_asc_minimum",
            "Only a line funded from the NHS minimum contribution",
        ),
        ({"outputs_planned": D("-3"), "outputs_unit": "hours"}, "outputs_planned", "cannot be negative"),
        ({"outputs_planned": D("30")}, "outputs_unit", "Say what the outputs are counted in"),
    ],
)
def test_a_line_outside_the_programmes_year_is_refused_and_nothing_saved(fund, year, pmo_user, plan, field, words):
    decision = services.decision_record(
        fund=fund, title="Plan", body="HWB", decided_on=dt.date(2025, 5, 1), by=pmo_user
    )
    with pytest.raises(ValidationError) as refused:
        services.allocation_create_funded(
            fund=fund,
            initiative="BCF plan",
            scheme_name="Bad line",
            amount=D("1000"),
            decision=decision,
            financial_year=year,
            plan=plan,
            by=pmo_user,
        )
    assert words in " ".join(refused.value.message_dict[field])
    assert not Allocation.objects.filter(scheme_name="Bad line").exists()
    assert not decision.movements.exists()


def test_changing_a_lines_columns_is_checked_audited_and_stale_edits_refused(fund, year, pmo_user):
    (line,) = _plan(fund, year, pmo_user, FULL_PLAN[:1])
    line.refresh_from_db()
    before = line.history.count()
    services.allocation_set_plan(
        allocation=line, provider="Testshire Reablement CIC", expected_version=line.version, by=pmo_user
    )
    line.refresh_from_db()
    assert line.provider == "Testshire Reablement CIC" and line.history.count() == before + 1
    with pytest.raises(StaleEdit):
        services.allocation_set_plan(allocation=line, provider="Stale", expected_version=line.version - 1)
    with pytest.raises(ValidationError) as refused:
        services.allocation_set_plan(
            allocation=line, funding_source="dfg", provider="Half saved?", expected_version=line.version
        )
    assert "counts_to_asc_minimum" in refused.value.message_dict
    line.refresh_from_db()
    assert (line.funding_source, line.provider) == ("nhs_minimum", "Testshire Reablement CIC")


def test_a_contribution_from_a_source_the_year_does_not_have_is_refused(fund, year):
    before = FundContribution.objects.count()
    with pytest.raises(ValidationError) as refused:
        services.contribution_add(
            fund=fund, contributor="ICB", amount="10", financial_year=year, funding_source="better_care_grant"
        )
    assert "“better_care_grant” is not a source of funding in 2025/26" in str(refused.value)
    with pytest.raises(ValidationError) as refused:
        services.contribution_add(
            fund=fund, contributor="ICB", amount="10", financial_year=financial_year(2014), funding_source="dfg"
        )
    assert "no Better Care Fund policy year for 2014/15" in str(refused.value)
    assert FundContribution.objects.count() == before


def test_the_plan_is_read_in_a_fixed_number_of_queries(fund, year, pmo_user, django_assert_max_num_queries):
    _plan(fund, year, pmo_user, FULL_PLAN)
    with django_assert_max_num_queries(3):
        few = selectors.expenditure_plan(fund, 2025)
    _plan(
        fund,
        year,
        pmo_user,
        [(f"Extra {n}", "nhs_minimum", "carers", "", "0", False) for n in range(10)],
    )
    with django_assert_max_num_queries(3):
        many = selectors.expenditure_plan(fund, 2025)
    assert len(many) == len(few) + 10


# --- In the browser: the set-up page (programme office) ----------------------------------------------------------


def test_the_office_enters_a_contributions_source_and_the_required_minimum_on_the_set_up_page(
    client, fund, year, pmo_user
):
    client.force_login(pmo_user)
    url = reverse("finance:setup_fund", args=[fund.slug])
    page = client.get(url).content.decode()
    assert "NHS minimum contribution" in page and "Required NHS minimum contribution to adult social care" in page
    added = client.post(
        url,
        {
            "add_contribution": "1",
            "contributor": "NHS Testshire ICB",
            "amount": "50000",
            "financial_year": year.pk,
            "funding_source": "additional_icb",
        },
    )
    assert added.status_code == 302
    assert FundContribution.objects.get(fund=fund, funding_source="additional_icb").amount == D("50000")
    saved = client.post(
        url, {"save_nhs_minimum": "1", "financial_year": year.pk, "required": "612345.67", "note": "Allocations"}
    )
    assert saved.status_code == 302
    assert NhsMinimumRequirement.objects.get(fund=fund).required == D("612345.67")
    refused = client.post(url, {"save_nhs_minimum": "1", "financial_year": year.pk, "required": "-5", "version": 1})
    assert "cannot be negative" in refused.content.decode()
    assert NhsMinimumRequirement.objects.get(fund=fund).required == D("612345.67")


def test_the_fund_page_shows_a_short_nhs_minimum_in_red_with_words(client, fund, year, pmo_user):
    _plan(fund, year, pmo_user, FULL_PLAN)
    services.nhs_minimum_required_set(fund=fund, financial_year=year, required="700000")
    client.force_login(pmo_user)
    page = client.get(reverse("finance:fund", args=[fund.slug])).content.decode()
    assert 'data-testid="plan-problems"' in page
    assert "£100,000.00 below the required £700,000.00" in page
    assert "Illustrative data" not in page  # a real programme's page


def test_a_new_allocation_takes_its_plan_line_and_a_bad_source_saves_nothing(client, fund, year, pmo_user):
    client.force_login(pmo_user)
    url = reverse("finance:allocation_create", args=[fund.slug])
    form = {
        "initiative": "BCF plan",
        "scheme_name": "Handyperson service",
        "amount": "150000",
        "financial_year": year.pk,
        "decision-title": "Handyperson service",
        "decision-body": "Health and Wellbeing Board",
        "decision-decided_on": "2025-06-01",
        "plan-scheme_type": "dfg",
        "plan-sub_type": "Handyperson services",
        "plan-commissioner": "Testshire Council",
        "plan-provider": "Care and Repair",
        "plan-funding_source": "additional_la",  # no contribution from it: more than it pays in
    }
    refused = client.post(url, form)
    assert refused.status_code == 200
    assert "more than Testshire BCF 2025/26&#x27;s contributions from it" in refused.content.decode()
    assert not Allocation.objects.filter(scheme_name="Handyperson service").exists()
    assert not fund.decisions.exists()
    assert client.post(url, form | {"plan-funding_source": "dfg"}).status_code == 302
    line = Allocation.objects.get(scheme_name="Handyperson service")
    assert (line.scheme_type, line.sub_type, line.funding_source, line.provider) == (
        "dfg",
        "Handyperson services",
        "dfg",
        "Care and Repair",
    )
