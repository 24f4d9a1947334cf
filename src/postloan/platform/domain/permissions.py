"""Permission catalogue and the built-in roles.

Roles are data (the `Role` table): administrators edit their permission lists on screen. The
catalogue below is what may be granted; the built-in roles are the starting configuration
seeded into every new institution.
"""

from __future__ import annotations

from dataclasses import dataclass

from postloan.platform.domain.i18n import _


@dataclass(frozen=True)
class Permission:
    code: str
    label: str
    group: str


PERMISSIONS: tuple[Permission, ...] = (
    Permission("platform.view_audit", _("Search the audit trail"), _("Platform")),
    Permission("platform.manage_users", _("Manage users"), _("Platform")),
    Permission("platform.manage_roles", _("Manage roles and permissions"), _("Platform")),
    Permission("platform.manage_org", _("Manage organisation units"), _("Platform")),
    Permission("platform.manage_settings", _("Change institution settings and modules"), _("Platform")),
    Permission("platform.set_business_date", _("Set the business date"), _("Platform")),
    Permission("platform.use_api", _("Create API tokens"), _("Platform")),
    Permission("pii.reveal", _("Reveal full personal data (audited)"), _("Personal data")),
    Permission("servicing.view", _("View customers and loans"), _("Servicing")),
    Permission("servicing.edit_customer", _("Add contacts and consents to customers"), _("Servicing")),
    Permission("servicing.post_repayment", _("Post and reverse repayments"), _("Servicing")),
    Permission("servicing.manage_products", _("Configure loan products"), _("Servicing")),
    Permission("servicing.request_waiver", _("Request waivers and write-offs"), _("Servicing")),
    Permission("servicing.approve_waiver", _("Approve waivers and write-offs"), _("Servicing")),
    Permission("servicing.import_data", _("Import and export data files"), _("Servicing")),
    Permission("eod.run", _("Run and retry the end-of-day batch"), _("End of day")),
    Permission("eod.view", _("View end-of-day runs"), _("End of day")),
    Permission("eod.request_override", _("Request a manual loan classification"), _("End of day")),
    Permission("eod.approve_override", _("Approve manual loan classifications"), _("End of day")),
    Permission("risk.view", _("View risk scores and early warnings"), _("Risk")),
    Permission("risk.manage_models", _("Build and approve risk models"), _("Risk")),
    Permission("collections.work_cases", _("Work the collection queue"), _("Collections")),
    Permission("collections.manage_team", _("Supervise a collection team"), _("Collections")),
    Permission("collections.manage_strategy", _("Design strategies and allocate cases"), _("Collections")),
    Permission("service.handle_tickets", _("Handle customer-service tickets"), _("Customer service")),
    Permission("reports.view", _("View reports and dashboards"), _("Reports")),
)
PERMISSION_CODES = frozenset(p.code for p in PERMISSIONS)


@dataclass(frozen=True)
class RoleTemplate:
    code: str
    name: str
    data_scope: str  # default scope for users created with this role (see domain.scope)
    permissions: tuple[str, ...]


BUILTIN_ROLES: tuple[RoleTemplate, ...] = (
    RoleTemplate(
        "collector",
        _("Collector"),
        "own",
        ("servicing.view", "servicing.edit_customer", "collections.work_cases"),
    ),
    RoleTemplate(
        "team_lead",
        _("Team lead"),
        "unit",
        (
            "servicing.view",
            "servicing.edit_customer",
            "collections.work_cases",
            "collections.manage_team",
            "reports.view",
            "eod.view",
        ),
    ),
    RoleTemplate(
        "collection_manager",
        _("Collection manager"),
        "subtree",
        (
            "servicing.view",
            "servicing.edit_customer",
            "servicing.request_waiver",
            "servicing.approve_waiver",
            "collections.work_cases",
            "collections.manage_team",
            "collections.manage_strategy",
            "reports.view",
            "eod.view",
            "eod.request_override",
            "eod.approve_override",
            "pii.reveal",
        ),
    ),
    RoleTemplate(
        "risk_analyst",
        _("Risk analyst"),
        "all",
        (
            "servicing.view",
            "risk.view",
            "risk.manage_models",
            "reports.view",
            "eod.view",
            "eod.request_override",
        ),
    ),
    RoleTemplate(
        "service_agent",
        _("Customer-service agent"),
        "all",
        (
            "servicing.view",
            "servicing.edit_customer",
            "servicing.post_repayment",
            "servicing.request_waiver",
            "service.handle_tickets",
        ),
    ),
    RoleTemplate(
        "administrator",
        _("Administrator"),
        "all",
        (
            "platform.manage_users",
            "platform.manage_roles",
            "platform.manage_org",
            "platform.manage_settings",
            "platform.set_business_date",
            "platform.use_api",
            "pii.reveal",
            "servicing.view",
            "servicing.manage_products",
            "servicing.import_data",
            "eod.run",
            "eod.view",
            "reports.view",
        ),
    ),
    RoleTemplate(
        "auditor",
        _("Auditor"),
        "all",
        ("platform.view_audit", "servicing.view", "eod.view", "reports.view", "pii.reveal"),
    ),
    RoleTemplate(
        "agency_collector",
        _("Agency collector"),
        "own",
        ("collections.work_cases",),
    ),
)
