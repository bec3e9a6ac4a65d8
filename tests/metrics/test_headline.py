"""Headline metrics of a BCF policy year (issue 18 §3): set up from the year's definitions, planned by quarter or
month as the definition allows, actuals computed from numerator and denominator, on track / not / no data."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from core.exceptions import StaleEdit
from metrics import selectors, services
from metrics.models import Frequency, Metric, MetricValue
from policy import year_for
from tests.factories.schemes import ProgrammeFactory

D = Decimal
ADMISSIONS, DELAY, CARE_HOMES = "emergency_admissions_65", "discharge_delay", "care_home_admissions_65"


@pytest.fixture
def programme(db):
    return ProgrammeFactory(slug="northdale-test", start_date=dt.date(2025, 4, 1), end_date=dt.date(2026, 3, 31))


def _setup(programme, code=ADMISSIONS, frequency=Frequency.QUARTERLY, plans=("5800", "5700", "6000", "5900")):
    return services.headline_metric_setup(
        programme=programme, start_year=2025, code=code, frequency=frequency, plans=list(plans)
    )


def _state():
    return sorted(
        MetricValue.objects.values_list("pk", "plan", "actual", "numerator", "denominator", "note", "version")
    ), Metric.objects.count()


def test_a_rate_is_numerator_over_denominator_times_per(programme):
    metric = _setup(programme)
    assert metric.per == 100_000 and metric.unit == "rate" and metric.is_headline
    value = services.headline_actual_record(
        metric=metric, period_start="2025/26 Q1", numerator="2,790", denominator="48,250"
    )
    # 2,790 ÷ 48,250 × 100,000 = 5,782.383… → 5,782.38
    assert value.actual == D("5782.38")
    assert (value.numerator, value.denominator) == (D("2790.00"), D("48250.00"))
    assert value.history.count() == 2  # plan set, then the actual: audited


def test_discharge_delay_is_total_days_over_patients(programme):
    metric = _setup(programme, code=DELAY, plans=("1.10", "1.05", "1.10", "1.00"))
    assert metric.per == 1 and metric.unit == "days"
    value = services.headline_actual_record(metric=metric, period_start="2025/26 Q2", numerator=1292, denominator=1240)
    assert value.actual == D("1.04")  # 1,292 days ÷ 1,240 patients


@pytest.mark.parametrize(
    ("plan", "numerator", "expected"),
    [
        ("5800", "2798.50", "on track"),  # exactly plan (2,798.5 ÷ 48,250 × 100,000 = 5,800.00)
        ("5800", "2700", "on track"),  # 5,595.85: below plan, lower is better
        ("5800", "2800", "not on track"),  # 5,803.11: above plan
    ],
)
def test_lower_is_better_is_on_track_at_or_below_plan(programme, plan, numerator, expected):
    metric = _setup(programme, plans=(plan, plan, plan, plan))
    services.headline_actual_record(metric=metric, period_start="2025/26 Q1", numerator=numerator, denominator=48250)
    (admissions,) = [
        p for p in selectors.headline_progress(programme, 2025, dt.date(2025, 6, 30)) if p.code == ADMISSIONS
    ]
    assert admissions.status == expected
    assert admissions.latest.label == "2025/26 Q1"


@pytest.mark.parametrize(("numerator", "expected"), [("50", "on track"), ("49", "not on track"), ("51", "on track")])
def test_higher_is_better_is_on_track_at_or_above_plan(programme, numerator, expected):
    # No 2025/26 headline metric is higher-is-better, so turn one round: the rule is the metric's direction.
    metric = _setup(programme, code=DELAY, plans=("50", "50", "50", "50"))
    services.metric_update(metric=metric, direction="higher")
    services.headline_actual_record(metric=metric, period_start="2025/26 Q1", numerator=numerator, denominator=1)
    (delay,) = [p for p in selectors.headline_progress(programme, 2025, dt.date(2025, 6, 30)) if p.code == DELAY]
    assert delay.lower_is_better is False
    assert delay.status == expected


def test_no_actual_is_no_data_and_the_latest_actual_up_to_the_date_decides(programme):
    metric = _setup(programme)
    progress = {p.code: p for p in selectors.headline_progress(programme, 2025, dt.date(2026, 3, 31))}
    # One entry per metric of the year, even those not set up yet.
    assert list(progress) == [m.code for m in year_for(2025).metrics]
    assert progress[ADMISSIONS].status == "no data" and progress[ADMISSIONS].latest is None
    assert len(progress[ADMISSIONS].points) == 4 and progress[ADMISSIONS].points[0].planned == D("5800.00")
    assert progress[CARE_HOMES].status == "no data" and progress[CARE_HOMES].points == []
    services.headline_actual_record(metric=metric, period_start="2025/26 Q1", numerator=2900, denominator=48250)
    services.headline_actual_record(
        metric=metric, period_start="2025/26 Q2", numerator=2700, denominator=48250, note="Falls service helped"
    )
    as_q1 = {p.code: p for p in selectors.headline_progress(programme, 2025, dt.date(2025, 6, 30))}[ADMISSIONS]
    assert as_q1.status == "not on track" and as_q1.latest.actual == D("6010.36")
    assert as_q1.points[1].actual is None  # Q2's actual is after the date asked about
    as_q2 = {p.code: p for p in selectors.headline_progress(programme, 2025, dt.date(2025, 9, 30))}[ADMISSIONS]
    assert as_q2.status == "on track" and as_q2.latest.label == "2025/26 Q2"
    assert as_q2.latest.start == dt.date(2025, 7, 1) and as_q2.latest.end == dt.date(2025, 9, 30)
    assert as_q2.commentary == "Falls service helped"


def test_a_year_without_headline_metrics_has_none(programme):
    assert selectors.headline_progress(programme, 2015, dt.date(2016, 3, 31)) == []
    assert selectors.headline_year_of(ProgrammeFactory()) is None  # a 2015/16 programme
    assert selectors.headline_year_of(programme) == 2025


# --- Bad input: a clear message, nothing half-saved --------------------------------------------------------------


def test_a_zero_denominator_is_refused_and_nothing_is_saved(programme):
    metric = _setup(programme)
    services.headline_actual_record(metric=metric, period_start="2025/26 Q1", numerator=2800, denominator=48250)
    before = _state()
    with pytest.raises(ValidationError) as excinfo:
        services.headline_actual_record(metric=metric, period_start="2025/26 Q1", numerator=2800, denominator="0")
    assert "Population aged 65 and over" in " ".join(excinfo.value.messages)
    assert "is zero" in " ".join(excinfo.value.messages)
    assert _state() == before


@pytest.mark.parametrize(
    ("numerator", "denominator", "field"), [("-3", "48250", "numerator"), ("3", "-1", "denominator")]
)
def test_a_negative_figure_is_refused(programme, numerator, denominator, field):
    metric = _setup(programme)
    before = _state()
    with pytest.raises(ValidationError) as excinfo:
        services.headline_actual_record(
            metric=metric, period_start="2025/26 Q1", numerator=numerator, denominator=denominator
        )
    assert field in excinfo.value.message_dict
    assert "cannot be negative" in " ".join(excinfo.value.messages)
    assert _state() == before


def test_a_negative_plan_is_refused_and_the_whole_setup_is_undone(programme):
    before = _state()
    with pytest.raises(ValidationError) as excinfo:
        _setup(programme, plans=("5800", "5700", "-1", "5900"))
    assert "cannot be negative" in " ".join(excinfo.value.messages)
    assert _state() == before  # not the metric, not the first two plans


@pytest.mark.parametrize("period", ["2026/27 Q1", "2024/25 Q4", dt.date(2026, 4, 1)])
def test_a_period_outside_the_year_is_refused(programme, period):
    metric = _setup(programme)
    before = _state()
    with pytest.raises(ValidationError) as excinfo:
        services.plan_set(metric=metric, period_start=period, plan="5000")
    assert "is outside 2025/26" in " ".join(excinfo.value.messages)
    with pytest.raises(ValidationError) as excinfo:
        services.headline_actual_record(metric=metric, period_start=period, numerator=1, denominator=1)
    assert "is outside 2025/26" in " ".join(excinfo.value.messages)
    assert _state() == before


def test_a_plan_at_a_frequency_the_metric_does_not_allow_is_refused(programme):
    before = _state()
    with pytest.raises(ValidationError) as excinfo:
        _setup(programme, code=CARE_HOMES, frequency=Frequency.MONTHLY, plans=["140"] * 12)
    message = " ".join(excinfo.value.messages)
    assert "Long-term admissions" in message and "quarterly" in message and "monthly" in message
    assert _state() == before
    # The admissions metric may be planned by month: twelve figures, April to March.
    metric = _setup(programme, frequency=Frequency.MONTHLY, plans=["1950"] * 12)
    assert metric.values.count() == 12 and metric.frequency == Frequency.MONTHLY


def test_the_wrong_number_of_plan_figures_is_refused(programme):
    before = _state()
    with pytest.raises(ValidationError) as excinfo:
        _setup(programme, plans=("5800", "5700", "6000"))
    assert "Give 4 quarterly plan figures" in " ".join(excinfo.value.messages)
    assert _state() == before


def test_a_headline_actual_cannot_be_typed_as_a_rate(programme):
    metric = _setup(programme)
    with pytest.raises(ValidationError) as excinfo:
        services.actual_record(metric=metric, period_start="2025/26 Q1", actual="5000")
    assert "numerator and denominator" in " ".join(excinfo.value.messages)


def test_one_figure_without_the_other_is_refused(programme):
    metric = _setup(programme)
    with pytest.raises(ValidationError) as excinfo:
        services.headline_actual_record(metric=metric, period_start="2025/26 Q1", numerator="12", denominator="")
    assert "Give both" in " ".join(excinfo.value.messages)


def test_a_stale_edit_is_refused(programme):
    metric = _setup(programme)
    value = MetricValue.objects.get(metric=metric, period_start=dt.date(2025, 4, 1))
    services.headline_actual_record(metric=metric, period_start="2025/26 Q1", numerator=2800, denominator=48250)
    with pytest.raises(StaleEdit):
        services.headline_actual_record(
            metric=metric,
            period_start="2025/26 Q1",
            numerator=2700,
            denominator=48250,
            expected_version=value.version,
        )


def test_the_demo_year_loads_three_metrics_with_plans_and_actuals_and_twice_changes_nothing(programme):
    metrics = services.load_headline_demo(programme, 2025)
    assert [m.code for m in metrics] == [ADMISSIONS, DELAY, CARE_HOMES]
    progress = selectors.headline_progress(programme, 2025, dt.date(2026, 3, 31))
    assert [len(p.points) for p in progress] == [12, 4, 4]
    for item in progress:
        assert item.is_demo and item.latest is not None and item.status in ("on track", "not on track")
        assert all(p.actual is not None and p.denominator for p in item.points)
        for point in item.points:
            assert point.actual == services.headline_rate(
                numerator=point.numerator, denominator=point.denominator, per=item.per
            )
    # Q2 as at the end of September: six months and two quarters of actuals.
    as_q2 = selectors.headline_progress(programme, 2025, dt.date(2025, 9, 30))
    assert [sum(p.actual is not None for p in item.points) for item in as_q2] == [6, 2, 2]
    before = _state()
    services.load_headline_demo(programme, 2025)
    assert _state() == before
