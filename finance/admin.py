"""Admin for money: set-up only. Balances change through decisions and movements on the money pages, which
check them; here movements, lines, decisions and spend are read-only so nothing can slip past those checks."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from finance import services
from finance.models import (
    Allocation,
    Decision,
    FinancialYear,
    Fund,
    FundContribution,
    Movement,
    MovementLine,
    QuarterlySpend,
)


class ReadOnlyAdmin(SimpleHistoryAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(FinancialYear)
class FinancialYearAdmin(SimpleHistoryAdmin):
    list_display = ("label", "is_closed")

    def has_delete_permission(self, request, obj=None):
        return False


class ContributionInline(admin.TabularInline):
    model = FundContribution
    extra = 0
    can_delete = False
    readonly_fields = ("contributor", "amount", "financial_year", "note")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Fund)
class FundAdmin(SimpleHistoryAdmin):
    list_display = ("name", "slug", "kind", "section_75", "programme")
    fields = ("slug", "name", "programme", "kind", "section_75", "risk_share", "description", "financial_years")
    inlines = [ContributionInline]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(FundContribution)
class FundContributionAdmin(SimpleHistoryAdmin):
    """Contributions are added (through the service, so the fund is locked and the amount checked), never edited."""

    list_display = ("fund", "contributor", "amount", "financial_year")
    list_filter = ("fund",)

    def has_change_permission(self, request, obj=None):
        return obj is None

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        saved = services.contribution_add(
            fund=obj.fund,
            contributor=obj.contributor,
            amount=obj.amount,
            financial_year=obj.financial_year,
            note=obj.note,
            by=request.user,
        )
        obj.pk = saved.pk


@admin.register(Allocation)
class AllocationAdmin(ReadOnlyAdmin):
    list_display = ("fund", "initiative", "workstream", "scheme_name", "status")
    list_filter = ("fund", "status")


@admin.register(Decision)
class DecisionAdmin(ReadOnlyAdmin):
    list_display = ("title", "body", "decided_on", "status", "fund")
    list_filter = ("fund", "status")


class LineInline(admin.TabularInline):
    model = MovementLine
    extra = 0
    can_delete = False
    readonly_fields = ("allocation", "amount")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Movement)
class MovementAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "fund", "kind", "decision", "financial_year")
    list_filter = ("fund", "kind")
    inlines = [LineInline]


@admin.register(QuarterlySpend)
class QuarterlySpendAdmin(ReadOnlyAdmin):
    list_display = ("allocation", "financial_year", "quarter", "planned", "actual", "forecast_outturn")
    list_filter = ("allocation__fund", "financial_year")
