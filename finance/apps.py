from django.apps import AppConfig


class FinanceConfig(AppConfig):
    name = "finance"
    verbose_name = "Finance"

    def ready(self):
        # The scheme page's money panel (schemes sits below finance, so the panel is registered, not imported).
        from finance.selectors import scheme_money, setup_missing  # noqa: PLC0415 - models load after the app registry
        from schemes.panels import SchemePanel, scheme_panel_register  # noqa: PLC0415
        from schemes.setup_checks import Missing, SetupCheck, setup_check_register  # noqa: PLC0415

        scheme_panel_register(
            SchemePanel(
                key="money",
                template="finance/_scheme_panel.html",
                order=30,
                context=lambda *, scheme, user: {"money": scheme_money(scheme=scheme)},
            )
        )
        # "Ready to report?": the programme's money, checked by finance (the checklist page is in schemes).
        setup_check_register(
            SetupCheck(
                key="money",
                order=25,
                label="Funds, contributions and allocations",
                missing=lambda *, programme, today: [Missing(*item) for item in setup_missing(programme=programme)],
            )
        )
