from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from reporting.models import NationalConditionAnswer


@admin.register(NationalConditionAnswer)
class NationalConditionAnswerAdmin(SimpleHistoryAdmin):
    list_display = ("programme", "quarter", "code", "text", "answer")
    list_filter = ("programme", "quarter", "answer")
