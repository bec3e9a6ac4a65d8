"""The metric figure filter writes numbers as Django's floatformat:-2 and intcomma would, only faster."""

from decimal import Decimal

import pytest
from django.contrib.humanize.templatetags.humanize import intcomma
from django.template.defaultfilters import floatformat
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from metrics.models import Unit
from metrics.templatetags.metric_tags import figure

SAMPLES = ["1688.75", "1688.70", "1688", "1688.00", "0.005", "-1234567.125", "79.4", "0", "-0", "-0.004", "0.001"]


@pytest.mark.parametrize("text", SAMPLES)
def test_figure_reads_as_floatformat_and_intcomma(text):
    with translation.override("en-gb"):
        assert figure(Decimal(text)) == intcomma(floatformat(Decimal(text), -2))


@given(st.decimals(min_value=-(10**12), max_value=10**12, places=4, allow_nan=False, allow_infinity=False))
def test_figure_agrees_with_django_for_any_amount(value):
    with translation.override("en-gb"):
        assert figure(value) == intcomma(floatformat(value, -2))


def test_figure_of_a_percentage_and_of_nothing():
    assert (figure(Decimal("79.40"), Unit.PERCENT), figure(None), figure("")) == ("79.40%", "—", "—")
