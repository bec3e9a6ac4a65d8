"""Return pages: the quarters of a programme, one quarter's return (review, edit, build, sign off, correct),
the job's progress, and the downloads. Views check access, read the form, call one service."""

from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from core.downloads import stored_file_response
from core.exceptions import StaleEdit
from core.forms import add_service_errors, error_messages
from core.models import JobState
from core.quarters import quarter_parse
from policy.returns import QuestionSheet, TableSheet
from returns import permissions, selectors, services
from returns.forms import AnswerForm, BuildForm, CorrectionForm, SignOffForm
from returns.models import ReturnStatus
from returns.years import no_template_message, template_for
from schemes.permissions import programme_current, programmes_for

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _detail_url(programme, quarter) -> str:
    return reverse("returns:detail", args=[programme.slug, quarter.code])


def return_list(request):
    permissions.require_return_reader(request.user)
    programme = programme_current(request, request.GET.get("programme"))
    permissions.require_return_reader(request.user, programme)
    context = {"programme": programme, "programmes": programmes_for(request.user)}
    services.return_jobs_stale_fail(programme=programme)
    context["quarters"] = selectors.return_quarters(programme=programme)
    context["can_manage"] = permissions.can_manage_returns(request.user, programme)
    context["build_form"] = BuildForm()
    return render(request, "returns/return_list.html", context)


def _sections(template, answers: dict, checks: dict, figures: dict) -> list[dict]:
    """The template's sheets as the page shows them: questions with their answers, tables with their rows."""
    sections = []
    for sheet in template.sheets:
        section = {"sheet": sheet, "questions": [], "tables": []}
        if isinstance(sheet, QuestionSheet | TableSheet):
            for question in sheet.questions:
                section["questions"].append(
                    {"question": question, "answer": answers.get(question.code), "check": checks.get(question.code)}
                )
        if isinstance(sheet, TableSheet):
            for table in sheet.tables:
                rows = []
                for row in (figures.get(table.source) or {}).get("rows") or []:
                    code = f"{table.source}.{row['key']}"
                    rows.append(
                        {
                            "cells": [(c, row.get(c.key)) for c in table.columns],
                            "answer": answers.get(code),
                            "check": checks.get(code),
                        }
                    )
                totals = {}
                if table.totals:
                    for column in table.columns:
                        if column.total:
                            # A blank (not recorded) is left out, as in the workbook's totals.
                            totals[column.key] = sum(
                                (
                                    Decimal(r[column.key])
                                    for r in figures.get(table.source, {}).get("rows") or []
                                    if r.get(column.key) is not None
                                ),
                                Decimal("0"),
                            )
                section["tables"].append(
                    {"table": table, "rows": rows, "totals": [totals.get(c.key) for c in table.columns]}
                )
        sections.append(section)
    return sections


def return_detail(request, slug: str, quarter: str):
    programme, q = permissions.return_quarter_get(user=request.user, slug=slug, quarter=quarter)
    can_manage = permissions.can_manage_returns(request.user, programme)
    versions = selectors.return_versions(programme=programme, quarter=q)
    visible = [v for v in versions if can_manage or v.status == ReturnStatus.SIGNED_OFF]
    shown = None
    wanted = request.GET.get("version")
    if wanted and wanted.isdigit():
        shown = next((v for v in visible if v.revision == int(wanted)), None)
    if shown is None and visible:
        drafts = [v for v in visible if v.is_draft]
        shown = drafts[0] if drafts else visible[-1]
    template = template_for(int(shown.template_year[:4]) if shown is not None else q.start_year, q.number)
    context = {
        "programme": programme,
        "quarter": q,
        "versions": visible,
        "shown": shown,
        "template": template,
        "can_manage": can_manage,
        "no_template": "" if template is not None else no_template_message(q.start_year),
    }
    if shown is not None and template is not None:
        answers = {a.code: a for a in shown.answers.all()}
        checks: dict[str, dict] = {}
        for check in shown.checks:  # one answer can have two checks: show the one that fails
            if check["code"] not in checks or not check["ok"]:
                checks[check["code"]] = check
        context["sections"] = _sections(template, answers, checks, shown.figures)
        context["failed"] = shown.failed_checks
    if can_manage:
        latest = versions[-1] if versions else None
        context["job"] = services.return_job_refresh(job=selectors.job_latest(programme=programme, quarter=q))
        context["panel"] = _job_panel(context["job"]) if context["job"] else None
        context["draft"] = next((v for v in versions if v.is_draft), None)
        context["can_correct"] = latest is not None and latest.status == ReturnStatus.SIGNED_OFF
        if context["draft"] is not None:
            hwb = context["draft"].answers.filter(code="cover.hwb").values_list("value", flat=True).first()
            context["sign_off_form"] = SignOffForm(
                initial={
                    "version": context["draft"].version,
                    "on_behalf_of": f"{hwb} Health and Wellbeing Board" if hwb else "",
                }
            )
        context["correction_form"] = CorrectionForm()
    return render(request, "returns/return_detail.html", context)


