""" "Ready to report?": what a programme still lacks before its first highlight report can be issued.

Each check gives the items it finds missing, each with the page that fixes it. Schemes' own checks are here; apps
above schemes (finance: a fund, fully allocated) register theirs in their AppConfig.ready(), as scheme panels do,
so schemes never imports them.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse
from django.utils import timezone

from schemes.models import SchemeStatus


@dataclass(frozen=True)
class Missing:
    """One thing still missing, in words a programme officer reads, and where to fix it."""

    text: str
    url: str
    fix: str


@dataclass(frozen=True)
class SetupCheck:
    key: str
    order: int
    label: str
    missing: Callable[..., list[Missing]]  # (programme=...) -> what is missing; [] when this part is ready


_checks: dict[str, SetupCheck] = {}


def setup_check_register(check: SetupCheck) -> None:
    """Add (or replace, by key) a check; called from an AppConfig.ready() for checks above schemes."""
    _checks[check.key] = check


def setup_checklist(*, programme, today=None) -> list[dict]:
    """Every check in order: its label, and what is missing ([] when ready)."""
    day = today or timezone.localdate()
    return [
        {"key": check.key, "label": check.label, "missing": check.missing(programme=programme, today=day)}
        for check in sorted(_checks.values(), key=lambda c: (c.order, c.key))
    ]


def _periods(*, programme, today) -> list[Missing]:
    url = reverse("setup:periods", args=[programme.slug])
    periods = list(programme.periods.order_by("start_date"))
    if not periods:
        return [Missing("There are no reporting periods.", url, "Set up reporting periods")]
    current = next((p for p in periods if p.contains(today)), None)
    if current is None:
        upcoming = [p for p in periods if p.start_date > today]
        if not upcoming:
            return [
                Missing(
                    f"No reporting period covers today ({today:%d/%m/%Y}): the last one has ended.", url, "Add periods"
                )
            ]
        current = upcoming[0]
    if current.board_date is None:
        return [
            Missing(
                f"The current period ({current}) has no board date.",
                reverse("setup:period_edit", args=[current.pk]),
                "Give it a board date",
            )
        ]
    return []


def _workstreams(*, programme, today) -> list[Missing]:
    if programme.workstreams.filter(is_retired=False).exists():
        return []
    return [
        Missing("There are no workstreams.", reverse("setup:workstreams", args=[programme.slug]), "Add workstreams")
    ]


def _schemes(*, programme, today) -> list[Missing]:
    schemes = list(programme.schemes.exclude(status=SchemeStatus.CLOSED).prefetch_related("leads"))
    if not schemes:
        return [
            Missing("There are no schemes.", reverse("schemes:import", args=[programme.slug]), "Upload the schemes")
        ]
    return [
        Missing(f"Scheme {scheme} has no lead.", reverse("setup:scheme_lead", args=[scheme.pk]), "Choose its lead")
        for scheme in schemes
        if scheme.status == SchemeStatus.ACTIVE and not any(lead.is_current(today) for lead in scheme.leads.all())
    ]


setup_check_register(SetupCheck("periods", 10, "Reporting periods and board dates", _periods))
setup_check_register(SetupCheck("workstreams", 20, "Workstreams", _workstreams))
setup_check_register(SetupCheck("schemes", 30, "Schemes and their leads", _schemes))
