"""The finance appendices as their own PDFs: Appendix 1 of the Executive report (004), from finance's lines, and the
budget monitoring (003 §3's layout, reporting.selectors.budget_monitoring_print)."""

from django.template.loader import render_to_string
from django.utils import timezone

from finance.selectors import appendix_lines, fund_overview
from reporting.renderers.pdf import RenderedPdf, html_to_pdf
from reporting.selectors import budget_monitoring_print


def finance_appendix(*, fund) -> dict:
    """Appendix 1 of a fund as the PDF templates print it (stand-alone, or in the board pack)."""
    overview = fund_overview(fund=fund)
    return {
        "fund": fund,
        "rows": appendix_rows(
            appendix_lines(fund=fund, tree=overview["tree"], reconciliation=overview["summary"]["reconciliation"])
        ),
        "summary": overview["summary"],
    }


def finance_appendix_render(*, fund) -> RenderedPdf:
    """Appendix 1 of the Executive report (004) as its own PDF: the allocation table in £'000s."""
    html = render_to_string(
        "reporting/pdf/finance_appendix.html",
        {"fund": fund, "appendix": finance_appendix(fund=fund), "now": timezone.localtime()},
    )
    return html_to_pdf(html)


def budget_monitoring_render(*, fund, on=None) -> RenderedPdf:
    """A fund's budget monitoring by partner and line as its own PDF, as at `on` (today by default)."""
    now = timezone.localtime()
    entry = {
        "slug": fund.slug,
        "name": fund.name,
        "monitoring": budget_monitoring_print(fund=fund, on=on or now.date()),
    }
    html = render_to_string(
        "reporting/pdf/budget_monitoring.html", {"fund": entry, "programme": fund.programme, "now": now}
    )
    return html_to_pdf(html)


def appendix_rows(lines) -> list[dict]:
    """The lines as the paper prints them: section heads, then initiative / workstream / scheme / £'000s with
    the initiative and workstream printed only where they change, a subtotal for an initiative of more than one
    scheme, each section's total, the grand total, unallocated and the fund total, then the footnotes. A row's
    figure is the paper's (None for a line whose figure is in another's: printed "—")."""
    rows, section = [], ""
    for line in lines:
        if line.kind == "section":
            section = line.label
            rows.append({"kind": "section", "label": line.label})
        elif line.kind == "row":
            money = line.money
            rows.append(
                {
                    "kind": "row",
                    "initiative": line.initiative if line.first_in_initiative else "",
                    "workstream": line.workstream if line.first_in_workstream else "",
                    "scheme": line.label,
                    "figure": line.figure,
                    "footnote": line.footnote,
                    "budget": money.budget,
                    "spent": money.spent,
                    "forecast": money.forecast,
                    "forecast_given": money.forecast_given,
                }
            )
        elif line.kind == "subtotal" and line.level == "initiative" and line.schemes > 1:
            rows.append({"kind": "subtotal", "label": line.label, "budget": line.money.budget})
        elif line.kind == "total":
            title = "discontinued" if section.lower().startswith("schemes discontinued") else section.lower()
            rows.append({"kind": "total", "label": f"Total {title}", "budget": line.money.budget})
        elif line.kind in ("grand", "unallocated", "fund_total"):
            rows.append({"kind": line.kind, "label": line.label, "budget": line.money.budget})
        elif line.kind == "footnote":
            rows.append({"kind": "footnote", "label": line.label, "text": line.text})
    return rows
