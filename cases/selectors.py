"""Reads for business cases: every figure computed from the lines, never typed.

One home for each rule:
- A line's money in a financial year: a one-off sum in its first year; a recurrent yearly figure in every year from
  its first to its last (or the case's end), the first year only for its `first_year_months` (the last months of
  that year: 7 months is September to March). Benefits are activity avoided a year × unit cost, the same way.
- Net cost/benefit = benefit − investment; a net cost shows in brackets (`k_text`).
- Realised (after approval): per quarter, (baseline − actual) × unit cost over the periods of the line's metric
  (actual − baseline where higher is better), against the plan's benefit for that quarter; on or off track by the
  metric's own rule (metrics.selectors.status_of) applied to the activity the case expects.
- Reinvestment: what has been realised on cashable lines.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import cached_property, lru_cache

from django.db.models import Count, Prefetch

from cases.models import BenefitLine, BenefitShare, BusinessCase, InvestmentKind, InvestmentLine, Scenario, year_label
from core.quarters import Quarter, quarter_of
from metrics.models import Direction, Metric, MetricValue, Status
from metrics.selectors import status_of

ZERO = Decimal("0")
TWELVE = Decimal("12")
THOUSAND = Decimal("1000")


def k_text(amount: Decimal | None) -> str:
    """Pounds as the paper prints them: £'000s to the nearest thousand (half up), a net cost in brackets."""
    if amount is None:
        return ""
    k = (Decimal(amount) / THOUSAND).quantize(Decimal("1"), rounding=ROUND_HALF_UP)
    text = f"{abs(k):,}"
    return f"({text})" if k < 0 else text


def pounds_text(amount: Decimal | None) -> str:
    """Exact pounds, a net cost in brackets: £570,000 / (£60,667)."""
    if amount is None:
        return ""
    rounded = Decimal(amount).quantize(Decimal("1"), rounding=ROUND_HALF_UP)
    text = f"£{abs(rounded):,}"
    return f"({text})" if rounded < 0 else text


@dataclass
class MergedLine:
    """Lines of one scenario that differ only in their amount (investment) or unit cost (benefit), added together.

    Every figure in this module is linear in that amount (a year's share × amount; activity × unit cost; activity
    avoided × unit cost), so one merged line gives exactly the totals its lines give, with far fewer sums: a
    portfolio of 200 cases × 10 lines is worked out over a few hundred merged lines. Every page, export and PDF
    works its totals out this way, so they cannot disagree.
    """

    kind: str
    first_year: int
    last_year: int | None
    first_year_months: int
    amount: Decimal = ZERO
    activity: Decimal = ZERO
    unit_cost: Decimal = ZERO
    cashable: bool = False
    metric: Metric | None = None
    baseline: Decimal | None = None
    lines: int = 0


# A line as the arithmetic reads it: a model, or lines merged (a portfolio row reads the same fields).
InvestmentLike = InvestmentLine | MergedLine
BenefitLike = BenefitLine | MergedLine


# --- The year rule -------------------------------------------------------------------------------------------


def _active_months(line, year: int, case_end: int) -> int:
    """How many months of financial year `year` the line runs in (0 outside its years or the case's)."""
    last = line.last_year if line.last_year is not None else case_end
    if year < line.first_year or year > last or year > case_end:
        return 0
    return line.first_year_months if year == line.first_year else 12


def investment_in_year(line: InvestmentLike, year: int, case_end: int) -> Decimal:
    if line.kind == InvestmentKind.ONE_OFF:
        return line.amount if year == line.first_year and year <= case_end else ZERO
    return line.amount * _active_months(line, year, case_end) / TWELVE


def benefit_a_year(line: BenefitLike) -> Decimal:
    """A full year's benefit: activity avoided × unit cost."""
    return line.activity * line.unit_cost


def benefit_in_year(line: BenefitLike, year: int, case_end: int) -> Decimal:
    return benefit_a_year(line) * _active_months(line, year, case_end) / TWELVE


@lru_cache(maxsize=4096)
def _months_in_quarter(
    first_year: int, last_year: int | None, first_months: int, case_end: int, year: int, number: int
):
    """Months of a quarter a line runs in (0–3); many lines share these inputs, so the answer is kept."""
    last = last_year if last_year is not None else case_end
    if year < first_year or year > last or year > case_end:
        return 0
    months = first_months if year == first_year else 12
    first = (number - 1) * 3
    return sum(1 for m in range(first, first + 3) if m >= 12 - months)


