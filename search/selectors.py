"""Search across a person's programmes: schemes, milestones, risks, decisions and issued highlight reports, by
reference or by words.

Scoped like every page: only records of the programmes the person holds a role on (accounts.roles
`user_programme_ids`, as each app's permissions.py scopes its getters), so another partnership's rows never come
back. On PostgreSQL the words are matched with full-text search (stemmed, ranked, GIN-indexed: search.documents);
on SQLite (a laptop, most tests) every word must appear somewhere in the record (icontains).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import reduce
from operator import and_, or_

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection
from django.db.models import Q, QuerySet
from django.urls import reverse

from accounts.roles import user_programme_ids
from core.natural import natural_order
from finance.models import Decision
from milestones.models import Milestone
from reporting.models import IssuedReport
from risks.models import Risk
from schemes.models import Scheme
from search import documents
from search.documents import CONFIG, Document

MIN_LENGTH = 2
MAX_LENGTH = 200
PER_KIND = 20  # the best matches of each kind; the page says when there are more


@dataclass(frozen=True)
class Hit:
    """One record found: what it is, its reference (if it has one), its title, where it sits, and its page."""

    ref: str
    title: str
    context: str
    url: str


@dataclass
class Section:
    label: str
    hits: list[Hit] = field(default_factory=list)
    more: bool = False


@dataclass
class Results:
    text: str
    sections: list[Section]
    too_short: bool = False

    @property
    def count(self) -> int:
        return sum(len(s.hits) for s in self.sections)


@dataclass(frozen=True)
class _Kind:
    label: str
    document: Document
    queryset: Callable[[frozenset[int]], QuerySet]
    order: tuple
    hit: Callable[[object, bool], Hit]


def full_text() -> bool:
    """Whether this database does full-text search (PostgreSQL) or the simple fallback (SQLite)."""
    return connection.vendor == "postgresql"


def _words(text: str) -> list[str]:
    return [w for w in text.split() if w][:10]


def _programme_suffix(programme, many: bool) -> str:
    return f" · {programme.name}" if many else ""


def _scheme_hit(s, many: bool) -> Hit:
    return Hit(s.ref, s.name, f"Scheme{_programme_suffix(s.programme, many)}", reverse("schemes:detail", args=[s.pk]))


def _milestone_hit(m, many: bool) -> Hit:
    scheme = m.scheme
    return Hit(
        "",
        m.description,
        f"Milestone of {scheme.ref} {scheme.name}{_programme_suffix(scheme.programme, many)}",
        f"{reverse('schemes:detail', args=[scheme.pk])}#milestone-{m.pk}",
    )


def _risk_hit(r, many: bool) -> Hit:
    status = "closed risk" if r.status == "closed" else "risk"
    ref = f"AF {r.assurance_reference}" if r.assurance_reference else ""
    return Hit(
        ref,
        r.title,
        f"{status.capitalize()}{_programme_suffix(r.programme, many)}",
        reverse("risks:detail", args=[r.pk]),
    )


def _decision_hit(d, many: bool) -> Hit:
    return Hit(
        d.reference,
        d.title,
        f"Decision of the {d.body}, {d.decided_on:%d/%m/%Y} · {d.fund.name}{_programme_suffix(d.fund.programme, many)}",
        reverse("finance:decision", args=[d.pk]),
    )


def _report_hit(r, many: bool) -> Hit:
    return Hit(
        f"v{r.version}",
        f"Highlight report to the {r.meeting}, {r.meeting_date:%d/%m/%Y}",
        f"Issued report for {r.period.name}{_programme_suffix(r.programme, many)}",
        reverse("reporting:issued", args=[r.pk]),
    )


KINDS = (
    _Kind(
        "Schemes",
        documents.SCHEME,
        lambda ids: Scheme.objects.filter(programme_id__in=ids).select_related("programme"),
        (natural_order("ref_key"), "name"),
        _scheme_hit,
    ),
    _Kind(
        "Milestones",
        documents.MILESTONE,
        lambda ids: Milestone.objects.filter(scheme__programme_id__in=ids).select_related("scheme__programme"),
        (natural_order("scheme__ref_key"), "due_date", "pk"),
        _milestone_hit,
    ),
    _Kind(
        "Risks",
        documents.RISK,
        lambda ids: Risk.objects.filter(programme_id__in=ids).select_related("programme"),
        ("status", "-raised_on", "pk"),
        _risk_hit,
    ),
    _Kind(
        "Decisions",
        documents.DECISION,
        lambda ids: Decision.objects.filter(fund__programme_id__in=ids).select_related("fund__programme"),
        ("-decided_on", "pk"),
        _decision_hit,
    ),
    _Kind(
        "Highlight reports",
        documents.REPORT,
        lambda ids: (
            IssuedReport.objects.filter(programme_id__in=ids)
            .select_related("programme", "period")
            .defer("pdf", "snapshot")
        ),
        ("-meeting_date", "-version"),
        _report_hit,
    ),
)


def _matching(kind: _Kind, queryset: QuerySet, text: str) -> QuerySet:
    """The records with every word of the text (a reference is one of the words: each kind's ref is in its
    document), best first on PostgreSQL. Nothing but the document is matched there, so the GIN index can serve."""
    if full_text():
        query = SearchQuery(text, config=CONFIG, search_type="websearch")
        vector = kind.document.vector()
        return (
            queryset.annotate(document=vector, rank=SearchRank(vector, query))
            .filter(document=query)
            .order_by("-rank", *kind.order)
        )
    every_word = reduce(
        and_,
        (reduce(or_, (Q(**{f"{name}__icontains": word}) for name in kind.document.fields)) for word in _words(text)),
    )
    return queryset.filter(every_word).order_by(*kind.order)


def search(*, user, text: str) -> Results:
    """Schemes, milestones, risks, decisions and issued reports of the user's programmes matching the text, the
    best PER_KIND of each kind. One query per kind (and one for the user's roles)."""
    text = " ".join(text.split())[:MAX_LENGTH]
    if len(text) < MIN_LENGTH:
        return Results(text=text, sections=[], too_short=bool(text))
    programme_ids = user_programme_ids(user)
    many = len(programme_ids) > 1
    sections = []
    for kind in KINDS:
        found = list(_matching(kind, kind.queryset(programme_ids), text)[: PER_KIND + 1])
        sections.append(
            Section(kind.label, [kind.hit(row, many) for row in found[:PER_KIND]], more=len(found) > PER_KIND)
        )
    return Results(text=text, sections=sections)
