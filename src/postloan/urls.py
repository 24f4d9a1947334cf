"""URL wiring: platform (always), health, API, and each served module under `/<module code>/`.

Modules switched off in the institution's settings answer 404 (ModuleSwitchMiddleware)."""

from django.urls import include, path

from postloan import modules
from postloan.api import api
from postloan.platform.views import health

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("api/v1/", api.urls),
    path("", include("postloan.platform.urls")),
]
urlpatterns += [
    path(f"{m.code}/", include(f"{m.app}.urls"))
    for m in modules.CATALOGUE
    if m.code in modules.served_codes()
]

handler403 = "postloan.platform.views.errors.forbidden"
handler404 = "postloan.platform.views.errors.not_found"
handler500 = "postloan.platform.views.errors.server_error"
