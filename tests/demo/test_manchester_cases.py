"""The Manchester demo (seed 002): the four pilots' cases reproduce the paper's net table by computation."""

from decimal import Decimal

import pytest

from cases.models import BusinessCase, InvestmentLine
from cases.selectors import programme_net_table
from schemes.models import Programme

pytestmark = pytest.mark.django_db

# Seed 002 §3.0, "Net financial impacts from Intermediate care scale up", £k, net cost in brackets.
PAPER = {
    "IC1": ["(61)", "466", "466"],
    "IC2": ["(106)", "277", "277"],
    "IC3": ["(63)", "12", "12"],
    "IC4": ["(103)", "0", "0"],
}
PAPER_TOTAL = ["(333)", "755", "755"]


def test_the_net_table_is_reproduced_by_computation(demo):
    programme = Programme.objects.get(slug="manchester-cicb-2012")
    table = programme_net_table(programme=programme)
    assert table.year_labels == ["12/13", "13/14", "14/15"]
    shown = {row.case.scheme.ref: [row.k(y) for y in table.years] for row in table.rows}
    assert shown == PAPER
    assert [table.total.k(y) for y in table.years] == PAPER_TOTAL
    # The total is the sum of the cases' exact figures, not of the rounded ones.
    assert table.total.by_year[2012] == sum(row.by_year[2012] for row in table.rows)


def test_the_figures_follow_the_inputs(demo):
    """Nothing is typed: a changed input changes the table (the line is changed in place, as a sanity check)."""
    programme = Programme.objects.get(slug="manchester-cicb-2012")
    InvestmentLine.objects.filter(scenario__case__scheme__ref="IC1", kind="recurrent").update(amount=Decimal("110000"))
    table = programme_net_table(programme=programme)
    chc = next(row for row in table.rows if row.case.scheme.ref == "IC1")
    assert [chc.k(y) for y in table.years] == ["(64)", "460", "460"]


def test_inferred_inputs_say_so(demo):
    cases = {c.scheme.ref: c for c in BusinessCase.objects.filter(programme__slug="manchester-cicb-2012")}
    copd = cases["IC2"].scenarios.get(is_baseline=True)
    assert "gives only the total £460,364" in copd.benefits.get().reason
    assert "gives only the net" in copd.investments.get(kind="one_off").reason
    eol = cases["IC3"].scenarios.get(is_baseline=True)
    assert any("gives only the totals" in line.reason for line in eol.benefits.all())
    assert all(case.status == "full" and case.decision is None for case in cases.values())
    chc_scenarios = [s.name for s in cases["IC1"].scenarios.all()]
    assert chc_scenarios == ["Baseline", "15-day process (as in Stockport)"]
    assert cases["IC1"].risks.count() == 5 and cases["IC2"].risks.count() == 4
