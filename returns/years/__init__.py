"""Which return template a quarter uses: its policy year's (policy/years/, where each year declares its return
beside its national conditions and metrics). A year without one has no return: never another year's."""

import policy
from core.quarters import financial_year_label
from policy.returns import ReturnTemplate


def template_for(start_year: int, quarter: int = 1) -> ReturnTemplate | None:
    """The template for quarter 1–4 of the financial year starting in `start_year` (2015 for 2015/16), or None."""
    year = policy.year_for(start_year)
    return year.return_template(quarter) if year is not None else None


def supported_years() -> list[str]:
    """The years that have a return, as people write them: 2015/16, …"""
    return [year.label for year in policy.YEARS.values() if year.returns]


def no_template_message(start_year: int) -> str:
    label = financial_year_label(start_year)
    return (
        f"There is no NHS England return template for {label}: returns are supported for "
        f"{', '.join(supported_years())}. A year is added as its policy module (see README, Quarterly return)."
    )
