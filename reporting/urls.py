from django.urls import path

from reporting import views

app_name = "reporting"

urlpatterns = [
    path("", views.report_index, name="index"),
    path("periods/<int:period_id>/draft.pdf", views.draft_pdf, name="draft"),
    path("periods/<int:period_id>/draft/build/", views.draft_build, name="draft_build"),
    path("periods/<int:period_id>/board-pack.pdf", views.board_pack, name="board_pack"),
    path("periods/<int:period_id>/cover/", views.cover_edit, name="cover"),
    path("periods/<int:period_id>/issue/", views.issue, name="issue"),
    path("issued/<int:pk>/", views.issued_detail, name="issued"),
    path("issued/<int:pk>/download/", views.issued_download, name="issued_download"),
    path("issued/<int:pk>/snapshot.json", views.issued_snapshot, name="issued_snapshot"),
    path("jobs/<int:pk>/", views.job_detail, name="job"),
    path("jobs/<int:pk>/status/", views.job_status, name="job_status"),
    path("jobs/<int:pk>/download/", views.job_download, name="job_download"),
    path("jobs/<int:pk>/retry/", views.job_retry, name="job_retry"),
    path("funds/<slug:slug>/appendix-1.pdf", views.finance_appendix, name="finance_appendix"),
    path("funds/<slug:slug>/budget-monitoring.pdf", views.budget_monitoring, name="budget_monitoring"),
]
