"""Roles grant permissions, the menu follows them, and data scope limits what a user sees."""

import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from postloan.platform import selectors, services
from postloan.platform.models import OrgUnit


def _menu(client) -> list[str]:  # type: ignore[no-untyped-def]
    html = client.get("/").content.decode()
    return re.findall(r'data-menu="([^"]+)"', html)


def test_menu_differs_by_role(client_as):
    admin = _menu(client_as("admin"))
    auditor = _menu(client_as("auditor"))
    collector = _menu(client_as("collector"))
    agency = _menu(client_as("agency"))
    assert "/admin/users/" in admin and "/admin/settings/" in admin and "/audit/" not in admin
    assert "/audit/" in auditor and "/admin/users/" not in auditor
    assert collector == ["/", "/servicing/customers/"]
    assert agency == ["/"]  # agencies see the minimum


@pytest.mark.parametrize(
    ("username", "url", "status"),
    [
        ("collector", "/admin/users/", 403),
        ("collector", "/audit/", 403),
        ("auditor", "/audit/", 200),
        ("auditor", "/admin/settings/", 403),
        ("admin", "/admin/settings/", 200),
        ("agency", "/admin/roles/", 403),
    ],
)
def test_screens_refuse_users_without_permission(client_as, username, url, status):
    assert client_as(username).get(url).status_code == status


def test_service_refuses_actor_without_permission(user_of, demo):
    with pytest.raises(PermissionDenied):
        services.set_business_date(
            actor=user_of("collector"), institution=demo, new_date=demo.business_date, reason="x"
        )


def _visible(user) -> set[str]:  # type: ignore[no-untyped-def]
    return set(selectors.users_visible_to(user).values_list("username", flat=True))


def test_data_scope_own_unit_subtree_all(user_of):
    # Collection dept (manager, subtree) ⊃ team A (lead, collector) and the agency (agency).
    assert _visible(user_of("collector")) == {"collector"}
    assert _visible(user_of("lead")) == {"lead", "collector"}
    assert _visible(user_of("manager")) == {"manager", "lead", "collector", "agency"}
    assert len(_visible(user_of("admin"))) == 8


def test_manager_sees_new_subunit_members_but_lead_does_not(user_of, demo):
    admin = user_of("admin")
    team_b = OrgUnit.objects.get(code="COLL-B")
    services.create_user(
        actor=admin, institution=demo, username="newbie", password="Zq8!longpass", org_unit=team_b, roles=[]
    )
    assert "newbie" in _visible(user_of("manager"))
    assert "newbie" not in _visible(user_of("lead"))


def test_role_permissions_are_data(user_of):
    admin = user_of("admin")
    role = services.save_role(
        actor=admin,
        role=None,
        code="qa_reviewer",
        name="质检员",
        description="",
        permissions=["platform.view_audit"],
    )
    collector = user_of("collector")
    services.update_user(actor=admin, user=collector, roles=[*collector.roles.all(), role])
    assert user_of("collector").has_perm("platform.view_audit")
    with pytest.raises(ValidationError):
        services.save_role(
            actor=admin, role=role, code=role.code, name="x", description="", permissions=["no.such_perm"]
        )


def test_role_screen_edits_permissions(client_as):
    from postloan.platform.models import Role

    client = client_as("admin")
    role = Role.objects.get(code="collector")
    response = client.post(
        f"/admin/roles/{role.pk}/",
        {
            "code": "collector",
            "name": "催收员",
            "description": "",
            "permissions": ["collections.work_cases", "reports.view"],
        },
    )
    assert response.status_code == 302
    role.refresh_from_db()
    assert role.permissions == ["collections.work_cases", "reports.view"]


def test_org_unit_tree_paths(user_of, demo):
    coll = OrgUnit.objects.get(code="COLL")
    unit = services.create_org_unit(
        actor=user_of("admin"), parent=coll, code="COLL-C", name="催收三组", kind="team"
    )
    assert unit.path == f"{coll.path}{unit.pk}/"
    with pytest.raises(ValidationError):
        services.create_org_unit(actor=user_of("admin"), parent=coll, code="COLL-C", name="dup", kind="team")
