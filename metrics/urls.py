from django.urls import path

from metrics import views

app_name = "metrics"

urlpatterns = [
    path("", views.metric_list, name="list"),
    path("new/", views.metric_create, name="create"),
    path("template.<str:fmt>", views.template_download, name="template"),
    path("upload/", views.upload, name="upload"),
    path("headline/<slug:code>/", views.headline_setup, name="headline_setup"),
    path("<int:pk>/", views.metric_detail, name="detail"),
    path("<int:pk>/plan/", views.plan_extend, name="plan"),
    path("<int:pk>/periods/<str:period>/", views.actual_record, name="record"),
]
