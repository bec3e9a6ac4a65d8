from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from finance.models import Allocation, Fund


@admin.register(Fund)
class FundAdmin(SimpleHistoryAdmin):
    list_display = ("name", "slug", "total")


@admin.register(Allocation)
class AllocationAdmin(SimpleHistoryAdmin):
    list_display = ("fund", "initiative", "workstream", "scheme_name", "amount", "status")
    list_filter = ("fund", "status")
