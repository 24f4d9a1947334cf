"""The grantable permissions: the platform catalogue plus what plugins contribute."""

from __future__ import annotations

from postloan.platform.domain.permissions import PERMISSIONS, Permission


def all_permissions() -> list[Permission]:
    from postloan.platform.plugins import manager

    perms = list(PERMISSIONS)
    for contributed in manager.hook().postloan_permissions():
        perms.extend(contributed or [])
    return perms


def all_permission_codes() -> list[str]:
    return [p.code for p in all_permissions()]