_SHARES = [Decimal(n) / TWELVE for n in range(4)]


def _quarter_share(line, quarter: Quarter, case_end: int) -> Decimal:
    """The share of a full year's figure that falls in a quarter (0, 1/12, 2/12 or 3/12)."""
    months = _months_in_quarter(
        line.first_year, line.last_year, line.first_year_months, case_end, quarter.start_year, quarter.number
    )
    return _SHARES[months]


def investment_in_quarter(line: InvestmentLike, quarter: Quarter, case_end: int) -> Decimal:
    if line.kind == InvestmentKind.ONE_OFF:
        # A one-off sum is spent in the first quarter its year's months start in.
        start = 12 - line.first_year_months
        starts_here = quarter.start_year == line.first_year and (quarter.number - 1) * 3 <= start < quarter.number * 3
        return line.amount if starts_here and quarter.start_year <= case_end else ZERO
    return line.amount * _quarter_share(line, quarter, case_end)


def benefit_in_quarter(line: BenefitLike, quarter: Quarter, case_end: int) -> Decimal:
    return benefit_a_year(line) * _quarter_share(line, quarter, case_end)


# --- A scenario's figures ------------------------------------------------------------------------------------


@dataclass
class YearFigures:
    year: int
    investment: Decimal = ZERO
    benefit: Decimal = ZERO
    cashable: Decimal = ZERO

    @property
    def label(self) -> str:
        return year_label(self.year)

    @property
    def net(self) -> Decimal:
        return self.benefit - self.investment

    @property
    def net_k(self) -> str:
        return k_text(self.net)


@dataclass
class LineRow:
    """One line's money by year, for the case page: investment as a negative (a cost), benefit as a positive."""

    kind: str  # "investment" or "benefit"
    line: InvestmentLine | BenefitLine
    amounts: list[Decimal]


def merged_investments(lines) -> list[MergedLine]:
    merged: dict[tuple, MergedLine] = {}
    for line in lines:
        key = (line.kind, line.first_year, line.last_year, line.first_year_months)
        row = merged.get(key)
        if row is None:
            row = merged[key] = MergedLine(*key)
        row.amount += line.amount
        row.lines += 1
    return list(merged.values())


def merged_benefits(lines) -> list[MergedLine]:
    merged: dict[tuple, MergedLine] = {}
    for line in lines:
        metric = line.metric if line.metric_id is not None else None
        key = (
            line.first_year,
            line.last_year,
            line.first_year_months,
            line.cashable,
            line.metric_id,
            line.baseline,
            line.activity,
        )
        row = merged.get(key)
        if row is None:
            row = merged[key] = MergedLine(
                "benefit",
                line.first_year,
                line.last_year,
                line.first_year_months,
                activity=line.activity,
                cashable=line.cashable,
                metric=metric,
                baseline=line.baseline,
            )
        row.unit_cost += line.unit_cost
        row.lines += 1
    return list(merged.values())


@dataclass
class ScenarioFigures:
    scenario: Scenario
    years: list[YearFigures]
    investments: list  # the lines as loaded: models on a case's page and in the export, plain rows in the portfolio
    benefits: list
    merged_benefits: list[MergedLine] = field(default_factory=list)
    case_end: int = 0

    @cached_property
    def rows(self) -> list[LineRow]:
        """Each line's money by year (the case's page and the export's lines)."""
        years = [y.year for y in self.years]
        return [
            LineRow("investment", line, [-investment_in_year(line, y, self.case_end) for y in years])
            for line in self.investments
        ] + [
            LineRow("benefit", line, [benefit_in_year(line, y, self.case_end) for y in years]) for line in self.benefits
        ]

    @property
    def investment(self) -> Decimal:
        return sum((y.investment for y in self.years), ZERO)

    @property
    def benefit(self) -> Decimal:
        return sum((y.benefit for y in self.years), ZERO)

    @property
    def net(self) -> Decimal:
        return self.benefit - self.investment

    @property
    def payback_year(self) -> str:
        """The first financial year by whose end the cumulative net is no longer a cost; blank if never."""
        running = ZERO
        for year in self.years:
            running += year.net
            if running >= 0 and (year.investment or year.benefit or running > 0):
                return year.label
        return ""


