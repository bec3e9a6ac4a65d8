from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from accounts.middleware import on_sign_in

        # Session clocks and the second-factor flag are set once at sign-in, not looked up every request.
        user_logged_in.connect(on_sign_in, dispatch_uid="accounts.on_sign_in")