@require_POST
def build(request, slug: str, quarter: str):
    """Build draft, the one action: the job queue builds it in the background and the page shows how it goes; if
    the queue is down, it is built here in this request instead, and the message says so."""
    programme, q = permissions.return_quarter_get(user=request.user, slug=slug, quarter=quarter, manage=True)
    try:
        services.return_job_queue(programme=programme, quarter=q, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(error_messages(exc)))
        # A bad quarter goes back to the list; a refusal about this quarter (signed off) stays on its page.
        return redirect(
            _list_url(programme) if "quarter" in getattr(exc, "error_dict", {}) else _detail_url(programme, q)
        )
    except services.QueueUnavailable:
        return _build_here(request, programme, q)
    # No "Building…" message: the progress panel on the page says how the job is going, and stops when it is done.
    return redirect(_detail_url(programme, q))


def _build_here(request, programme, q):
    job = services.return_job_run_here(programme=programme, quarter=q)
    if job is not None and job.state == JobState.DONE:
        messages.info(request, f"The job queue is unavailable, so the draft was built here: {job.step}.")
    return redirect(_detail_url(programme, q))


def _list_url(programme) -> str:
    return f"{reverse('returns:list')}?programme={programme.slug}"


@require_POST
def build_form(request):
    """The list page's form: build a quarter typed or chosen there (checked like any other)."""
    permissions.require_return_manager(request.user)
    programme = programme_current(request, request.POST.get("programme"))
    permissions.require_return_manager(request.user, programme)
    form = BuildForm(request.POST)
    try:
        q = quarter_parse(form.data.get("quarter"))
        services.return_quarter_check(programme=programme, quarter=q)
    except ValidationError as exc:
        messages.error(request, " ".join(error_messages(exc)))
        return redirect(_list_url(programme))
    return build(request, programme.slug, q.code)


def _job_panel(job) -> dict:
    """The progress panel's links (core/_job_status.html): its own status, and "Try again" builds anew."""
    return {
        "poll_url": reverse("returns:job", args=[job.pk]),
        "retry_url": reverse("returns:build", args=[job.programme.slug, job.subject]),
        "result_template": "returns/_job_result.html",
    }


@require_GET
def job_status(request, pk: int):
    """The job's state, polled by the return page every 2 seconds while it is queued or running."""
    job = services.return_job_refresh(job=permissions.job_get(user=request.user, pk=pk))
    return render(request, "core/_job_status.html", {"job": job, "panel": _job_panel(job)})


