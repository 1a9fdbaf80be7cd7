"""The audit journal in words: what each recorded action means, outcomes and target kinds in French (the
journal keeps its stable codes; the page shows the sentence and the code beside it)."""

from __future__ import annotations

from sovcloud.orders.choices import LABELS_FR, OrderStatus

OUTCOMES: dict[str, str] = {"success": "Réussi", "failure": "Échoué", "denied": "Refusé"}
TARGETS: dict[str, str] = {"order": "Commande", "resource": "Ressource", "user": "Utilisateur", "session": "Session",
                           "token": "Jeton d'API", "project": "Projet", "organisation": "Organisation",
                           "membership": "Rôle", "quota": "Quota", "approval_rule": "Règle d'approbation",
                           "offering": "Offre", "plan": "Gabarit", "price_list": "Grille tarifaire",
                           "group": "Groupe d'organisations",
                           "site": "Site"}
ACTIONS: dict[str, str] = {
    "catalog.group.created": "Groupe d'organisations créé", "catalog.group.members_set": "Membres du groupe fixés",
    "catalog.offering.created": "Offre créée", "catalog.offering.retired": "Offre retirée",
    "catalog.offering.updated": "Offre modifiée", "catalog.plan.created": "Gabarit créé",
    "catalog.plan.retired": "Gabarit retiré", "catalog.price_list.created": "Grille tarifaire créée",
    "catalog.price_list.prices_set": "Prix de la grille fixés", "catalog.price_list.published": "Grille publiée",
    "catalog.price_list.superseded": "Grille remplacée", "inventory.unknown_resource": "Ressource inconnue découverte",
    "membership.granted": "Rôle attribué", "membership.refused": "Rôle refusé (séparation des tâches)",
    "membership.revoked": "Rôle retiré", "order.created": "Commande créée",
    "order.approve_vote": "Approbation donnée", "order.reject_vote": "Refus donné",
    "organisation.created": "Organisation créée", "organisation.updated": "Organisation modifiée",
    "policy.rule_created": "Règle d'approbation ajoutée", "policy.rule_deleted": "Règle d'approbation supprimée",
    "policy.rule_updated": "Règle d'approbation modifiée", "project.created": "Projet créé",
    "project.updated": "Projet modifié", "quota.updated": "Quota modifié",
    "resource.delete_requested": "Suppression demandée", "resource.deleted": "Ressource supprimée",
    "resource.drift": "Écart constaté avec le cloud", "resource.expired": "Ressource arrivée à échéance",
    "resource.gone": "Ressource disparue du cloud", "session.revoked": "Session révoquée",
    "token.created": "Jeton d'API créé", "token.revoked": "Jeton d'API révoqué", "user.created": "Compte créé",
    "user.locked": "Compte verrouillé", "user.login": "Connexion", "user.logout": "Déconnexion",
    "user.mfa_enrolled": "Second facteur enrôlé", "user.reactivated": "Compte réactivé",
    "user.suspended": "Compte suspendu",
    "site.created": "Site ajouté", "site.updated": "Site modifié",
    "platform.backup": "Sauvegarde de la plateforme", "platform.restored": "Plateforme restaurée",
    **{f"order.{s.value}": f"Commande : {label.lower()}" for s, label in LABELS_FR.items()
       if s != OrderStatus.DRAFT},
    **{f"resource.{a}": label for a, label in {
        "start": "Serveur démarré", "stop": "Serveur arrêté", "reboot": "Serveur redémarré",
        "resize": "Serveur redimensionné", "snapshot": "Instantané pris", "attach": "Volume attaché",
        "detach": "Volume détaché", "created": "Ressource livrée"}.items()},
    **{f"resource.{a}_requested": label for a, label in {
        "start": "Démarrage demandé", "stop": "Arrêt demandé", "reboot": "Redémarrage demandé",
        "resize": "Redimensionnement demandé", "snapshot": "Instantané demandé", "attach": "Attachement demandé",
        "detach": "Détachement demandé"}.items()},
}


def action_label(code: str) -> str:
    """The French sentence for an action code (the code itself when none is written yet)."""
    return ACTIONS.get(code, code)
