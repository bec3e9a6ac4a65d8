from django.contrib import admin
from django.urls import include, path

from accounts.views import home

urlpatterns = [
    # Each role's first page (the dashboard, or My schemes for a project lead).
    path("", home, name="home"),
    path("", include("core.urls")),
    path("accounts/", include("accounts.urls")),
    path("schemes/", include("schemes.urls")),
    path("setup/", include("schemes.urls_setup")),
    path("milestones/", include("schemes.urls_milestones")),
    path("risks/", include("risks.urls")),
    path("money/", include("finance.urls")),
    path("dashboard/", include("dashboard.urls")),
    path("metrics/", include("metrics.urls")),
    path("api/", include("api.urls")),
    path("returns/", include("returns.urls")),
    path("load/", include("programme_load.urls")),
    path("cases/", include("cases.urls")),
    path("reports/", include("reporting.urls")),
    path("notifications/", include("notifications.urls")),
    path("search/", include("search.urls")),
    path("admin/", admin.site.urls),
]
