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
    path("password/reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path("password/reset/sent/", views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path("password/reset/<uidb64>/<token>/", views.PasswordResetConfirmView.as_view(), name="password_reset_confirm"),
    path("password/reset/done/", views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("two-step/", views.mfa_manage, name="mfa"),
    path("two-step/set-up/", views.mfa_setup, name="mfa_setup"),
    path("two-step/code/", views.mfa_verify, name="mfa_verify"),
    path("two-step/remove/", views.mfa_remove, name="mfa_remove"),
    path("two-step/recovery-codes/", views.mfa_recovery_codes, name="mfa_recovery_codes"),
    path("people/two-step/", views.people_two_step, name="people_two_step"),
    path("people/<int:pk>/two-step/reset/", views.people_two_step_reset, name="people_two_step_reset"),
    path("security-log/", views.security_events, name="security_events"),
    path("sso/", views.sso_start, name="sso_start"),
    path("sso/callback/", views.sso_callback, name="sso_callback"),
    path("invitation/<str:token>/", views.invitation_accept, name="invitation_accept"),
]
