"""Imports every context's tables so ``Base.metadata`` is complete (for Alembic and the tests)."""

import sovcloud.applications.models  # applications, homologation
import sovcloud.billing.models  # usage, invoices
import sovcloud.catalog.models  # catalogue tables
import sovcloud.inventory.models
import sovcloud.leases
import sovcloud.orders.models
import sovcloud.provisioning.models
import sovcloud.resilience.models  # sites
import sovcloud.supervision.models  # noqa: F401  (notifications)
from sovcloud.audit.models import AuditEvent, AuditHead
from sovcloud.db import Base
from sovcloud.identity.models import ApiToken, User, UserSession
from sovcloud.tenancy.models import Membership, Organisation, Project, Quota

__all__ = ["ApiToken", "AuditEvent", "AuditHead", "Base", "Membership", "Organisation", "Project", "Quota",
           "User", "UserSession"]
