from django.urls import path

from schemes import views

app_name = "schemes"

urlpatterns = [
    path("", views.scheme_list, name="list"),
    path("mine/", views.my_schemes, name="mine"),
    path("<int:pk>/", views.scheme_detail, name="detail"),
]
