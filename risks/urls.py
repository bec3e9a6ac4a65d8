from django.urls import path

from risks import views, views_spreadsheet

app_name = "risks"

urlpatterns = [
    path("", views.register, name="register"),
    path("new/", views.risk_create, name="create"),
    path("<int:pk>/", views.risk_detail, name="detail"),
    path("<int:pk>/edit/", views.risk_edit, name="edit"),
    path("<int:pk>/rescore/", views.risk_rescore, name="rescore"),
    path("<int:pk>/close/", views.risk_close, name="close"),
    path("<int:pk>/to-issue/", views.risk_to_issue, name="to_issue"),
    path("<int:pk>/actions/", views.action_add, name="action_add"),
    path("actions/<int:pk>/status/", views.action_status, name="action_status"),
    path("issues/<int:pk>/", views.issue_detail, name="issue_detail"),
    path("issues/<int:pk>/resolve/", views.issue_resolve, name="issue_resolve"),
    path("programme/<slug:programme>/register.xlsx", views_spreadsheet.register_export, name="export"),
    path("programme/<slug:programme>/import/", views_spreadsheet.register_import, name="import"),
]