def scenario_figures(scenario: Scenario, case: BusinessCase, investments=None, benefits=None) -> ScenarioFigures:
    """A scenario's investment, benefit and net by financial year, from its lines (its prefetched ones unless
    given): models, or any rows with the same fields."""
    case_end = case.first_year + case.years - 1
    investments = list(scenario.investments.all()) if investments is None else investments
    benefits = list(scenario.benefits.all()) if benefits is None else benefits
    merged_inv, merged_ben = merged_investments(investments), merged_benefits(benefits)
    years = []
    for year in case.financial_years:
        figures = YearFigures(year=year)
        for line in merged_inv:
            figures.investment += investment_in_year(line, year, case_end)
        for benefit in merged_ben:
            amount = benefit_in_year(benefit, year, case_end)
            figures.benefit += amount
            if benefit.cashable:
                figures.cashable += amount
        years.append(figures)
    return ScenarioFigures(
        scenario=scenario,
        years=years,
        investments=investments,
        benefits=benefits,
        merged_benefits=merged_ben,
        case_end=case_end,
    )


def _cases_loaded(queryset):
    """Cases with their scenarios and lines as models, the benefits with their metrics and shares: five queries."""
    # Explicit orders: the models' default orders name their parents, which would join up to the programme.
    ordered = BenefitShare.objects.order_by("-percent", "partner")
    benefits = (
        BenefitLine.objects.select_related("metric")
        .order_by("order", "id")
        .prefetch_related(Prefetch("shares", queryset=ordered))
    )
    return queryset.select_related("programme", "scheme", "decision").prefetch_related(
        Prefetch(
            "scenarios",
            queryset=Scenario.objects.order_by("-is_baseline", "order", "id").prefetch_related(
                Prefetch("investments", queryset=InvestmentLine.objects.order_by("order", "id")),
                Prefetch("benefits", queryset=benefits),
            ),
        )
    )


# --- The programme's net table (the paper's "net cost/benefit by year") ------------------------------------


@dataclass
class NetRow:
    case: BusinessCase | None
    label: str
    by_year: dict[int, Decimal]

    def k(self, year: int) -> str:
        return k_text(self.by_year.get(year, ZERO))


@dataclass
class NetTable:
    years: list[int]
    rows: list[NetRow]
    total: NetRow

    @property
    def year_labels(self) -> list[str]:
        return [year_label(y) for y in self.years]


def net_table_of(summaries: list["CaseSummary"]) -> NetTable:
    """The cases' baseline net cost/benefit by financial year and the total of the exact figures, in the order the
    cases were entered (the paper's order for the demo)."""
    rows = [
        NetRow(case=s.case, label=s.case.title, by_year={y.year: y.net for y in s.baseline.years} if s.baseline else {})
        for s in sorted(summaries, key=lambda s: s.case.pk)
    ]
    years = sorted({year for row in rows for year in row.by_year})
    totals = {y: sum((r.by_year.get(y, ZERO) for r in rows), ZERO) for y in years}
    return NetTable(years=years, rows=rows, total=NetRow(case=None, label="Total", by_year=totals))


def programme_net_table(*, programme) -> NetTable:
    """Every case's baseline net cost/benefit by financial year, and the total, computed."""
    return net_table_of(portfolio(programme=programme))


# --- Realisation ------------------------------------------------------------------------------------------


@dataclass
class QuarterRealisation:
    quarter: Quarter
    planned: Decimal = ZERO
    realised: Decimal | None = None  # None: no line has an actual for this quarter yet
    statuses: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return self.quarter.label

    @property
    def status(self) -> str:
        if not self.statuses:
            return Status.NO_DATA
        return Status.NOT_ON_TRACK if Status.NOT_ON_TRACK in self.statuses else Status.ON_TRACK

    @property
    def status_label(self) -> str:
        return Status(self.status).label


@dataclass
class Realisation:
    quarters: list[QuarterRealisation]
    realised: Decimal
    reinvestment: Decimal  # realised on cashable lines
    planned_to_date: Decimal | None  # None when worked out without its quarters (case_realised_to_date)
    measured_lines: int


