"""Panels other apps add to a scheme's page (its risks, KPIs, money).

Apps above `schemes` (risks, finance, metrics) register a panel in their AppConfig.ready(); the scheme page
shows every registered panel in order. So `schemes` never imports them: dependencies run one way.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe


@dataclass(frozen=True)
class SchemePanel:
    """A section of the scheme page: a template, and what it needs (read through the owning app's selectors)."""

    key: str
    template: str
    order: int
    context: Callable[..., dict[str, Any]]  # (scheme=..., user=...) -> the template's context


_panels: dict[str, SchemePanel] = {}


def scheme_panel_register(panel: SchemePanel) -> None:
    """Add (or replace, by key) a panel; called from an AppConfig.ready()."""
    _panels[panel.key] = panel


def scheme_panels() -> list[SchemePanel]:
    return sorted(_panels.values(), key=lambda p: (p.order, p.key))


def scheme_panels_render(*, scheme, user, request=None) -> SafeString:
    """Every panel's HTML for one scheme, in order (templates escape their own content)."""
    html = [
        render_to_string(panel.template, {"scheme": scheme, **panel.context(scheme=scheme, user=user)}, request=request)
        for panel in scheme_panels()
    ]
    return mark_safe("\n".join(html))  # noqa: S308 - each part is a rendered, auto-escaped template
