from django.urls import path

from schemes import views, views_spreadsheet

app_name = "schemes"

urlpatterns = [
    path("", views.scheme_list, name="list"),
    path("mine/", views.my_schemes, name="mine"),
    path("<int:pk>/", views.scheme_detail, name="detail"),
    path("programme/<slug:programme>/export.xlsx", views_spreadsheet.programme_export, name="export"),
    path("programme/<slug:programme>/import/", views_spreadsheet.programme_import, name="import"),
]