PERIODS_IN_A_QUARTER = {"monthly": 3, "quarterly": 1}


def _planned_avoided(line: BenefitLike, metric: Metric, quarter: Quarter, recorded: int, case_end: int) -> Decimal:
    """The activity the case expects avoided over the metric's recorded periods in a quarter (a year for an annual
    metric, whose figure sits in the year's first quarter)."""
    per_quarter = PERIODS_IN_A_QUARTER.get(metric.frequency)
    if per_quarter is None:
        return line.activity * _active_months(line, quarter.start_year, case_end) / TWELVE
    return line.activity * _quarter_share(line, quarter, case_end) * recorded / per_quarter


Actuals = dict[int, dict[Quarter, tuple[Decimal, int]]]  # metric id → quarter → (sum of actuals, periods)


def metric_actuals(metric_ids) -> Actuals:
    """Every recorded actual of these metrics, summed by quarter with the number of periods (one query)."""
    actuals: Actuals = defaultdict(dict)
    rows = MetricValue.objects.filter(metric_id__in=set(metric_ids), actual__isnull=False).values_list(
        "metric_id", "period_start", "actual"
    )
    for metric_id, start, actual in rows:
        if actual is None:  # excluded by the filter; said again for the type checker
            continue
        quarter = quarter_of(start)
        total, count = actuals[metric_id].get(quarter, (ZERO, 0))
        actuals[metric_id][quarter] = (total + actual, count + 1)
    return actuals


def realised_amount(line, actual_sum: Decimal, periods: int) -> Decimal:
    """£ realised by a measured line over `periods` of its metric whose actuals add up to `actual_sum`: the activity
    avoided against the baseline ((baseline × periods − actuals), or the reverse where higher is better) × unit cost.

    Linear in the actuals, so over a case's whole span it gives exactly the sum of its quarters (the portfolio uses
    that; a case's page shows the quarters).
    """
    expected_base = line.baseline * periods
    lower = line.metric.direction == Direction.LOWER
    return (expected_base - actual_sum if lower else actual_sum - expected_base) * line.unit_cost


def line_realisation(
    line: BenefitLike, by_quarter: dict[Quarter, tuple[Decimal, int]], case_end: int
) -> dict[Quarter, tuple[Decimal, str]]:
    """Per quarter with actuals: realised £ (realised_amount) and on/off track by the metric's rule applied to the
    level the case expects, for one line measured by its metric."""
    metric, baseline = line.metric, line.baseline
    if metric is None or baseline is None:
        return {}
    lower = metric.direction == Direction.LOWER
    results = {}
    for quarter, (actual_sum, periods) in by_quarter.items():
        expected_base = baseline * periods
        planned = _planned_avoided(line, metric, quarter, periods, case_end)
        expected_level = expected_base - planned if lower else expected_base + planned
        status = status_of(metric=metric, plan=expected_level, actual=actual_sum)
        results[quarter] = (realised_amount(line, actual_sum, periods), status)
    return results


def case_quarters(case: BusinessCase) -> list[Quarter]:
    return [Quarter(year, number) for year in case.financial_years for number in (1, 2, 3, 4)]


def case_realisation(case: BusinessCase, figures: ScenarioFigures, actuals: Actuals | None = None) -> Realisation:
    """Planned vs realised benefit by quarter over the case's years, for its baseline scenario's lines."""
    case_end = case.first_year + case.years - 1
    if actuals is None:
        actuals = metric_actuals(line.metric.pk for line in figures.merged_benefits if line.metric is not None)
    quarters = {q: QuarterRealisation(quarter=q) for q in case_quarters(case)}
    realised_total = reinvestment = planned_to_date = ZERO
    measured = 0
    last_actual: Quarter | None = None
    # Over merged lines: those measured alike (same metric, baseline, activity and years) realise in proportion to
    # their unit costs, and share one status.
    for line in figures.merged_benefits:
        for quarter, row in quarters.items():
            row.planned += benefit_in_quarter(line, quarter, case_end)
        if line.metric is None:
            continue
        measured += line.lines
        for quarter, (amount, status) in line_realisation(line, actuals.get(line.metric.pk, {}), case_end).items():
            measured_row = quarters.get(quarter)
            if measured_row is None:
                continue  # an actual outside the case's years
            measured_row.realised = (measured_row.realised or ZERO) + amount
            measured_row.statuses.append(status)
            realised_total += amount
            if line.cashable:
                reinvestment += amount
            last_actual = quarter if last_actual is None or quarter > last_actual else last_actual
    if last_actual is not None:
        planned_to_date = sum((r.planned for q, r in quarters.items() if q <= last_actual), ZERO)
    return Realisation(
        quarters=list(quarters.values()),
        realised=realised_total,
        reinvestment=reinvestment,
        planned_to_date=planned_to_date,
        measured_lines=measured,
    )


