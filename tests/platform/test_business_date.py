"""The business date is per institution and changes only through the EOD batch or an administrator."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from postloan.platform import services
from postloan.platform.models import AuditEntry


def test_admin_changes_business_date_with_reason(client_as, demo):
    client = client_as("admin")
    response = client.post("/admin/business-date/", {"business_date": "2026-12-07", "reason": "补跑周末"})
    assert response.status_code == 302
    demo.refresh_from_db()
    assert demo.business_date == dt.date(2026, 12, 7)
    entry = AuditEntry.objects.get(action="set_business_date")
    assert entry.before == {"business_date": "2026-12-04"}
    assert entry.after == {"business_date": "2026-12-07", "reason": "补跑周末"}
    assert "2026-12-07" in client.get("/").content.decode()  # top bar shows it


def test_reason_required(user_of, demo):
    with pytest.raises(ValidationError):
        services.set_business_date(
            actor=user_of("admin"), institution=demo, new_date=dt.date(2027, 1, 1), reason=" "
        )


def test_business_date_not_wall_clock(client_as):
    html = client_as("collector").get("/").content.decode()
    assert 'data-testid="business-date"' in html and "2026-12-04" in html
