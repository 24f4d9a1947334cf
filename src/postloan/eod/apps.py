from django.apps import AppConfig
from django.utils.translation import gettext_noop

from postloan.platform.menu import MenuItem


class EodConfig(AppConfig):
    name = "postloan.eod"
    label = "eod"
    verbose_name = "End of day"
    plugin_hooks = "postloan.eod.hooks"
    loan_panel = "eod/_loan_panel.html"

    @staticmethod
    def loan_context(loan: object) -> dict[str, object]:
        from postloan.eod import selectors

        return {"history": selectors.loan_history(loan)}

    menu_items = (
        MenuItem(
            gettext_noop("End-of-day runs"),
            "eod:runs",
            "ti-calendar-time",
            "eod.view",
            gettext_noop("End of day"),
        ),
    )
