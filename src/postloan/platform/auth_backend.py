"""Authentication with permissions granted through roles (the `Role` table), not Django's per-model
permission tables: a permission is a business capability code such as `pii.reveal`."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend

from postloan.platform.permission_catalogue import all_permission_codes


class RolePermissionBackend(ModelBackend):
    def get_all_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        if not user_obj.is_active or user_obj.is_anonymous:
            return set()
        cached = getattr(user_obj, "_postloan_perms", None)
        if cached is None:
            if user_obj.is_superuser:
                cached = set(all_permission_codes())
            else:
                cached = set()
                for perms in user_obj.roles.values_list("permissions", flat=True):
                    cached.update(perms or [])
            user_obj._postloan_perms = cached
        return cached

    def has_perm(self, user_obj: Any, perm: str, obj: Any = None) -> bool:
        return perm in self.get_all_permissions(user_obj, obj)
