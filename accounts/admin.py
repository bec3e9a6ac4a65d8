from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from simple_history.admin import SimpleHistoryAdmin

from accounts.models import Membership, Partnership, SecurityEvent, User


def _superusers_only(request) -> bool:
    """The Django admin shows every partnership's rows unfiltered, so only a superuser opens it (issue 17): the
    programme office sets its own programme up on the set-up pages, which are scoped to its partnership."""
    return request.user.is_active and request.user.is_superuser


admin.site.has_permission = _superusers_only


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (*BaseUserAdmin.fieldsets, ("Organisation", {"fields": ("job_title", "organisation")}))
    list_display = ("username", "first_name", "last_name", "email", "is_active", "is_staff")


@admin.register(SecurityEvent)
class SecurityEventAdmin(admin.ModelAdmin):
    """The security log, read-only: rows are written by the app and never changed."""

    list_display = ("at", "kind", "subject", "username", "actor", "address", "detail")
    list_filter = ("kind",)
    search_fields = ("username", "subject__username", "actor__username", "address", "detail")
    date_hierarchy = "at"
    list_select_related = ("subject", "actor")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Partnership)
class PartnershipAdmin(SimpleHistoryAdmin):
    list_display = ("name", "hwb_area", "slug")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Membership)
class MembershipAdmin(SimpleHistoryAdmin):
    """Who holds which role on which programme, and when (audited)."""

    list_display = ("user", "programme", "role", "start_date", "end_date")
    list_filter = ("role", "programme")
    search_fields = ("user__username", "user__first_name", "user__last_name", "programme__name")
    list_select_related = ("user", "programme")
    autocomplete_fields = ("user",)
