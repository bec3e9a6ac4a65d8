"""Links from each tile to the list behind it, carrying the dashboard's filters where that list accepts them.

- Scheme list (schemes/filters.py): programme, workstream, lead, rag. Its RAG is the latest period's,
  so a RAG count links with `rag` only when the dashboard shows the latest period. It has no locality
  filter.
- Risk register (risks/filters.py): programme, status, likelihood × consequence cell, review overdue,
  scheme. It has no workstream, locality or lead filter.
- Milestones: the dashboard's own list (dashboard:milestones), which takes every dashboard filter.
"""

from django.http import QueryDict
from django.urls import reverse

from dashboard.forms import DashboardFilters


def _url(name: str, params: dict, *args) -> str:
    query = QueryDict(mutable=True)
    for key, value in params.items():
        if value not in (None, ""):
            query[key] = str(value)
    return f"{reverse(name, args=args)}?{query.urlencode()}"


def is_latest_period(filters: DashboardFilters) -> bool:
    return bool(filters.period and filters.periods and filters.periods[-1].pk == filters.period.pk)


def scheme_list(filters: DashboardFilters, *, rag: str | None = None) -> str:
    params = {
        "programme": filters.programme.slug,
        "workstream": filters.workstream.pk if filters.workstream else None,
        "lead": filters.lead.pk if filters.lead else None,
    }
    if rag and is_latest_period(filters):
        params["rag"] = rag
    return _url("schemes:list", params)


def scheme_detail(filters: DashboardFilters, pk: int) -> str:
    return _url("schemes:detail", {"period": filters.period.code if filters.period else None}, pk)


def risk_register(filters: DashboardFilters, **extra) -> str:
    return _url("risks:register", {"programme": filters.programme.slug, "status": "open", **extra})


def heat_map_cell_query(filters: DashboardFilters) -> str:
    """The query the shared heat map template puts before `likelihood=…&consequence=…`."""
    return risk_register(filters).split("?", 1)[1]


def milestone_list(filters: DashboardFilters, kind: str) -> str:
    return f"{reverse('dashboard:milestones')}?{filters.query(kind=kind)}"


def tile_csv(filters: DashboardFilters, tile: str) -> str:
    return f"{reverse('dashboard:csv', args=[tile])}?{filters.query()}"


def money() -> str:
    return reverse("finance:list")


def tile_links(filters: DashboardFilters) -> dict:
    """Every link the dashboard page shows, by tile."""
    return {
        "schemes": scheme_list(filters),
        "schemes_by_rag": {rag: scheme_list(filters, rag=rag) for rag in ("red", "amber", "green", "blue")},
        "rag_filter_applies": is_latest_period(filters),
        "overdue": milestone_list(filters, "overdue"),
        "slipped": milestone_list(filters, "slipped"),
        "risks": risk_register(filters),
        "risks_review_overdue": risk_register(filters, review_overdue="true"),
        "heat_map_base": reverse("risks:register"),
        "heat_map_query": heat_map_cell_query(filters),
        "money": money(),
        "metrics": f"{reverse('metrics:list')}?programme={filters.programme.slug}",
        "csv": {
            tile: tile_csv(filters, tile) for tile in ("schemes", "milestones", "risks", "money", "metrics", "headline")
        },
    }
