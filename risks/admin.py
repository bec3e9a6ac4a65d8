from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from risks.models import Risk


@admin.register(Risk)
class RiskAdmin(SimpleHistoryAdmin):
    list_display = ("title", "programme", "likelihood", "consequence", "status", "escalated_to_board")
    list_filter = ("programme", "status")
