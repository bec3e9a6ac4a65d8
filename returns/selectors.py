"""Reads for NHS England returns: the facts and figures a return is drafted from, and the returns themselves.

The builder reads everything it needs in a fixed number of queries, whatever the number of schemes,
allocations or comments (tests/returns/test_builder.py holds it to that).
"""

import datetime as dt
import logging
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone

import policy
from core.models import BackgroundJob, JobState
from core.natural import natural_key, natural_order
from core.quarters import Quarter, quarter_parse, quarters_between
from core.rag import RAG
from finance import selectors as finance_selectors
from finance.models import Allocation, FinancialYear, Fund, FundContribution, FundKind, QuarterlySpend
from metrics.models import Frequency, Status, Unit, period_label
from metrics.selectors import SUMMABLE, headline_progress, metric_summaries, status_of
from policy.returns import ReturnTemplate
from returns.models import NationalConditionAnswer, QuarterlyReturn, ReturnStatus
from returns.years import template_for
from schemes.models import CommentKind, ProgressComment, ReportingPeriod, SchemePeriodUpdate

logger = logging.getLogger(__name__)
ZERO = Decimal("0")
CENT = Decimal("0.01")
NARRATIVE_LIMIT = 30_000  # an Excel cell holds 32,767 characters
RAG_LABELS = dict(RAG.choices)


def money_text(amount: Decimal) -> str:
    return str(amount.quantize(CENT, rounding=ROUND_HALF_UP))


# --- National conditions ------------------------------------------------------------------------


def _quarter_end(code: str) -> dt.date | None:
    try:
        return quarter_parse(code).ends_on
    except ValidationError:
        return None  # a stored code that is not a quarter: never "submitted by" any date


def national_conditions_as_at(*, programme, as_of: dt.date) -> dict:
    """The national-condition answers of the latest quarter that had ended by `as_of`: the return as last
    submitted when the period closed (a later quarter's answers do not leak into an earlier report)."""
    quarters = set(NationalConditionAnswer.objects.filter(programme=programme).values_list("quarter", flat=True))
    ended = sorted((end, code) for code in quarters if (end := _quarter_end(code)) and end <= as_of)
    if not ended:
        return {"quarter": "", "rows": []}
    quarter = ended[-1][1]
    rows = NationalConditionAnswer.objects.filter(programme=programme, quarter=quarter).order_by("order")
    return {
        "quarter": quarter,
        "rows": [
            {
                "code": a.code,
                "parent_code": a.parent_code,
                "text": a.text,
                "answer": a.answer,
                "commentary": a.commentary,
            }
            for a in rows
        ],
    }


def national_condition_answers_latest(*, programme, quarter: Quarter) -> dict[str, NationalConditionAnswer]:
    """Each national condition's latest stored answer for a quarter at or before `quarter`, by code (one query)."""
    latest: dict[str, tuple[Quarter, NationalConditionAnswer]] = {}
    for row in NationalConditionAnswer.objects.filter(programme=programme).order_by("order", "id"):
        try:
            stored = quarter_parse(row.quarter)
        except ValidationError:
            logger.warning("National condition answer %s has a malformed quarter %r: ignored", row.pk, row.quarter)
            continue
        if stored <= quarter and (row.code not in latest or latest[row.code][0] <= stored):
            latest[row.code] = (stored, row)
    return {code: row for code, (_, row) in latest.items()}


# --- Figures: money ------------------------------------------------------------------------------


def pooled_funds(*, programme) -> list[Fund]:
    """The programme's pooled budgets (the BCF pooled fund), which the return's money comes from."""
    return list(Fund.objects.filter(programme=programme, kind=FundKind.POOLED).order_by("name", "id"))


def income_rows(*, funds: list[Fund], quarter: Quarter) -> list[dict]:
    """Contributions recorded for the financial year, profiled evenly by quarter (one query)."""
    rows = []
    contributions = (
        FundContribution.objects.filter(fund__in=funds, financial_year__start_year=quarter.start_year)
        .select_related("fund")
        .order_by("fund__name", "id")
    )
    for c in contributions:
        rows.append(
            {
                "key": f"c{c.pk}",
                "fund": c.fund.name,
                "contributor": c.contributor,
                "year": money_text(c.amount),
                "quarter": money_text(c.amount / 4),
                "ytd": money_text(c.amount * quarter.number / 4),
            }
        )
    return rows


