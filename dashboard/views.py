"""The steering group dashboard, each tile's CSV, and the milestone list behind the milestones tile."""

from datetime import date
from decimal import Decimal

from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from cases.selectors import cases_overview
from core.charts import bar_chart, rag_label, rag_strip
from core.rag import Trend
from core.spreadsheets import CSV_CONTENT_TYPE, CSV_ENCODING, csv_text_of, safe_cell_text
from dashboard import links, selectors
from dashboard.forms import DashboardFilters, dashboard_filters_from
from metrics.charts import metric_chart
from milestones.models import MilestoneStatus
from schemes.illustrative import illustrative_label
from schemes.models import Locality, SchemeStatus
from schemes.permissions import SESSION_PROGRAMME, programme_can_set_up, require_programme_reader

MILESTONES_PER_PAGE = 50


def _filters(request):
    """The dashboard's filters, on the programme named in the address (remembered for next time) or picked last."""
    resolved = dashboard_filters_from(request.GET, user=request.user, remembered=request.session.get(SESSION_PROGRAMME))
    slug = resolved.filters.programme.slug if resolved.filters is not None else None
    if request.GET.get("programme") and slug and request.session.get(SESSION_PROGRAMME) != slug:
        request.session[SESSION_PROGRAMME] = slug  # only a change is saved: no session write per page
    return resolved


PENNY = Decimal("0.01")
ILLUSTRATIVE_COLUMN = "Illustrative data"  # the last column of an invented programme's CSVs


@require_GET
def index(request):
    """Exceptions first: RAG and its change, overdue and slipping milestones, open risks, money."""
    require_programme_reader(request.user)
    resolved = _filters(request)
    filters = resolved.filters
    context = {"programme": None, "programmes": resolved.programmes, "can_admin": request.user.is_superuser}
    if filters is None:
        return render(request, "dashboard/index.html", context)
    context.update(
        {
            "programme": filters.programme,
            "filters": filters,
            "can_set_up": programme_can_set_up(request.user, filters.programme),
            "form": resolved.form,
            "links": links.tile_links(filters),
            "gaps": selectors.programme_gaps(filters=filters) if filters.period is None else [],
        }
    )
    if not context["gaps"]:
        context.update(selectors.dashboard(filters=filters))
        context["cases"] = cases_overview(programme=filters.programme)
        if not context["rag"].total and not filters.narrows_schemes:
            context["gaps"] = selectors.programme_gaps(filters=filters)  # no scheme at all?
    if not context["gaps"]:
        context["rag_chart"] = _rag_chart(filters, context["rag"], context["links"])
        for row in context["rag"].exceptions:
            row["url"] = links.scheme_detail(filters, row["pk"])
            row["strip"] = rag_strip(row["history"], title=f"{row['ref']} {row['name']}: RAG by period")
        for summary in context["metrics"]["metrics"]:
            summary.chart = metric_chart(summary, width=280, height=110)
    return render(request, "dashboard/index.html", context)


def _rag_chart(filters: DashboardFilters, summary, tile_links: dict):
    period = filters.period.name if filters.period else ""
    items = [
        {
            "rag": c.rag,
            "label": c.label,
            "value": c.count,
            # The scheme list filters on the latest RAG, so a bar links there only for the latest period.
            "href": tile_links["schemes_by_rag"].get(c.rag) if c.rag and tile_links["rag_filter_applies"] else None,
        }
        for c in summary.counts
    ]
    described = ", ".join(f"{c.label} {c.count}" for c in summary.counts)
    return bar_chart(
        items,
        title=f"Schemes by RAG, {period}",
        desc=f"{summary.total} schemes: {described}.",
        orientation="horizontal",
        width=520,
        height=130,
        chart_id="rag-chart",
    )


# --- CSV -------------------------------------------------------------------------------------------


