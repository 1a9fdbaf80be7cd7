"""English text of the ordering, resources, approvals and operator pages (the French text is the key);
merged into ``i18n_en.MESSAGES``."""

MESSAGES: dict[str, str] = {
    # menu, header, labels
    "Commander": "Order", "Commandes": "Orders", "Approbations": "Approvals", "Ressources": "Resources",
    "Console opérateur": "Operator console", "Notifications": "Notifications", "non lues": "unread",
    "Nouveau": "New", "Transition impossible": "Not possible now", "Capacité indisponible": "Capacity unavailable",
    "Séparation des tâches": "Separation of duties", "Prix indisponible": "Price unavailable",
    "Offre retirée": "Offering retired",
    "Brouillon": "Draft", "Soumise": "Submitted", "En attente d'approbation": "Awaiting approval",
    "Approuvée": "Approved", "Refusée": "Rejected", "En cours de livraison": "Being delivered", "Livrée": "Delivered",
    "Échec": "Failed", "Annulée": "Cancelled",
    "En création": "Creating", "Active": "Active", "Opération en cours": "Operation in progress",
    "Suppression en cours": "Deleting", "Supprimée": "Deleted", "En erreur": "In error", "Disparue": "Gone",
    "Démarré": "Running", "Arrêté": "Stopped", "En construction": "Building", "Redémarrage": "Rebooting",
    "Redimensionnement": "Resizing", "Disponible": "Available", "Attaché": "Attached", "Supprimé": "Deleted",
    "Serveur": "Server", "Volume": "Volume", "Réseau": "Network", "Groupe de sécurité": "Security group",
    "IP publique": "Public IP", "Machine virtuelle": "Virtual machine", "Volume bloc": "Block volume",
    "Réseau privé": "Private network", "Adresse IP publique": "Public IP address",
    "Standard": "Standard", "Sensible": "Sensitive", "Diffusion restreinte": "Restricted",
    "Approbation automatique": "Automatic approval", "Approbation requise": "Approval required", "Refus": "Rejection",
    "Démarrer": "Start", "Arrêter": "Stop", "Redémarrer": "Reboot", "Redimensionner": "Resize",
    "Instantané": "Snapshot", "Attacher": "Attach", "Détacher": "Detach",
    "Commande enregistrée.": "Order placed.", "Commande annulée.": "Order cancelled.",
    "Décision enregistrée : approuvée.": "Decision recorded: approved.",
    "Décision enregistrée : refusée.": "Decision recorded: rejected.",
    "Action demandée : elle s'exécute.": "Action requested: it is running.",
    "Suppression demandée.": "Deletion requested.",
    "Règle ajoutée.": "Rule added.", "Règle modifiée.": "Rule changed.", "Règle supprimée.": "Rule removed.",
    "Notifications marquées comme lues.": "Notifications marked as read.",
    # order form
    "Commander des ressources": "Order resources",
    "Vous n'êtes habilité à commander dans aucun projet.": "You may not order in any project.",
    "Projet": "Project", "Offre": "Offering", "Afficher": "Show", "Votre commande": "Your order", "Gabarit": "Plan",
    "par mois": "per month", "par heure": "per hour", "Nom de la ressource": "Resource name",
    "Lettres minuscules, chiffres et tirets ; suffixé -1, -2… si la quantité dépasse 1":
        "Lower-case letters, digits and hyphens; suffixed -1, -2… when the count is over 1",
    "Quantité": "Count", "Objet de la commande": "Order subject",
    "Facultatif : repris dans les notifications et la boîte des approbateurs":
        "Optional: shown in notifications and in the approvers' inbox",
    "Site": "Site", "Indifférent": "Any", "Classification des données": "Data classification",
    "Date de fin": "End date", "Passer la commande": "Place the order", "Catalogue": "Catalogue",
    "Paramètres": "Parameters", "Image": "Image", "Volume de données (Go)": "Data volume (GB)",
    "0 : aucun ; facturé au Go-mois": "0: none; charged per GB-month", "Identifiant, facultatif": "Id, optional",
    "Groupes de sécurité": "Security groups", "Séparés par des virgules, facultatif": "Comma-separated, optional",
    "Clé SSH publique": "Public SSH key", "Données cloud-init": "cloud-init data", "Taille (Go)": "Size (GB)",
    "Sous-réseau (CIDR)": "Subnet (CIDR)", "Plage privée, de /16 à /29": "Private range, /16 to /29",
    "Règles entrantes": "Inbound rules",
    "Une par ligne : protocole port[-port] [CIDR], ex. : tcp 443 0.0.0.0/0":
        "One per line: protocol port[-port] [CIDR], e.g. tcp 443 0.0.0.0/0",
    "Aucun paramètre pour cette offre.": "This offering takes no parameter.",
    "Estimation et quota": "Estimate and quota", "soit {amount} par heure": "that is {amount} per hour",
    "Quota suffisant": "Enough quota", "Quota insuffisant": "Not enough quota",
    "Quota nécessaire et disponible": "Quota needed and available", "Demandé": "Requested",
    "insuffisant": "not enough",
    "Estimation sur 730 heures par mois, au tarif en vigueur ; le prix définitif est fixé à la soumission.":
        "Estimated over 730 hours a month at current prices; the final price is fixed on submission.",
    "Offres et tarifs applicables": "Offerings and applicable prices", "Disque (Go)": "Disk (GB)",
    "Prix horaire": "Hourly price", "Prix au Go-mois": "Price per GB-month",
    # orders
    "Mes commandes": "My orders", "Toutes celles que je vois": "All I can see",
    "Filtrer": "Filter", "Commandes, les plus récentes en premier": "Orders, newest first", "Commande": "Order",
    "Demandeur": "Requester", "Coût mensuel estimé": "Estimated monthly cost",
    "Aucune commande ne correspond.": "No order matches.", "Revenir aux plus récentes": "Back to the newest",
    "Nouvelle commande": "New order", "Voir les commandes plus anciennes": "See older orders",
    "Commande « {title} »": "Order “{title}”", "Détails": "Details", "Soumise le": "Submitted on",
    "Coût estimé": "Estimated cost", "Éléments commandés": "Ordered items",
    "Circuit d'approbation": "Approval trail", "Règle appliquée :": "Rule applied:",
    "Approbations requises : {n}, par le rôle « {role} ».": "Approvals required: {n}, by the role “{role}”.",
    "La commande n'a pas encore été soumise à la politique d'approbation.":
        "The order has not been through the approval policy yet.",
    "Décisions": "Decisions", "Approbateur": "Approver", "Décision": "Decision", "Commentaire": "Comment",
    "Annuler cette commande ?": "Cancel this order?", "Annuler la commande": "Cancel the order",
    "Avancement": "Progress",
    "Cette page se met à jour toute seule pendant la livraison.": "This page updates itself during delivery.",
    "Aucune ressource pour l’instant.": "No resource yet.", "Obligatoire pour un refus": "Required to reject",
    "Approuver": "Approve", "Refuser": "Reject",
    "Les commandes qui attendent votre décision, les plus anciennes en premier.":
        "Orders waiting for your decision, oldest first.",
    "Aucune commande en attente de votre décision.": "No order is waiting for your decision.",
    "Déjà approuvée par :": "Already approved by:",
    # dashboard, notifications
    "Coût du mois": "This month's cost",
    "Estimation : somme des coûts mensuels estimés des commandes livrées dont les ressources existent encore.":
        "Estimate: the estimated monthly costs of delivered orders whose resources still exist.",
    "Mes dernières commandes": "My latest orders", "Toutes mes commandes": "All my orders",
    "Vous n'avez passé aucune commande.": "You have not placed any order.",
    "Aucune notification.": "No notification.", "Tout marquer comme lu": "Mark all as read",
    # resources
    "Début du nom ou de l’adresse IP, ou nom du projet":
        "Start of the name or IP address, or project name",
    "Type": "Type", "Trier par": "Sort by", "Date de création": "Creation date",
    "recherche « {q} »": "search “{q}”", "Adresse IP": "IP address",
    "Créée le": "Created on", "Aucune ressource ne correspond.": "No resource matches.", "Pagination": "Pagination",
    "Première page": "First page", "Page précédente": "Previous page", "Page suivante": "Next page",
    "projet": "project", "Attributs": "Attributes", "Identifiant dans le cloud": "Cloud id",
    "Voir la commande": "See the order", "Instantanés": "Snapshots", "Actions": "Actions",
    "Une opération est en cours ; la page se met à jour toute seule.":
        "An operation is in progress; the page updates itself.",
    "Cette ressource n’existe plus.": "This resource no longer exists.",
    "Les actions reviennent quand la ressource est active.": "Actions come back once the resource is active.",
    "Nouveau gabarit": "New plan", "Nom de l'instantané": "Snapshot name", "Prendre un instantané": "Take a snapshot",
    "Supprimer définitivement {name} ?": "Delete {name} for good?", "Supprimer": "Delete", "Historique": "History",
    "Aucun événement.": "No event.",
    # operator
    "Capacité": "Capacity", "Toutes les commandes": "All orders", "Politique d'approbation": "Approval policy",
    "Capacité par site": "Capacity per site", "Capacité par hyperviseur": "Capacity per hypervisor",
    "vCPU alloués rapportés aux cœurs × {ratio} (surallocation) ; mémoire allouée rapportée à la mémoire physique.":
        "vCPUs allocated against cores × {ratio} (overcommit); memory allocated against physical memory.",
    "Hyperviseurs": "Hypervisors", "Jauge vCPU": "vCPU gauge", "Jauge mémoire": "Memory gauge",
    "Hyperviseur": "Hypervisor", "En service": "Up", "Serveurs": "Servers", "mémoire": "memory",
    "Dernières commandes": "Latest orders",
    "Les règles actives sont essayées dans l'ordre de leur position ; la première dont toutes les conditions sont "
    "remplies décide.": "Enabled rules are tried in position order; the first whose conditions all hold decides.",
    "Règles, dans leur ordre d’évaluation": "Rules, in evaluation order", "Position": "Position",
    "Conditions": "Conditions", "Effet": "Outcome", "toujours": "always", "Désactiver": "Disable",
    "Supprimer la règle « {name} » ?": "Remove the rule “{name}”?",
    "Ajouter une règle": "Add a rule", "Rôle approbateur": "Approver role",
    "Coût mensuel supérieur à (€)": "Monthly cost above (€)", "Marge de quota inférieure à (%)":
        "Quota headroom below (%)", "Classifications": "Classifications", "Sites": "Sites",
    "Types d'offre": "Offering kinds", "Ajouter la règle": "Add the rule",
    "Grille en vigueur : « {name} » (v{version}), depuis le {since}.":
        "Price list in force: “{name}” (v{version}), since {since}.",
    "Aucune grille publique en vigueur.": "No public price list in force.",
    "Offres, gabarits et prix publics": "Offerings, plans and public prices", "proposé": "offered",
    "retiré": "retired",
    # resize orders
    "Changement de gabarit": "Resize",
    "Différence de coût estimée": "Estimated cost difference",
    "Un changement de gabarit est une commande : chiffré, vérifié contre le quota et soumis à la politique "
    "d'approbation.": "A resize is an order: priced, checked against the quota and put to the approval policy.",
    "approbation automatique (règle « {rule} »)": "approved automatically (rule “{rule}”)",
    "approbation requise par le rôle « {role} » (règle « {rule} »)":
        "approval required by the role “{role}” (rule “{rule}”)",
    "dépasse le quota du projet": "over the project's quota",
    "refusé par la règle « {rule} »": "refused by the rule “{rule}”",
    "Changement de gabarit demandé : il attend l'approbation indiquée ci-dessous ; il s'exécutera une fois "
    "approuvé.": "Resize requested: it waits for the approval shown below, and runs once approved.",
    "Changement de gabarit approuvé : il s'exécute.": "Resize approved: it is running.",
    "Changement de gabarit refusé par la politique d'approbation (motif ci-dessous).":
        "Resize refused by the approval policy (reason below).",
    # failed cleanups (operator console)
    "Nettoyages échoués": "Failed cleanups",
    "Ces commandes ont échoué et leur nettoyage n'a pas pu supprimer ce qu'elles avaient créé : ces ressources "
    "comptent encore dans le quota de leur projet. Une ressource n'est retirée que lorsque le cloud confirme "
    "qu'elle n'existe plus.": "These orders failed and their cleanup could not delete what they had created: those "
                              "resources still count in their project's quota. A resource is removed only once the "
                              "cloud confirms it no longer exists.",
    "Aucun nettoyage en échec.": "No failed cleanup.",
    "{n} ressource(s) restée(s)": "{n} resource(s) left",
    "Relancer le nettoyage": "Retry the cleanup", "Motif": "Reason",
    "Ce que vous avez vérifié ; le cloud est interrogé à nouveau avant tout oubli.":
        "What you checked; the cloud is asked again before anything is forgotten.",
    "Oublier ce qui a disparu du cloud": "Forget what is gone from the cloud",
    "Nettoyage mis en file : les ressources que le cloud confirme disparues seront retirées.":
        "Cleanup queued: the resources the cloud confirms gone will be removed.",
}
