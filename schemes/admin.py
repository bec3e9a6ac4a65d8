from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from schemes import models


class SchemeLeadInline(admin.TabularInline):
    model = models.SchemeLead
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(models.SchemeDependency)
class SchemeDependencyAdmin(SimpleHistoryAdmin):
    list_display = ("scheme", "depends_on", "external_project")
    list_filter = ("scheme__programme",)


@admin.register(models.Approval)
class ApprovalAdmin(SimpleHistoryAdmin):
    """Papers are set up here; a body's decision is recorded on the scheme's page, where the rule that a scheme's
    lead never records their own gate is checked (schemes.permissions.gate_outcome_refusal)."""

    list_display = ("scheme", "body", "item", "papers_date", "meeting_date", "outcome", "outcome_recorded_by")
    list_filter = ("scheme__programme", "body", "outcome")
    readonly_fields = ("outcome", "reason", "outcome_recorded_by", "outcome_recorded_at")


@admin.register(models.Programme)
class ProgrammeAdmin(SimpleHistoryAdmin):
    list_display = ("name", "slug", "start_date", "end_date")
    search_fields = ("name", "slug")


@admin.register(models.Workstream)
class WorkstreamAdmin(SimpleHistoryAdmin):
    list_display = ("name", "programme", "order")
    list_filter = ("programme",)


@admin.register(models.ReportingPeriod)
class ReportingPeriodAdmin(SimpleHistoryAdmin):
    list_display = ("programme", "code", "start_date", "end_date", "steering_group_date", "board_date", "is_closed")
    list_filter = ("programme",)


@admin.register(models.Scheme)
class SchemeAdmin(SimpleHistoryAdmin):
    list_display = ("ref", "name", "programme", "workstream", "status")
    list_filter = ("programme", "status", "workstream")
    search_fields = ("ref", "name")
    inlines = [SchemeLeadInline]
    readonly_fields = ("version",)
