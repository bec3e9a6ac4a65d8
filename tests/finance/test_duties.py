"""Separation of duties for money (issue 15, attack 5): a decision needs a proposer and a different approver, and
finance clearance is a finance officer's action in the app (who, when), not free text."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import User
from accounts.roles import Role
from accounts.services import membership_grant
from finance import services
from finance.models import Allocation, Decision, DecisionStatus, FinancialYear
from finance.selectors import fund_balances

D = Decimal
TF = "trafford-tf"


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def alloc(name: str) -> Allocation:
    return Allocation.objects.get(fund__slug=TF, scheme_name=name)


def balance(allocation: Allocation) -> Decimal:
    return fund_balances(fund=allocation.fund).by_allocation.get(allocation.pk, D("0"))


def repurposing_form(amount="150000", **extra) -> dict:
    return {
        "decision-title": "Winter pressures virement",
        "decision-body": "Executive",
        "decision-decided_on": "2019-11-20",
        "decision-reference": "EXE/2019/42",
        "decision-key_decision": "on",
        "decision-notice_given": "on",
        "reason": "Winter: more home care hours",
        "financial_year": FinancialYear.objects.get(start_year=2018).pk,
        "from_0_allocation": alloc("Home Care").pk,
        "from_0_amount": amount,
        "to_0_allocation": alloc("Training").pk,
        "to_0_amount": amount,
    } | extra


def _approve(client, decision):
    decision.refresh_from_db()
    return client.post(
        reverse("finance:decision_approve", args=[decision.pk]), {"version": decision.version}, follow=True
    )


def _clear(client, decision):
    decision.refresh_from_db()
    return client.post(
        reverse("finance:decision_clear", args=[decision.pk]), {"version": decision.version}, follow=True
    )


def test_attack_programme_office_proposes_and_approves_a_repurposing_in_one_step(demo, demo_client):
    """Replayed: the programme office ticks "This decision has been taken: approve it now" on its own proposal,
    with "GB" typed as the finance officer's clearance. The money must not move."""
    pmo = demo_client("pmo")
    home = alloc("Home Care")
    pmo.post(
        reverse("finance:repurpose", args=[TF]),
        repurposing_form(**{"decision-approve_now": "on", "decision-finance_clearance": "GB"}),
    )
    decision = Decision.objects.get(title="Winter pressures virement")
    assert decision.status == DecisionStatus.PROPOSED and decision.approved_by is None
    assert decision.finance_cleared_by is None  # typed initials are not a clearance
    assert balance(home) == D("4390000")
    # The proposer's own approval is refused, with words, even after a real clearance.
    _clear(demo_client("finance"), decision)
    page = text(_approve(demo_client("pmo"), decision))
    assert "You proposed this decision" in page
    decision.refresh_from_db()
    assert decision.status == DecisionStatus.PROPOSED and balance(home) == D("4390000")


def test_attack_typed_initials_do_not_count_as_finance_clearance(demo, demo_client):
    """Replayed: "finance officer clearance" was free text; now only a finance officer's action counts."""
    demo_client("pmo").post(
        reverse("finance:repurpose", args=[TF]), repurposing_form(**{"decision-finance_clearance": "GB"})
    )
    decision = Decision.objects.get(title="Winter pressures virement")
    page = text(_approve(demo_client("finance"), decision))
    assert "A finance officer must give clearance" in page
    decision.refresh_from_db()
    assert decision.status == DecisionStatus.PROPOSED


