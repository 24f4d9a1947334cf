"""Liveness (/healthz) and readiness (/readyz: database reachable, migrations applied)."""

from __future__ import annotations

from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, JsonResponse


def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


def readyz(request: HttpRequest) -> JsonResponse:
    try:
        connection.ensure_connection()
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except Exception as exc:  # any failure to reach the database means not ready
        return JsonResponse(
            {"status": "unavailable", "database": "unreachable", "error": type(exc).__name__}, status=503
        )
    if pending:
        return JsonResponse(
            {"status": "unavailable", "database": "ok", "pending_migrations": len(pending)}, status=503
        )
    return JsonResponse({"status": "ok", "database": "ok", "pending_migrations": 0})
