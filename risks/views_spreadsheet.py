"""Excel download and upload of the risk register."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from core.spreadsheets import XLSX_CONTENT_TYPE, SpreadsheetErrors
from risks.permissions import may_raise_risks
from risks.spreadsheet import register_workbook_bytes, register_workbook_data, register_workbook_import
from schemes.forms import SpreadsheetUploadForm
from schemes.permissions import programme_get, require_programme_reader


def register_export(request, programme: str):
    programme = programme_get(user=request.user, slug=programme)
    content = register_workbook_bytes(**register_workbook_data(programme=programme))
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{programme.slug}-risk-register.xlsx"'
    return response


def register_import(request, programme: str):
    require_programme_reader(request.user)
    if not may_raise_risks(request.user):
        raise PermissionDenied("Only the programme office and project leads can upload the risk register.")
    programme = programme_get(user=request.user, slug=programme)
    if not may_raise_risks(request.user, programme):
        raise PermissionDenied("Only the programme office and project leads can upload the risk register.")
    form = SpreadsheetUploadForm(request.POST or None, request.FILES or None)
    errors = None
    if request.method == "POST" and form.is_valid():
        try:
            summary = register_workbook_import(programme=programme, file=form.cleaned_data["file"], user=request.user)
        except SpreadsheetErrors as exc:
            errors = exc.errors
        else:
            parts = [
                f"{n} {label}"
                for key, label in (
                    ("risks_created", "raised"),
                    ("risks_updated", "updated"),
                    ("risks_rescored", "re-scored"),
                    ("risks_closed", "closed"),
                )
                if (n := summary[key])
            ]
            messages.success(request, "Upload saved: " + (", ".join(parts) if parts else "nothing had changed") + ".")
            return redirect(reverse("risks:register") + f"?programme={programme.slug}")
    return render(
        request,
        "risks/register_import.html",
        {"programme": programme, "form": form, "errors": errors},
        status=400 if errors else 200,
    )
