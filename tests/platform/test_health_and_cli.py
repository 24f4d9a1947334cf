"""Health endpoints, the `postloan` command's subcommands, and production-mode refusal."""

import os
import subprocess
import sys

import pytest

from postloan.cli import build_parser, main


def test_healthz(client):
    assert client.get("/healthz").json() == {"status": "ok"}


def test_readyz_ok_when_migrated(client, db):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "pending_migrations": 0}


@pytest.mark.parametrize(
    "command", ["serve", "migrate", "createadmin", "demo", "audit", "business-date", "pii"]
)
def test_every_subcommand_has_help(command, capsys):
    with pytest.raises(SystemExit) as exit_:
        build_parser().parse_args([command, "--help"])
    assert exit_.value.code == 0
    assert "usage: postloan " + command in capsys.readouterr().out


def test_serve_rejects_unknown_module(capsys):
    assert main(["serve", "--modules", "collections_x"]) == 2
    assert "unknown module" in capsys.readouterr().err


def _run(env_extra: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("POSTLOAN_")} | env_extra
    return subprocess.run(
        [sys.executable, "-m", "postloan.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def test_production_refuses_default_secrets(tmp_path):
    result = _run({"POSTLOAN_ENV": "production", "POSTLOAN_DATA_DIR": str(tmp_path)}, "migrate")
    assert result.returncode != 0
    assert "POSTLOAN_SECRET_KEY must be set" in result.stderr
    assert "POSTLOAN_ENCRYPTION_KEYS must be set" in result.stderr


def test_production_starts_with_real_secrets(tmp_path):
    import base64

    env = {
        "POSTLOAN_ENV": "production",
        "POSTLOAN_DATA_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'p.sqlite3'}",
        "POSTLOAN_SECRET_KEY": "s" * 50,
        "POSTLOAN_HASH_KEY": "h" * 40,
        "POSTLOAN_ENCRYPTION_KEYS": "p1:" + base64.b64encode(b"k" * 32).decode(),
    }
    result = _run(env, "migrate")
    assert result.returncode == 0, result.stderr


def test_business_date_cli(demo, capsys):
    assert main(["business-date"]) == 0
    assert capsys.readouterr().out.strip() == "2026-12-04"
    assert main(["business-date", "--set", "2026-12-07", "--reason", "weekend catch-up"]) == 0
    demo.refresh_from_db()
    assert demo.business_date.isoformat() == "2026-12-07"


def test_cache_uses_redis_when_redis_url_is_set():
    import socket

    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
    except OSError:
        if os.environ.get("POSTLOAN_REQUIRE_SERVICES") == "1":
            raise
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    code = (
        "import django; django.setup();"
        "from django.core.cache import cache; from django.conf import settings;"
        "cache.set('postloan-ci-probe', '营业日期', 30);"
        "print(settings.CACHES['default']['BACKEND'], cache.get('postloan-ci-probe'))"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("POSTLOAN_")} | {
        "REDIS_URL": "redis://127.0.0.1:6379/2",
        "DJANGO_SETTINGS_MODULE": "postloan.settings",
    }
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60, check=False
    )
    assert result.stdout.split() == ["django.core.cache.backends.redis.RedisCache", "营业日期"], result.stderr
