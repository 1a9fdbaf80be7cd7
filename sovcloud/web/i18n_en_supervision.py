"""English text of the supervision pages' French messages: alerts, alert rules, notices, channels."""

MESSAGES: dict[str, str] = {
    # alerts
    "Alertes": "Alerts", "Acquittement": "Acknowledgement", "Acquitter": "Acknowledge", "Acquittées": "Acknowledged",
    "Non acquittées": "Unacknowledged", "Alerte acquittée.": "Alert acknowledged.", "Aucune alerte.": "No alert.",
    "Filtrer les alertes": "Filter the alerts", "Gravité": "Severity", "Règle": "Rule", "Constat": "Finding",
    "Levée le": "Raised on", "Ouverte": "Open", "Résolue": "Resolved", "Par {who} le {at}": "By {who} on {at}",
    "Non acquittée depuis plus de 24 h": "Unacknowledged for more than 24 h",
    "Les alertes ouvertes non acquittées depuis plus de 24 h viennent en premier, puis les non acquittées, puis les "
    "acquittées ; les plus graves d'abord.": "Open alerts unacknowledged for more than 24 h come first, then "
                                            "unacknowledged ones, then acknowledged ones; most severe first.",
    "Information": "Information", "Mineure": "Minor", "Majeure": "Major", "Critique": "Critical",
    # alert rules
    "Règles d'alerte": "Alert rules", "Aucune règle d'alerte.": "No alert rule.", "Condition": "Condition",
    "Règle d'alerte ajoutée.": "Alert rule added.", "Règle d'alerte modifiée.": "Alert rule changed.",
    "Règle d'alerte supprimée.": "Alert rule removed.", "Seuil (%)": "Threshold (%)",
    "Durée (minutes)": "Duration (minutes)", "Ressource (capacité)": "Resource (capacity)", "Mémoire": "Memory",
    "Organisations concernées (aucune cochée : toutes)": "Organisations concerned (none ticked: all)",
    "toutes": "all",
    "Chaque règle est évaluée périodiquement ; une alerte s'ouvre par règle et par objet concerné tant que la "
    "condition tient, et se résout d'elle-même quand elle cesse.": "Each rule is evaluated periodically; an alert "
        "opens per rule and per object concerned while the condition holds, and resolves itself when it stops.",
    "Seuls les paramètres que prend la condition choisie sont retenus : un pourcentage pour la capacité, le quota et "
    "le taux d'échec ; une durée pour les étapes bloquées.": "Only the parameters the chosen condition takes are "
        "kept: a percentage for capacity, quota and failure rate; a duration for stuck steps.",
    "Capacité d'un site au-dessus de N %": "Site capacity above N %", "Site indisponible": "Site down",
    "Hyperviseur indisponible": "Hypervisor down", "Étape bloquée depuis N minutes": "Step stuck for N minutes",
    "Taux d'échec des commandes sur une heure au-dessus de N %": "Order failure rate over an hour above N %",
    "Battement d'un worker absent": "Worker heartbeat missing", "Chaîne d'audit rompue": "Audit chain broken",
    "Dérive entre le cloud et l'inventaire": "Drift between the cloud and the inventory",
    "Quota d'une organisation au-dessus de N %": "Organisation quota above N %",
}
