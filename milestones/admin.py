from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from milestones.models import Milestone


@admin.register(Milestone)
class MilestoneAdmin(SimpleHistoryAdmin):
    """Read-mostly: dates, completion and RAG change on the scheme page, where reasons are asked for."""

    list_display = ("scheme", "phase", "description", "baseline_date", "due_date", "status", "completed_on")
    list_filter = ("scheme__programme", "status")
    search_fields = ("description", "scheme__ref")
    readonly_fields = ("baseline_date", "due_date", "status", "completed_on", "rag", "rag_reason", "version")
