"""Excel download and upload of a programme's schemes and milestones."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from core.spreadsheets import XLSX_CONTENT_TYPE, SpreadsheetErrors
from schemes import permissions
from schemes.forms import SpreadsheetUploadForm
from schemes.spreadsheet import programme_workbook_bytes, programme_workbook_data, programme_workbook_import


def _summary_sentence(summary: dict) -> str:
    labels = [
        ("schemes_created", "scheme added", "schemes added"),
        ("schemes_updated", "scheme updated", "schemes updated"),
        ("milestones_created", "milestone added", "milestones added"),
        ("milestones_updated", "milestone updated", "milestones updated"),
        ("milestones_moved", "milestone date moved", "milestone dates moved"),
        ("milestones_completed", "milestone completed", "milestones completed"),
    ]
    parts = [f"{summary[key]} {one if summary[key] == 1 else many}" for key, one, many in labels if summary.get(key)]
    if not parts:
        return "Spreadsheet uploaded: it matched the current data, so nothing changed."
    return "Spreadsheet uploaded: " + ", ".join(parts) + "."


def programme_export(request, programme: str):
    """Download the programme's schemes and milestones as the .xlsx template."""
    programme_obj = permissions.programme_get(user=request.user, slug=programme)
    content = programme_workbook_bytes(**programme_workbook_data(programme=programme_obj))
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{programme_obj.slug}-schemes-and-milestones.xlsx"'
    return response


def programme_import(request, programme: str):
    """Upload the template to create or update schemes and milestones; all or nothing."""
    permissions.require_spreadsheet_importer(request.user)
    programme_obj = permissions.programme_get(user=request.user, slug=programme)
    permissions.require_spreadsheet_importer(request.user, programme_obj)
    errors: list[dict] = []
    status = 200
    if request.method == "POST":
        form = SpreadsheetUploadForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                summary = programme_workbook_import(
                    programme=programme_obj, file=form.cleaned_data["file"], user=request.user
                )
            except SpreadsheetErrors as exc:
                errors = exc.errors
            else:
                messages.success(request, _summary_sentence(summary))
                return redirect(reverse("schemes:list") + f"?programme={programme_obj.slug}")
        status = 400
    else:
        form = SpreadsheetUploadForm()
    return render(
        request,
        "schemes/spreadsheet_import.html",
        {"programme": programme_obj, "form": form, "errors": errors},
        status=status,
    )
