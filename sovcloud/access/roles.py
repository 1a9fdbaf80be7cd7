"""Roles, permissions and the separation-of-duties rules: the one place where "who may do what" is written."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """A role held through a membership. Platform roles have no organisation or project."""

    PLATFORM_OPERATOR = "platform_operator"
    SECURITY_OFFICER = "security_officer"
    ORGANISATION_ADMIN = "organisation_admin"
    FINANCE = "finance"
    PROJECT_ADMIN = "project_admin"
    PROJECT_MEMBER = "project_member"
    VIEWER = "viewer"


class Level(StrEnum):
    """Where a role may be held."""

    PLATFORM = "platform"
    ORGANISATION = "organisation"
    PROJECT = "project"


class Permission(StrEnum):
    """An action on a kind of object. Checked by ``authorize()`` in every service."""

    ORG_READ = "org.read"
    ORG_CREATE = "org.create"
    ORG_UPDATE = "org.update"
    PROJECT_READ = "project.read"
    PROJECT_CREATE = "project.create"
    PROJECT_UPDATE = "project.update"
    MEMBER_READ = "member.read"
    MEMBER_MANAGE = "member.manage"
    QUOTA_READ = "quota.read"
    QUOTA_MANAGE = "quota.manage"
    USER_READ = "user.read"
    USER_CREATE = "user.create"
    USER_SUSPEND = "user.suspend"
    AUDIT_READ = "audit.read"
    AUDIT_EXPORT = "audit.export"
    AUDIT_VERIFY = "audit.verify"
    CATALOG_READ = "catalog.read"
    CATALOG_MANAGE = "catalog.manage"
    POLICY_MANAGE = "policy.manage"
    ORDER_READ = "order.read"
    ORDER_CREATE = "order.create"
    ORDER_APPROVE = "order.approve"
    RESOURCE_READ = "resource.read"
    RESOURCE_OPERATE = "resource.operate"
    CAPACITY_READ = "capacity.read"
    SITE_MANAGE = "site.manage"
    PLATFORM_BACKUP = "platform.backup"
    PROVISIONING_OPERATE = "provisioning.operate"  #: steps: status, reap, a failed cleanup retried or forgotten
    BILLING_READ = "billing.read"
    SSO_MANAGE = "sso.manage"  #: ProConnect: SIRET / e-mail domain mappings and just-in-time accounts
    ALERT_READ = "alert.read"  #: alerts and alert rules (platform)
    ALERT_MANAGE = "alert.manage"  #: alert rules, acknowledgements (platform)
    NOTICE_READ = "notice.read"  #: incident and maintenance notices concerning one's organisation
    NOTICE_PUBLISH = "notice.publish"  #: publish and update notices (platform)
    CHANNEL_MANAGE = "channel.manage"  #: an organisation's notice channels and their delivery log
    BILLING_ISSUE = "billing.issue"  #: meter, issue, credit, settle invoices (finance only)
    APPLICATION_READ = "application.read"
    APPLICATION_MANAGE = "application.manage"
    HOMOLOGATION_DECIDE = "homologation.decide"  #: record the homologation authority's decision
    CONFORMITY_REVIEW = "conformity.review"  #: give the verdict on a conformity check


P = Permission

_READ = {P.ORG_READ, P.PROJECT_READ, P.MEMBER_READ, P.QUOTA_READ, P.CATALOG_READ, P.ORDER_READ,
         P.RESOURCE_READ, P.NOTICE_READ, P.APPLICATION_READ}

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.PLATFORM_OPERATOR: frozenset(set(Permission) - {P.AUDIT_EXPORT, P.BILLING_READ, P.BILLING_ISSUE,
                                                         P.HOMOLOGATION_DECIDE}),
    Role.SECURITY_OFFICER: frozenset(_READ | {P.USER_READ, P.USER_SUSPEND, P.AUDIT_READ, P.AUDIT_EXPORT,
                                              P.AUDIT_VERIFY, P.ALERT_READ, P.HOMOLOGATION_DECIDE,
                                              P.CONFORMITY_REVIEW}),
    Role.ORGANISATION_ADMIN: frozenset(_READ | {P.ORG_CREATE, P.ORG_UPDATE, P.PROJECT_CREATE, P.PROJECT_UPDATE,
                                                P.MEMBER_MANAGE, P.QUOTA_MANAGE, P.USER_READ, P.AUDIT_READ,
                                                P.AUDIT_EXPORT, P.ORDER_CREATE, P.ORDER_APPROVE,
                                                P.RESOURCE_OPERATE, P.BILLING_READ, P.CHANNEL_MANAGE,
                                                P.APPLICATION_MANAGE}),
    Role.FINANCE: frozenset({P.ORG_READ, P.PROJECT_READ, P.QUOTA_READ, P.CATALOG_READ, P.ORDER_READ,
                             P.RESOURCE_READ, P.BILLING_READ, P.BILLING_ISSUE, P.ORDER_APPROVE,
                             P.APPLICATION_READ}),
    Role.PROJECT_ADMIN: frozenset(_READ | {P.PROJECT_UPDATE, P.MEMBER_MANAGE, P.ORDER_CREATE, P.ORDER_APPROVE,
                                           P.RESOURCE_OPERATE, P.BILLING_READ, P.APPLICATION_MANAGE}),
    Role.PROJECT_MEMBER: frozenset(_READ | {P.ORDER_CREATE, P.RESOURCE_OPERATE}),
    Role.VIEWER: frozenset(_READ),
}

ROLE_LEVELS: dict[Role, frozenset[Level]] = {
    Role.PLATFORM_OPERATOR: frozenset({Level.PLATFORM}),
    Role.SECURITY_OFFICER: frozenset({Level.PLATFORM, Level.ORGANISATION}),  #: an organisation's own, too
    Role.ORGANISATION_ADMIN: frozenset({Level.ORGANISATION}),
    Role.FINANCE: frozenset({Level.PLATFORM, Level.ORGANISATION}),
    Role.PROJECT_ADMIN: frozenset({Level.PROJECT}),
    Role.PROJECT_MEMBER: frozenset({Level.PROJECT}),
    Role.VIEWER: frozenset({Level.ORGANISATION, Level.PROJECT}),
}

#: Roles whose holders must pass a second factor (TOTP) before any action.
ADMIN_ROLES: frozenset[Role] = frozenset(
    {Role.PLATFORM_OPERATOR, Role.SECURITY_OFFICER, Role.ORGANISATION_ADMIN, Role.FINANCE, Role.PROJECT_ADMIN}
)

#: Separation of duties: one person may never hold both roles of a pair, at any scope.
INCOMPATIBLE_ROLES: frozenset[frozenset[Role]] = frozenset(
    {
        frozenset({Role.PLATFORM_OPERATOR, Role.SECURITY_OFFICER}),
        frozenset({Role.SECURITY_OFFICER, Role.ORGANISATION_ADMIN}),
        frozenset({Role.SECURITY_OFFICER, Role.PROJECT_ADMIN}),
        frozenset({Role.PLATFORM_OPERATOR, Role.FINANCE}),
    }
)


def incompatible_with(role: Role, held: set[Role]) -> Role | None:
    """The first held role that ``role`` may not be combined with, if any."""
    for other in sorted(held):
        if frozenset({role, other}) in INCOMPATIBLE_ROLES:
            return other
    return None
