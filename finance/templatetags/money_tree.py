"""The Appendix 1 allocation tree's rows, built in Python.

An included template per group, with two `{% url %}` links per allocation, took ~120 ms for a fund of
500 allocations; building the same markup here takes a few milliseconds. The links come from one
reverse() per call with a placeholder id, not one per row. The markup is what the template made, but
for the line breaks between rows.
"""

import html
import unicodedata

from django import template
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.text import Truncator

from core.templatetags.bcf import percent, thousands
from finance.models import Allocation
from finance.selectors import SECTION_TITLES, appendix_lines, appendix_section_lines, section_title

register = template.Library()

NOTE_LENGTH = 80  # as `|truncatechars:80`
_PLACEHOLDER = 918273645
_NO_FORECAST = '<span class="text-body-secondary" title="No forecast given: counted at budget">*</span>'


def _esc(value) -> str:
    """What autoescaping does to a plain value (django.utils.html.escape, without the SafeString)."""
    return html.escape(str(value))


def _url_parts(name: str) -> tuple[str, str]:
    """The escaped text before and after the id in the URL `name`, which takes one integer id."""
    head, _, tail = reverse(name, args=[_PLACEHOLDER]).rpartition(str(_PLACEHOLDER))
    return _esc(head), _esc(tail)


def _note(note: str) -> str:
    """`note|truncatechars:80`, without the Truncator's cost for the usual short, already-normal note."""
    if len(note) <= NOTE_LENGTH and unicodedata.is_normalized("NFC", note):
        return note
    return Truncator(note).chars(NOTE_LENGTH)


def _figures(row) -> str:
    """Budget, spent, forecast and variance cells (the filters give digits, commas and brackets only)."""
    return (
        f'<td class="text-end">{thousands(row.budget)}</td><td class="text-end">{thousands(row.spent)}</td>'
        f'<td class="text-end">{thousands(row.forecast)}</td><td class="text-end">{thousands(row.variance)}</td>'
    )


class _TreeRows:
    def __init__(self, numbers: dict | None = None, show_notes: bool = True):
        self.numbers = numbers or {}
        # The note column is the programme office's (provenance notes, issue 21): others get a table without it.
        self.show_notes = show_notes
        self.width = 8 if show_notes else 7
        self.allocation_head, self.allocation_tail = _url_parts("finance:allocation")
        self.scheme_head, self.scheme_tail = _url_parts("schemes:detail")
        # get_status_display(), read once rather than per row.
        self.statuses = {value: _esc(label) for value, label in Allocation._meta.get_field("status").flatchoices}
        self.out: list[str] = []

    def section(self, section) -> None:
        for line in appendix_section_lines(section):
            if line.kind == "row":
                self.allocation(line.money)
            elif line.kind == "initiative":
                self.out.append(
                    f'<tr class="table-light"><th scope="rowgroup" colspan="{self.width}">'
                    f"{_esc(line.label or '(no initiative)')}</th></tr>\n"
                )
            elif line.kind == "workstream" and line.label:
                self.out.append(
                    f'<tr><th scope="rowgroup" colspan="{self.width}" class="ps-3 fw-semibold small text-body-secondary">'
                    f"{_esc(line.label)}</th></tr>\n"
                )
            elif line.kind == "subtotal" and line.groups > 1:
                self.out.append(
                    f'<tr class="fst-italic"><td colspan="{self.width - 6}" class="ps-3">{_esc(line.label)}</td>'
                    f'{_figures(line.money)}<td colspan="2"></td></tr>\n'
                )

    def allocation(self, item) -> None:
        a = item.allocation
        scheme = (
            f' <a class="small" href="{self.scheme_head}{a.scheme_id}{self.scheme_tail}">({_esc(a.scheme_ref)})</a>'
            if a.scheme_id
            else ""
        )
        status = self.statuses[a.status] if a.status in self.statuses else _esc(a.status)
        number = self.numbers.get(a.pk)
        mark = f" <sup>{number}</sup>" if number else ""
        if getattr(a, "figure_in_id", None) is not None:
            figure = "—"
        elif getattr(a, "printed_figure", None) is not None:
            figure = f'{thousands(a.printed_figure)} <span class="small">(as printed)</span>'
        else:
            figure = thousands(item.budget)
        self.out.append(
            f'<tr>\n  <td class="ps-4"><a href="{self.allocation_head}{a.pk}{self.allocation_tail}">'
            f"{_esc(item.label)}</a>{mark}{scheme}</td>\n"
            + (f'  <td class="small text-body-secondary">{_esc(_note(a.note))}</td>\n' if self.show_notes else "")
            + f'  <td class="text-end">{figure}</td><td class="text-end">{thousands(item.spent)}</td>\n'
            f'  <td class="text-end">{thousands(item.forecast)}{"" if item.forecast_given else _NO_FORECAST}</td>\n'
            f'  <td class="text-end">{thousands(item.variance)}</td><td class="text-end">{percent(item.variance_pct)}</td>'
            f"<td>{status}</td>\n</tr>\n"
        )


@register.simple_tag
def appendix_notes(fund, tree):
    """The page's Appendix 1 extras from finance.selectors.appendix_lines (the one home of its lines): the
    footnote number of each allocation that has one, the footnotes, each section's heading as the paper prints it,
    and the unallocated and fund total lines."""
    lines = appendix_lines(fund=fund, tree=tree)
    return {
        "numbers": {line.allocation.pk: line.footnote for line in lines if line.kind == "row" and line.footnote},
        "notes": [line for line in lines if line.kind == "footnote"],
        "headings": {title: section_title(status, fund) for status, title in SECTION_TITLES.items()},
        "unallocated": next(line.money for line in lines if line.kind == "unallocated"),
        "fund_total": next(line.money for line in lines if line.kind == "fund_total"),
    }


@register.filter
def heading_for(label, notes):
    return notes["headings"].get(label, label)


@register.simple_tag
def allocation_tree_rows(group, notes=None, show_notes=True):
    """The rows of one section of the tree from finance.selectors.fund_overview (its rows carry an
    AllocationLine), walked as finance.selectors.appendix_section_lines: the initiative and workstream headings,
    each allocation with links to its own page and its programme scheme, and the subtotals of more than one."""
    rows = _TreeRows(notes["numbers"] if notes else None, show_notes=bool(show_notes))
    rows.section(group)
    return mark_safe("".join(rows.out))  # noqa: S308 - every value above is escaped or a formatted figure
