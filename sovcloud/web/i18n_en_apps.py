"""English text of the applications pages (registry, homologation, conformity, portfolio); the French text
is the key. Merged into ``i18n_en.MESSAGES``."""

MESSAGES: dict[str, str] = {
    "Applications": "Applications", "Application": "Application", "Portefeuille": "Portfolio",
    "Portefeuille d’applications": "Application portfolio", "Enregistrer une application": "Register an application",
    "Modifier l’application": "Edit the application", "Applications, par nom": "Applications, by name",
    "Nom ou code de l’application": "Name or code of the application", "Aucune application.": "No application.",
    "Application enregistrée.": "Application registered.", "Application modifiée.": "Application changed.",
    "L’application": "The application", "Code": "Code", "Description": "Description",
    "2 à 40 caractères : lettres, chiffres, « _ » et « - » ; exemple : SIRH":
        "2 to 40 characters: letters, digits, “_” and “-”; e.g. SIRH",
    "Projet principal": "Main project", "Autres projets": "Other projects",
    "Ses membres et ceux de son organisation voient l’application.":
        "Its members and those of its organisation see the application.",
    "Responsable métier": "Business owner", "Contacts techniques": "Technical contacts",
    "Contact technique": "Technical contact", "Adresse électronique": "E-mail address",
    "Exemple : prenom.nom@interieur.gouv.fr": "Example: firstname.lastname@interieur.gouv.fr",
    "Sensibilité et objectifs de reprise": "Sensitivity and recovery objectives", "Criticité": "Criticality",
    "Faible": "Low", "Moyenne": "Medium", "Élevée": "High", "Vitale": "Vital",
    "Objectif de temps de reprise (RTO), en minutes": "Recovery time objective (RTO), in minutes",
    "Objectif de point de reprise (RPO), en minutes": "Recovery point objective (RPO), in minutes",
    "De 0 à 43 200 (30 jours)": "From 0 to 43,200 (30 days)",
    "RTO {rto} min, RPO {rpo} min": "RTO {rto} min, RPO {rpo} min",
    "Enregistrer": "Save",
    # life cycle
    "Cycle de vie": "Life cycle", "Étape": "Stage", "Passer à": "Move to", "Changer d’étape": "Change stage",
    "Étape changée.": "Stage changed.", "Candidate": "Candidate", "Validation de sécurité": "Security validation",
    "Tests de conformité": "Conformity tests", "En production": "In production", "Retirée": "Retired",
    "Candidate → validation de sécurité (dossier d’homologation) → tests de conformité → production → retirée.":
        "Candidate → security validation (homologation dossier) → conformity tests → production → retired.",
    # environments
    "Environnements et ressources": "Environments and resources", "Environnement": "Environment",
    "Développement": "Development", "Recette": "Acceptance", "Préproduction": "Pre-production",
    "Production": "Production", "Déclarer": "Declare", "Environnement enregistré.": "Environment saved.",
    "Aucun environnement déclaré.": "No environment declared.", "Aucune ressource rattachée.": "No resource linked.",
    "Ressources de l’environnement {env}": "Resources of the {env} environment",
    "Rattacher des ressources du projet": "Link resources of the project",
    "Sélection multiple possible": "Several may be selected", "Rattacher": "Link",
    "Ressources rattachées.": "Resources linked.", "Ressource détachée.": "Resource unlinked.",
    # homologation
    "Homologation": "Homologation", "Pas de dossier": "No dossier", "Dossier en cours": "Dossier in progress",
    "Homologuée": "Homologated", "Expire bientôt": "Expiring soon", "Homologation expirée": "Homologation expired",
    "Homologation refusée": "Homologation refused",
    "Le dossier d’homologation s’ouvre quand l’application passe en validation de sécurité.":
        "The homologation dossier opens when the application enters security validation.",
    "Autorité d’homologation": "Homologation authority", "Accordée": "Granted", "le": "on", "Validité": "Validity",
    "{n} mois, jusqu’au {date}": "{n} months, until {date}", "Rappel avant échéance": "Reminder before expiry",
    "Motifs": "Grounds", "Étapes du dossier": "Steps of the dossier", "Faite le": "Done on", "Par": "By",
    "Note": "Note", "Note (facultative)": "Note (optional)", "Marquer comme faite": "Mark as done",
    "Analyse de risques": "Risk analysis", "Tests de sécurité": "Security tests", "Plan d'action": "Action plan",
    "Étape du dossier faite.": "Step of the dossier done.",
    "Enregistrer la décision de l’autorité": "Record the authority's decision", "Nom de l’autorité": "Authority's name",
    "Sa fonction": "Its function", "Date de la décision": "Date of the decision",
    "Validité (mois)": "Validity (months)",
    "De 6 à 36 mois, si accordée": "From 6 to 36 months, if granted", "Enregistrer la décision": "Record the decision",
    "Décision enregistrée.": "Decision recorded.", "Ouvrir le dossier de renouvellement": "Open the renewal dossier",
    "Dossier de renouvellement ouvert.": "Renewal dossier opened.", "Dossiers précédents": "Earlier dossiers",
    "ouvert le": "opened on", "jusqu’au": "until",
    # documents
    "Documents": "Documents", "Documents joints, avec leur empreinte SHA-256": "Attached documents, with their SHA-256",
    "Fichier": "File", "Rattaché à": "Attached to", "Taille": "Size", "octets": "bytes",
    "Empreinte SHA-256": "SHA-256 digest", "Déposé par": "Uploaded by",
    "Dossier d’homologation": "Homologation dossier",
    "Contrôle de conformité": "Conformity check", "Aucun document.": "No document.",
    "Joindre un document": "Attach a document",
    "PDF, texte, image ou bureautique ; {n} Kio au plus.": "PDF, text, image or office file; {n} KiB at most.",
    "Pièce de": "Evidence for", "Dossier d’homologation en cours": "Homologation dossier in progress",
    "Joindre": "Attach", "Document joint.": "Document attached.",
    # conformity
    "Liste de contrôle, par offre": "Checklist, by offering", "Critère": "Criterion", "Preuve": "Evidence",
    "Lien de preuve": "Evidence link", "Verdict": "Verdict", "À examiner": "To review", "Conforme": "Compliant",
    "Non conforme": "Not compliant", "Aucun contrôle de conformité.": "No conformity check.",
    "Ajouter un contrôle": "Add a check", "Exécution de pipeline, rapport…": "Pipeline run, report…",
    "Ajouter": "Add", "Contrôle ajouté.": "Check added.", "Verdict enregistré.": "Verdict recorded.",
    # portfolio
    "Applications par étape": "Applications by stage",
    "Nombre d’applications à chaque étape, par organisation": "Number of applications at each stage, by organisation",
    "Total": "Total", "Homologations à renouveler": "Homologations to renew",
    "Homologations qui expirent bientôt ou ont expiré, la plus proche d’abord":
        "Homologations expiring soon or expired, the nearest first",
    "Échéance": "Expiry", "Aucune homologation n’expire dans sa période de rappel.":
        "No homologation is within its reminder period.",
    "Ressources et coût mensuel": "Resources and monthly cost", "Coût mensuel": "Monthly cost",
    "Chaque application, ses ressources et leur coût mensuel estimé (tarifs en vigueur, 730 h)":
        "Each application, its resources and their estimated monthly cost (prices in force, 730 h)",
    "{n} sans prix": "{n} without a price", "Les 500 premières applications sont listées.":
        "The first 500 applications are listed.",
    "Toutes celles que je vois": "All those I see", "Afficher": "Show",
    "Étape impossible": "Not possible at this stage",
    # API validation faults left untranslated on main (sovcloud/messages.py)
    "Date et heure invalides (format attendu : AAAA-MM-JJTHH:MM:SS+01:00).":
        "Invalid date and time (expected format: YYYY-MM-DDTHH:MM:SS+01:00).",
    "Le corps de la requête n'est pas du JSON valide.": "The request body is not valid JSON.",
    "Précisez le fuseau horaire (par exemple 2030-01-01T10:00:00+01:00 ou …Z).":
        "Give the time zone (for example 2030-01-01T10:00:00+01:00 or …Z).",
    "Un nombre fini est attendu.": "A finite number is expected.", "Un objet est attendu.": "An object is expected.",
    "Une liste est attendue.": "A list is expected.", "{decimal_places} décimales au plus.":
        "{decimal_places} decimal places at most.", "{max_digits} chiffres au plus.": "{max_digits} digits at most.",
}
