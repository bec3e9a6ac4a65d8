"""Financial-year quarters as NHS England returns name them: "2015-16-Q1" is April to June 2015."""

import datetime as dt
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError

_CODE = re.compile(r"(\d{4})-(\d{2})-Q([1-4])")


@dataclass(frozen=True, order=True)
class Quarter:
    start_year: int  # 2015 for 2015/16
    number: int  # 1 = April–June … 4 = January–March

    @property
    def code(self) -> str:
        return f"{financial_year_label(self.start_year, '-')}-Q{self.number}"

    @property
    def year_label(self) -> str:
        return financial_year_label(self.start_year)

    @property
    def label(self) -> str:
        return f"{self.year_label} Q{self.number}"

    @property
    def starts_on(self) -> dt.date:
        month = 4 + 3 * (self.number - 1)
        return dt.date(self.start_year + (month > 12), (month - 1) % 12 + 1, 1)

    @property
    def ends_on(self) -> dt.date:
        return self.next().starts_on - dt.timedelta(days=1)

    @property
    def months(self) -> str:
        return f"{self.starts_on:%B} to {self.ends_on:%B %Y}"

    def next(self) -> "Quarter":
        return Quarter(self.start_year + (self.number == 4), self.number % 4 + 1)

    def previous(self) -> "Quarter":
        return Quarter(self.start_year - (self.number == 1), (self.number - 2) % 4 + 1)

    def __str__(self) -> str:
        return self.code


def quarter_parse(code, *, field: str = "quarter") -> Quarter:
    """A quarter code such as 2015-16-Q1, or a refusal that shows how to write one."""
    text = str(code or "").strip()
    match = _CODE.fullmatch(text)
    if match:
        year, end = int(match.group(1)), int(match.group(2))
        if end == (year + 1) % 100:
            return Quarter(year, int(match.group(3)))
    shown = f"“{text}”" if text else "A blank quarter"
    raise ValidationError({field: f"{shown} is not a quarter: write it like 2015-16-Q1 (April to June 2015)."})


def financial_year_label(start_year: int, sep: str = "/") -> str:
    """A financial year as the papers write it, from its start year: 2025/26 (or 2025-26 in codes and files)."""
    return f"{start_year}{sep}{(start_year + 1) % 100:02d}"


def financial_year_of(day: dt.date) -> int:
    """The start year of the financial year (April to March) a date falls in: 2025 for any day of 2025/26."""
    return day.year if day.month >= 4 else day.year - 1


def quarter_of(day: dt.date) -> Quarter:
    """The quarter a date falls in."""
    return Quarter(financial_year_of(day), (day.month - 4) % 12 // 3 + 1)


def quarters_between(first: dt.date, last: dt.date) -> list[Quarter]:
    """Every quarter that overlaps first..last, oldest first."""
    quarters, quarter = [], quarter_of(first)
    while quarter.starts_on <= last:
        quarters.append(quarter)
        quarter = quarter.next()
    return quarters
