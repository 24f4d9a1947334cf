"""Institution settings are typed, validated with specific messages, audited, and take effect at once."""

import pytest
from django.core.exceptions import ValidationError

from postloan.platform import runtime_config, services
from postloan.platform.domain.runtime_settings import SettingError, SettingSpec, coerce
from postloan.platform.models import AuditEntry


def test_coercion_by_type():
    spec = SettingSpec("x", "int", 3, "x", "g", minimum=0, maximum=8)
    assert coerce(spec, " 5 ") == 5
    with pytest.raises(SettingError, match="whole number"):
        coerce(spec, "five")
    with pytest.raises(SettingError, match="at most"):
        coerce(spec, "9")
    assert coerce(SettingSpec("b", "bool", False, "b", "g"), "on") is True
    assert coerce(SettingSpec("d", "decimal", "0", "d", "g"), "0.245") == "0.245"


def test_mask_setting_changes_screen_without_restart(client_as, user_of, demo):
    client = client_as("admin")
    assert "138****0003" in client.get("/admin/users/").content.decode()
    response = client.post("/admin/settings/", {"key": "mask.phone.head", "value": "0"})
    assert response.status_code == 302
    assert "*******0003" in client.get("/admin/users/").content.decode()
    entry = AuditEntry.objects.get(action="update_setting", object_id="mask.phone.head")
    assert (entry.before, entry.after) == ({"value": 3}, {"value": 0})


def test_bad_value_gets_specific_message_and_keeps_old_value(client_as, demo):
    response = client_as("admin").post("/admin/settings/", {"key": "mask.phone.tail", "value": "abc"})
    assert response.status_code == 400
    assert "请输入整数" in response.content.decode()
    assert runtime_config.for_institution(demo)["mask.phone.tail"] == 4


def test_unknown_setting_refused(user_of, demo):
    with pytest.raises(ValidationError):
        services.update_setting(actor=user_of("admin"), institution=demo, key="nope", raw="1")
