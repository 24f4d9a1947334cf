"""Logging hygiene: every record carries the request id, and nothing that looks like an ID number,
bank card or mobile number survives into a log line (PIPL: no PII in logs)."""

from __future__ import annotations

import logging

from postloan.platform.context import current_request_id
from postloan.platform.domain.masking import redact_text

_installed = False


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id() or "-"
        return True


def install_pii_redaction() -> None:
    """Wrap the log-record factory so redaction happens once, at creation, for every handler
    (including ones third-party code or tests attach later)."""
    global _installed
    if _installed:
        return
    _installed = True
    base_factory = logging.getLogRecordFactory()

    def factory(*args, **kwargs) -> logging.LogRecord:  # type: ignore[no-untyped-def]
        record = base_factory(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a malformed format string must not break logging
            message = str(record.msg)
        redacted = redact_text(message)
        if redacted != message or record.args:
            record.msg, record.args = redacted, ()
        return record

    logging.setLogRecordFactory(factory)
