"""Business cases: figures computed from lines, and bad input refused with nothing saved (issue 20)."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from accounts.roles import Role
from cases import services
from cases.models import BenefitLine, BenefitShare, BusinessCase, CaseStatus, InvestmentLine, Scenario
from cases.selectors import case_summary, k_text, programme_net_table
from core.exceptions import StaleEdit
from schemes import services as scheme_services
from schemes.models import ApprovalOutcome
from tests.factories.cases import business_case, chc_case
from tests.factories.metrics import MetricFactory
from tests.factories.risks import RiskFactory
from tests.factories.schemes import ProgrammeFactory, SchemeFactory, SchemeLeadFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def programme():
    return ProgrammeFactory()


def test_net_by_year_is_computed_with_part_year_and_brackets(programme):
    case = chc_case(programme=programme)
    table = programme_net_table(programme=programme)
    row = table.rows[0]
    assert table.year_labels == ["12/13", "13/14", "14/15"]
    # 7/12 of £104,000 in 12/13; 2,280 × £250 − £104,000 in each full year.
    assert row.by_year[2012] == Decimal("-104000") * 7 / 12
    assert [row.k(y) for y in table.years] == ["(61)", "466", "466"]
    assert table.total.k(2013) == "466"
    summary = case_summary(case=case)
    assert summary.payback_year == "13/14"


def test_k_text_brackets_a_net_cost_and_rounds_half_up():
    assert k_text(Decimal("-106750")) == "(107)"
    assert k_text(Decimal("277364.80")) == "277"
    assert k_text(Decimal("0")) == "0"


def test_one_off_investment_counts_in_its_year_only(programme):
    case = business_case(programme=programme)
    scenario = case.scenarios.get()
    services.investment_line_add(
        scenario=scenario, description="Set-up", amount="50000", first_year=2013, kind="one_off", first_year_months=3
    )
    row = programme_net_table(programme=programme).rows[0]
    assert [row.by_year[y] for y in (2012, 2013, 2014)] == [0, Decimal("-50000"), 0]


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("activity", "-10", "cannot be negative"),
        ("unit_cost", "-250", "cannot be negative"),
        ("first_year_months", 13, "1 to 12 months"),
        ("first_year_months", 0, "1 to 12 months"),
    ],
)
def test_benefit_line_bad_input_refused_and_nothing_saved(programme, field, value, words):
    case = business_case(programme=programme)
    values = dict(
        scenario=case.scenarios.get(),
        description="Bed days",
        activity="2280",
        activity_unit="bed days",
        unit_cost="250",
        unit_cost_source="Bed day",
        first_year=2013,
        shares=[("Central", 100)],
    )
    values[field] = value
    with pytest.raises(ValidationError) as refused:
        services.benefit_line_add(**values)
    assert words in " ".join(refused.value.messages)
    assert not BenefitLine.objects.exists()
    assert not BenefitShare.objects.exists()


def test_investment_part_year_outside_1_12_refused(programme):
    case = business_case(programme=programme)
    with pytest.raises(ValidationError, match="1 to 12 months"):
        services.investment_line_add(
            scenario=case.scenarios.get(), description="Team", amount="1000", first_year=2012, first_year_months=14
        )
    assert not InvestmentLine.objects.exists()


def test_shares_not_adding_to_100_refused_and_nothing_saved(programme):
    case = business_case(programme=programme)
    with pytest.raises(ValidationError, match="add up to 95%, not 100%"):
        services.benefit_line_add(
            scenario=case.scenarios.get(),
            description="Bed days",
            activity="2280",
            activity_unit="bed days",
            unit_cost="250",
            unit_cost_source="Bed day",
            first_year=2013,
            shares=[("Central Manchester CCG", 70), ("North Manchester CCG", 15), ("South Manchester CCG", 10)],
        )
    assert not BenefitLine.objects.exists()
    line = chc_case(programme=programme).scenarios.get().benefits.get()
    with pytest.raises(ValidationError, match="add up to 110%"):
        services.benefit_shares_set(line=line, shares=[("A", 60), ("B", 50)])
    assert sorted(line.shares.values_list("percent", flat=True)) == [15, 15, 70]


def test_approval_without_a_decision_refused(make_user, programme):
    proposer, office = make_user(Role.PROJECT_LEAD), make_user(Role.PROGRAMME_OFFICE)
    scheme = SchemeFactory(programme=programme)
    SchemeLeadFactory(scheme=scheme, user=proposer)
    case = chc_case(programme=programme, scheme=scheme, by=proposer)
    with pytest.raises(ValidationError, match="only by a recorded decision"):
        services.business_case_decide(case=case, decision=None, by=office)
    pending = scheme_services.approval_record(scheme=scheme, body="CICB", item="Full business case", by=proposer)
    with pytest.raises(ValidationError, match="is pending"):
        services.business_case_decide(case=case, decision=pending, by=office)
    case.refresh_from_db()
    assert case.status == CaseStatus.OUTLINE and case.decision is None


def test_the_programme_office_approves_by_the_gate_decision_never_the_proposer(make_user, programme):
    office, other_office = make_user(Role.PROGRAMME_OFFICE), make_user(Role.PROGRAMME_OFFICE)
    scheme = SchemeFactory(programme=programme)
    case = chc_case(programme=programme, scheme=scheme, by=office)
    approval = scheme_services.approval_record(
        scheme=scheme, body="CICB", item="Full business case", outcome=ApprovalOutcome.APPROVED, by=other_office
    )
    with pytest.raises(ValidationError, match="You proposed this business case"):
        services.business_case_decide(case=case, decision=approval, by=office)
    services.business_case_decide(case=case, decision=approval, by=other_office)
    case.refresh_from_db()
    assert case.status == CaseStatus.APPROVED and case.decision == approval and case.decided_by == other_office
    line = case.scenarios.get().investments.get()
    with pytest.raises(ValidationError, match="approved: it can no longer change"):
        services.investment_line_update(line=line, amount="1", reason="cheaper", by=other_office)


def test_a_rejected_decision_rejects_the_case(make_user, programme):
    office, other_office = make_user(Role.PROGRAMME_OFFICE), make_user(Role.PROGRAMME_OFFICE)
    scheme = SchemeFactory(programme=programme)
    case = business_case(programme=programme, scheme=scheme, by=office)
    rejected = scheme_services.approval_record(
        scheme=scheme,
        body="TSG",
        item="Outline case",
        outcome=ApprovalOutcome.REJECTED,
        reason="change scope",
        by=other_office,
    )
    services.business_case_decide(case=case, decision=rejected, by=other_office)
    assert BusinessCase.objects.get(pk=case.pk).status == CaseStatus.REJECTED


def test_scenarios_side_by_side_vary_the_copied_lines(programme):
    case = chc_case(programme=programme)
    baseline = case.scenarios.get()
    fifteen = services.scenario_add(case=case, name="15-day process", copy_from=baseline)
    line = fifteen.benefits.get()
    services.benefit_line_update(line=line, activity="2760", reason="Stockport's 15 days")
    summary = case_summary(case=case)
    assert [s.scenario.name for s in summary.scenarios] == ["Baseline", "15-day process"]
    assert [s.years[1].benefit for s in summary.scenarios] == [Decimal("570000"), Decimal("690000")]
    assert sorted(line.shares.values_list("partner", flat=True)) == sorted(
        baseline.benefits.get().shares.values_list("partner", flat=True)
    )
    with pytest.raises(Exception):  # noqa: B017 - the database's one-baseline rule
        Scenario.objects.create(case=case, name="Another", is_baseline=True)


def test_assumptions_keep_who_set_them_and_why(make_user, programme):
    finance = make_user(Role.FINANCE_OFFICER)
    lead = make_user(Role.PROJECT_LEAD)
    line = chc_case(programme=programme, by=lead).scenarios.get().benefits.get()
    services.benefit_unit_cost_set(
        line=line, unit_cost="260", source="Elderly care bed day 2012/13", reason="Tariff uplift", by=finance
    )
    latest = line.history.first()
    assert (latest.history_user, latest.history_change_reason, latest.unit_cost) == (
        finance,
        "Unit cost set: Tariff uplift",
        Decimal("260.00"),
    )
    with pytest.raises(ValidationError, match="set by a finance officer"):
        services.benefit_unit_cost_set(line=line, unit_cost="1", source="x", reason="y", by=lead)


def test_measuring_a_benefit_needs_a_baseline(programme):
    line = chc_case(programme=programme).scenarios.get().benefits.get()
    metric = MetricFactory(programme=programme, baseline_value=None)
    with pytest.raises(ValidationError, match="Give the baseline"):
        services.benefit_line_measure(line=line, metric=metric, baseline=None)
    line.refresh_from_db()
    assert line.metric is None


# --- Bad input on changes, stale edits and the audit of every write (issue 20's review) -------------------------


def _unchanged(line, before):
    """The line as it was: same figures, same version, no new audit entry."""
    line.refresh_from_db()
    return (line.version, line.history.count()) == before


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda line: services.benefit_line_update(line=line, activity="-1", reason="fewer"), "cannot be negative"),
        (
            lambda line: services.benefit_line_update(line=line, first_year_months="13", reason="longer"),
            "1 to 12 months",
        ),
        (
            lambda line: services.benefit_unit_cost_set(
                line=line, unit_cost="-250", source="Tariff", reason="x", by=line.finance
            ),
            "cannot be negative",
        ),
        (lambda line: services.benefit_shares_set(line=line, shares=[("A", 60), ("B", 30)]), "add up to 90%"),
        (lambda line: services.benefit_line_measure(line=line, metric=line.unmeasured, baseline=""), "baseline"),
    ],
    ids=["negative-activity", "part-year-13", "negative-unit-cost", "shares-90", "measure-without-baseline"],
)
def test_changing_a_benefit_with_bad_input_saves_nothing(make_user, programme, change, words):
    line = chc_case(programme=programme).scenarios.get().benefits.get()
    line.finance = make_user(Role.FINANCE_OFFICER)
    line.unmeasured = MetricFactory(programme=programme, baseline_value=None)
    before = (line.version, line.history.count())
    shares = sorted(line.shares.values_list("partner", "percent"))
    with pytest.raises(ValidationError) as refused:
        change(line)
    assert words in " ".join(refused.value.messages)
    assert _unchanged(line, before)
    assert (line.activity, line.unit_cost, line.first_year_months, line.metric_id) == (
        Decimal("2280"),
        Decimal("250"),
        12,
        None,
    )
    assert sorted(line.shares.values_list("partner", "percent")) == shares


@pytest.mark.parametrize(
    ("fields", "words"),
    [({"amount": "-104000"}, "cannot be negative"), ({"first_year_months": "0"}, "1 to 12 months")],
)
def test_changing_an_investment_with_bad_input_saves_nothing(programme, fields, words):
    line = chc_case(programme=programme).scenarios.get().investments.get()
    before = (line.version, line.history.count())
    with pytest.raises(ValidationError, match=words):
        services.investment_line_update(line=line, reason="revised", **fields)
    assert _unchanged(line, before)
    assert (line.amount, line.first_year_months) == (Decimal("104000"), 7)


def test_adding_a_negative_investment_saves_nothing(programme):
    case = business_case(programme=programme)
    with pytest.raises(ValidationError, match="cannot be negative"):
        services.investment_line_add(scenario=case.scenarios.get(), description="Team", amount="-1", first_year=2012)
    assert not InvestmentLine.objects.exists()


@pytest.mark.parametrize(
    "change",
    [
        lambda case, line, metric: services.business_case_update(case=case, title="Later", expected_version=1),
        lambda case, line, metric: services.business_case_make_full(case=case, expected_version=1),
        lambda case, line, metric: services.investment_line_update(
            line=case.scenarios.get().investments.get(), amount="1", reason="x", expected_version=0
        ),
        lambda case, line, metric: services.benefit_line_update(
            line=line, activity="1", reason="x", expected_version=0
        ),
        lambda case, line, metric: services.benefit_line_measure(
            line=line, metric=metric, baseline="380", expected_version=0
        ),
        lambda case, line, metric: services.benefit_shares_set(line=line, shares=[("A", 100)], expected_version=0),
    ],
    ids=["case", "make-full", "investment", "benefit", "measure", "shares"],
)
def test_stale_edits_are_refused(programme, change):
    case = chc_case(programme=programme)
    services.business_case_update(case=case, summary="Moved on", expected_version=1)  # the case is now version 2
    line = case.scenarios.get().benefits.get()
    metric = MetricFactory(programme=programme, baseline_value=Decimal("380"))
    with pytest.raises(StaleEdit, match="changed after you opened it"):
        change(case, line, metric)
    case.refresh_from_db()
    line.refresh_from_db()
    assert (case.title, case.status, line.activity, line.metric_id) == (
        "Continuing healthcare",
        CaseStatus.OUTLINE,
        Decimal("2280"),
        None,
    )


def test_every_write_to_a_case_is_audited_with_who(make_user, programme):
    lead, office, finance = (make_user(r) for r in (Role.PROJECT_LEAD, Role.PROGRAMME_OFFICE, Role.FINANCE_OFFICER))
    scheme = SchemeFactory(programme=programme)
    SchemeLeadFactory(scheme=scheme, user=lead)
    case = chc_case(programme=programme, scheme=scheme, by=lead)
    baseline = case.scenarios.get()
    line, investment = baseline.benefits.get(), baseline.investments.get()
    fifteen = services.scenario_add(case=case, name="15-day process", copy_from=baseline, by=lead)
    services.benefit_line_update(line=line, activity="2300", reason="recount", by=lead)
    services.investment_line_update(line=investment, amount="105000", reason="pay award", by=lead)
    services.benefit_shares_set(line=line, shares=[("Central Manchester CCG", 100)], by=lead)
    services.benefit_unit_cost_set(line=line, unit_cost="260", source="Tariff", reason="uplift", by=finance)
    services.business_case_make_full(case=case, by=lead)
    risk = RiskFactory(programme=programme, title="Small samples")
    services.case_risk_link(case=case, risk=risk, by=lead)
    metric = MetricFactory(programme=programme, baseline_value=Decimal("380"))
    approval = scheme_services.approval_record(
        scheme=scheme, body="CICB", item="Full business case", outcome=ApprovalOutcome.APPROVED, by=office
    )
    services.business_case_decide(case=case, decision=approval, by=office)
    services.benefit_line_measure(line=line, metric=metric, baseline=None, by=office)

    reasons = {(h.history_user, h.history_change_reason) for h in BusinessCase.history.filter(id=case.pk)}
    assert {
        (lead, "Outline business case started"),
        (lead, "Full business case"),
        (lead, "Risk of investment linked: Small samples"),
        (office, "Approved by Full business case – CICB (CICB)"),
    } <= reasons
    assert {(h.history_user, h.history_change_reason) for h in line.history.all()} >= {
        (lead, "recount"),
        (lead, "Shares set: Central Manchester CCG 100%"),
        (finance, "Unit cost set: uplift"),
        (office, f"Measured by {metric}"),
    }
    assert (lead, "pay award") in {(h.history_user, h.history_change_reason) for h in investment.history.all()}
    # Removed shares, and everything copied into a scenario, name who did it too.
    removed = BenefitShare.history.filter(benefit_id=line.pk, history_type="-")
    assert removed.count() == 3 and {h.history_user for h in removed} == {lead}
    assert fifteen.history.get().history_user == lead
    assert {h.history_user for h in BenefitLine.history.filter(scenario_id=fifteen.pk)} == {lead}
    assert {h.history_user for h in BenefitShare.history.filter(benefit__scenario=fifteen)} == {lead}
