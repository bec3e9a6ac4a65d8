"""Writes for metrics and KPIs: definitions, plans per period and actuals. Every change is audited."""

import calendar
import datetime as dt
import re
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

import policy
from core.exceptions import StaleEdit
from core.quarters import financial_year_label
from core.services import audited_save, bump_version, check_version
from metrics.models import Frequency, Metric, MetricValue, Unit, period_label
from policy.spec import MetricDefinition

MAX_VALUE = Decimal("999999999999")
# Row locks use .order_by(): the models' default ordering joins the nullable scheme, and PostgreSQL refuses
# FOR UPDATE on the nullable side of an outer join.
MONTHS = {name.casefold(): number for number, name in enumerate(calendar.month_abbr) if name}
MONTHS |= {name.casefold(): number for number, name in enumerate(calendar.month_name) if name}

METRIC_FIELDS = (
    "name",
    "description",
    "unit",
    "direction",
    "frequency",
    "source",
    "baseline_label",
    "baseline_value",
    "target_note",
    "tolerance_percent",
    "is_demo",
    "order",
)


def figure(value, *, metric: Metric | None = None, unit: str | None = None, field: str = "actual", label="Actual"):
    """A metric figure as a Decimal with at most two decimal places, or a clear refusal naming the field.

    Percentages must lie between 0 and 100; no unit here can go below zero (they are counts, rates and shares).
    """
    unit = unit or (metric.unit if metric else Unit.COUNT)
    if isinstance(value, bool):
        raise ValidationError({field: f"{label} must be a number."})
    if isinstance(value, float):
        value = repr(value)
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).replace(",", "").replace("%", "").strip())
    except (InvalidOperation, ValueError):
        raise ValidationError({field: f"{label} must be a number, e.g. 1250 or 87.5; got “{value}”."}) from None
    if not number.is_finite():
        raise ValidationError({field: f"{label} must be a number."})
    if number < 0:
        raise ValidationError({field: f"{label} cannot be negative."})
    if unit == Unit.PERCENT and number > 100:
        raise ValidationError({field: f"{label} is a percentage: it cannot be more than 100 (got {number})."})
    if abs(number) > MAX_VALUE:
        raise ValidationError({field: f"{label} is too large."})
    if number != number.quantize(Decimal("0.01")):
        raise ValidationError({field: f"{label} can have at most two decimal places."})
    return number.quantize(Decimal("0.01"))


def period_check(start: dt.date, frequency: str, *, field: str = "period") -> dt.date:
    """Refuse a period start that is not the first day of a month, quarter (Apr/Jul/Oct/Jan) or year (April)."""
    if not isinstance(start, dt.date):
        raise ValidationError({field: "Give the period, e.g. May 2015, 2015/16 Q1 or 2015/16."})
    if start.day != 1:
        raise ValidationError({field: f"A period starts on the 1st of the month, not {start:%d/%m/%Y}."})
    if frequency == Frequency.QUARTERLY and start.month not in (4, 7, 10, 1):
        raise ValidationError({field: "A quarter starts in April, July, October or January."})
    if frequency == Frequency.ANNUAL and start.month != 4:
        raise ValidationError({field: "A financial year starts in April."})
    return start


def period_parse(value, frequency: str, *, field: str = "period") -> dt.date:
    """A period as people write it: May 2015, 2015-05, 05/2015, 01/05/2015, 2015/16 Q1, 2015-16-Q1, 2015/16."""
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return period_check(value, frequency, field=field)
    text = re.sub(r"\s+", " ", str(value or "")).strip()
    start = None
    if match := re.fullmatch(r"(\d{4})\s*[/-]\s*(\d{2}|\d{4})\s*[- ]?\s*Q([1-4])", text, re.IGNORECASE):
        year, end, quarter = int(match.group(1)), int(match.group(2)), int(match.group(3))
        if end in ((year + 1) % 100, year + 1):
            month = 4 + 3 * (quarter - 1)
            start = dt.date(year + (month > 12), (month - 1) % 12 + 1, 1)
    elif match := re.fullmatch(r"(\d{4})\s*[/-]\s*(\d{2}|\d{4})", text):
        year, end = int(match.group(1)), int(match.group(2))
        if frequency == Frequency.ANNUAL and end in ((year + 1) % 100, year + 1):
            start = dt.date(year, 4, 1)  # 2015/16
        elif len(match.group(2)) == 2 and 1 <= end <= 12:
            start = dt.date(year, end, 1)  # 2015-05
    elif match := re.fullmatch(r"([A-Za-z]+)\.? (\d{4})", text):
        named_month = MONTHS.get(match.group(1).casefold())
        if named_month:
            start = dt.date(int(match.group(2)), named_month, 1)
    elif match := re.fullmatch(r"(?:(\d{1,2})/)?(\d{1,2})/(\d{4})", text):
        day, month, year = int(match.group(1) or 1), int(match.group(2)), int(match.group(3))
        try:
            start = dt.date(year, month, day)
        except ValueError:
            start = None
    elif match := re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", text):
        try:
            start = dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        except ValueError:
            start = None
    if start is None:
        shown = f"“{text}”" if text else "A blank period"
        raise ValidationError({field: f"{shown} is not a period: write it like May 2015, 2015/16 Q1 or 2015/16."})
    return period_check(start, frequency, field=field)


