from django.apps import AppConfig


class SchemesConfig(AppConfig):
    name = "schemes"
    verbose_name = "Schemes"

    def ready(self) -> None:
        # Connects the signal that forgets which programmes are illustrative (models load after the app registry).
        from schemes import illustrative  # noqa: F401, PLC0415
