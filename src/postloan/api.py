"""The JSON API root at /api/v1: auth, error format, and each module's router.

Error format (every 4xx): {"detail": "<message>", "errors": {"<field>": ["<message>", ...]}}.
Pagination: list endpoints take `limit` (default 50, max 500) and `offset` and return
{"items": [...], "count": <total>}.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as SchemaValidationError
from ninja.security import APIKeyCookie, HttpBearer

from postloan.platform import services


class TokenAuth(HttpBearer):
    """`Authorization: Bearer pl_<prefix>_<secret>`. GET needs the read scope, writes need write."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        found = services.authenticate_token(token)
        if found is None:
            return None
        user, api_token = found
        needed = "read" if request.method in ("GET", "HEAD", "OPTIONS") else "write"
        if needed not in api_token.scopes:
            raise HttpError(403, _("This token does not have the %(scope)s scope.") % {"scope": needed})
        request.user = user
        return user


class SessionAuth(APIKeyCookie):
    """The signed-in browser session (CSRF-checked for writes), so screens can call the API too."""

    param_name = "sessionid"

    def __call__(self, request: HttpRequest) -> Any:
        # A request that sends a token is judged by the token alone (401 if it is bad), never by
        # a session cookie it may also carry.
        if request.headers.get("Authorization") or self.param_name not in request.COOKIES:
            return None
        return super().__call__(request)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = getattr(request, "user", None)
        return user if user is not None and user.is_authenticated else None


api = NinjaAPI(
    title="postloan API",
    version="1",
    urls_namespace="api",
    auth=[TokenAuth(), SessionAuth(csrf=True)],
    docs_url="/docs",
    openapi_url="/openapi.json",
    description=__doc__ or "",
)


def _error(
    request: HttpRequest, status: int, detail: str, errors: dict[str, list[str]] | None = None
) -> HttpResponse:
    return api.create_response(request, {"detail": detail, "errors": errors or {}}, status=status)


@api.exception_handler(SchemaValidationError)
def _schema_error(request: HttpRequest, exc: SchemaValidationError) -> HttpResponse:
    errors: dict[str, list[str]] = {}
    for item in exc.errors:
        loc = [str(p) for p in item.get("loc", []) if p not in ("body", "payload", "query", "path")]
        errors.setdefault(".".join(loc) or "__all__", []).append(str(item.get("msg", "")))
    return _error(request, 422, _("The request is not valid."), errors)


@api.exception_handler(ValidationError)
def _domain_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    if hasattr(exc, "error_dict"):
        errors = {k: [str(m) for m in v] for k, v in exc.message_dict.items()}
        return _error(request, 400, "; ".join(m for v in errors.values() for m in v), errors)
    return _error(request, 400, "; ".join(exc.messages))


@api.exception_handler(PermissionDenied)
def _forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return _error(request, 403, str(exc) or _("You do not have permission to do this."))


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error(request, 404, _("Not found."))


@api.exception_handler(AuthenticationError)
def _unauthorized(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _error(request, 401, _("Sign in or send a valid API token (Authorization: Bearer ...)."))


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return _error(request, exc.status_code, str(exc))


def _register_routers() -> None:
    from importlib import import_module

    from postloan import modules
    from postloan.platform.api import router as platform_router

    api.add_router("/platform", platform_router)
    for module in modules.CATALOGUE:
        if module.code in modules.served_codes():
            api.add_router(f"/{module.code}", import_module(f"{module.app}.api").router)


_register_routers()
