from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from accounts.models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (*BaseUserAdmin.fieldsets, ("Organisation", {"fields": ("job_title", "organisation")}))
    list_display = ("username", "first_name", "last_name", "email", "is_active", "is_staff")