def expenditure_rows(*, funds: list[Fund], quarter: Quarter) -> list[dict]:
    """Planned and actual spend per allocation, for the quarter and the year to date. Three queries, however
    many funds and allocations: the spend rows of every fund are read in one go.

    The same rows finance.selectors.allocations_with_money sums (the year's spend up to the quarter). A
    missing actual is not a nil spend: when the quarter's actual is not recorded, or an earlier quarter
    planned spend and has no actual, the actual is None (a blank "not recorded"), and so is the variance,
    so neither counts it as £0. Allocations with no spend planned or recorded in the year are left out.
    """
    year = FinancialYear.objects.filter(start_year=quarter.start_year).first()
    if year is None or not funds:
        return []
    order = {fund.pk: index for index, fund in enumerate(funds)}
    names = {fund.pk: fund.name for fund in funds}
    allocations = sorted(
        Allocation.objects.filter(fund__in=funds).select_related("scheme").order_by(),
        key=lambda a: (order[a.fund_id], a.order, a.pk),
    )
    spend: dict[int, dict[int, tuple[Decimal, Decimal | None]]] = {}
    for allocation_id, number, planned, actual in (
        QuarterlySpend.objects.filter(allocation__fund__in=funds, financial_year=year, quarter__lte=quarter.number)
        .order_by()
        .values_list("allocation_id", "quarter", "planned", "actual")
    ):
        spend.setdefault(allocation_id, {})[number] = (planned or ZERO, actual)
    rows = []
    for a in allocations:
        quarters = spend.get(a.pk, {})
        planned_ytd = sum((planned for planned, _actual in quarters.values()), ZERO)
        recorded = [actual for _planned, actual in quarters.values() if actual is not None]
        if not planned_ytd and not any(recorded):
            continue
        planned_quarter, actual_quarter = quarters.get(quarter.number, (ZERO, None))
        earlier_missing = any(
            actual is None and planned for number, (planned, actual) in quarters.items() if number < quarter.number
        )
        actual_ytd = None if actual_quarter is None or earlier_missing else sum(recorded, ZERO)
        name = f"{a.scheme.ref} {a.scheme.name}".strip() if a.scheme else a.scheme_name
        rows.append(
            {
                "key": f"a{a.pk}",
                "fund": names[a.fund_id],
                "scheme": name,
                "planned_quarter": money_text(planned_quarter),
                "actual_quarter": _money_or_none(actual_quarter),
                "planned_ytd": money_text(planned_ytd),
                "actual_ytd": _money_or_none(actual_ytd),
                "variance_ytd": None if actual_ytd is None else money_text(actual_ytd - planned_ytd),
            }
        )
    return rows


def _money_or_none(amount: Decimal | None) -> str | None:
    return None if amount is None else money_text(amount)


QUARTER_KEYS = ("q1", "q2", "q3", "q4")


def _grid_row(key: str, label: str, values: Sequence[Decimal | None]) -> dict:
    """One plan/forecast/actual line: a figure per quarter (None: not recorded) and the year's total of those
    recorded, which the workbook writes as a SUM formula with this total as its cached value."""
    row: dict = {"key": key, "line": label}
    for name, value in zip(QUARTER_KEYS, values, strict=True):
        row[name] = _money_or_none(value)
    row["year"] = money_text(sum((v for v in values if v is not None), ZERO))
    return row


def _even_quarters(amount: Decimal) -> list[Decimal]:
    """A year's amount profiled evenly by quarter, to the penny, the last quarter taking the rounding so the
    four add up to the year exactly."""
    share = (amount / 4).quantize(CENT, rounding=ROUND_HALF_UP)
    return [share, share, share, amount - 3 * share]


