"""The finance appendix as its own PDF: Appendix 1 of the Executive report (004), from finance's lines."""

from django.template.loader import render_to_string
from django.utils import timezone

from finance.selectors import fund_overview
from reporting.renderers.pdf import RenderedPdf, html_to_pdf


def finance_appendix_render(*, fund) -> RenderedPdf:
    """Appendix 1 of the Executive report (004) as its own PDF: the allocation table in £'000s."""
    overview = fund_overview(fund=fund)
    html = render_to_string(
        "reporting/pdf/finance_appendix.html",
        {
            "fund": fund,
            "rows": appendix_rows(overview["tree"]),
            "summary": overview["summary"],
            "now": timezone.localtime(),
        },
    )
    return html_to_pdf(html)


def appendix_rows(tree: dict) -> list[dict]:
    """The allocation tree flattened into Appendix 1's lines: section heads, then initiative / workstream /
    scheme / £'000s with the initiative and workstream printed only where they change, subtotals, totals."""
    lines = []
    for section in tree["sections"]:
        lines.append({"kind": "section", "label": section.label})
        for initiative in section.rows:
            first_in_initiative = True
            for workstream in initiative.rows:
                first_in_workstream = True
                for row in workstream.rows:
                    lines.append(
                        {
                            "kind": "row",
                            "initiative": initiative.label if first_in_initiative else "",
                            "workstream": workstream.label if first_in_workstream else "",
                            "scheme": row.label,
                            "budget": row.budget,
                            "spent": row.spent,
                            "forecast": row.forecast,
                            "forecast_given": row.forecast_given,
                        }
                    )
                    first_in_initiative = first_in_workstream = False
            if len(initiative.rows) > 1 or sum(len(w.rows) for w in initiative.rows) > 1:
                lines.append(
                    {"kind": "subtotal", "label": f"Subtotal {initiative.label}", "budget": initiative.subtotal.budget}
                )
        lines.append({"kind": "total", "label": f"Total {section.label.lower()}", "budget": section.subtotal.budget})
    lines.append({"kind": "grand", "label": "Grand total", "budget": tree["grand_total"].budget})
    return lines
