"""Helpers for money tests: approving a decision the way the app requires, by people other than its proposer."""

from accounts.roles import Role
from accounts.services import user_ensure
from finance import services


def finance_officer(username: str = "test-finance-officer"):
    """A finance officer who proposed nothing in the test (get or create)."""
    return user_ensure(username=username, first_name="Test", last_name="Finance Officer", roles=[Role.FINANCE_OFFICER])


def decision_clear_and_approve(decision, *, by=None, expected_version=None):
    """Give finance clearance (a finance officer who did not propose it), then approve (`by`, or that officer)."""
    officer = finance_officer()
    decision.refresh_from_db()
    if decision.finance_cleared_by_id is None:
        services.decision_clear_finance(decision=decision, by=officer, expected_version=expected_version)
        expected_version = None
    return services.decision_approve(decision=decision, by=by or officer, expected_version=expected_version)