def quarterly_money(*, funds: list[Fund], quarter: Quarter) -> dict[str, list[dict]]:
    """The pooled fund's income and expenditure by quarter of the financial year, as NHS England's template
    asks: plan, forecast and actual for Q1–Q4 and the year. Two queries.

    Income: the plan is the year's contributions profiled evenly; the forecast is the plan; the actual income
    received is not recorded by the app, so it is left blank for the submitter. Expenditure: the plan is the
    planned spend recorded for each quarter; the actual is the actual spend, for quarters up to the return's,
    blank (not recorded) when any scheme's actual is missing; the forecast is the actual where recorded and
    the plan otherwise, scheme by scheme.
    """
    contributions = list(
        FundContribution.objects.filter(fund__in=funds, financial_year__start_year=quarter.start_year)
        .order_by()
        .values_list("amount", flat=True)
    )
    profile = [sum(q, ZERO) for q in zip(*(_even_quarters(a) for a in contributions), strict=True)] or [ZERO] * 4
    income = [
        _grid_row("plan", "Plan", list(profile)),
        _grid_row("forecast", "Forecast", list(profile)),
        _grid_row("actual", "Actual", [None] * 4),
    ]
    planned = [ZERO] * 4
    forecast = [ZERO] * 4
    actual: list[Decimal | None] = [ZERO if n <= quarter.number else None for n in (1, 2, 3, 4)]
    spend = (
        QuarterlySpend.objects.filter(allocation__fund__in=funds, financial_year__start_year=quarter.start_year)
        .order_by()
        .values_list("quarter", "planned", "actual")
        if funds
        else []
    )
    for number, plan, recorded in spend:
        index = number - 1
        plan = plan or ZERO
        planned[index] += plan
        forecast[index] += recorded if recorded is not None and number <= quarter.number else plan
        so_far = actual[index]
        if so_far is not None:  # None: a quarter after the return's, or one with an actual missing
            actual[index] = None if recorded is None and plan else so_far + (recorded or ZERO)
    expenditure = [
        _grid_row("plan", "Plan", planned),
        _grid_row("forecast", "Forecast", forecast),
        _grid_row("actual", "Actual", actual),
    ]
    return {"income": income, "expenditure": expenditure}


# --- Figures: metrics ----------------------------------------------------------------------------


def _metric_row(summary, quarter: Quarter) -> dict:
    metric = summary.metric
    values = [row.value for row in summary.rows]
    if metric.frequency == Frequency.ANNUAL:
        year_start = dt.date(quarter.start_year, 4, 1)
        chosen = [v for v in values if v.period_start == year_start]
        label = quarter.year_label
    else:
        chosen = [v for v in values if quarter.starts_on <= v.period_start <= quarter.ends_on]
        label = quarter.label
    plan = actual = None
    if chosen and metric.frequency == Frequency.MONTHLY and metric.unit in SUMMABLE:
        plan = sum((v.plan for v in chosen), ZERO)
        actual = sum((v.actual for v in chosen), ZERO) if all(v.actual is not None for v in chosen) else None
        label = f"{quarter.label} ({len(chosen)} months)"
    elif chosen:
        # A share or a rate does not add up over months: the quarter's latest month with an actual.
        recorded = [v for v in chosen if v.actual is not None]
        value = recorded[-1] if recorded else chosen[-1]
        plan, actual = value.plan, value.actual
        if metric.frequency == Frequency.MONTHLY:
            label = period_label(value.period_start, metric.frequency)
    status = Status(status_of(metric=metric, plan=plan, actual=actual)).label
    notes = " ".join(v.note.strip() for v in chosen if v.note and v.note.strip())
    return {
        "key": metric.code,
        "metric": metric.name,
        "unit": metric.get_unit_display(),
        "period": label,
        # As recorded, not rounded: a rate or a share may carry more places than pence.
        "plan": None if plan is None else str(plan),
        "actual": None if actual is None else str(actual),
        "status": status,
        "note": notes,
        "demo": metric.is_demo,  # illustrative figures (the demo's): the workbook labels them
    }


def metric_rows(*, programme, quarter: Quarter) -> list[dict]:
    """Each programme metric's plan, actual and status for the quarter (two queries)."""
    return [_metric_row(summary, quarter) for summary in metric_summaries(programme=programme, kpis=False)]


# --- Figures: the BCF from 2025/26 (headline metrics, expenditure plan, pooled fund by source) ----------------

HEADLINE_STATUS = {"on track": "On track", "not on track": "Not on track", "no data": "No data"}


