"""Better Care Fund policy years as data (see policy/spec.py). To add a year: copy the latest module in
policy/years/, change what the published framework changed, list it in YEARS below, and add its test."""

from policy.spec import PolicyYear
from policy.years import y2015_16, y2016_17, y2025_26

YEARS: dict[int, PolicyYear] = {year.start_year: year for year in (y2015_16.YEAR, y2016_17.YEAR, y2025_26.YEAR)}


def year_for(start_year: int) -> PolicyYear | None:
    """The policy year starting in `start_year` (2025 for 2025/26), or None: a year is never borrowed from another."""
    return YEARS.get(start_year)
