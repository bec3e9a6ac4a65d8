from django.urls import path

from schemes import views_setup as views

app_name = "setup"

urlpatterns = [
    path("", views.setup_index, name="index"),
    path("<slug:slug>/", views.programme_edit, name="programme"),
    path("<slug:slug>/checklist/", views.checklist, name="checklist"),
    path("<slug:slug>/periods/", views.periods, name="periods"),
    path("periods/<int:pk>/", views.period_edit, name="period_edit"),
    path("periods/<int:pk>/close/", views.period_close, name="period_close"),
    path("<slug:slug>/workstreams/", views.workstreams, name="workstreams"),
    path("workstreams/<int:pk>/", views.workstream_edit, name="workstream_edit"),
    path("<slug:slug>/localities/", views.localities, name="localities"),
    path("localities/<int:pk>/", views.locality_edit, name="locality_edit"),
    path("schemes/<int:pk>/lead/", views.scheme_lead, name="scheme_lead"),
    path("<slug:slug>/people/", views.people, name="people"),
    path("<slug:slug>/people/<int:pk>/", views.person, name="person"),
]
