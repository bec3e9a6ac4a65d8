from django.urls import path

from api import views

app_name = "api"

urlpatterns = [
    path("tokens/", views.tokens, name="tokens"),
    path("tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
    path("v1/", views.feed, {"name": ""}, name="index"),
    path("v1/<slug:name>/", views.feed, name="feed"),
]