def test_finance_officer_clears_then_a_different_person_approves(demo, demo_client):
    demo_client("pmo").post(reverse("finance:repurpose", args=[TF]), repurposing_form())
    decision = Decision.objects.get(title="Winter pressures virement")
    pmo, finance = User.objects.get(username="pmo"), User.objects.get(username="finance")
    assert decision.recorded_by == pmo
    page = text(demo_client("finance").get(reverse("finance:decision", args=[decision.pk])))
    assert "Give finance clearance" in page and "Proposed by Programme Office" in page
    _clear(demo_client("finance"), decision)
    decision.refresh_from_db()
    assert decision.finance_cleared_by == finance and decision.finance_cleared_at is not None
    record = decision.history.first()
    assert record.history_user == finance and record.history_change_reason == "Finance clearance given"
    _approve(demo_client("finance"), decision)
    decision.refresh_from_db()
    assert decision.status == DecisionStatus.APPROVED and decision.approved_by == finance
    assert balance(alloc("Home Care")) == D("4240000")
    page = text(demo_client("steering").get(reverse("finance:decision", args=[decision.pk])))
    assert "Finance officer clearance Finance Officer" in page and "Proposed by Programme Office" in page


def test_only_a_finance_officer_gives_clearance_and_never_on_their_own_proposal(demo, demo_client):
    demo_client("finance").post(reverse("finance:repurpose", args=[TF]), repurposing_form())
    decision = Decision.objects.get(title="Winter pressures virement")
    assert (
        demo_client("pmo").post(reverse("finance:decision_clear", args=[decision.pk]), {"version": 1}).status_code
        == 403
    )
    page = text(_clear(demo_client("finance"), decision))
    assert "You proposed this decision" in page
    decision.refresh_from_db()
    assert decision.finance_cleared_by is None
    # Another finance officer can clear it; then the programme office (not the proposer) approves.
    other = User.objects.create_user(username="finance2", first_name="Second", last_name="Officer")
    membership_grant(user=other, programme=decision.fund.programme, role=Role.FINANCE_OFFICER)
    services.decision_clear_finance(decision=decision, by=other)
    services.decision_approve(decision=decision, by=User.objects.get(username="pmo"))
    decision.refresh_from_db()
    assert decision.status == DecisionStatus.APPROVED


def test_a_superuser_cannot_approve_their_own_proposal(demo, client):
    boss = User.objects.create_superuser(username="boss", password="x")
    client.force_login(boss)
    client.post(reverse("finance:repurpose", args=[TF]), repurposing_form())
    decision = Decision.objects.get(title="Winter pressures virement")
    services.decision_clear_finance(decision=decision, by=User.objects.get(username="finance"))
    page = text(_approve(client, decision))
    assert "You proposed this decision" in page
    decision.refresh_from_db()
    assert decision.status == DecisionStatus.PROPOSED


def test_services_hold_the_duties_whoever_calls(demo):
    fund = alloc("Home Care").fund
    pmo, finance = User.objects.get(username="pmo"), User.objects.get(username="finance")
    decision = services.decision_record(fund=fund, title="T", body="Executive", decided_on=dt.date(2019, 11, 1), by=pmo)
    services.repurposing_propose(
        decision=decision,
        sources=[(alloc("Home Care"), D("10"))],
        destinations=[(alloc("Training"), D("10"))],
        reason="r",
        financial_year=FinancialYear.objects.get(start_year=2018),
        by=pmo,
    )
    with pytest.raises(ValidationError, match="finance officer"):
        services.decision_clear_finance(decision=decision, by=User.objects.get(username="steering"))
    with pytest.raises(ValidationError, match="named"):
        services.decision_approve(decision=decision, by=None)
    with pytest.raises(ValidationError, match="clearance"):
        services.decision_approve(decision=decision, by=finance)
    services.decision_clear_finance(decision=decision, by=finance)
    with pytest.raises(ValidationError, match="You proposed"):
        services.decision_approve(decision=decision, by=pmo)
    services.decision_approve(decision=decision, by=finance)


def test_changing_a_cleared_decision_withdraws_its_clearance(demo, demo_client):
    demo_client("pmo").post(reverse("finance:repurpose", args=[TF]), repurposing_form())
    decision = Decision.objects.get(title="Winter pressures virement")
    _clear(demo_client("finance"), decision)
    decision.refresh_from_db()
    services.decision_update(
        decision=decision,
        reference="EXE/2019/43",
        by=User.objects.get(username="pmo"),
        expected_version=decision.version,
    )
    decision.refresh_from_db()
    assert decision.finance_cleared_by is None and decision.finance_cleared_at is None
    assert "clearance withdrawn" in decision.history.first().history_change_reason


