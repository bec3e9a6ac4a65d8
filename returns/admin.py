"""Returns in the admin are read-only: they change through the return pages, where checks and sign-off apply."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from returns.models import NationalConditionAnswer, QuarterlyReturn, ReturnAnswer, UpdateReminder


class ReadOnly:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(QuarterlyReturn)
class QuarterlyReturnAdmin(ReadOnly, SimpleHistoryAdmin):
    list_display = ("programme", "quarter", "revision", "status", "signed_off_by", "signed_off_at", "sha256")
    list_filter = ("programme", "status")
    exclude = ("workbook",)


@admin.register(ReturnAnswer)
class ReturnAnswerAdmin(ReadOnly, SimpleHistoryAdmin):
    list_display = ("quarterly_return", "code", "value", "edited")
    search_fields = ("code", "value", "commentary")


@admin.register(UpdateReminder)
class UpdateReminderAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("period", "kind", "recipient", "created_at")


@admin.register(NationalConditionAnswer)
class NationalConditionAnswerAdmin(SimpleHistoryAdmin):
    list_display = ("programme", "quarter", "code", "text", "answer")
    list_filter = ("programme", "quarter", "answer")
