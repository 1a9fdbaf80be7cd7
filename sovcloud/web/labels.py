"""French labels and DSFR badge colours of the states, kinds and choices the portal shows (translated by
``i18n_en`` like every other message)."""

from __future__ import annotations

from typing import Any

from sovcloud.inventory.models import ResourceState
from sovcloud.orders.choices import BADGES, LABELS_FR, Classification, OrderStatus, RuleOutcome
from sovcloud.web import audit_labels

ORDER_LABELS: dict[str, str] = {s.value: label for s, label in LABELS_FR.items()}
ORDER_BADGES: dict[str, str] = {s.value: colour for s, colour in BADGES.items()}
#: an order page refreshes itself while its order is in one of these states (every 2 s)
ORDER_LIVE = frozenset({OrderStatus.SUBMITTED, OrderStatus.APPROVED, OrderStatus.PROVISIONING})
#: ...and more slowly while it waits for a person's decision
ORDER_WAITING = frozenset({OrderStatus.PENDING_APPROVAL})

STATE_LABELS: dict[str, str] = {
    ResourceState.CREATING: "En création", ResourceState.ACTIVE: "Active", ResourceState.BUSY: "Opération en cours",
    ResourceState.DELETING: "Suppression en cours", ResourceState.DELETED: "Supprimée",
    ResourceState.ERROR: "En erreur", ResourceState.GONE: "Disparue",
}
STATE_BADGES: dict[str, str] = {
    ResourceState.CREATING: "info", ResourceState.ACTIVE: "success", ResourceState.BUSY: "info",
    ResourceState.DELETING: "warning", ResourceState.DELETED: "new", ResourceState.ERROR: "error",
    ResourceState.GONE: "warning",
}
#: a resource page refreshes itself while the resource is in one of these states
RESOURCE_LIVE = frozenset({ResourceState.CREATING, ResourceState.BUSY, ResourceState.DELETING})

STATUS_LABELS: dict[str, str] = {"ACTIVE": "Démarré", "SHUTOFF": "Arrêté", "BUILD": "En construction",
                                 "REBOOT": "Redémarrage", "RESIZE": "Redimensionnement", "ERROR": "Erreur",
                                 "AVAILABLE": "Disponible", "IN_USE": "Attaché", "DELETED": "Supprimé"}
RESOURCE_KINDS: dict[str, str] = {"server": "Serveur", "volume": "Volume", "network": "Réseau",
                                  "security_group": "Groupe de sécurité", "public_ip": "IP publique"}
OFFERING_KINDS: dict[str, str] = {"vm": "Machine virtuelle", "volume": "Volume bloc", "network": "Réseau privé",
                                  "security_group": "Groupe de sécurité", "public_ip": "Adresse IP publique"}
CLASSIFICATIONS: dict[str, str] = {Classification.STANDARD: "Standard", Classification.SENSITIVE: "Sensible",
                                   Classification.RESTRICTED: "Diffusion restreinte"}
OUTCOMES: dict[str, str] = {RuleOutcome.AUTO_APPROVE: "Approbation automatique",
                            RuleOutcome.REQUIRE_APPROVAL: "Approbation requise", RuleOutcome.REJECT: "Refus"}
DECISIONS: dict[str, str] = {"approve": "Approuvée", "reject": "Refusée"}
ACTIONS: dict[str, str] = {"start": "Démarrer", "stop": "Arrêter", "reboot": "Redémarrer", "resize": "Redimensionner",
                           "snapshot": "Instantané", "attach": "Attacher", "detach": "Détacher"}
#: success messages after a form, keyed by the ``done`` query parameter
DONE: dict[str, str] = {
    "created": "Commande enregistrée.", "cancelled": "Commande annulée.",
    "approved": "Décision enregistrée : approuvée.",
    "rejected": "Décision enregistrée : refusée.", "action": "Action demandée : elle s'exécute.",
    "deleting": "Suppression demandée.", "rule_created": "Règle ajoutée.", "rule_updated": "Règle modifiée.",
    "rule_deleted": "Règle supprimée.", "read": "Notifications marquées comme lues.",
    "resize_pending": "Changement de gabarit demandé : il attend l'approbation indiquée ci-dessous ; il "
                      "s'exécutera une fois approuvé.",
    "resize_started": "Changement de gabarit approuvé : il s'exécute.",
    "resize_refused": "Changement de gabarit refusé par la politique d'approbation (motif ci-dessous).",
    "cleanup_queued": "Nettoyage mis en file : les ressources que le cloud confirme disparues seront retirées.",
}


def _get(table: dict[str, str]) -> Any:
    return lambda key: table.get(str(key), str(key))


GLOBALS: dict[str, Any] = {
    "order_label": _get(ORDER_LABELS), "order_badge": lambda s: ORDER_BADGES.get(str(s), "info"),
    "state_label": _get(STATE_LABELS), "state_badge": lambda s: STATE_BADGES.get(str(s), "info"),
    "status_label": _get(STATUS_LABELS), "resource_kind": _get(RESOURCE_KINDS), "offering_kind": _get(OFFERING_KINDS),
    "classification_label": _get(CLASSIFICATIONS), "outcome_label": _get(OUTCOMES), "decision_label": _get(DECISIONS),
    "action_label": _get(ACTIONS), "audit_action": audit_labels.action_label,
    "audit_outcome": _get(audit_labels.OUTCOMES), "audit_target": _get(audit_labels.TARGETS),
}