def case_realised_to_date(case: BusinessCase, figures: ScenarioFigures, actuals: Actuals) -> Realisation:
    """Realised to date and reinvestment only (the portfolio's columns): each measured line's actuals over the
    case's quarters added up first, then realised_amount once, which is exactly the sum case_realisation gives
    quarter by quarter. No quarters, and no planned to date."""
    span = set(case_quarters(case))
    realised = reinvestment = ZERO
    measured = 0
    for line in figures.merged_benefits:
        if line.metric is None or line.baseline is None:
            continue
        measured += line.lines
        in_span = [row for quarter, row in actuals.get(line.metric.pk, {}).items() if quarter in span]
        if not in_span:
            continue
        total = sum((actual for actual, _ in in_span), ZERO)
        amount = realised_amount(line, total, sum(periods for _, periods in in_span))
        realised += amount
        if line.cashable:
            reinvestment += amount
    return Realisation(
        quarters=[], realised=realised, reinvestment=reinvestment, planned_to_date=None, measured_lines=measured
    )


# --- A case's page and the portfolio -------------------------------------------------------------------------


@dataclass
class CaseSummary:
    case: BusinessCase
    baseline: ScenarioFigures | None
    scenarios: list[ScenarioFigures]
    realisation: Realisation | None

    @property
    def investment(self) -> Decimal:
        return self.baseline.investment if self.baseline else ZERO

    @property
    def planned_benefit(self) -> Decimal:
        return self.baseline.benefit if self.baseline else ZERO

    @property
    def realised(self) -> Decimal:
        return self.realisation.realised if self.realisation else ZERO

    @property
    def reinvestment(self) -> Decimal:
        return self.realisation.reinvestment if self.realisation else ZERO

    @property
    def payback_year(self) -> str:
        return self.baseline.payback_year if self.baseline else ""


def _summary(
    case: BusinessCase, scenarios: list[ScenarioFigures], actuals: Actuals, *, by_quarter: bool = True
) -> CaseSummary:
    baseline = next((f for f in scenarios if f.scenario.is_baseline), scenarios[0] if scenarios else None)
    realise = case_realisation if by_quarter else case_realised_to_date
    realisation = realise(case, baseline, actuals) if baseline else None
    return CaseSummary(case=case, baseline=baseline, scenarios=scenarios, realisation=realisation)


def _summaries(cases: list[BusinessCase]) -> list[CaseSummary]:
    """Cases (loaded with their lines as models) with their figures; the measuring metrics' actuals in one query."""
    figures = {case.pk: [scenario_figures(s, case) for s in case.scenarios.all()] for case in cases}
    metric_ids = {line.metric.pk for fs in figures.values() for f in fs for line in f.merged_benefits if line.metric}
    actuals = metric_actuals(metric_ids) if metric_ids else {}
    return [_summary(case, figures[case.pk], actuals) for case in cases]


def case_summary(*, case: BusinessCase) -> CaseSummary:
    """One case with every scenario's figures and the baseline's realisation (a fixed number of queries)."""
    (summary,) = _summaries(list(_cases_loaded(BusinessCase.objects.filter(pk=case.pk))))
    return summary


@dataclass
class _BenefitRow:
    """A benefit line's figures without the model (the portfolio reads 2,000 of them)."""

    scenario_id: int
    activity: Decimal
    unit_cost: Decimal
    cashable: bool
    first_year: int
    last_year: int | None
    first_year_months: int
    metric_id: int | None
    baseline: Decimal | None
    metric: Metric | None = None


