"""Metrics and KPIs (issue 6 §1): definitions, plans per period, actuals, computed status, bad input refused."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from core.exceptions import StaleEdit
from metrics import selectors, services
from metrics.models import Direction, Frequency, Metric, MetricValue, Status, Unit
from schemes.models import Programme, Scheme
from tests.factories.accounts import PartnershipFactory

D = Decimal
PROGRAMME = "trafford-bcf-2015-16"


@pytest.mark.parametrize(
    ("text", "frequency", "expected"),
    [
        ("May 2015", Frequency.MONTHLY, dt.date(2015, 5, 1)),
        ("may 2015", Frequency.MONTHLY, dt.date(2015, 5, 1)),
        ("September 2015", Frequency.MONTHLY, dt.date(2015, 9, 1)),
        ("2015-05", Frequency.MONTHLY, dt.date(2015, 5, 1)),
        ("05/2015", Frequency.MONTHLY, dt.date(2015, 5, 1)),
        ("01/05/2015", Frequency.MONTHLY, dt.date(2015, 5, 1)),
        ("2015-05-01", Frequency.MONTHLY, dt.date(2015, 5, 1)),
        ("2015/16 Q1", Frequency.QUARTERLY, dt.date(2015, 4, 1)),
        ("2015-16-Q3", Frequency.QUARTERLY, dt.date(2015, 10, 1)),
        ("2015/16 q4", Frequency.QUARTERLY, dt.date(2016, 1, 1)),
        ("2015/16", Frequency.ANNUAL, dt.date(2015, 4, 1)),
        ("2015/2016", Frequency.ANNUAL, dt.date(2015, 4, 1)),
        (dt.date(2015, 7, 1), Frequency.QUARTERLY, dt.date(2015, 7, 1)),
    ],
)
def test_periods_are_read_as_people_write_them(text, frequency, expected):
    assert services.period_parse(text, frequency) == expected


@pytest.mark.parametrize(
    ("text", "frequency", "message"),
    [
        ("", Frequency.MONTHLY, "blank period"),
        ("soon", Frequency.MONTHLY, "is not a period"),
        ("2015-13", Frequency.MONTHLY, "is not a period"),
        ("15/05/2015", Frequency.MONTHLY, "starts on the 1st"),
        ("May 2015", Frequency.QUARTERLY, "quarter starts"),
        ("2015/17 Q1", Frequency.QUARTERLY, "is not a period"),
        ("2015/16", Frequency.MONTHLY, "is not a period"),
        ("Jan 2016", Frequency.ANNUAL, "financial year starts in April"),
    ],
)
def test_a_period_that_is_not_one_is_refused_clearly(text, frequency, message):
    with pytest.raises(ValidationError) as excinfo:
        services.period_parse(text, frequency)
    assert message in " ".join(excinfo.value.messages)


@pytest.mark.parametrize(
    ("value", "unit", "message"),
    [
        ("lots", Unit.COUNT, "must be a number"),
        ("-1", Unit.COUNT, "cannot be negative"),
        ("100.5", Unit.PERCENT, "cannot be more than 100"),
        ("1.234", Unit.RATE, "two decimal places"),
        ("NaN", Unit.COUNT, "must be a number"),
        (True, Unit.COUNT, "must be a number"),
        ("1e15", Unit.COUNT, "too large"),
    ],
)
def test_bad_figures_are_refused(value, unit, message):
    with pytest.raises(ValidationError) as excinfo:
        services.figure(value, unit=unit)
    assert message in " ".join(excinfo.value.messages)


def test_good_figures_are_exact_decimals():
    assert services.figure("1,250.5", unit=Unit.COUNT) == D("1250.50")
    assert services.figure("100", unit=Unit.PERCENT) == D("100.00")
    assert services.figure(79.4, unit=Unit.PERCENT) == D("79.40")  # a float cell read as its shortest decimal


def _metric(direction=Direction.LOWER, tolerance="0", unit=Unit.COUNT):
    return Metric(direction=direction, tolerance_percent=D(tolerance), unit=unit)


@pytest.mark.parametrize(
    ("direction", "tolerance", "plan", "actual", "expected"),
    [
        (Direction.LOWER, "0", "100", "100", Status.ON_TRACK),
        (Direction.LOWER, "0", "100", "100.01", Status.NOT_ON_TRACK),
        (Direction.LOWER, "2", "100", "102", Status.ON_TRACK),
        (Direction.LOWER, "2", "100", "102.01", Status.NOT_ON_TRACK),
        (Direction.HIGHER, "0", "82", "82", Status.ON_TRACK),
        (Direction.HIGHER, "0", "82", "81.99", Status.NOT_ON_TRACK),
        (Direction.HIGHER, "1", "82", "81.18", Status.ON_TRACK),
        (Direction.HIGHER, "1", "82", "81.17", Status.NOT_ON_TRACK),
        (Direction.HIGHER, "1", "82", None, Status.NO_DATA),
    ],
)
def test_status_is_computed_from_plan_actual_direction_and_tolerance(direction, tolerance, plan, actual, expected):
    metric = _metric(direction, tolerance)
    assert selectors.status_of(metric=metric, plan=D(plan), actual=None if actual is None else D(actual)) == expected


@pytest.fixture
def programme(db):
    from schemes import services as scheme_services

    return scheme_services.programme_create(
        slug="p",
        name="P",
        partnership=PartnershipFactory(),
        start_date=dt.date(2015, 4, 1),
        end_date=dt.date(2016, 3, 31),
    )


@pytest.fixture
def nea(programme, pmo_user):
    metric = services.metric_create(
        programme=programme,
        code="nea",
        name="Non-elective admissions",
        unit=Unit.COUNT,
        direction=Direction.LOWER,
        frequency=Frequency.MONTHLY,
        baseline_value=D("1750"),
        by=pmo_user,
    )
    services.plans_from_baseline(
        metric=metric, first_period="Apr 2015", periods=12, per_period=D("1750"), change_percent=D("-3.5"), by=pmo_user
    )
    return metric


def test_a_plan_from_the_baseline_gives_3_5_percent_fewer_admissions(nea):
    values = list(nea.values.order_by("period_start"))
    assert len(values) == 12
    assert values[0].period_start == dt.date(2015, 4, 1) and values[-1].period_start == dt.date(2016, 3, 1)
    assert {v.plan for v in values} == {D("1688.75")}


def test_an_actual_is_recorded_audited_and_status_follows(nea, pmo_user):
    services.actual_record(metric=nea, period_start="May 2015", actual="1,702", note="Hot May", by=pmo_user)
    value = nea.values.get(period_start=dt.date(2015, 5, 1))
    assert value.actual == D("1702.00") and value.recorded_by == pmo_user and value.version == 2
    record = value.history.latest()
    assert record.history_user == pmo_user and record.history_change_reason == "Actual recorded"
    delta = record.diff_against(value.history.earliest())
    assert {c.field: (c.old, c.new) for c in delta.changes}["actual"] == (None, D("1702.00"))
    summary = selectors.metric_detail(metric=nea)
    assert summary.latest.label == "May 2015" and summary.latest.status == Status.NOT_ON_TRACK
    assert summary.year_to_date["actual"] == D("1702.00") and summary.year_to_date["plan"] == D("1688.75")


def test_an_actual_for_an_unplanned_period_is_refused_and_nothing_saved(nea, pmo_user):
    before = list(MetricValue.objects.values_list("pk", "version", "actual"))
    with pytest.raises(ValidationError) as excinfo:
        services.actual_record(metric=nea, period_start="Apr 2016", actual="1600", by=pmo_user)
    assert "has no plan for Apr 2016" in " ".join(excinfo.value.messages)
    assert list(MetricValue.objects.values_list("pk", "version", "actual")) == before


def test_a_stale_actual_is_refused_not_overwritten(nea, pmo_user, make_user):
    other = make_user()
    value = nea.values.get(period_start=dt.date(2015, 4, 1))
    services.actual_record(metric=nea, period_start="Apr 2015", actual="1700", by=other, expected_version=value.version)
    with pytest.raises(StaleEdit) as excinfo:
        services.actual_record(
            metric=nea, period_start="Apr 2015", actual="1600", by=pmo_user, expected_version=value.version
        )
    assert "changed actual" in str(excinfo.value)
    assert nea.values.get(period_start=dt.date(2015, 4, 1)).actual == D("1700")


def test_percentages_over_100_are_refused_for_plan_and_actual(programme, pmo_user):
    metric = services.metric_create(
        programme=programme, code="r91", name="Reablement", unit=Unit.PERCENT, frequency=Frequency.QUARTERLY
    )
    with pytest.raises(ValidationError):
        services.plan_set(metric=metric, period_start="2015/16 Q1", plan="101")
    services.plan_set(metric=metric, period_start="2015/16 Q1", plan="82")
    with pytest.raises(ValidationError) as excinfo:
        services.actual_record(metric=metric, period_start="2015/16 Q1", actual="120")
    assert "cannot be more than 100" in " ".join(excinfo.value.messages)
    assert metric.values.get().actual is None


def test_codes_are_unique_per_programme_and_a_kpi_stays_in_its_programme(programme, nea, pmo_user):
    from schemes import services as scheme_services

    with pytest.raises(ValidationError):
        services.metric_create(programme=programme, code="nea", name="Again")
    other = scheme_services.programme_create(
        slug="q",
        name="Q",
        partnership=PartnershipFactory(),
        start_date=dt.date(2015, 4, 1),
        end_date=dt.date(2016, 3, 31),
    )
    scheme = Scheme.objects.create(programme=other, ref="1.1", name="Elsewhere")
    with pytest.raises(ValidationError):
        services.metric_create(programme=programme, scheme=scheme, code="kpi", name="KPI")
    assert Metric.objects.count() == 1


def test_the_demo_has_the_six_bcf_metrics_and_scheme_kpis_marked_as_demo(demo):
    programme = Programme.objects.get(slug=PROGRAMME)
    metrics = list(programme.metrics.filter(scheme__isnull=True).order_by("order"))
    assert len(metrics) == 6 and all(m.is_demo for m in metrics)
    names = " / ".join(m.name for m in metrics).lower()
    for words in ("non-elective", "delayed transfers", "residential", "91 days", "quality of life", "usual place"):
        assert words in names
    kpis = {m.scheme.ref: m for m in programme.metrics.filter(scheme__isnull=False).select_related("scheme")}
    assert set(kpis) == {"5.3", "5.5", "5.6"}
    nea = programme.metrics.get(code="non-elective-admissions")
    assert set(nea.values.values_list("plan", flat=True)) == {D("1688.75")}  # 1,750 less 3.5%
    board = selectors.metrics_dashboard(programme=programme)
    statuses = {s.metric.code: s.status for s in board["metrics"]}
    assert statuses["non-elective-admissions"] == Status.NOT_ON_TRACK  # June 1,745 against 1,688.75
    assert statuses["reablement-91-days"] == Status.NOT_ON_TRACK  # 79.4% against 82% less 1%
    assert statuses["deaths-usual-residence"] == Status.ON_TRACK
    assert statuses["quality-of-life-survey"] == Status.NO_DATA
    assert [s.status for s in board["metrics"]][:2] == [Status.NOT_ON_TRACK] * 2  # exceptions first
    assert statuses["delayed-transfers-of-care"] == Status.ON_TRACK  # June 598 against 601.40 (+2% allowed)
    assert statuses["residential-admissions-65"] == Status.ON_TRACK  # Q1 58 against 62
    assert board["counts"] == {"on_track": 3, "not_on_track": 2, "no_data": 1}
