from django.urls import path

from programme_load import views

app_name = "programme_load"

urlpatterns = [
    path("<slug:programme>/", views.load_start, name="start"),
    path("<slug:programme>/template.xlsx", views.template_download, name="template"),
    path("<slug:programme>/<int:pk>/", views.load_check, name="check"),
]
