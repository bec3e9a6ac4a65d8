from django.apps import AppConfig


class RisksConfig(AppConfig):
    name = "risks"
    verbose_name = "Risks and issues"

    def ready(self):
        # The scheme page's risks panel (schemes sits below risks, so the panel is registered, not imported).
        from risks.selectors import risks_for_scheme  # noqa: PLC0415 - models load after the app registry
        from schemes.panels import SchemePanel, scheme_panel_register  # noqa: PLC0415

        scheme_panel_register(
            SchemePanel(
                key="risks",
                template="risks/_scheme_panel.html",
                order=10,
                context=lambda *, scheme, user: {"risks": risks_for_scheme(scheme=scheme)},
            )
        )