_SCHEME_UNLISTED = ("scheme__created_at", "scheme__updated_at", "scheme__description")
_INVESTMENT_FIELDS = ("scenario_id", "kind", "amount", "first_year", "last_year", "first_year_months")
_BENEFIT_FIELDS = tuple(f for f in _BenefitRow.__dataclass_fields__ if f != "metric")


def _portfolio_summaries(programme, *, by_quarter: bool) -> list[CaseSummary]:
    """Every case of a programme with its figures, from six queries whatever the number of cases, lines or
    quarters: the cases, their scenarios, the lines' figures as plain rows (no models), the measuring metrics and
    their actuals. The figures are worked out by the same functions as a case's page."""
    # Without the long texts and timestamps nobody lists (read on first use if a caller does).
    cases = list(
        BusinessCase.objects.filter(programme=programme)
        .select_related("scheme")
        .defer("summary", "source_note", "created_at", "updated_at", "decided_at", *_SCHEME_UNLISTED)
        .order_by("title", "id")
    )
    if not cases:
        return []
    scenarios: dict[int, list[Scenario]] = defaultdict(list)
    listed = Scenario.objects.filter(case__programme=programme).only("id", "case_id", "name", "is_baseline", "order")
    for scenario in listed.order_by("-is_baseline", "order", "id"):
        scenarios[scenario.case_id].append(scenario)
    investments = defaultdict(list)
    costs = InvestmentLine.objects.filter(scenario__case__programme=programme).order_by("order", "id")
    for row in costs.values_list(*_INVESTMENT_FIELDS, named=True):
        investments[row.scenario_id].append(row)
    benefits = defaultdict(list)
    savings = BenefitLine.objects.filter(scenario__case__programme=programme).order_by("order", "id")
    for values in savings.values_list(*_BENEFIT_FIELDS):
        benefit = _BenefitRow(*values)
        benefits[benefit.scenario_id].append(benefit)
    metric_ids = {b.metric_id for lines in benefits.values() for b in lines if b.metric_id is not None}
    # Only what the status rule reads, and no ordering (the model's joins the scheme).
    measures = (
        Metric.objects.filter(pk__in=metric_ids).order_by().only("id", "direction", "frequency", "tolerance_percent")
    )
    metrics = {metric.pk: metric for metric in measures} if metric_ids else {}
    for lines in benefits.values():
        for benefit in lines:
            benefit.metric = metrics.get(benefit.metric_id) if benefit.metric_id is not None else None
    actuals = metric_actuals(metric_ids) if metric_ids else {}
    summaries = []
    for case in cases:
        case.programme = programme
        figures = [
            scenario_figures(s, case, investments.get(s.pk, []), benefits.get(s.pk, [])) for s in scenarios[case.pk]
        ]
        summaries.append(_summary(case, figures, actuals, by_quarter=by_quarter))
    return summaries


def portfolio(*, programme, lines: bool = False, by_quarter: bool = True) -> list[CaseSummary]:
    """Every case of a programme: investment, planned benefit, realised to date, payback year.

    With `lines`, every scenario's lines as models with their shares (the export's lines table); without
    `by_quarter`, realised to date without each quarter's planned, realised and status (the portfolio page, which
    shows none of them). A fixed number of queries whatever the number of cases, lines or quarters (pinned in
    tests/cases/test_views.py).
    """
    if not lines:
        return _portfolio_summaries(programme, by_quarter=by_quarter)
    cases = _cases_loaded(BusinessCase.objects.filter(programme=programme)).order_by("title", "id")
    return _summaries(list(cases))


# --- Export tables (XLSX and CSV share them) -------------------------------------------------------------------


@dataclass
class Table:
    title: str
    headers: list[str]
    rows: list[list]


