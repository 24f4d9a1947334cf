"""Shared fixtures. The database comes from DATABASE_URL (SQLite by default; CI also runs the
suite on PostgreSQL and MariaDB)."""

from __future__ import annotations

import pytest

from postloan.cli import DEMO_PASSWORD_SUFFIX


@pytest.fixture(autouse=True)
def _fast_hashing(settings):  # type: ignore[no-untyped-def]
    # Argon2 is the production hasher (asserted in test_auth); tests hash with MD5 for speed.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_plugins():  # type: ignore[no-untyped-def]
    from postloan.platform.plugins import manager

    manager.use(None)
    yield
    manager.use(None)


@pytest.fixture
def demo(db):  # type: ignore[no-untyped-def]
    """The demo institution: org tree and one user per built-in role."""
    from postloan.platform.demo import create_demo_institution

    institution, _ = create_demo_institution(password_suffix=DEMO_PASSWORD_SUFFIX)
    return institution


@pytest.fixture
def user_of(demo):  # type: ignore[no-untyped-def]
    from postloan.platform.models import User

    return lambda username: User.objects.get(username=username)


@pytest.fixture
def client_as(client, user_of):  # type: ignore[no-untyped-def]
    def login(username: str):  # type: ignore[no-untyped-def]
        client.force_login(user_of(username))
        return client

    return login
