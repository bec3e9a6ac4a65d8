"""Issue 21.6: the repurposing form's inputs say which amount they are, its year follows the decision's date and
offers only the fund's years, and an approved decision's page says what moved."""

import re

import pytest
from django.urls import reverse

from finance.models import Decision, DecisionStatus, FinancialYear
from tests.finance.test_duties import TF, _approve, _clear, repurposing_form, text

pytestmark = pytest.mark.django_db


def _labels(html: str) -> list[str]:
    return [
        re.sub(r"<[^>]+>|\s+", " ", label).strip() for label in re.findall(r"<label[^>]*>(.*?)</label>", html, re.S)
    ]


def test_every_amount_says_which_it_is_and_only_the_funds_years_are_offered(demo, demo_client):
    html = demo_client("pmo").get(reverse("finance:repurpose", args=[TF])).content.decode()
    amounts = [label for label in _labels(html) if label.startswith("Amount")]
    assert len(amounts) == 10 and len(set(amounts)) == 10, amounts
    assert "Amount from (1) (£)" in amounts[0] and "Amount to (5) (£)" in amounts[-1]
    year_select = html[
        html.index('name="financial_year"') : html.index("</select>", html.index('name="financial_year"'))
    ]
    offered = re.findall(r">(\d{4}/\d{2})", year_select)
    assert offered == ["2017/18", "2018/19", "2019/20", "2020/21"]  # the Transformation Fund's years, not 2016/17
    assert "selected" in year_select.split("</option>")[0]  # the first choice: the year of the date of decision


def test_the_year_follows_the_date_of_decision_when_not_chosen(demo, demo_client):
    form = repurposing_form(financial_year="", **{"decision-decided_on": "2019-11-20"})
    response = demo_client("pmo").post(reverse("finance:repurpose", args=[TF]), form)
    assert response.status_code == 302
    movement = Decision.objects.get(title="Winter pressures virement").movements.get()
    assert movement.financial_year == FinancialYear.objects.get(start_year=2019)


def test_a_date_of_decision_outside_the_funds_years_is_refused_in_words_with_nothing_saved(demo, demo_client):
    form = repurposing_form(financial_year="", **{"decision-decided_on": "2026-05-01"})
    response = demo_client("pmo").post(reverse("finance:repurpose", args=[TF]), form)
    assert response.status_code == 200
    assert "falls in 2026/27, which is not one of this fund" in text(response)
    assert not Decision.objects.filter(title="Winter pressures virement").exists()


def test_an_approved_decision_shows_what_it_moved(demo, demo_client):
    demo_client("pmo").post(reverse("finance:repurpose", args=[TF]), repurposing_form())
    decision = Decision.objects.get(title="Winter pressures virement")
    _clear(demo_client("finance"), decision)
    _approve(demo_client("finance"), decision)
    decision.refresh_from_db()
    assert decision.status == DecisionStatus.APPROVED
    page = text(demo_client("steering").get(reverse("finance:decision", args=[decision.pk])))
    effect = page[page.index("Effect on balances") : page.index("Movements")]
    assert "Moved by this decision" in effect
    assert "Home Care (£150,000.00) £4,240,000.00" in effect  # moved out (a bracket), then the balance now
    assert "Training £150,000.00 £720,000.00" in effect
