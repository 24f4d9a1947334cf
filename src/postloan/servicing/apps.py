from django.apps import AppConfig
from django.utils.translation import gettext_noop

from postloan.platform.menu import MenuItem


class ServicingConfig(AppConfig):
    name = "postloan.servicing"
    label = "servicing"
    verbose_name = "Servicing"
    menu_items = (
        MenuItem(
            gettext_noop("Customers"),
            "servicing:customers",
            "ti-address-book",
            "servicing.view",
            gettext_noop("Servicing"),
        ),
        MenuItem(
            gettext_noop("Waivers & write-offs"),
            "servicing:adjustments",
            "ti-discount-check",
            ("servicing.request_waiver", "servicing.approve_waiver", "platform.manage_roles"),
            gettext_noop("Servicing"),
        ),
        MenuItem(
            gettext_noop("Data import"),
            "servicing:imports",
            "ti-file-import",
            "servicing.import_data",
            gettext_noop("Servicing"),
        ),
        MenuItem(
            gettext_noop("Custom fields"),
            "servicing:custom_fields",
            "ti-forms",
            "servicing.manage_products",
            gettext_noop("Servicing"),
        ),
        MenuItem(
            gettext_noop("Loan products"),
            "servicing:products",
            "ti-package",
            "servicing.manage_products",
            gettext_noop("Servicing"),
        ),
    )

    home_panel = "servicing/_home_panel.html"

    @staticmethod
    def home_context(request: object) -> dict[str, object] | None:
        from postloan.servicing import selectors

        user = request.user  # type: ignore[attr-defined]
        if not user.has_perm("servicing.view"):
            return None
        business_date = user.institution.business_date
        return {"summary": selectors.portfolio_summary(user, business_date), "business_date": business_date}

    def ready(self) -> None:
        from postloan.platform import reveal
        from postloan.servicing import selectors
        from postloan.servicing.models import Contact

        reveal.register("customer", selectors.customers_for, {"id_number"})
        reveal.register(
            "contact",
            lambda user: Contact.objects.filter(customer__in=selectors.customers_for(user)),
            {"value"},
        )
