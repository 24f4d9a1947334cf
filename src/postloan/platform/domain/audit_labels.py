"""Readable names for audit actions and object types (msgids; translated where shown)."""

from postloan.platform.domain.i18n import _

ACTION_LABELS = {
    "create": _("Created"),
    "update": _("Changed"),
    "delete": _("Deleted"),
    "login": _("Signed in"),
    "logout": _("Signed out"),
    "login_failed": _("Failed sign-in"),
    "reveal": _("Viewed personal data"),
    "set_business_date": _("Set business date"),
    "update_setting": _("Changed setting"),
    "update_preferences": _("Changed preferences"),
    "set_password": _("Changed password"),
    "enable_totp": _("Turned on two-factor sign-in"),
    "disable_totp": _("Turned off two-factor sign-in"),
    "revoke": _("Revoked"),
}

OBJECT_LABELS = {
    "user": _("User"),
    "role": _("Role"),
    "org_unit": _("Organisation unit"),
    "institution": _("Institution"),
    "setting": _("Setting"),
    "api_token": _("API token"),
}
