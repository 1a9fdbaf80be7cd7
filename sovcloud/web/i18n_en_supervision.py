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
    # notices
    "Avis": "Notices", "Avis aux organisations": "Notices to organisations", "Avis de la plateforme":
        "Platform notices", "Avis en cours": "Notices in progress", "Avis mis à jour.": "Notice updated.",
    "Avis publié.": "Notice published.", "Avis publiés": "Published notices", "Aucun avis.": "No notice.",
    "Incident": "Incident", "Maintenance": "Maintenance", "Incident en cours": "Incident in progress",
    "Maintenance en cours": "Maintenance in progress", "tous les avis": "all notices",
    "Incidents et maintenances qui concernent vos organisations, les avis en cours en premier.":
        "Incidents and maintenance concerning your organisations, notices in progress first.",
    "Cause identifiée": "Cause identified", "En cours d'analyse": "Under investigation",
    "Sous surveillance": "Monitoring", "Résolu": "Resolved", "Planifiée": "Planned", "En cours": "In progress",
    "Terminée": "Completed", "Annulée": "Cancelled", "Fenêtre : du {start} au {end}": "Window: from {start} to {end}",
    "Impact": "Impact", "Impact (maintenance)": "Impact (maintenance)", "Publié le {at} par {who}":
        "Published on {at} by {who}", "clos le {at}": "closed on {at}", "Suivi": "Follow-up",
    "Publier un avis": "Publish a notice", "Publier l'avis": "Publish the notice",
    "Lié à l'alerte : {summary}": "Linked to the alert: {summary}", "Type d'avis": "Kind of notice",
    "Titre": "Title", "Message": "Message", "Début de la fenêtre (heure de Paris)": "Window start (Paris time)",
    "Fin de la fenêtre (heure de Paris)": "Window end (Paris time)", "Sites concernés": "Sites concerned",
    "Nouvel état": "New status", "Message de suivi": "Follow-up message", "Mettre à jour": "Update",
    # channels
    "Canaux de diffusion des avis": "Notice channels", "Canaux de diffusion de {org}": "Notice channels of {org}",
    "Pour chaque gravité, choisissez comment votre organisation est prévenue des incidents et des maintenances : le "
    "portail (une notification à ses membres), le courriel (aux destinataires que vous indiquez) ou un webhook "
    "(HTTPS, signé HMAC-SHA256).": "For each severity, choose how your organisation is told of incidents and "
        "maintenance: the portal (a notification to its members), e-mail (to the recipients you name) or a webhook "
        "(HTTPS, signed with HMAC-SHA256).",
    "Secret de signature du webhook": "Webhook signing secret", "Secret du webhook": "Webhook secret",
    "Copiez-le maintenant : il ne sera plus jamais affiché. Vérifiez chaque appel : HMAC-SHA256 de "
    "« horodatage.corps » (en-tête X-Sovcloud-Timestamp) comparé à l'en-tête X-Sovcloud-Signature.":
        "Copy it now: it will never be shown again. Check each call: HMAC-SHA256 of \"timestamp.body\" "
        "(header X-Sovcloud-Timestamp) compared with the X-Sovcloud-Signature header.",
    "Canaux": "Channels", "Canal": "Channel", "Gravités": "Severities", "Types d'avis": "Kinds of notice",
    "Types d'avis (aucun coché : les deux)": "Kinds of notice (none ticked: both)", "Destination": "Destination",
    "secret …{hint}": "secret …{hint}", "membres de l’organisation": "members of the organisation",
    "Supprimer ce canal ?": "Remove this channel?", "Supprimer le canal": "Remove the channel",
    "Aucun canal : votre organisation voit les avis dans le portail, sans être prévenue.":
        "No channel: your organisation sees the notices in the portal without being told.",
    "Ajouter un canal": "Add a channel", "Ajouter le canal": "Add the channel",
    "Destinataires (courriel), séparés par des virgules": "Recipients (e-mail), separated by commas",
    "Adresse du webhook (https://…)": "Webhook URL (https://…)", "Portail": "Portal", "Courriel": "E-mail",
    "Webhook": "Webhook", "Canal ajouté.": "Channel added.", "Canal supprimé.": "Channel removed.",
    "Journal des envois": "Delivery log", "Envois des avis, du plus récent au plus ancien":
        "Notice deliveries, newest first", "Tentatives": "Attempts", "En attente": "Pending", "Remis": "Delivered",
    "Échec": "Failed", "prochain essai : {at}": "next try: {at}", "réussi": "succeeded", "échec": "failed",
    "Aucun envoi.": "No delivery.",
}
