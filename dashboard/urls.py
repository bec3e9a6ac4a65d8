from django.urls import path

from dashboard import views

app_name = "dashboard"

urlpatterns = [
    path("", views.index, name="index"),
    path("milestones/", views.milestone_list, name="milestones"),
    path("<slug:tile>.csv", views.tile_csv, name="csv"),
]
