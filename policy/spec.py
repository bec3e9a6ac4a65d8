"""What a Better Care Fund policy year declares, as data: its objectives, national conditions, headline metrics,
the sources a pooled fund is made of, and the scheme types an expenditure plan uses. Every app reads a year from
here (finance for sources and scheme types, metrics for definitions, returns for what is asked at sign-off), so
a new year is a new module in policy/years/ plus its test, not new code. Plain Python: no Django, no models."""

from dataclasses import dataclass, field

from policy.returns import ReturnTemplate


@dataclass(frozen=True)
class NationalCondition:
    number: int
    code: str  # stable across years where the condition is the same, e.g. "jointly_agreed"
    text: str
    guidance: str = ""
    answers: tuple[str, ...] = ("Yes", "No")


@dataclass(frozen=True)
class MetricDefinition:
    code: str
    name: str
    definition: str
    numerator: str
    denominator: str  # "" where the figure is not a rate (e.g. an average of days)
    population_base: str = ""  # e.g. "population aged 65+"
    per: int = 1  # rate per this many of the denominator, e.g. 100_000
    unit: str = "rate"  # rate, days, percent, count
    lower_is_better: bool = True
    frequencies: tuple[str, ...] = ("quarter",)  # how an area may plan it: quarter and/or month
    source: str = ""


@dataclass(frozen=True)
class FundingSource:
    code: str
    name: str
    paid_to: str  # "icb" or "la": who the money comes from into the pooled fund
    nhs_minimum: bool = False  # the NHS minimum contribution, from which adult social care must be maintained
    note: str = ""


@dataclass(frozen=True)
class SchemeType:
    code: str
    name: str
    sub_types: tuple[str, ...] = ()


@dataclass(frozen=True)
class PolicyYear:
    start_year: int  # 2025 for 2025/26
    name: str
    source: str  # the published documents this year's data is read from
    objectives: tuple[str, ...] = ()
    national_conditions: tuple[NationalCondition, ...] = ()
    metrics: tuple[MetricDefinition, ...] = ()
    funding_sources: tuple[FundingSource, ...] = ()
    scheme_types: tuple[SchemeType, ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)
    # Whether the year's metrics are the headline metrics an area plans and tracks in the app (2025/26). The 2015/16
    # and 2016/17 metrics are declared for the return's Supporting Metrics sheet only, so Trafford's dashboard and
    # report show no empty headline tile.
    plans_headline_metrics: bool = False
    # The quarterly return(s) to NHS England for the year, each for the quarters it lists. A year without
    # one has no return: it is refused, never borrowed from another year.
    returns: tuple[ReturnTemplate, ...] = ()

    @property
    def label(self) -> str:
        return f"{self.start_year}/{(self.start_year + 1) % 100:02d}"

    @property
    def headline_metrics(self) -> tuple[MetricDefinition, ...]:
        return self.metrics if self.plans_headline_metrics else ()

    def condition(self, code: str) -> NationalCondition | None:
        return next((c for c in self.national_conditions if c.code == code), None)

    def metric(self, code: str) -> MetricDefinition | None:
        return next((m for m in self.metrics if m.code == code), None)

    def funding_source(self, code: str) -> FundingSource | None:
        return next((s for s in self.funding_sources if s.code == code), None)

    def scheme_type(self, code: str) -> SchemeType | None:
        return next((t for t in self.scheme_types if t.code == code), None)

    def return_template(self, quarter: int) -> ReturnTemplate | None:
        """The return template for quarter 1–4 of the year, or None."""
        return next((t for t in self.returns if quarter in t.quarters), None)
