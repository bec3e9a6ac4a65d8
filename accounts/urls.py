from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password/",
        views.PasswordChangeView.as_view(success_url=reverse_lazy("accounts:password_change_done")),
        name="password_change",
    ),
    path("password/done/", views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("two-step/", views.mfa_manage, name="mfa"),
    path("two-step/set-up/", views.mfa_setup, name="mfa_setup"),
    path("two-step/code/", views.mfa_verify, name="mfa_verify"),
]
