"""Metric pages: the programme's metrics and KPIs against plan, one metric's periods with its chart, recording an
actual, defining a metric with its plan, and the template download/upload. Rules live in services."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone

import policy
from core.exceptions import StaleEdit
from core.forms import add_service_errors, error_dict
from core.history import audit_entries
from core.spreadsheets import CSV_CONTENT_TYPE, CSV_ENCODING, XLSX_CONTENT_TYPE, SpreadsheetErrors
from metrics import permissions, selectors, services, spreadsheet
from metrics.charts import metric_chart
from metrics.forms import ActualForm, HeadlineActualForm, HeadlineSetupForm, MetricForm, PlanForm, UploadForm
from metrics.models import Metric, MetricValue, period_label
from schemes.permissions import programme_choices, programme_current, require_programme_reader


def _programme(request):
    return programme_current(request, request.GET.get("programme") or request.POST.get("programme"))


def metric_list(request):
    programme = _programme(request)
    summaries = selectors.metric_summaries(programme=programme, window=12)
    for summary in summaries:
        summary.chart = metric_chart(summary)
    return render(
        request,
        "metrics/metric_list.html",
        {
            "programme": programme,
            "programmes": programme_choices(request.user),
            "headline": selectors.headline_panel(programme=programme, as_of=timezone.localdate()),
            "programme_metrics": [s for s in summaries if not s.metric.is_kpi and not s.metric.is_headline],
            "kpis": [s for s in summaries if s.metric.is_kpi],
            "can_define": permissions.can_define(request.user, programme),
            "may_upload": permissions.may_upload(request.user, programme),
        },
    )


def metric_detail(request, pk: int):
    metric = permissions.metric_get(user=request.user, pk=pk)
    summary = selectors.metric_detail(metric=metric)
    return render(
        request,
        "metrics/metric_detail.html",
        {
            "metric": metric,
            "summary": summary,
            "chart": metric_chart(summary),
            "can_record": permissions.can_record(request.user, metric),
            "can_define": permissions.can_define(request.user, metric.programme_id),
            "plan_form": PlanForm(),
            "history": audit_entries(
                [
                    ("Metric", metric.history.all(), lambda r: "Metric"),
                    (
                        "Period",
                        MetricValue.history.filter(metric_id=metric.pk),
                        lambda r: period_label(r.period_start, metric.frequency),
                    ),
                ]
            ),
        },
    )


def actual_record(request, pk: int, period: str):
    """Record or correct one period's actual; a stale form is refused with what changed."""
    metric = permissions.metric_get(user=request.user, pk=pk, record=True)
    try:
        start = services.period_parse(period, metric.frequency)
    except ValidationError:
        start = None
    if start is None:
        raise Http404("No such period.")
    value = get_object_or_404(MetricValue, metric=metric, period_start=start)
    if metric.is_headline:
        return _headline_actual(request, metric, value)
    status = 200
    if request.method == "POST":
        form = ActualForm(request.POST)
        if form.is_valid():
            try:
                services.actual_record(
                    metric=metric,
                    period_start=start,
                    actual=form.cleaned_data["actual"].strip(),
                    note=form.cleaned_data["note"],
                    by=request.user,
                    expected_version=form.cleaned_data["version"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            except StaleEdit as exc:
                # Show what is saved now, at its current version, so the user can re-make the change.
                value.refresh_from_db()
                current = "" if value.actual is None else str(value.actual)
                form = ActualForm({"actual": current, "note": value.note, "version": value.version})
                form.is_valid()
                form.add_error(None, str(exc))
            else:
                messages.success(request, f"{metric.name}: {period_label(start, metric.frequency)} saved.")
                return redirect("metrics:detail", pk=metric.pk)
        status = 400
    else:
        form = ActualForm(
            initial={
                "actual": value.actual if value.actual is not None else "",
                "note": value.note,
                "version": value.version,
            }
        )
    return render(
        request,
        "metrics/actual_form.html",
        {"metric": metric, "value": value, "label": period_label(start, metric.frequency), "form": form},
        status=status,
    )


def metric_create(request):
    permissions.require_definer(request.user)
    programme = _programme(request)
    permissions.require_definer(request.user, programme)
    form = MetricForm(request.POST or None, programme=programme)
    plan_form = PlanForm(request.POST or None, prefix="plan")
    if request.method == "POST" and form.is_valid() and plan_form.is_valid():
        fields = dict(form.cleaned_data)
        scheme, code, name = fields.pop("scheme"), fields.pop("code"), fields.pop("name")
        try:
            with transaction.atomic():
                metric = services.metric_create(
                    programme=programme, scheme=scheme, code=code, name=name, by=request.user, **fields
                )
                services.plans_from_baseline(metric=metric, by=request.user, **plan_form.cleaned_data)
        except ValidationError as exc:
            # Each message goes on the form that has its field; anything else on the metric form.
            for field, texts in error_dict(exc).items():
                target = plan_form if field in plan_form.fields else form
                for text in texts:
                    target.add_error(field if field in target.fields else None, text)
        else:
            messages.success(request, f"{metric.name} defined with its plan.")
            return redirect("metrics:detail", pk=metric.pk)
    return render(
        request,
        "metrics/metric_form.html",
        {"programme": programme, "form": form, "plan_form": plan_form},
        status=400 if request.method == "POST" else 200,
    )


def plan_extend(request, pk: int):
    """The programme office plans further periods (or re-plans existing ones) from a baseline and a change."""
    permissions.require_definer(request.user)
    metric = permissions.metric_get(user=request.user, pk=pk)
    permissions.require_definer(request.user, metric.programme_id)
    form = PlanForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                services.plans_from_baseline(metric=metric, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Plan saved.")
            return redirect("metrics:detail", pk=metric.pk)
    return render(
        request,
        "metrics/plan_form.html",
        {"metric": metric, "form": form},
        status=400 if request.method == "POST" else 200,
    )


def template_download(request, fmt: str):
    require_programme_reader(request.user)
    if fmt not in ("xlsx", "csv"):
        raise Http404("Download the template as .xlsx or .csv.")
    programme = _programme(request)
    if fmt == "xlsx":
        response = HttpResponse(
            spreadsheet.template_workbook_bytes(programme=programme),
            content_type=XLSX_CONTENT_TYPE,
        )
    else:
        response = HttpResponse(
            spreadsheet.csv_text(programme=programme).encode(CSV_ENCODING),
            content_type=CSV_CONTENT_TYPE,
        )
    response["Content-Disposition"] = f'attachment; filename="{programme.slug}-metrics.{fmt}"'
    return response


def upload(request):
    permissions.require_uploader(request.user)
    programme = _programme(request)
    permissions.require_uploader(request.user, programme)
    errors, status = [], 200
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                summary = spreadsheet.metrics_import(
                    programme=programme, file=form.cleaned_data["file"], user=request.user
                )
            except SpreadsheetErrors as exc:
                errors = exc.errors
            else:
                messages.success(
                    request,
                    f"Uploaded: {summary['actuals']} actual(s) and {summary['plans']} plan(s) saved."
                    if summary["actuals"] or summary["plans"]
                    else "Uploaded: the file matched what is recorded, so nothing changed.",
                )
                return redirect(f"{reverse('metrics:list')}?programme={programme.slug}")
        status = 400
    return render(
        request, "metrics/upload.html", {"programme": programme, "form": form, "errors": errors}, status=status
    )


def _headline_actual(request, metric: Metric, value: MetricValue):
    """A headline metric's period: numerator and denominator in, the actual computed (services)."""
    definition = services.headline_definition(metric)
    label = period_label(value.period_start, metric.frequency)

    def current(saved: MetricValue) -> dict:
        return {
            "numerator": "" if saved.numerator is None else str(saved.numerator),
            "denominator": "" if saved.denominator is None else str(saved.denominator),
            "note": saved.note,
            "version": saved.version,
        }

    status = 200
    if request.method == "POST":
        form = HeadlineActualForm(request.POST, definition=definition)
        if form.is_valid():
            try:
                services.headline_actual_record(
                    metric=metric,
                    period_start=value.period_start,
                    numerator=form.cleaned_data["numerator"].strip(),
                    denominator=form.cleaned_data["denominator"].strip(),
                    note=form.cleaned_data["note"],
                    by=request.user,
                    expected_version=form.cleaned_data["version"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            except StaleEdit as exc:
                value.refresh_from_db()
                form = HeadlineActualForm(current(value), definition=definition)
                form.is_valid()
                form.add_error(None, str(exc))
            else:
                messages.success(request, f"{metric.name}: {label} saved.")
                return redirect("metrics:detail", pk=metric.pk)
        status = 400
    else:
        form = HeadlineActualForm(initial=current(value), definition=definition)
    return render(
        request,
        "metrics/actual_form.html",
        {"metric": metric, "value": value, "label": label, "form": form, "definition": definition},
        status=status,
    )


def headline_setup(request, code: str):
    """The programme office sets up (or re-plans) one of the programme's policy-year headline metrics."""
    permissions.require_definer(request.user)
    programme = _programme(request)
    permissions.require_definer(request.user, programme)
    start_year = selectors.headline_year_of(programme)
    year = policy.year_for(start_year) if start_year else None
    definition = year.metric(code) if year else None
    if definition is None:
        raise Http404("No such headline metric for this programme's year.")
    metric = Metric.objects.filter(programme=programme, code=code, headline_year=start_year).first()
    frequencies = [services.HEADLINE_FREQUENCIES[f] for f in definition.frequencies]
    initial: dict = {"frequency": metric.frequency if metric else frequencies[0]}
    if metric is not None:
        values = {v.period_start: v for v in metric.values.all()}
        periods = services.headline_periods(start_year, metric.frequency)
        initial["plans"] = " ".join(str(values[p].plan) if p in values else "" for p in periods)
        initial["versions"] = ",".join(str(values[p].version if p in values else 0) for p in periods)
    form = HeadlineSetupForm(request.POST or None, initial=initial, frequencies=frequencies)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                metric = services.headline_metric_setup(
                    programme=programme,
                    start_year=start_year,
                    code=code,
                    frequency=form.cleaned_data["frequency"],
                    plans=form.cleaned_data["plans"],
                    expected_versions=form.cleaned_data["versions"],
                    by=request.user,
                )
        except ValidationError as exc:
            add_service_errors(form, exc)
        except StaleEdit as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"{definition.name}: plan for {year.label} saved.")
            return redirect("metrics:detail", pk=metric.pk)
    return render(
        request,
        "metrics/headline_setup.html",
        {"programme": programme, "definition": definition, "year": year, "form": form, "metric": metric},
        status=400 if request.method == "POST" else 200,
    )