def export_tables(*, programme) -> list[Table]:
    """The programme's cases as tables: the net cost/benefit by year (£k, net cost in brackets), the portfolio,
    and every line with its inputs and who-why. Computed here, so the file shows what the pages show."""
    summaries = portfolio(programme=programme, lines=True)
    table = net_table_of(summaries)
    labels = [f"{label} £k" for label in table.year_labels]
    net = Table(
        title="Net cost-benefit",
        headers=["Business case", "Scheme", "Status", *labels],
        rows=[
            [
                row.label,
                str(row.case.scheme or "") if row.case else "",
                row.case.get_status_display() if row.case else "",
            ]
            + [row.k(y) for y in table.years]
            for row in table.rows
        ]
        + [["Total", "", "", *[table.total.k(y) for y in table.years]]],
    )
    overview = Table(
        title="Portfolio",
        headers=[
            "Business case",
            "Investment £",
            "Planned benefit £",
            "Realised to date £",
            "Reinvestment £",
            "Payback year",
        ],
        rows=[
            [
                s.case.title,
                pounds_text(s.investment),
                pounds_text(s.planned_benefit),
                pounds_text(s.realised),
                pounds_text(s.reinvestment),
                s.payback_year or "none in the case's years",
            ]
            for s in summaries
        ],
    )
    year_headers = [f"{year_label(y)} £" for y in table.years]
    lines = Table(
        title="Lines",
        headers=[
            "Business case",
            "Scenario",
            "Line",
            "Description",
            "Activity a year",
            "Activity unit",
            "Unit cost £",
            "Unit cost source",
            "Cashable",
            "Shares",
            "One-off or recurrent",
            "Amount £",
            "First year",
            "Months in first year",
            "Last year",
            *year_headers,
            "Why (assumption)",
        ],
        rows=[],
    )
    for s in summaries:
        case_end = s.case.first_year + s.case.years - 1
        for figures in s.scenarios:
            for inv in figures.investments:
                lines.rows.append(
                    [
                        s.case.title,
                        figures.scenario.name,
                        "Investment",
                        inv.description,
                        "",
                        "",
                        "",
                        "",
                        "",
                        "",
                        inv.get_kind_display(),
                        pounds_text(inv.amount),
                        year_label(inv.first_year),
                        inv.first_year_months,
                        year_label(inv.last_year) if inv.last_year else "",
                    ]
                    + [pounds_text(-investment_in_year(inv, y, case_end)) for y in table.years]
                    + [inv.reason]
                )
            for ben in figures.benefits:
                shares = "; ".join(f"{sh.partner} {sh.percent.normalize():f}%" for sh in ben.shares.all())
                lines.rows.append(
                    [
                        s.case.title,
                        figures.scenario.name,
                        "Benefit",
                        ben.description,
                        f"{ben.activity.normalize():f}",
                        ben.activity_unit,
                        pounds_text(ben.unit_cost),
                        ben.unit_cost_source,
                        "Yes" if ben.cashable else "No",
                        shares,
                        "",
                        "",
                        year_label(ben.first_year),
                        ben.first_year_months,
                        year_label(ben.last_year) if ben.last_year else "",
                    ]
                    + [pounds_text(benefit_in_year(ben, y, case_end)) for y in table.years]
                    + [ben.reason]
                )
    return [net, overview, lines]


# --- The dashboard tile and the highlight report's section --------------------------------------------------------


@dataclass
class CasesOverview:
    counts: dict[str, int]
    total: int
    investment: Decimal = ZERO
    planned_benefit: Decimal = ZERO
    realised: Decimal = ZERO
    planned_to_date: Decimal = ZERO
    reinvestment: Decimal = ZERO
    off_track: list[CaseSummary] = field(default_factory=list)
    summaries: list[CaseSummary] = field(default_factory=list)


def cases_overview(*, programme) -> CasesOverview:
    """The programme's cases at a glance: how many in each status and, when there are any, the portfolio's totals
    and the cases whose latest measured quarter is off track (one query with no cases; seven with)."""
    rows = BusinessCase.objects.filter(programme=programme).values_list("status").annotate(n=Count("id"))
    counts = {status: n for status, n in rows}
    overview = CasesOverview(counts=counts, total=sum(counts.values()))
    if not overview.total:
        return overview
    overview.summaries = portfolio(programme=programme)
    for s in overview.summaries:
        overview.investment += s.investment
        overview.planned_benefit += s.planned_benefit
        overview.realised += s.realised
        overview.reinvestment += s.reinvestment
        if s.realisation is not None:
            overview.planned_to_date += s.realisation.planned_to_date or ZERO
            measured = [q for q in s.realisation.quarters if q.statuses]
            if measured and measured[-1].status == Status.NOT_ON_TRACK:
                overview.off_track.append(s)
    return overview
