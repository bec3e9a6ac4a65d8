from django.urls import path

from returns import views

app_name = "returns"

urlpatterns = [
    path("", views.return_list, name="list"),
    path("build/", views.build_form, name="build_form"),
    path("jobs/<int:pk>/", views.job_status, name="job"),
    path("answers/<int:pk>/", views.answer_edit, name="answer"),
    path("<slug:slug>/<str:quarter>/", views.return_detail, name="detail"),
    path("<slug:slug>/<str:quarter>/build/", views.build, name="build"),
    path("<slug:slug>/<str:quarter>/sign-off/", views.sign_off, name="sign_off"),
    path("<slug:slug>/<str:quarter>/correct/", views.correct, name="correct"),
    path("<slug:slug>/<str:quarter>/v<int:revision>.xlsx", views.download, name="download"),
]
