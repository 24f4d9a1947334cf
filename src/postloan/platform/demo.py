"""The demo institution: an org tree and one user per built-in role, with (synthetic) personal data."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from postloan.platform import services
from postloan.platform.domain.identity import with_check_character
from postloan.platform.models import Institution, OrgUnit, Role, User

# username, role code, org unit code, data scope
DEMO_USERS: tuple[tuple[str, str, str, str], ...] = (
    ("admin", "administrator", "HQ", "all"),
    ("manager", "collection_manager", "COLL", "subtree"),
    ("lead", "team_lead", "COLL-A", "unit"),
    ("collector", "collector", "COLL-A", "own"),
    ("analyst", "risk_analyst", "RISK", "all"),
    ("agent", "service_agent", "CS", "all"),
    ("auditor", "auditor", "AUDIT", "all"),
    ("agency", "agency_collector", "AGENCY-1", "own"),
)

_NAMES = {
    "admin": ("王", "建国"),
    "manager": ("李", "娜"),
    "lead": ("张", "伟"),
    "collector": ("刘", "洋"),
    "analyst": ("陈", "静"),
    "agent": ("杨", "帆"),
    "auditor": ("赵", "敏"),
    "agency": ("孙", "强"),
}

# code, name, kind, parent code
_UNITS = (
    ("COLL", "催收管理部", OrgUnit.Kind.DEPARTMENT, "HQ"),
    ("COLL-A", "催收一组", OrgUnit.Kind.TEAM, "COLL"),
    ("COLL-B", "催收二组", OrgUnit.Kind.TEAM, "COLL"),
    ("AGENCY-1", "华信委外催收", OrgUnit.Kind.AGENCY, "COLL"),
    ("RISK", "风险管理部", OrgUnit.Kind.DEPARTMENT, "HQ"),
    ("CS", "客户服务中心", OrgUnit.Kind.DEPARTMENT, "HQ"),
    ("AUDIT", "审计合规部", OrgUnit.Kind.DEPARTMENT, "HQ"),
)


@transaction.atomic
def create_demo_institution(*, password_suffix: str) -> tuple[Institution, bool]:
    existing = Institution.objects.filter(code="DEMO").first()
    if existing is not None:
        return existing, False
    institution = services.create_institution(
        code="DEMO", name="演示消费金融有限公司", business_date=dt.date(2026, 12, 4)
    )
    units = {"HQ": OrgUnit.objects.get(institution=institution, code="HQ")}
    for code, name, kind, parent in _UNITS:
        units[code] = services.create_org_unit(
            actor=None, parent=units[parent], code=code, name=name, kind=kind
        )
    roles = {r.code: r for r in Role.objects.all()}
    for i, (username, role, unit, scope) in enumerate(DEMO_USERS):
        family, given = _NAMES[username]
        services.create_user(
            actor=None,
            institution=institution,
            username=username,
            password=username + password_suffix,
            first_name=given,
            last_name=family,
            email=f"{username}@demo.postloan.local",
            org_unit=units[unit],
            roles=[roles[role]],
            data_scope=scope,
            phone=f"1380013{i:04d}",
            id_number=with_check_character(f"11010519{85 + i:02d}0{(i % 9) + 1}1{i}{100 + i:03d}"),
            is_superuser=False,
        )
    User.objects.filter(username="admin").update(is_staff=True)
    return institution, True
