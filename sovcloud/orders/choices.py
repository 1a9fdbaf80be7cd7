"""Order states, classifications and the allowed transitions, with labels for the portal."""

from __future__ import annotations

from enum import StrEnum


class OrderStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    PENDING_APPROVAL = "pending_approval"
    APPROVED = "approved"
    REJECTED = "rejected"
    PROVISIONING = "provisioning"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"


S = OrderStatus

#: the order state machine: from → allowed next states
TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    S.DRAFT: frozenset({S.SUBMITTED, S.CANCELLED}),
    S.SUBMITTED: frozenset({S.PENDING_APPROVAL, S.APPROVED, S.CANCELLED}),
    S.PENDING_APPROVAL: frozenset({S.APPROVED, S.REJECTED, S.CANCELLED}),
    S.APPROVED: frozenset({S.PROVISIONING, S.CANCELLED}),
    S.PROVISIONING: frozenset({S.COMPLETED, S.FAILED}),
    S.REJECTED: frozenset(),
    S.COMPLETED: frozenset(),
    S.FAILED: frozenset(),
    S.CANCELLED: frozenset(),
}

#: states whose quota reservation is held
RESERVING: frozenset[OrderStatus] = frozenset({S.SUBMITTED, S.PENDING_APPROVAL, S.APPROVED, S.PROVISIONING})

LABELS_FR: dict[OrderStatus, str] = {
    S.DRAFT: "Brouillon", S.SUBMITTED: "Soumise", S.PENDING_APPROVAL: "En attente d'approbation",
    S.APPROVED: "Approuvée", S.REJECTED: "Refusée", S.PROVISIONING: "En cours de livraison",
    S.COMPLETED: "Livrée", S.FAILED: "Échec", S.CANCELLED: "Annulée",
}

#: DSFR badge colour of each state
BADGES: dict[OrderStatus, str] = {
    S.DRAFT: "new", S.SUBMITTED: "info", S.PENDING_APPROVAL: "warning", S.APPROVED: "info",
    S.REJECTED: "error", S.PROVISIONING: "info", S.COMPLETED: "success", S.FAILED: "error", S.CANCELLED: "new",
}


class Classification(StrEnum):
    """Sensitivity of the data the ordered resources will hold."""

    STANDARD = "standard"
    SENSITIVE = "sensitive"
    RESTRICTED = "restricted"


class Decision(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"


class RuleOutcome(StrEnum):
    AUTO_APPROVE = "auto_approve"
    REQUIRE_APPROVAL = "require_approval"
    REJECT = "reject"
