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
    def topbar_item(request: object) -> dict[str, object] | None:
        from django.urls import reverse
        from django.utils.translation import gettext as _

        from postloan.eod import selectors

        user = request.user  # type: ignore[attr-defined]
        if not user.has_perm("eod.view"):
            return None
        last = selectors.last_run(user.institution)
        if last is None:
            return {"label": _("No end-of-day run yet"), "tone": "secondary", "url": reverse("eod:runs")}
        tone = {"succeeded": "green", "failed": "red"}.get(last.status, "yellow")
        return {
            "label": _("End of day %(d)s: %(s)s")
            % {"d": last.business_date.isoformat(), "s": last.get_status_display()},
            "tone": tone,
            "url": reverse("eod:runs"),
        }

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
        MenuItem(
            gettext_noop("Manual classifications"),
            "eod:overrides",
            "ti-gavel",
            "eod.view",
            gettext_noop("End of day"),
        ),
    )