def _number_or_none(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def headline_rows(*, programme, quarter: Quarter) -> list[dict]:
    """Each headline metric of the quarter's policy year: the quarter's plan and actual (for a metric planned by
    month, the quarter's latest month with an actual, else its last month) and on track, by the metrics app's
    rule (metrics.selectors.headline_progress, as at the quarter's end). Two queries."""
    rows = []
    for progress in headline_progress(programme, quarter.start_year, quarter.ends_on):
        mine = [p for p in progress.points if quarter.starts_on <= p.start <= quarter.ends_on]
        latest = progress.latest if progress.latest is not None and progress.latest in mine else None
        # Only this quarter's actual counts: an earlier quarter's is not this quarter's progress.
        point = latest or (mine[-1] if mine else None)
        rows.append(
            {
                "key": progress.code,
                "metric": progress.name,
                "unit": Unit(progress.unit).label if progress.unit in Unit.values else progress.unit,
                "period": point.label if point is not None else quarter.label,
                "plan": _number_or_none(point.planned if point is not None else None),
                "actual": _number_or_none(latest.actual if latest is not None else None),
                "status": HEADLINE_STATUS[progress.status] if latest is not None else HEADLINE_STATUS["no data"],
                "note": progress.commentary if latest is not None else "",
                "demo": progress.is_demo,
            }
        )
    return rows


Plans = list[tuple[Fund, list[finance_selectors.ExpenditureLine]]]


def expenditure_plans(*, funds: list[Fund], start_year: int) -> Plans:
    """Each pooled fund with its expenditure plan for the year (finance.selectors.expenditure_plan), read once."""
    return [(fund, finance_selectors.expenditure_plan(fund, start_year)) for fund in funds]


def expenditure_plan_rows(plans: Plans) -> list[dict]:
    """Every line of the pooled funds' expenditure plans, in order."""
    rows = []
    for fund, lines in plans:
        for line in lines:
            rows.append(
                {
                    "key": f"l{line.allocation_id}",
                    "line": str(line.line) if len(plans) == 1 else f"{fund.name} {line.line}",
                    "scheme": f"{line.scheme_ref} {line.scheme_name}".strip(),
                    "scheme_type": line.scheme_type,
                    "sub_type": line.sub_type,
                    "commissioner": line.commissioner,
                    "provider": line.provider,
                    "source_code": line.source_code,
                    "source": line.source_name,
                    "planned": money_text(line.planned),
                    "spent": _money_or_none(line.spent_to_date),
                    "outputs_planned": _number_or_none(line.outputs_planned),
                    "outputs_unit": line.outputs_unit,
                    "outputs_delivered": _number_or_none(line.outputs_delivered),
                }
            )
    return rows


def expenditure_by_source_rows(lines: list[dict]) -> list[dict]:
    """The expenditure plan's lines summed by source of funding, in the order the sources first appear. A spend not
    recorded is left out of the sum, as the lines' total leaves it out."""
    totals: dict[str, dict] = {}
    for line in lines:
        row = totals.setdefault(
            line["source_code"], {"key": line["source_code"], "source": line["source"], "planned": ZERO, "spent": ZERO}
        )
        row["planned"] += Decimal(line["planned"])
        row["spent"] += Decimal(line["spent"]) if line["spent"] is not None else ZERO
    return [
        {**row, "planned": money_text(row["planned"]), "spent": money_text(row["spent"])} for row in totals.values()
    ]


def pooled_fund_rows(plans: Plans, start_year: int) -> dict[str, list[dict]]:
    """The pooled fund's checks: contributions against the plan per source (finance.selectors.pooled_fund_by_source)
    and the NHS minimum contribution to adult social care against the required figure
    (finance.selectors.nhs_minimum_to_adult_social_care). A row's status is Yes when it passes."""
    by_source, minimum = [], []
    for fund, lines in plans:
        prefix = "" if len(plans) == 1 else f"{fund.name}: "
        for total in finance_selectors.pooled_fund_by_source(fund, start_year, lines=lines):
            difference = total.difference  # planned less contributed (finance's one home for it)
            by_source.append(
                {
                    "key": f"{fund.pk}-{total.code}",
                    "source": prefix + total.name,
                    "contributed": money_text(total.contributed),
                    "planned": money_text(total.planned),
                    "difference": money_text(difference),
                    "status": "Yes" if not difference else "No",
                    "message": (
                        ""
                        if not difference
                        else f"{prefix}{total.name}: £{total.contributed:,.2f} contributed but £{total.planned:,.2f} "
                        "planned in the expenditure plan: the lines of each source must add up to its contribution."
                    ),
                }
            )
        check = finance_selectors.nhs_minimum_to_adult_social_care(fund, start_year, lines=lines)
        minimum.append(
            {
                "key": f"{fund.pk}",
                "item": fund.name,
                "computed": money_text(check.computed),
                "required": _money_or_none(check.required),
                "status": "Yes" if check.ok else "No",
                "message": "" if check.ok else check.message,
            }
        )
    return {"pooled_fund_by_source": by_source, "nhs_minimum": minimum}


LEGACY_TABLES = {"income_quarters", "expenditure_quarters", "income", "expenditure", "metrics"}


def bcf_figures(*, programme, quarter: Quarter, funds: list[Fund], wanted: set[str]) -> dict[str, dict]:
    """The 2025/26 tables the template asks for, each read once."""
    figures: dict[str, dict] = {}
    if "headline_metrics" in wanted:
        figures["headline_metrics"] = {"rows": headline_rows(programme=programme, quarter=quarter)}
    if wanted & {"expenditure_plan", "expenditure_by_source", "pooled_fund_by_source", "nhs_minimum"}:
        plans = expenditure_plans(funds=funds, start_year=quarter.start_year)
        lines = expenditure_plan_rows(plans)
        figures["expenditure_plan"] = {"rows": lines}
        figures["expenditure_by_source"] = {"rows": expenditure_by_source_rows(lines)}
        pooled = pooled_fund_rows(plans, quarter.start_year)
        figures.update({source: {"rows": rows} for source, rows in pooled.items()})
    return figures


# --- Narrative -----------------------------------------------------------------------------------


def _effective(update) -> str:
    return (update.rag or update.rag_suggested) if update else ""


def _capped(lines: list[str], more: str) -> str:
    text, used = [], 0
    for index, line in enumerate(lines):
        if used + len(line) + 1 > NARRATIVE_LIMIT - 200:
            text.append(more.format(count=len(lines) - index))
            break
        text.append(line)
        used += len(line) + 1
    return "\n".join(text)


def narrative_draft(*, programme, quarter: Quarter, expenditure: list[dict], metrics: list[dict]) -> dict:
    """Progress (the quarter's progress comments, by scheme) and variances (RAG changes between the last two
    reporting periods that started by the quarter's end, spend against plan, metrics off track). Three queries."""
    comments = list(
        ProgressComment.objects.filter(scheme__programme=programme, date__range=(quarter.starts_on, quarter.ends_on))
        .select_related("scheme")
        .order_by(natural_order("scheme__ref_key"), "scheme__name", "date", "id")
    )
    progress: list[str] = []
    current = None
    kinds = dict(CommentKind.choices)
    for comment in comments:
        if comment.scheme_id != current:
            current = comment.scheme_id
            if progress:
                progress.append("")
            progress.append(str(comment.scheme))
        text = " ".join(comment.text.split())
        progress.append(f"• {comment.date:%d/%m/%Y} {kinds.get(comment.kind, '')}: {text}")
    periods = list(
        ReportingPeriod.objects.filter(programme=programme, start_date__lte=quarter.ends_on).order_by("start_date")
    )[-2:]
    variances: list[str] = []
    if periods:
        updates = {
            (u.scheme_id, u.period_id): u
            for u in SchemePeriodUpdate.objects.filter(period__in=periods).select_related("scheme")
        }
        schemes = {u.scheme_id: u.scheme for u in updates.values()}
        last = periods[-1]
        counts: dict[str, int] = {}
        moves = []
        for scheme_id, scheme in sorted(schemes.items(), key=lambda item: (natural_key(item[1].ref), item[1].name)):
            now = _effective(updates.get((scheme_id, last.pk)))
            counts[now] = counts.get(now, 0) + 1
            if len(periods) == 2:
                before = _effective(updates.get((scheme_id, periods[0].pk)))
                if before and now and before != now:
                    moves.append(f"• {scheme}: {RAG_LABELS.get(before, before)} → {RAG_LABELS.get(now, now)}")
        shown = ", ".join(
            f"{RAG_LABELS.get(rag, 'not rated') if rag else 'not rated'} {n}" for rag, n in counts.items()
        )
        variances.append(f"Schemes by RAG for the period {last}: {shown}.")
        if len(periods) == 2:
            variances.append(
                f"RAG changes since the period {periods[0]}:"
                if moves
                else f"No scheme's RAG changed since {periods[0]}."
            )
            variances += moves
    if expenditure:
        # Like with like: schemes whose actual is not recorded are left out of both sides.
        known = [r for r in expenditure if r["actual_ytd"] is not None]
        planned = sum((Decimal(r["planned_ytd"]) for r in known), ZERO)
        actual = sum((Decimal(r["actual_ytd"]) for r in known), ZERO)
        if known:
            variances.append(
                f"Spend to date £{actual:,.2f} against £{planned:,.2f} planned: a variance of £{actual - planned:,.2f}."
            )
        if len(known) < len(expenditure):
            variances.append(
                f"Actual spend not recorded for {len(expenditure) - len(known)} scheme(s): left out of the variance."
            )
    off = [m for m in metrics if m["status"] == Status.NOT_ON_TRACK.label]
    if off:
        variances.append("Metrics not on track: " + "; ".join(m["metric"] for m in off) + ".")
    return {
        "narrative.progress": _capped(progress, "… and {count} more lines: see the schemes' highlight reports."),
        "narrative.variances": _capped(variances, "… and {count} more RAG changes."),
    }


# --- Everything a build reads --------------------------------------------------------------------


def _previous_answers(*, programme, quarter: Quarter) -> tuple[str, dict[str, tuple[str, str]]]:
    """(its quarter, {code: (value, commentary)}) of the return to carry forward: the latest signed-off version
    of an earlier quarter, else (nothing signed off yet) the latest version of one. Two or three queries.

    Signed off first, because a draft (a correction under way, say) holds answers nobody has agreed yet.
    """
    earlier = QuarterlyReturn.objects.filter(programme=programme, quarter__lt=quarter.code).order_by(
        "-quarter", "-revision"
    )
    found = earlier.filter(status=ReturnStatus.SIGNED_OFF).first() or earlier.first()
    if found is None:
        return "", {}
    answers = found.answers.filter(Q(code__startswith="cover.") | Q(code__startswith="nc.")).values_list(
        "code", "value", "commentary"
    )
    signed = found.status == ReturnStatus.SIGNED_OFF
    # A draft's national-condition answers are not carried: only what a board signed off, else the record.
    return found.quarter, {
        code: (value, commentary) for code, value, commentary in answers if signed or code.startswith("cover.")
    }


def _same_conditions(earlier: str, quarter: Quarter) -> bool:
    """Whether an answer given for the quarter `earlier` may pre-fill this quarter's: not when the two are policy
    years with different national conditions (a 2015/16 condition 1 is not a 2025/26 condition 1)."""
    theirs, mine = policy.year_for(quarter_parse(earlier).start_year), policy.year_for(quarter.start_year)
    return theirs is None or mine is None or theirs.national_conditions == mine.national_conditions


def return_source_data(*, programme, quarter: Quarter, template: ReturnTemplate, by=None) -> tuple[dict, dict]:
    """(facts, figures) for a return, read from live data. Facts pre-fill answers; figures are the tables."""
    funds = pooled_funds(programme=programme)
    wanted = {table.source for _sheet, table in template.tables()}
    # The 2015/16-shaped tables and the narrative drafted from them, only for a template that has them.
    legacy = bool(wanted & LEGACY_TABLES) or any(q.prefill.startswith("narrative.") for _s, q in template.questions())
    figures: dict[str, dict] = {}
    expenditure: list[dict] = []
    metrics: list[dict] = []
    if legacy:
        expenditure = expenditure_rows(funds=funds, quarter=quarter)
        metrics = metric_rows(programme=programme, quarter=quarter)
        by_quarter = quarterly_money(funds=funds, quarter=quarter)
        figures = {
            "income_quarters": {"rows": by_quarter["income"]},
            "expenditure_quarters": {"rows": by_quarter["expenditure"]},
            "income": {"rows": income_rows(funds=funds, quarter=quarter)},
            "expenditure": {"rows": expenditure},
            "metrics": {"rows": metrics},
        }
    figures.update(bcf_figures(programme=programme, quarter=quarter, funds=funds, wanted=wanted - LEGACY_TABLES))
    for _sheet, table in template.tables():
        figures.setdefault(table.source, {"rows": []})
    previous_quarter, answers = _previous_answers(programme=programme, quarter=quarter)
    previous = {code: value for code, (value, _commentary) in answers.items()}
    facts: dict = {
        "quarter.label": f"{quarter.label} ({quarter.months})",
        "cover.hwb": programme.health_and_wellbeing_board or previous.get("cover.hwb", ""),
        "cover.completed_by": previous.get("cover.completed_by") or (by.get_full_name() if by else ""),
        "cover.email": previous.get("cover.email") or (by.email if by else ""),
        "cover.phone": previous.get("cover.phone", ""),
        "cover.date": f"{timezone.localdate():%d/%m/%Y}",
        "sign_off": "",
        "budget.s75": "Yes" if any(f.section_75 for f in funds) else "No",
    }
    for code, answer in national_condition_answers_latest(programme=programme, quarter=quarter).items():
        if not _same_conditions(answer.quarter, quarter):
            continue
        facts[f"condition:{code}"] = {
            "value": answer.answer,
            "commentary": answer.commentary,
            "from": answer.quarter,
        }
    # The last signed-off return's answers, unless a later quarter's answer is on record (recorded for this
    # quarter, say): the most recent wins, and on the same quarter the signed-off return.
    for code, (value, commentary) in answers.items():
        if code.startswith("nc.") and _same_conditions(previous_quarter, quarter):
            recorded = facts.get(f"condition:{code[3:]}")
            if recorded is None or quarter_parse(recorded["from"]) <= quarter_parse(previous_quarter):
                facts[f"condition:{code[3:]}"] = {"value": value, "commentary": commentary, "from": previous_quarter}
    if legacy:
        facts.update(narrative_draft(programme=programme, quarter=quarter, expenditure=expenditure, metrics=metrics))
    return facts, figures


# --- Returns -------------------------------------------------------------------------------------


def return_quarters(*, programme, today: dt.date | None = None) -> list[dict]:
    """The programme's quarters up to the current one, newest first, each with its versions and latest job.

    Three queries whatever the number of quarters.
    """
    today = today or timezone.localdate()
    quarters = [q for q in quarters_between(programme.start_date, min(programme.end_date, today))]
    versions: dict[str, list[QuarterlyReturn]] = {}
    for r in (
        QuarterlyReturn.objects.filter(programme=programme)
        .defer("workbook", "facts", "figures")
        .select_related("signed_off_by")
        .order_by("quarter", "revision")
    ):
        versions.setdefault(r.quarter, []).append(r)
    jobs: dict[str, BackgroundJob] = {}
    for job in _return_jobs(programme).defer("file", "payload").order_by("created_at", "id"):
        jobs[job.subject] = job
    known = {q.code for q in quarters}
    extra = sorted({code for code in versions if code not in known})
    rows: list[dict[str, Any]] = []
    for quarter in quarters + [quarter_parse(code) for code in extra]:
        mine = versions.get(quarter.code, [])
        rows.append(
            {
                "quarter": quarter,
                "versions": mine,
                "latest": mine[-1] if mine else None,
                "signed": [v for v in mine if v.status == ReturnStatus.SIGNED_OFF],
                "job": jobs.get(quarter.code),
                "has_template": template_for(quarter.start_year, quarter.number) is not None,
            }
        )
    rows.sort(key=lambda row: row["quarter"], reverse=True)
    return rows


def return_versions(*, programme, quarter: Quarter) -> list[QuarterlyReturn]:
    """Every version of a quarter's return, oldest first, without their workbook bytes."""
    return list(
        QuarterlyReturn.objects.filter(programme=programme, quarter=quarter.code)
        .defer("workbook")
        .select_related("signed_off_by", "built_by", "corrects")
        .order_by("revision")
    )


def return_draft(*, programme, quarter: Quarter) -> QuarterlyReturn | None:
    return QuarterlyReturn.objects.filter(programme=programme, quarter=quarter.code, status=ReturnStatus.DRAFT).first()


def _return_jobs(programme):
    # The kind's name, not returns.services.RETURN_JOB: services import this module.
    return BackgroundJob.objects.filter(programme=programme, kind="quarterly_return")


def job_latest(*, programme, quarter: Quarter) -> BackgroundJob | None:
    return _return_jobs(programme).filter(subject=quarter.code).order_by("-created_at", "-id").first()


def job_active(*, programme, quarter: Quarter) -> BackgroundJob | None:
    return (
        _return_jobs(programme)
        .filter(subject=quarter.code)
        .filter(Q(state=JobState.QUEUED) | Q(state=JobState.RUNNING))
        .order_by("-created_at")
        .first()
    )
