"""Excel and CSV download of a fund's Appendix 1, and the upload of allocations or quarterly spend."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render

from core.spreadsheets import CSV_CONTENT_TYPE, XLSX_CONTENT_TYPE, SpreadsheetErrors
from finance import permissions
from finance.forms import DecisionForm, FundImportForm
from finance.spreadsheet import CSV_ENCODING, fund_csv_text, fund_workbook_bytes, fund_workbook_import


def xlsx_filename(fund) -> str:
    return f"{fund.slug}-allocations.xlsx"


def csv_filename(fund) -> str:
    return f"{fund.slug}-allocations.csv"


def allocations_xlsx(request, slug: str):
    """Appendix 1, quarterly spend and a read-me as .xlsx: anyone with a programme role."""
    fund = permissions.fund_get(user=request.user, slug=slug)
    response = HttpResponse(fund_workbook_bytes(fund=fund), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{xlsx_filename(fund)}"'
    return response


def allocations_csv(request, slug: str):
    """Appendix 1 as CSV: anyone with a programme role."""
    fund = permissions.fund_get(user=request.user, slug=slug)
    response = HttpResponse(fund_csv_text(fund=fund).encode(CSV_ENCODING), content_type=CSV_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{csv_filename(fund)}"'
    return response


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def _summary_sentence(summary: dict) -> str:
    if summary.get("kind") == "spend":
        count = summary.get("spend_recorded", 0)
        if not count:
            return "Spreadsheet uploaded: the quarterly spend matched what is recorded, so nothing changed."
        return f"Spreadsheet uploaded: {_plural(count, 'quarter', 'quarters')} of spend recorded."
    parts = []
    if summary.get("allocations_created"):
        parts.append(_plural(summary["allocations_created"], "allocation added", "allocations added"))
    if summary.get("allocations_changed"):
        parts.append(
            _plural(summary["allocations_changed"], "allocation's money changed", "allocations' money changed")
        )
    if not parts:
        return "Spreadsheet uploaded: it matched the current allocations, so nothing changed."
    sentence = "Spreadsheet uploaded: " + ", ".join(parts) + "."
    decision = summary.get("decision")
    if decision is not None:
        moved = f"£{summary['money_moved']:,.2f}"
        sentence += (
            f" {moved} to move, proposed under “{decision.title}”: it counts once a finance officer has given "
            "clearance and someone other than you has approved it."
        )
    return sentence


def fund_import(request, slug: str):
    """Upload the fund workbook: allocations (with the decision behind them) or quarterly spend; all or nothing."""
    fund = permissions.fund_get(user=request.user, slug=slug, manage=True)
    errors: list[dict] = []
    status = 200
    if request.method == "POST":
        form = FundImportForm(request.POST, request.FILES)
        # The decision record goes with an allocations upload only; for spend it is shown blank, without errors.
        needs_decision = request.POST.get("kind") == "allocations"
        decision_form = DecisionForm(request.POST if needs_decision else None, prefix="decision")
        if form.is_valid() and (not needs_decision or decision_form.is_valid()):
            try:
                summary = fund_workbook_import(
                    fund=fund,
                    file=form.cleaned_data["file"],
                    user=request.user,
                    kind=form.cleaned_data["kind"],
                    decision_fields=dict(decision_form.cleaned_data) if needs_decision else None,
                )
            except SpreadsheetErrors as exc:
                errors = exc.errors
            else:
                messages.success(request, _summary_sentence(summary))
                return redirect("finance:fund", slug=fund.slug)
        status = 400
    else:
        form = FundImportForm()
        decision_form = DecisionForm(prefix="decision")
    return render(
        request,
        "finance/fund_import.html",
        {"fund": fund, "form": form, "decision_form": decision_form, "errors": errors},
        status=status,
    )
