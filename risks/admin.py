from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from risks.models import Issue, Risk


@admin.register(Risk)
class RiskAdmin(SimpleHistoryAdmin):
    """Read-only here: risks are scored, re-scored and closed on the register, where reasons are asked for."""

    list_display = ("title", "programme", "likelihood", "consequence", "status", "board_escalation")
    list_filter = ("programme", "status", "category")
    search_fields = ("title", "description")


@admin.register(Issue)
class IssueAdmin(SimpleHistoryAdmin):
    list_display = ("title", "programme", "status", "raised_on")
    list_filter = ("programme", "status")