def _cell(value):
    """Text neutralised (formula-like text becomes text), numbers as numbers, dates as YYYY-MM-DD."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, Decimal):
        return value.quantize(PENNY)  # pounds and pence, whatever the database hands back
    if isinstance(value, int):
        return value
    if isinstance(value, date):
        return value.isoformat()
    return safe_cell_text(value)


def _schemes_csv(filters: DashboardFilters):
    period, previous = filters.period, filters.previous
    header = [
        "Ref",
        "Scheme",
        "Workstream",
        "Locality",
        "Status",
        f"RAG {period.code}" if period else "RAG",
        f"RAG {previous.code}" if previous else "Previous RAG",
        "Trend",
    ]
    localities, statuses, trends = dict(Locality.choices), dict(SchemeStatus.choices), dict(Trend.choices)
    rows = [
        [
            r["ref"],
            r["name"],
            r["workstream__name"],
            localities.get(r["locality"], r["locality"]),
            statuses.get(r["status"], r["status"]),
            rag_label(r["rag_now"]),
            rag_label(r["rag_before"]) if previous else "",
            trends.get(r["trend"] or "", ""),
        ]
        for r in selectors.rag_rows(filters=filters)
    ]
    return header, rows


def _milestones_csv(filters: DashboardFilters):
    header = [
        "Ref",
        "Scheme",
        "Milestone",
        "Phase",
        "Baseline date",
        "Due date",
        f"Days overdue at {filters.as_of.isoformat()}",
        "Days slipped against baseline",
        "Status",
    ]
    statuses = dict(MilestoneStatus.choices)
    rows = [
        [
            m["scheme__ref"],
            m["scheme__name"],
            m["description"],
            m["phase"],
            m["baseline_date"],
            m["due_date"],
            m["days_overdue"],
            m["days_slipped"],
            statuses.get(m["status"], m["status"]),
        ]
        for m in selectors.milestone_rows(filters=filters)
    ]
    return header, rows


def _risks_csv(filters: DashboardFilters):
    header = [
        "Risk",
        "Schemes",
        "Owner",
        "Likelihood",
        "Consequence",
        "Score",
        "Grade",
        "Next review",
        "On assurance framework",
        "Risk ID",
    ]
    rows = [
        [
            r["title"],
            ", ".join(r["schemes"]) or "Programme",
            r["owner"],
            r["likelihood"],
            r["consequence"],
            r["score_value"],
            r["grade"].label,
            r["next_review_date"],
            r["on_assurance_framework"],
            r["pk"],
        ]
        for r in selectors.risk_rows(filters=filters)
    ]
    return header, rows


def _money_csv(filters: DashboardFilters):
    header = [
        "Fund",
        "Total (£)",
        "Allocated (£)",
        "Unallocated (£)",
        "Spent (£)",
        "Forecast outturn (£)",
        "Variance (£)",
        "Allocations counted",
        "Forecast given for every allocation",
    ]
    rows = [
        [
            m.fund.name,
            None if m.narrowed else m.total,
            m.allocated,
            m.unallocated,
            m.spent,
            m.forecast,
            m.variance,
            m.allocations,
            m.forecast_given,
        ]
        for m in selectors.money_summary(filters=filters)
    ]
    return header, rows


def _metrics_csv(filters: DashboardFilters):
    header = ["Metric", "Unit", "Direction", "Period", "Plan", "Actual", "Against plan (%)", "Status", "Demo figures"]
    rows = [
        [
            s.metric.name,
            s.metric.get_unit_display(),
            s.metric.get_direction_display(),
            row.label,
            row.value.plan,
            row.value.actual,
            row.variance,
            row.status_label,
            "Yes" if s.metric.is_demo else "No",
        ]
        for s in selectors.metrics_summary(filters=filters)["metrics"]
        for row in s.rows
    ]
    return header, rows


def _headline_csv(filters: DashboardFilters):
    """The policy year's headline metrics, every planned period with its plan, numerator, denominator and actual,
    and each metric's status by the year's rule as at the period's end (the panel's own figures)."""
    header = [
        "Metric",
        "Unit",
        "Direction",
        "Period",
        "Plan",
        "Numerator",
        "Denominator",
        "Actual",
        "Status as at",
        "Status",
        "Commentary",
        "Demo figures",
    ]
    panel = selectors.headline_summary(filters=filters)
    if panel is None:
        return header, []
    rows = []
    for progress in (item["progress"] for item in panel["items"]):
        metric = [
            progress.name,
            progress.unit,
            "Lower is better" if progress.lower_is_better else "Higher is better",
        ]
        status = [panel["as_of"], progress.status, progress.commentary, "Yes" if progress.is_demo else "No"]
        for point in progress.points:
            rows.append(
                [*metric, point.label, point.planned, point.numerator, point.denominator, point.actual, *status]
            )
        if not progress.points:  # not planned yet: one row, so the metric is not missing from the file
            rows.append([*metric, "", None, None, None, None, *status])
    return header, rows


CSV_TILES = {
    "schemes": _schemes_csv,
    "milestones": _milestones_csv,
    "risks": _risks_csv,
    "money": _money_csv,
    "metrics": _metrics_csv,
    "headline": _headline_csv,
}


@require_GET
def tile_csv(request, tile: str):
    """One tile's data as CSV, under the same filters as the page."""
    require_programme_reader(request.user)
    build = CSV_TILES.get(tile)
    if build is None:
        raise Http404("No such dashboard tile.")
    filters = _filters(request).filters
    if filters is None:
        raise Http404("There is no programme yet.")
    header, rows = build(filters)
    label = illustrative_label(filters.programme.pk)
    if label:  # an invented partnership's figures say so in the header and on every row, whatever is kept of the file
        header, rows = [*header, ILLUSTRATIVE_COLUMN], [[*row, label] for row in rows]
    text = csv_text_of([header, *([_cell(v) for v in row] for row in rows)])
    response = HttpResponse(text.encode(CSV_ENCODING), content_type=CSV_CONTENT_TYPE)
    period = f"-{filters.period.code}" if filters.period else ""
    response["Content-Disposition"] = f'attachment; filename="dashboard-{filters.programme.slug}{period}-{tile}.csv"'
    return response


# --- The milestone list behind the milestones tile -------------------------------------------------

MILESTONE_KINDS = {
    "overdue": ("Overdue milestones", selectors.overdue_milestones),
    "slipped": ("Slipped milestones, completed ones included", selectors.slipped_milestones),
}


@require_GET
def milestone_list(request):
    """Every overdue open milestone (or every slipped one, completed included) under the dashboard's filters,
    worst first, 50 to a page."""
    require_programme_reader(request.user)
    kind = request.GET.get("kind") or "overdue"
    if kind not in MILESTONE_KINDS:
        kind = "overdue"
    resolved = _filters(request)
    filters = resolved.filters
    if filters is None:
        raise Http404("There is no programme yet.")
    title, select = MILESTONE_KINDS[kind]
    page = Paginator(select(filters=filters), MILESTONES_PER_PAGE).get_page(request.GET.get("page"))
    milestones = selectors.with_days(page.object_list, filters.as_of)
    return render(
        request,
        "dashboard/milestones.html",
        {
            "programme": filters.programme,
            "filters": filters,
            "form": resolved.form,
            "kind": kind,
            "title": title,
            "page": page,
            "milestones": milestones,
            "page_links": page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1),
            "query_without_page": filters.query(kind=kind),
            "dashboard_url": f"{reverse('dashboard:index')}?{filters.query()}",
            "other_kind": "slipped" if kind == "overdue" else "overdue",
            "links": links.tile_links(filters),
        },
    )
