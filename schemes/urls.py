from django.urls import path

from schemes import views, views_inbox, views_spreadsheet

app_name = "schemes"

urlpatterns = [
    path("", views.scheme_list, name="list"),
    path("mine/", views.my_schemes, name="mine"),
    path("<int:pk>/", views.scheme_detail, name="detail"),
    path("<int:pk>/history/", views.scheme_history, name="history"),
    path("<int:pk>/edit/", views.scheme_edit, name="edit"),
    path("<int:pk>/approvals/add/", views.approval_add, name="approval_add"),
    path("approvals/<int:pk>/outcome/", views.approval_outcome, name="approval_outcome"),
    path("<int:pk>/periods/<slug:period_code>/comments/", views.comment_add, name="comment_add"),
    path("<int:pk>/periods/<slug:period_code>/rag/", views.update_rag_set, name="update_rag"),
    path("<int:pk>/periods/<slug:period_code>/submit/", views.update_submit, name="update_submit"),
    path("<int:pk>/periods/<slug:period_code>/return/", views.update_return, name="update_return"),
    path("<int:pk>/periods/<slug:period_code>/approve/", views.update_approve, name="update_approve"),
    path("inbox/", views_inbox.inbox, name="inbox"),
    path("programme/<slug:programme>/export.xlsx", views_spreadsheet.programme_export, name="export"),
    path("programme/<slug:programme>/import/", views_spreadsheet.programme_import, name="import"),
]
