"""The JSON API: OpenAPI, token auth with scopes, revocation, JSON errors (never a 500), pagination."""

import json

import pytest

from postloan.platform import services
from postloan.platform.models import ApiToken


@pytest.fixture
def token(user_of):  # type: ignore[no-untyped-def]
    def make(scopes: list[str], username: str = "admin") -> str:
        return services.create_api_token(actor=user_of(username), name="core-sync", scopes=scopes)[1]

    return make


def _auth(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def test_openapi_and_docs(client, db):
    spec = client.get("/api/v1/openapi.json").json()
    assert spec["info"]["title"] == "postloan API"
    assert "/api/v1/platform/me" in spec["paths"]
    assert client.get("/api/v1/docs").status_code == 200


def test_token_auth_me(client, token):
    clear = token(["read"])
    body = client.get("/api/v1/platform/me", **_auth(clear)).json()
    assert body["username"] == "admin"
    assert body["business_date"] == "2026-12-04"
    assert "platform.manage_users" in body["permissions"]


def test_token_hashed_at_rest(token):
    clear = token(["read"])
    row = ApiToken.objects.get()
    assert clear.split("_")[2] not in (row.token_hash, row.prefix)
    assert len(row.token_hash) == 64


def test_missing_or_bad_token_is_401_json(client, token):
    response = client.get("/api/v1/platform/me")
    assert response.status_code == 401 and "detail" in response.json()
    assert client.get("/api/v1/platform/me", **_auth("pl_nope_nope")).status_code == 401


def test_read_scope_cannot_write(client, token):
    clear = token(["read"])
    response = client.put(
        "/api/v1/platform/settings/mask.phone.head",
        data=json.dumps({"value": 2}),
        content_type="application/json",
        **_auth(clear),
    )
    assert response.status_code == 403
    assert "write" in response.json()["detail"]


def test_write_scope_changes_setting(client, token):
    clear = token(["read", "write"])
    response = client.put(
        "/api/v1/platform/settings/mask.phone.head",
        data=json.dumps({"value": 2}),
        content_type="application/json",
        **_auth(clear),
    )
    assert response.status_code == 200 and response.json()["value"] == 2


def test_revoked_token_stops_working(client, token, user_of):
    clear = token(["read"])
    assert client.get("/api/v1/platform/me", **_auth(clear)).status_code == 200
    services.revoke_api_token(actor=user_of("admin"), token=ApiToken.objects.get())
    assert client.get("/api/v1/platform/me", **_auth(clear)).status_code == 401


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("post", "/api/v1/platform/users", "{not json"),
        ("post", "/api/v1/platform/users", '{"username": 5}'),
        ("put", "/api/v1/platform/settings/mask.phone.head", "[1, 2"),
        ("put", "/api/v1/platform/settings/mask.phone.head", '{"value": "abc"}'),
        (
            "put",
            "/api/v1/platform/institution/business-date",
            '{"business_date": "2026-13-45", "reason": "x"}',
        ),
        ("post", "/api/v1/platform/tokens", '{"name": ""}'),
        ("post", "/api/v1/platform/tokens", '{"name": "x", "scopes": ["admin"]}'),
    ],
)
def test_malformed_bodies_get_4xx_json_never_500(client, token, method, path, body):
    clear = token(["read", "write"])
    response = getattr(client, method)(path, data=body, content_type="application/json", **_auth(clear))
    assert 400 <= response.status_code < 500, response.content
    payload = response.json()
    assert payload["detail"]
    assert isinstance(payload["errors"], dict)


def test_field_level_errors(client, token):
    clear = token(["read", "write"])
    response = client.put(
        "/api/v1/platform/settings/mask.phone.head",
        data='{"value": "abc"}',
        content_type="application/json",
        **_auth(clear),
    )
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["mask.phone.head"]


def test_pagination_convention(client, token):
    clear = token(["read"])
    body = client.get("/api/v1/platform/users?limit=3&offset=0", **_auth(clear)).json()
    assert body["count"] == 8 and len(body["items"]) == 3
    assert body["items"][0]["phone_masked"] == "138****0000"
    rest = client.get("/api/v1/platform/users?limit=3&offset=6", **_auth(clear)).json()
    assert len(rest["items"]) == 2


def test_collector_token_cannot_list_users(client, user_of):
    from postloan.platform.models import Role

    role = Role.objects.get(code="collector")
    role.permissions = [*role.permissions, "platform.use_api"]
    role.save()
    clear = services.create_api_token(actor=user_of("collector"), name="x", scopes=["read"])[1]
    assert client.get("/api/v1/platform/users", **_auth(clear)).status_code == 403


def test_session_writes_need_csrf(db, client_as):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.cookies = client_as("admin").cookies
    response = strict.put(
        "/api/v1/platform/settings/mask.phone.head", data='{"value": 1}', content_type="application/json"
    )
    assert response.status_code in (401, 403)


def test_bad_token_on_a_write_is_401_not_csrf(client, db):
    response = client.post(
        "/api/v1/platform/tokens",
        data='{"name": "x"}',
        content_type="application/json",
        HTTP_AUTHORIZATION="Bearer pl_dead_beef",
    )
    assert response.status_code == 401 and response.json()["detail"]


def test_unknown_api_path_and_method_are_json(client, token):
    clear = token(["read"])
    missing = client.get("/api/v1/nope", **_auth(clear))
    assert missing.status_code == 404 and missing.json()["errors"] == {}
    wrong = client.patch("/api/v1/platform/me", **_auth(clear))
    assert wrong.status_code == 405 and "detail" in wrong.json()


def test_swagger_ui_is_served_locally(client, db):
    html = client.get("/api/v1/docs").content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html and "cdn." not in html
    assert client.get("/static/ninja/swagger-ui-bundle.js").status_code == 200


def test_write_without_any_credentials_is_401(client, db):
    response = client.post("/api/v1/platform/tokens", data='{"name": "x"}', content_type="application/json")
    assert response.status_code == 401
