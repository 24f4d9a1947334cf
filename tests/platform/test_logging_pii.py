"""No personal data in logs, even at DEBUG with SQL logging on, for a request that handles PII."""

import logging

from django.db import connection


def test_request_with_pii_leaves_no_pii_in_any_log_record(client_as, user_of, caplog, settings):
    settings.DEBUG = True  # makes Django log every SQL statement with its parameters
    client = client_as("admin")
    target = user_of("agent")
    with caplog.at_level(logging.DEBUG), caplog.at_level(logging.DEBUG, logger="django.db.backends"):
        connection.force_debug_cursor = True
        try:
            response = client.post(
                f"/admin/users/{target.pk}/",
                {
                    "first_name": "帆",
                    "last_name": "杨",
                    "email": "",
                    "data_scope": "all",
                    "roles": [r.pk for r in target.roles.all()],
                    "is_active": "on",
                    "phone": "13912345678",
                    "id_number": "11010519900307283X",
                },
            )
            client.get("/admin/users/?q=13912345678")
            logging.getLogger("postloan.test").warning("callback number %s", "13912345678")
        finally:
            connection.force_debug_cursor = False
    assert response.status_code == 302
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "SELECT" in text  # SQL was logged, so the check below means something
    assert "13912345678" not in text
    assert "11010519900307283X" not in text
    assert "callback number [REDACTED]" in text