def periods_from(first: dt.date, count: int, frequency: str) -> list[dt.date]:
    """`count` consecutive periods starting at `first`."""
    step = {Frequency.MONTHLY: 1, Frequency.QUARTERLY: 3, Frequency.ANNUAL: 12}[Frequency(frequency)]
    starts = []
    for index in range(count):
        months = first.month - 1 + index * step
        starts.append(dt.date(first.year + months // 12, months % 12 + 1, 1))
    return starts


def _clean_metric(metric: Metric) -> None:
    if metric.scheme is not None and metric.scheme.programme_id != metric.programme_id:
        raise ValidationError({"scheme": "A KPI belongs to a scheme of the same programme."})
    if metric.baseline_value is not None:
        metric.baseline_value = figure(metric.baseline_value, metric=metric, field="baseline_value", label="Baseline")
    if metric.is_headline and metric.tolerance_percent:
        # The on-track rule for headline metrics has no tolerance (metrics.selectors states the rule).
        raise ValidationError({"tolerance_percent": "A headline metric is on track only at or better than plan."})


@transaction.atomic
def metric_create(*, programme, code: str, name: str, scheme=None, by=None, **fields) -> Metric:
    # A headline metric's year and per are set once, here (headline_metric_setup); they never change after.
    unknown = set(fields) - set(METRIC_FIELDS) - {"headline_year", "per"}
    if unknown:
        raise TypeError(f"Unknown metric fields: {', '.join(sorted(unknown))}")
    metric = Metric(programme=programme, scheme=scheme, code=code, name=name, **fields)
    _clean_metric(metric)
    if Metric.objects.filter(programme=programme, code=code).exists():
        raise ValidationError({"code": f"{programme} already has a metric with the code “{code}”."})
    return audited_save(metric, by=by, reason="Metric defined")


@transaction.atomic
def metric_update(*, metric: Metric, by=None, expected_version: int | None = None, **fields) -> Metric:
    unknown = set(fields) - set(METRIC_FIELDS)
    if unknown:
        raise TypeError(f"Unknown metric fields: {', '.join(sorted(unknown))}")
    locked = Metric.objects.select_for_update().order_by().get(pk=metric.pk)
    check_version(locked, expected_version)
    for name, value in fields.items():
        setattr(locked, name, value)
    _clean_metric(locked)
    if "frequency" in fields and locked.values.exists() and fields["frequency"] != metric.frequency:
        raise ValidationError({"frequency": "The frequency cannot change once the metric has planned periods."})
    bump_version(locked)
    return audited_save(locked, by=by, reason="Metric changed")


@transaction.atomic
def plan_set(*, metric: Metric, period_start, plan, by=None, expected_version: int | None = None) -> MetricValue:
    """Set (or change) the plan for one period; this is what defines the period for actuals."""
    start = headline_period_check(metric, period_parse(period_start, metric.frequency))
    amount = figure(plan, metric=metric, field="plan", label="Plan")
    value = MetricValue.objects.select_for_update().filter(metric=metric, period_start=start).order_by().first()
    if value is None:
        value = MetricValue(metric=metric, period_start=start, plan=amount)
        return audited_save(value, by=by, reason="Plan set")
    check_version(value, expected_version)
    if value.plan == amount:
        return value
    value.plan = amount
    bump_version(value)
    return audited_save(value, by=by, reason="Plan changed")


@transaction.atomic
def plans_from_baseline(
    *, metric: Metric, first_period, periods: int, per_period: Decimal, change_percent: Decimal, by=None
) -> list[MetricValue]:
    """A plan per period from a baseline per period and a change, e.g. 3.5% fewer admissions than 2014/15."""
    start = period_parse(first_period, metric.frequency, field="first_period")
    if not 1 <= int(periods) <= 120:
        raise ValidationError({"periods": "Plan between 1 and 120 periods at a time."})
    base = figure(per_period, metric=metric, field="per_period", label="Baseline per period")
    change = Decimal(str(change_percent))
    if not -100 <= change <= 1000:
        raise ValidationError({"change_percent": "The change must be between -100% and +1000%."})
    plan = (base * (1 + change / 100)).quantize(Decimal("0.01"))
    return [
        plan_set(metric=metric, period_start=s, plan=plan, by=by)
        for s in periods_from(start, int(periods), metric.frequency)
    ]


@transaction.atomic
def actual_record(
    *, metric: Metric, period_start, actual, note: str = "", by=None, expected_version: int | None = None
) -> MetricValue:
    """Record (or correct) the actual for a planned period. A blank actual clears it; the note says why.

    A headline metric's actual is computed from its numerator and denominator: headline_actual_record.
    """
    if metric.is_headline:
        raise ValidationError(
            {"actual": f"{metric.name} is computed from its numerator and denominator: enter those, not the rate."}
        )
    start = period_parse(period_start, metric.frequency)
    value = MetricValue.objects.select_for_update().filter(metric=metric, period_start=start).order_by().first()
    if value is None:
        raise ValidationError(
            {
                "period": f"{metric.name} has no plan for {period_label(start, metric.frequency)}: "
                "the programme office sets the plan for a period before actuals can be recorded."
            }
        )
    check_version(value, expected_version)
    amount = None if actual in (None, "") else figure(actual, metric=metric)
    note = (note or "").strip()
    if value.actual == amount and value.note == note:
        return value
    value.actual, value.note = amount, note
    value.recorded_by = by
    value.recorded_at = timezone.now()
    bump_version(value)
    return audited_save(value, by=by, reason="Actual recorded" if amount is not None else "Actual cleared")


# --- Headline metrics (the BCF policy year's, e.g. 2025/26's three) ---------------------------------------------

# How policy/spec.py names a planning frequency and a unit, and what they are here.
HEADLINE_FREQUENCIES = {"quarter": Frequency.QUARTERLY, "month": Frequency.MONTHLY}
HEADLINE_UNITS = {"rate": Unit.RATE, "days": Unit.DAYS, "percent": Unit.PERCENT, "count": Unit.COUNT}


def headline_definition(metric: Metric) -> MetricDefinition | None:
    """The policy year's definition a headline metric follows (None for any other metric)."""
    if metric.headline_year is None:
        return None
    year = policy.year_for(metric.headline_year)
    return year.metric(metric.code) if year else None


def headline_periods(start_year: int, frequency: str) -> list[dt.date]:
    """The periods of a financial year: 4 quarters or 12 months from April."""
    count = {Frequency.QUARTERLY: 4, Frequency.MONTHLY: 12}[Frequency(frequency)]
    return periods_from(dt.date(start_year, 4, 1), count, frequency)


def headline_period_check(metric: Metric, start: dt.date) -> dt.date:
    """A headline metric is planned and reported within its policy year only (April to March)."""
    if metric.headline_year is not None:
        first, after = dt.date(metric.headline_year, 4, 1), dt.date(metric.headline_year + 1, 4, 1)
        if not first <= start < after:
            year = financial_year_label(metric.headline_year)
            raise ValidationError(
                {
                    "period": f"{period_label(start, metric.frequency)} is outside {year}: {metric.name} is a "
                    f"{year} headline metric, planned and reported from April {first.year} to March {after.year}."
                }
            )
    return start


def headline_rate(*, numerator: Decimal, denominator: Decimal, per: int) -> Decimal:
    """numerator ÷ denominator × per, to two decimal places (half up), e.g. 412 admissions ÷ 41,200 aged 65+ ×
    100,000 = 1,000.00 per 100,000. The caller has refused a zero denominator."""
    return (numerator / denominator * per).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@transaction.atomic
def headline_metric_setup(
    *,
    programme,
    start_year: int,
    code: str,
    frequency: str,
    plans: Sequence | None = None,
    by=None,
    expected_versions: Sequence[int] | None = None,
) -> Metric:
    """Give a programme one of its policy year's headline metrics, planned by quarter or by month as the definition
    allows, with `plans` (one figure per period of the year, from April) when given. All or nothing.

    `expected_versions`: the versions of the periods' plans the form showed (0 for one not planned then); a plan
    changed by someone else since is refused (StaleEdit)."""
    year = policy.year_for(start_year)
    if year is None or not year.headline_metrics:
        raise ValidationError({"code": f"{financial_year_label(start_year)} has no headline metrics in this product."})
    definition = year.metric(code)
    if definition is None:
        known = ", ".join(m.code for m in year.headline_metrics)
        raise ValidationError({"code": f"“{code}” is not a {year.label} headline metric (they are: {known})."})
    allowed = [HEADLINE_FREQUENCIES[f] for f in definition.frequencies]
    if frequency not in allowed:
        words = " or ".join(Frequency(f).label.lower() for f in allowed)
        raise ValidationError({"frequency": f"{definition.name} is planned {words} in {year.label}, not {frequency}."})
    metric = Metric.objects.filter(programme=programme, code=code).order_by().first()
    if metric is None:
        order = list(year.headline_metrics).index(definition)
        metric = metric_create(
            programme=programme,
            code=code,
            name=definition.name,
            description=definition.definition,
            unit=HEADLINE_UNITS.get(definition.unit, Unit.COUNT),
            direction="lower" if definition.lower_is_better else "higher",
            frequency=frequency,
            source=definition.source,
            order=order,
            headline_year=start_year,
            per=definition.per,
            by=by,
        )
    elif metric.headline_year != start_year:
        raise ValidationError({"code": f"{programme} already has a metric “{code}” that is not this headline metric."})
    elif metric.frequency != frequency:
        metric = metric_update(metric=metric, frequency=frequency, by=by)  # refused once it has planned periods
    if plans is not None:
        periods = headline_periods(start_year, frequency)
        if len(plans) != len(periods):
            raise ValidationError(
                {
                    "plans": f"Give {len(periods)} {Frequency(frequency).label.lower()} plan figures for {year.label}, "
                    f"April to March; got {len(plans)}."
                }
            )
        versions: list[int | None] = [None] * len(periods)
        if expected_versions is not None:
            versions = list(expected_versions)
            current = dict(metric.values.values_list("period_start", "version"))
            if len(versions) != len(periods) or any(
                current.get(start, 0) != version for start, version in zip(periods, versions, strict=True)
            ):
                raise StaleEdit("Not saved: the plan changed after you opened it. Open it again and re-enter yours.")
        for start, plan, version in zip(periods, plans, versions, strict=True):
            try:
                plan_set(metric=metric, period_start=start, plan=plan, by=by, expected_version=version or None)
            except ValidationError as exc:
                where = period_label(start, frequency)
                raise ValidationError({"plans": [f"{where}: {m}" for m in exc.messages]}) from None
    return metric


@transaction.atomic
def headline_actual_record(
    *,
    metric: Metric,
    period_start,
    numerator,
    denominator,
    note: str = "",
    by=None,
    expected_version: int | None = None,
) -> MetricValue:
    """Record (or correct) a headline metric's figures for a planned period: the actual is numerator ÷ denominator ×
    per. Both blank clears the actual. A zero denominator, a negative figure or a period outside the year is refused
    and nothing is saved."""
    if not metric.is_headline:
        raise ValidationError({"numerator": f"{metric.name} is not a headline metric: record its actual directly."})
    start = headline_period_check(metric, period_parse(period_start, metric.frequency))
    definition = headline_definition(metric)
    blank = {numerator in (None, ""), denominator in (None, "")}
    if blank == {True, False}:
        raise ValidationError(
            {
                "denominator"
                if denominator in (None, "")
                else "numerator": "Give both the numerator and the denominator."
            }
        )
    num = den = actual = None
    if blank == {False}:
        num_label = f"Numerator ({definition.numerator})" if definition else "Numerator"
        den_label = (
            f"Denominator ({definition.denominator})" if definition and definition.denominator else "Denominator"
        )
        num = figure(numerator, unit=Unit.COUNT, field="numerator", label=num_label)
        den = figure(denominator, unit=Unit.COUNT, field="denominator", label=den_label)
        if den == 0:
            raise ValidationError({"denominator": f"{den_label} is zero: the actual cannot be computed from it."})
        actual = headline_rate(numerator=num, denominator=den, per=metric.per)
        if actual > MAX_VALUE:
            raise ValidationError({"numerator": "The computed actual is too large: check the figures."})
    value = MetricValue.objects.select_for_update().filter(metric=metric, period_start=start).order_by().first()
    if value is None:
        raise ValidationError(
            {
                "period": f"{metric.name} has no plan for {period_label(start, metric.frequency)}: "
                "the programme office sets the plan for a period before actuals can be recorded."
            }
        )
    check_version(value, expected_version)
    note = (note or "").strip()
    if (value.numerator, value.denominator, value.actual, value.note) == (num, den, actual, note):
        return value
    value.numerator, value.denominator, value.actual, value.note = num, den, actual, note
    value.recorded_by = by
    value.recorded_at = timezone.now()
    bump_version(value)
    return audited_save(value, by=by, reason="Actual recorded" if actual is not None else "Actual cleared")


# An invented but plausible year for the 2025/26 demo: per-period plans and (numerator, denominator) actuals.
# Emergency admissions 65+ run at about 5,800 a quarter per 100,000 aged 65+ in England (monthly about 1,950);
# discharge delay about 1 day on average; care home admissions 65+ about 140 a quarter per 100,000 aged 65+.
_DEMO_POPULATION_65 = Decimal("48250")
_DEMO: dict[str, dict] = {
    "emergency_admissions_65": {
        "frequency": Frequency.MONTHLY,
        "plans": ["1990", "1985", "1960", "1955", "1950", "1945", "2060", "2080", "2040", "1990", "1900", "1950"],
        "numerators": [962, 948, 941, 950, 931, 958, 1012, 996, 1001, 952, 905, 930],
    },
    "discharge_delay": {
        "frequency": Frequency.QUARTERLY,
        "plans": ["1.10", "1.05", "1.10", "1.00"],
        "numerators": [1386, 1292, 1425, 1210],  # days of delay
        "denominators": [1320, 1240, 1275, 1230],  # patients discharged
    },
    "care_home_admissions_65": {
        "frequency": Frequency.QUARTERLY,
        "plans": ["145", "140", "140", "135"],
        "numerators": [71, 66, 70, 64],
    },
}


@transaction.atomic
def load_headline_demo(programme, start_year: int, *, by=None) -> list[Metric]:
    """Give a (demo) programme its year's headline metrics with a plan and a year of invented, plausible actuals.

    Only the 2025/26 figures are written here; another year's metrics are set up without figures. Running it twice
    changes nothing. The metrics are marked as demo figures.
    """
    year = policy.year_for(start_year)
    if year is None or not year.headline_metrics:
        raise ValidationError({"code": f"{financial_year_label(start_year)} has no headline metrics in this product."})
    metrics = []
    for definition in year.headline_metrics:
        demo = _DEMO.get(definition.code) if start_year == 2025 else None
        frequency = demo["frequency"] if demo else HEADLINE_FREQUENCIES[definition.frequencies[0]]
        metric = headline_metric_setup(
            programme=programme,
            start_year=start_year,
            code=definition.code,
            frequency=frequency,
            plans=demo["plans"] if demo else None,
            by=by,
        )
        if not metric.is_demo:
            metric = metric_update(metric=metric, is_demo=True, by=by)
        if demo:
            periods = headline_periods(start_year, frequency)
            denominators = demo.get("denominators") or [_DEMO_POPULATION_65] * len(periods)
            for start, num, den in zip(periods, demo["numerators"], denominators, strict=True):
                headline_actual_record(
                    metric=metric,
                    period_start=start,
                    numerator=Decimal(num),
                    denominator=Decimal(den),
                    note="Illustrative figure (invented for the demo).",
                    by=by,
                )
        metrics.append(metric)
    return metrics
