"""A programme's policy year: the start year of the financial year its plan is for; none is borrowed."""

import datetime as dt

import pytest

import policy
from schemes.selectors import policy_year_for_programme
from tests.factories.schemes import ProgrammeFactory


@pytest.mark.parametrize(
    ("start", "year"),
    [
        (dt.date(2015, 4, 1), 2015),
        (dt.date(2016, 3, 31), 2015),  # March is the end of the financial year that began the April before
        (dt.date(2016, 7, 1), 2016),
        (dt.date(2025, 4, 1), 2025),
    ],
)
def test_a_programme_follows_the_policy_year_it_starts_in(db, start, year):
    programme = ProgrammeFactory(start_date=start, end_date=start + dt.timedelta(days=300))
    assert policy_year_for_programme(programme) is policy.year_for(year)


def test_a_year_the_app_does_not_know_is_none(db):
    programme = ProgrammeFactory(start_date=dt.date(2024, 4, 1), end_date=dt.date(2025, 3, 31))
    assert policy_year_for_programme(programme) is None
