"""Load a programme from one workbook: download the blank template, upload it for a dry run, confirm the load."""

import hashlib
import io

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from core.spreadsheets import XLSX_CONTENT_TYPE, SpreadsheetErrors
from programme_load import permissions
from programme_load.forms import WorkbookLoadForm
from programme_load.models import UploadState, WorkbookUpload
from programme_load.services import programme_workbook_load
from programme_load.template import programme_template_bytes


def template_download(request, programme: str):
    """The blank workbook: headers, drop-downs and a Read me sheet."""
    programme_obj = permissions.programme_get_for_load(user=request.user, slug=programme)
    workstreams = list(programme_obj.workstreams.values_list("name", flat=True))
    localities = list(programme_obj.localities.filter(is_retired=False).values_list("name", flat=True))
    response = HttpResponse(
        programme_template_bytes(programme=programme_obj, workstreams=workstreams, localities=localities),
        content_type=XLSX_CONTENT_TYPE,
    )
    response["Content-Disposition"] = f'attachment; filename="{programme_obj.slug}-programme-workbook.xlsx"'
    return response


def load_start(request, programme: str):
    """Upload the workbook: a dry run that saves nothing, then a page that shows it and asks to confirm."""
    programme_obj = permissions.programme_get_for_load(user=request.user, slug=programme)
    form = WorkbookLoadForm(request.POST or None, request.FILES or None, programme=programme_obj)
    errors: list[dict] = []
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                result = programme_workbook_load(
                    programme=programme_obj,
                    file=upload,
                    user=request.user,
                    fund=form.cleaned_data["fund"],
                    decision=form.decision(),
                    dry_run=True,
                )
            except SpreadsheetErrors as exc:
                errors = exc.errors
            else:
                upload.seek(0)
                content = upload.read()
                record = WorkbookUpload.objects.create(
                    programme=programme_obj,
                    uploaded_by=request.user,
                    filename=upload.name[:200],
                    content=content,
                    sha256=hashlib.sha256(content).hexdigest(),
                    fund=form.cleaned_data["fund"],
                    decision=form.decision(),
                    plan=result.as_plan(),
                )
                return redirect("programme_load:check", programme=programme_obj.slug, pk=record.pk)
    return render(
        request,
        "programme_load/load_start.html",
        {"programme": programme_obj, "form": form, "errors": errors},
        status=status,
    )


def load_check(request, programme: str, pk: int):
    """The dry run's result; confirming it loads the workbook for real, all or nothing."""
    upload = permissions.upload_get_for_load(user=request.user, slug=programme, pk=pk)
    errors: list[dict] = []
    status = 200
    if request.method == "POST" and upload.state == UploadState.CHECKED:
        try:
            result = programme_workbook_load(
                programme=upload.programme,
                file=io.BytesIO(bytes(upload.content)),
                user=request.user,
                fund=upload.fund,
                decision=upload.decision,
                dry_run=False,
                confirm_plan=upload.plan,
            )
        except SpreadsheetErrors as exc:
            errors, status = exc.errors, 400
        else:
            upload.state, upload.loaded_at = UploadState.LOADED, timezone.now()
            upload.save(update_fields=["state", "loaded_at", "updated_at"])
            counts = result.counts
            created = sum(c["create"] for c in counts.values())
            changed = sum(c["change"] for c in counts.values())
            messages.success(request, f"Workbook loaded: {created} rows created, {changed} changed.")
            return redirect(reverse("schemes:list") + f"?programme={upload.programme.slug}")
    return render(
        request,
        "programme_load/load_check.html",
        {"programme": upload.programme, "upload": upload, "plan": upload.plan, "errors": errors},
        status=status,
    )