@pytest.mark.parametrize(
    "flags, refused",
    [
        ({}, True),
        ({"decision-key_decision": "on", "decision-notice_given": "on"}, True),  # no reference
        ({"decision-key_decision": "on", "decision-reference": "EXE/1"}, True),  # no 28-day notice
        ({"decision-key_decision": "on", "decision-notice_given": "on", "decision-reference": "EXE/1"}, False),
    ],
)
def test_a_decision_over_the_threshold_must_be_a_key_decision(demo, demo_client, settings, flags, refused):
    settings.KEY_DECISION_THRESHOLD = D("100000")
    form = repurposing_form()
    for key in ("decision-key_decision", "decision-notice_given", "decision-reference"):
        form.pop(key)
    demo_client("pmo").post(reverse("finance:repurpose", args=[TF]), form | flags)
    decision = Decision.objects.get(title="Winter pressures virement")
    _clear(demo_client("finance"), decision)
    page = text(_approve(demo_client("finance"), decision))
    decision.refresh_from_db()
    if refused:
        assert "more than £100,000.00" in page and "key decision" in page
        assert decision.status == DecisionStatus.PROPOSED
        preview = text(demo_client("finance").get(reverse("finance:decision", args=[decision.pk])))
        assert "Approval would be refused" in preview and "more than £100,000.00" in preview
    else:
        assert decision.status == DecisionStatus.APPROVED


def test_a_decision_under_the_threshold_needs_no_key_decision(demo, demo_client, settings):
    settings.KEY_DECISION_THRESHOLD = D("200000")
    form = repurposing_form()
    for key in ("decision-key_decision", "decision-notice_given", "decision-reference"):
        form.pop(key)
    demo_client("pmo").post(reverse("finance:repurpose", args=[TF]), form)
    decision = Decision.objects.get(title="Winter pressures virement")
    _clear(demo_client("finance"), decision)
    _approve(demo_client("finance"), decision)
    decision.refresh_from_db()
    assert decision.status == DecisionStatus.APPROVED


def test_the_demo_repurposing_has_a_proposer_a_different_approver_and_a_clearance(demo):
    decision = Decision.objects.get(fund__slug=TF, decided_on="2019-03-18")
    pmo, finance = User.objects.get(username="pmo"), User.objects.get(username="finance")
    assert decision.status == DecisionStatus.APPROVED
    assert decision.recorded_by == pmo and decision.approved_by == finance
    assert decision.finance_cleared_by == finance and decision.finance_cleared_at is not None
    # The paper's initials are kept as the record of what was printed, beside the clearance in the app.
    assert (decision.finance_clearance_note, decision.legal_clearance) == ("GB", "JLF")
    assert Role.FINANCE_OFFICER in {Role(g.name) for g in finance.groups.all()}


def test_adding_money_to_a_cleared_decision_withdraws_its_clearance(demo):
    pmo, finance = User.objects.get(username="pmo"), User.objects.get(username="finance")
    fund = alloc("Home Care").fund
    year = FinancialYear.objects.get(start_year=2018)
    decision = services.decision_record(fund=fund, title="T", body="Executive", decided_on=dt.date(2019, 11, 1), by=pmo)
    move = {"reason": "r", "financial_year": year, "by": pmo}
    services.repurposing_propose(
        decision=decision, sources=[(alloc("Home Care"), D("10"))], destinations=[(alloc("Training"), D("10"))], **move
    )
    services.decision_clear_finance(decision=decision, by=finance)
    services.repurposing_propose(
        decision=decision, sources=[(alloc("Home Care"), D("99"))], destinations=[(alloc("Training"), D("99"))], **move
    )
    decision.refresh_from_db()
    assert decision.finance_cleared_by is None
    assert "finance clearance withdrawn" in decision.history.first().history_change_reason
    with pytest.raises(ValidationError, match="clearance"):
        services.decision_approve(decision=decision, by=finance)
