"""Sign-in, lock-out after repeated failures, TOTP second factor, password hashing."""

import pytest
from django.conf import settings as django_settings
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from postloan.cli import DEMO_PASSWORD_SUFFIX
from postloan.platform.models import AuditEntry


def test_production_hasher_is_argon2():
    from postloan import settings as project_settings

    assert project_settings.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"


def test_login_and_logout_are_audited(client, demo):
    response = client.post("/login/", {"username": "analyst", "password": "analyst" + DEMO_PASSWORD_SUFFIX})
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").status_code == 200
    client.post("/logout/")
    assert client.get("/").status_code == 302
    actions = list(AuditEntry.objects.filter(actor_username="analyst").values_list("action", flat=True))
    assert "login" in actions and "logout" in actions


def test_wrong_password_is_refused_with_message(client, demo):
    response = client.post("/login/", {"username": "analyst", "password": "nope"})
    assert response.status_code == 200
    assert "用户名或密码错误" in response.content.decode()
    assert AuditEntry.objects.filter(action="login_failed", after={"username": "analyst"}).count() == 1


def test_lockout_after_five_failures_even_with_right_password(client, demo):
    for _ in range(4):
        assert client.post("/login/", {"username": "agent", "password": "bad"}).status_code == 200
    locked = client.post("/login/", {"username": "agent", "password": "bad"})
    assert locked.status_code == 429
    right = client.post("/login/", {"username": "agent", "password": "agent" + DEMO_PASSWORD_SUFFIX})
    assert right.status_code == 429
    assert client.get("/").status_code == 302  # still not signed in
    # Another user from the same address is not locked.
    ok = client.post("/login/", {"username": "auditor", "password": "auditor" + DEMO_PASSWORD_SUFFIX})
    assert ok.status_code == 302


def test_open_redirect_after_login_is_refused(client, demo):
    response = client.post(
        "/login/?next=https://evil.example/",
        {
            "username": "analyst",
            "password": "analyst" + DEMO_PASSWORD_SUFFIX,
            "next": "https://evil.example/",
        },
    )
    assert response["Location"] == "/"


def test_totp_second_factor(client, user_of):
    user = user_of("manager")
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    response = client.post("/login/", {"username": "manager", "password": "manager" + DEMO_PASSWORD_SUFFIX})
    assert response["Location"] == "/login/otp/"
    assert client.get("/").status_code == 302  # not signed in before the code
    bad = client.post("/login/otp/", {"token": "000000" if totp(device.bin_key) != 0 else "111111"})
    assert bad.status_code == 200
    device.refresh_from_db()
    assert device.throttling_failure_count == 1  # django-otp slows down guessing after each miss
    device.throttle_reset()
    code = f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"
    response = client.post("/login/otp/", {"token": code})
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_totp_enrolment_from_profile(client_as, user_of):
    client = client_as("analyst")
    page = client.get("/profile/totp/")
    assert page.status_code == 200 and b"data:image/svg+xml;base64," in page.content
    device = TOTPDevice.objects.get(user=user_of("analyst"), confirmed=False)
    code = f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"
    assert client.post("/profile/totp/", {"token": code}).status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    assert AuditEntry.objects.filter(action="enable_totp", actor_username="analyst").exists()


@pytest.mark.parametrize("setting", ["SESSION_COOKIE_HTTPONLY", "SESSION_EXPIRE_AT_BROWSER_CLOSE"])
def test_session_hardening(setting):
    assert getattr(django_settings, setting) is True


def test_administrator_clears_lockout_resets_password_and_removes_second_factor(client, client_as, user_of):
    from django.test import Client

    for _ in range(5):
        client.post("/login/", {"username": "agent", "password": "bad"})
    assert (
        client.post("/login/", {"username": "agent", "password": "agent" + DEMO_PASSWORD_SUFFIX}).status_code
        == 429
    )
    admin = client_as("admin")
    agent = user_of("agent")
    admin.post(f"/admin/users/{agent.pk}/security/", {"action": "unlock"})
    admin.post(f"/admin/users/{agent.pk}/security/", {"action": "password", "password": "Fresh-Start-2027"})
    fresh = Client()
    assert fresh.post("/login/", {"username": "agent", "password": "Fresh-Start-2027"}).status_code == 302
    TOTPDevice.objects.create(user=agent, name="phone", confirmed=True)
    admin.post(f"/admin/users/{agent.pk}/security/", {"action": "totp", "reason": "手机丢失"})
    assert not TOTPDevice.objects.filter(user=agent).exists()
    actions = set(AuditEntry.objects.filter(object_id=str(agent.pk)).values_list("action", flat=True))
    assert {"unlock", "set_password", "disable_totp"} <= actions
