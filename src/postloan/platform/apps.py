from django.apps import AppConfig


class PlatformConfig(AppConfig):
    name = "postloan.platform"
    label = "platform"
    verbose_name = "Platform"

    def ready(self) -> None:
        from postloan.platform import logging as pl_logging

        pl_logging.install_pii_redaction()
        from postloan.platform import pii
        from postloan.platform.plugins import manager

        pii.keyring()  # a malformed POSTLOAN_ENCRYPTION_KEYS fails at start-up, not at the first read
        manager.get()  # plugins load (and check their required settings) at start-up
        from postloan.platform import (
            reveal,
            selectors,
            signals,  # noqa: F401  (connects receivers)
        )
        from postloan.platform.models import User

        reveal.register("user", lambda user: selectors.users_visible_to(user), set(User.PII_FIELDS))
