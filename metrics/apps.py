from django.apps import AppConfig


class MetricsConfig(AppConfig):
    name = "metrics"
    verbose_name = "Metrics and KPIs"

    def ready(self):
        # The scheme page's KPIs panel (schemes sits below metrics, so the panel is registered, not imported).
        from metrics.selectors import scheme_kpis_panel  # noqa: PLC0415 - models load after the app registry
        from schemes.panels import SchemePanel, scheme_panel_register  # noqa: PLC0415

        scheme_panel_register(
            SchemePanel(key="kpis", template="metrics/_scheme_panel.html", order=20, context=scheme_kpis_panel)
        )
