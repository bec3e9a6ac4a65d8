"""Return templates by financial year. A year uses its own template, or the latest earlier one until NHS England
publishes a new shape: add a module here (copy the last one and change what changed) and list it below."""

from returns.years import y2015_16, y2016_17
from returns.years.spec import ReturnTemplate

TEMPLATES: dict[int, ReturnTemplate] = {t.start_year: t for t in (y2015_16.TEMPLATE, y2016_17.TEMPLATE)}


def template_for(start_year: int) -> ReturnTemplate | None:
    """The template for a financial year (2015 for 2015/16): its own, else the latest earlier one, else None."""
    years = [year for year in TEMPLATES if year <= start_year]
    return TEMPLATES[max(years)] if years else None