def answer_edit(request, pk: int):
    answer = permissions.answer_get_for_edit(user=request.user, pk=pk)
    quarterly_return = answer.quarterly_return
    q = quarter_parse(quarterly_return.quarter)
    question, table = services.answer_question(answer)
    if question is None and table is None:
        return redirect(_detail_url(quarterly_return.programme, q))
    options = {
        "choices": question.choices if question else (),
        "has_value": question is not None,
        "has_commentary": table is not None or question.commentary,
        "long_text": bool(question and question.long_text),
    }
    status = 200
    read_only = not quarterly_return.is_draft
    if read_only and request.method != "POST":
        # Shown, not offered for editing: the service would refuse the change anyway.
        form = AnswerForm(
            initial={"value": answer.value, "commentary": answer.commentary, "version": answer.version}, **options
        )
        for field in form.fields.values():
            field.disabled = True
    elif request.method == "POST":
        form = AnswerForm(request.POST, **options)
        if form.is_valid():
            try:
                services.return_answer_update(
                    answer=answer,
                    value=form.cleaned_data.get("value", ""),
                    commentary=form.cleaned_data.get("commentary", ""),
                    by=request.user,
                    expected_version=form.cleaned_data["version"],
                )
            except StaleEdit as exc:
                answer.refresh_from_db()
                form = AnswerForm(
                    {"value": answer.value, "commentary": answer.commentary, "version": answer.version}, **options
                )
                form.is_valid()
                form.add_error(None, str(exc))
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, "Saved.")
                return redirect(f"{_detail_url(quarterly_return.programme, q)}#answer-{answer.pk}")
        status = 400
    else:
        form = AnswerForm(
            initial={"value": answer.value, "commentary": answer.commentary, "version": answer.version}, **options
        )
    label = question.text if question else f"{table.heading}: {answer.code.split('.', 1)[1]}"
    if table is not None:
        row = next(
            (
                r
                for r in (quarterly_return.figures.get(table.source) or {}).get("rows") or []
                if f"{table.source}.{r['key']}" == answer.code
            ),
            None,
        )
        if row is not None:
            label = f"{table.heading}: {row.get(table.columns[0].key)}"
    return render(
        request,
        "returns/answer_form.html",
        {
            "answer": answer,
            "quarterly_return": quarterly_return,
            "programme": quarterly_return.programme,
            "quarter": q,
            "question": question,
            "label": label,
            "form": form,
            "read_only": read_only and request.method != "POST",
            "signed_off_message": services.signed_off_message(quarterly_return) if read_only else "",
        },
        status=status,
    )


@require_POST
def sign_off(request, slug: str, quarter: str):
    programme, q = permissions.return_quarter_get(user=request.user, slug=slug, quarter=quarter, manage=True)
    draft = selectors.return_draft(programme=programme, quarter=q)
    form = SignOffForm(request.POST)
    if draft is None:
        messages.error(request, f"There is no draft of the {q.label} return to sign off.")
    elif not form.is_valid():
        messages.error(request, "Not signed off: " + " ".join(e for errs in form.errors.values() for e in errs))
    else:
        try:
            signed = services.quarterly_return_sign_off(
                quarterly_return=draft,
                on_behalf_of=form.cleaned_data["on_behalf_of"],
                by=request.user,
                expected_version=form.cleaned_data["version"],
            )
        except (ValidationError, StaleEdit) as exc:
            messages.error(request, " ".join(error_messages(exc)) if isinstance(exc, ValidationError) else str(exc))
        else:
            messages.success(
                request, f"Version {signed.revision} of the {q.label} return is signed off. It can no longer change."
            )
    return redirect(_detail_url(programme, q))


@require_POST
def correct(request, slug: str, quarter: str):
    programme, q = permissions.return_quarter_get(user=request.user, slug=slug, quarter=quarter, manage=True)
    form = CorrectionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Not started: say why the signed-off return needs correcting.")
        return redirect(_detail_url(programme, q))
    try:
        draft = services.quarterly_return_correct(
            programme=programme, quarter=q, reason=form.cleaned_data["reason"], by=request.user
        )
    except ValidationError as exc:
        messages.error(request, "Not started: " + " ".join(error_messages(exc)))
    else:
        messages.success(request, f"Correction started: version {draft.revision} is a new draft.")
    return redirect(_detail_url(programme, q))


def download(request, slug: str, quarter: str, revision: int):
    """A version's workbook: a signed-off one exactly as signed, for any reader; a draft for the programme office."""
    programme, q = permissions.return_quarter_get(user=request.user, slug=slug, quarter=quarter)
    found = permissions.return_version_get(user=request.user, programme=programme, quarter=q, revision=revision)
    content = bytes(found.workbook or b"")
    signed = found.status == ReturnStatus.SIGNED_OFF
    if not content and not signed:
        messages.error(request, "This version has no workbook yet: build it first.")
        return redirect(_detail_url(programme, q))
    return stored_file_response(
        content,
        filename=f"{programme.slug}-{q.code}-v{found.revision}{'' if signed else '-DRAFT'}.xlsx",
        content_type=XLSX,
        recorded_sha256=found.sha256 if signed else "",
    )
