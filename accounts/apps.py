from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self):
        # Imported here: AppConfig modules load before the models are ready.
        from django.contrib.auth.signals import user_logged_in  # noqa: PLC0415

        from accounts.middleware import on_sign_in  # noqa: PLC0415

        # Session clocks and the second-factor flag are set once at sign-in, not looked up every request.
        user_logged_in.connect(on_sign_in, dispatch_uid="accounts.on_sign_in")
