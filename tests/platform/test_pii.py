"""Personal data is encrypted at rest, found through a keyed hash, rotated by key id, and revealed
only with permission, leaving an audit row."""

import base64

import pytest
from django.db import connection

from postloan.platform import pii, selectors
from postloan.platform.models import AuditEntry, User
from postloan.platform.pii_rotation import rotate_all


def _raw(column: str, username: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM platform_user WHERE username = %s", [username])  # noqa: S608
        return cursor.fetchone()[0]


def test_stored_ciphertext_not_clear_text(demo):
    raw = _raw("phone", "collector")
    assert "13800130003" not in raw
    assert raw.startswith("dev1:")
    assert User.objects.get(username="collector").phone == "13800130003"
    # AES-GCM with a random nonce: the same clear text never encrypts the same way twice.
    assert pii.keyring().encrypt("13800130003") != pii.keyring().encrypt("13800130003")


def test_exact_lookup_through_keyed_hash(demo, user_of):
    admin = user_of("admin")
    found = list(selectors.users_visible_to(admin, query="138-0013-0003"))
    assert [u.username for u in found] == ["collector"]
    assert _raw("phone_hash", "collector") == pii.lookup_hash("phone", "13800130003")


def test_key_rotation_reencrypts_with_new_key_and_old_key_still_decrypts(demo, settings):
    new = "k2:" + base64.b64encode(b"n" * 32).decode()
    settings.POSTLOAN_ENCRYPTION_KEYS = f"{new},{settings.POSTLOAN_ENCRYPTION_KEYS}"
    assert User.objects.get(username="collector").phone == "13800130003"  # old key id still readable
    counts = rotate_all()
    assert counts["platform.User"] == User.objects.count()
    assert _raw("phone", "collector").startswith("k2:")
    assert User.objects.get(username="collector").phone == "13800130003"


def test_reveal_requires_permission_and_is_audited(client_as, user_of):
    target = user_of("collector")
    url = f"/pii/user/{target.pk}/phone/"
    denied = client_as("lead").post(url)
    assert denied.status_code in (302, 403)  # team lead lacks pii.reveal (and user admin)
    assert not AuditEntry.objects.filter(action="reveal").exists()

    response = client_as("admin").post(url)
    assert response.status_code == 200
    assert "13800130003" in response.content.decode()
    entry = AuditEntry.objects.get(action="reveal")
    assert (entry.actor_username, entry.object_id, entry.after) == (
        "admin",
        str(target.pk),
        {"field": "phone"},
    )


def test_user_list_shows_masked_values_only(client_as):
    page = client_as("admin").get("/admin/users/").content.decode()
    assert "138****0003" in page
    assert "13800130003" not in page


@pytest.mark.parametrize("field", ["password", "is_superuser"])
def test_reveal_refuses_non_pii_fields(client_as, user_of, field):
    response = client_as("admin").post(f"/pii/user/{user_of('collector').pk}/{field}/")
    assert response.status_code == 403
