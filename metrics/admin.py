from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from metrics.models import Metric, MetricValue


class MetricValueInline(admin.TabularInline):
    model = MetricValue
    fields = ("period_start", "plan", "actual", "note", "recorded_by", "recorded_at")
    readonly_fields = ("recorded_by", "recorded_at")
    extra = 0
    can_delete = False

    # Plans and actuals change through the metric pages and upload, where units and periods are checked.
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Metric)
class MetricAdmin(SimpleHistoryAdmin):
    list_display = ("name", "programme", "scheme", "unit", "direction", "frequency", "is_demo")
    list_filter = ("programme", "unit", "direction", "frequency", "is_demo")
    search_fields = ("name", "code")
    inlines = [MetricValueInline]
