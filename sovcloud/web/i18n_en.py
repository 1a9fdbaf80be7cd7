"""English text of the portal's French messages (the French text is the key)."""

from sovcloud.web.i18n_en_apps import MESSAGES as _APPS
from sovcloud.web.i18n_en_audit import MESSAGES as _AUDIT
from sovcloud.web.i18n_en_billing import MESSAGES as _BILLING
from sovcloud.web.i18n_en_cloud import MESSAGES as _CLOUD
from sovcloud.web.i18n_en_forms import MESSAGES as _FORMS
from sovcloud.web.i18n_en_health import MESSAGES as _HEALTH
from sovcloud.web.i18n_en_identity import MESSAGES as _IDENTITY
from sovcloud.web.i18n_en_resilience import MESSAGES as _RESILIENCE
from sovcloud.web.i18n_en_supervision import MESSAGES as _SUPERVISION

MESSAGES: dict[str, str] = {
    # layout
    "Accès rapide": "Quick access", "Contenu": "Content", "Menu": "Menu", "Pied de page": "Footer",
    "Accueil": "Home",
    "Cloud souverain": "Sovereign cloud",
    "Plateforme de cloud de l'État": "The State's cloud platform",
    "Se déconnecter": "Sign out", "Se connecter": "Sign in", "Choix de la langue": "Language choice",
    "Sélectionner une langue": "Select a language", "Fermer": "Close", "Menu principal": "Main menu",
    "Retour à l’accueil du site": "Back to the home page",
    "sovcloud est la plateforme de cloud souverain des ministères : commande, administration et sécurité des "
    "ressources d'infrastructure.": "sovcloud is the ministries' sovereign cloud platform: ordering, administration "
                                   "and security of infrastructure resources.",
    "nouvelle fenêtre": "new window", "Accessibilité : non conforme": "Accessibility: not compliant",
    "Mentions légales": "Legal notice", "Données personnelles": "Personal data", "Gestion des cookies": "Cookies",
    "Sauf mention explicite de propriété intellectuelle détenue par des tiers, les contenus de ce site sont proposés "
    "sous": "Unless third-party intellectual property is stated, the content of this site is offered under the",
    "licence etalab-2.0": "etalab-2.0 licence", "Tableau de bord": "Dashboard", "Organisations": "Organisations",
    "Journal d'audit": "Audit log", "Mon compte": "My account",
    # errors
    "Erreur": "Error", "La page que vous cherchez est introuvable, ou vous n'y avez pas accès.":
        "The page you are looking for cannot be found, or you have no access to it.",
    "Cette action ne vous est pas permise.": "You are not allowed to do this.", "Page d'accueil": "Home page",
    "Requête invalide": "Invalid request", "Données invalides": "Invalid data",
    "Authentification requise": "Authentication required", "Second facteur requis": "Second factor required",
    "Compte verrouillé": "Account locked", "Action non autorisée": "Not allowed", "Introuvable": "Not found",
    "Conflit": "Conflict", "Quota dépassé": "Quota exceeded", "Requête refusée": "Request refused",
    # login
    "Connexion": "Sign in",
    "Connexion à sovcloud": "Sign in to sovcloud",
    "Vous êtes déconnecté.": "You are signed out.",
    "Se connecter avec son compte nominatif": "Sign in with your personal account", "Identifiant": "Username",
    "Format attendu : prenom.nom": "Expected format: firstname.lastname", "Mot de passe": "Password",
    "Les administrateurs confirment leur connexion avec un code à usage unique (TOTP) de leur application "
    "d'authentification.": "Administrators confirm their sign-in with a one-time code (TOTP) from their "
                           "authenticator app.",
    "Second facteur": "Second factor", "Code de vérification": "Verification code",
    "Code à 6 chiffres de votre application d'authentification": "6-digit code from your authenticator app",
    "Exemple : 123456": "Example: 123456", "Valider": "Confirm", "Recommencer la connexion": "Start signing in again",
    "Enrôlement du second facteur": "Second factor enrolment", "Activer le second facteur": "Turn on the second factor",
    "Votre rôle d'administration exige un second facteur. Scannez ce QR code avec votre application "
    "d'authentification (FreeOTP, Aegis, Google Authenticator…), puis saisissez le code affiché.":
        "Your administration role requires a second factor. Scan this QR code with your authenticator app "
        "(FreeOTP, Aegis, Google Authenticator…), then type the code it shows.",
    "Générer un nouveau QR code": "Generate a new QR code", "QR code d’enrôlement": "Enrolment QR code",
    "QR code contenant la clé de votre second facteur": "QR code holding your second factor's key",
    "Impossible de scanner ? Saisissez cette clé dans votre application :":
        "Cannot scan? Type this key into your app:",
    "Premier code affiché par votre application": "First code shown by your app", "Activer": "Turn on",
    # dashboard
    "Bonjour {name}.": "Hello {name}.", "Mes projets": "My projects",
    "Vous n'êtes membre d'aucun projet pour l'instant.": "You are not a member of any project yet.",
    "Voir tous les projets": "See all projects", "Mes organisations": "My organisations",
    "Ressource": "Resource", "Limite": "Limit", "Jauge": "Gauge", "non mesuré": "not measured",
    "suivi à venir": "tracking to come", "Consommé": "Used", "Réparti": "Allocated",
    "Quota de {name}": "Quota of {name}", "Quota du projet {name}": "Quota of project {name}",
    "vCPU": "vCPU", "Mémoire (Mio)": "Memory (MiB)", "Stockage (Go)": "Storage (GB)", "Instances": "Instances",
    "IP publiques": "Public IPs",
    # account
    "Connecté en tant que": "Signed in as", "second facteur vérifié": "second factor verified",
    "Jeton révoqué.": "Token revoked.",
    "Mes jetons d'API": "My API tokens",
    "Jeton « {name} » créé": "Token “{name}” created",
    "Copiez-le maintenant : il ne sera plus jamais affiché.": "Copy it now: it will never be shown again.",
    "Secret du jeton": "Token secret", "Jetons d'API": "API tokens", "Nom": "Name", "Début": "Start",
    "Portée": "Scope", "Expire le": "Expires", "Dernier usage": "Last used", "État": "State", "Action": "Action",
    "Projet": "Project", "Organisation": "Organisation", "Plateforme": "Platform", "révoqué": "revoked",
    "actif": "active", "Révoquer ce jeton ?": "Revoke this token?", "Révoquer": "Revoke",
    "Vous n'avez aucun jeton d'API.": "You have no API token.", "Créer un jeton": "Create a token",
    "Nom du jeton": "Token name", "Exemple : déploiement CI": "Example: CI deployment",
    "Le jeton ne pourra agir que là": "The token will act there only", "Toute la plateforme": "The whole platform",
    "Projets": "Projects", "Durée de validité": "Lifetime", "En jours": "In days", "{n} jours": "{n} days",
    "Créer le jeton": "Create the token", "Mes sessions": "My sessions", "Sessions ouvertes": "Open sessions",
    "Ouverte le": "Opened", "Dernière activité": "Last activity", "Adresse": "Address", "Navigateur": "Browser",
    "cette session": "this session", "oui": "yes", "non": "no",
    # administration
    "Membres et rôles": "Members and roles",
    "Vous n'avez pas accès à la liste des membres ici.": "You have no access to the members here.",
    "Rôles tenus ici": "Roles held here",
    "Personne": "Person",
    "Rôle": "Role",
    "Retirer ce rôle ?": "Remove this role?",
    "Retirer": "Remove", "Aucun rôle tenu directement ici.": "No role held directly here.",
    "Attribuer un rôle": "Give a role", "Identifiant de la personne": "Person's username",
    "Exemple : marie.curie": "Example: marie.curie", "Attribuer": "Give", "Quota": "Quota",
    "Vous n'avez pas accès au quota ici.": "You have no access to the quota here.",
    "Modifier les limites": "Change the limits", "Enregistrer le quota": "Save the quota",
    "vous êtes ici :": "you are here:", "Voir le fil d’Ariane": "See the breadcrumb", "Aucun projet.": "No project.",
    "Nom du nouveau projet": "New project name", "Créer le projet": "Create the project",
    "Sous-organisations": "Sub-organisations",
    "Les ministères, directions et services que vous voyez, avec leurs projets.":
        "The ministries, directorates and services you can see, with their projects.",
    "Aucune organisation visible.": "No visible organisation.", "Projet de": "Project of",
    "Rôle attribué.": "Role given.", "Rôle retiré.": "Role removed.", "Quota enregistré.": "Quota saved.",
    "Projet créé.": "Project created.", "Ministère": "Ministry", "Direction": "Directorate", "Service": "Service",
    "Opérateur de la plateforme": "Platform operator", "Officier de sécurité": "Security officer",
    "Administrateur d'organisation": "Organisation administrator", "Finances": "Finance",
    "Administrateur de projet": "Project administrator", "Membre de projet": "Project member", "Lecteur": "Viewer",
    # audit
    "success": "success", "failure": "failure", "denied": "denied",
    "Voir les entrées plus anciennes": "See older entries", "Chaîne intègre": "Chain intact",
    "{n} entrées vérifiées ; tête scellée n° {seq}.": "{n} entries checked; sealed head no. {seq}.",
    "Chaîne altérée": "Chain tampered with", "{n} entrées parcourues ; anomalies :": "{n} entries walked; problems:",
    "Chaque action est inscrite dans un journal chaîné par empreintes SHA-256 : toute modification, suppression ou "
    "troncature est détectée à la vérification.": "Every action is written to a log chained by SHA-256 hashes: any "
                                                 "edit, deletion or truncation is detected on verification.",
    "Intégrité de la chaîne": "Chain integrity", "Vérifier la chaîne maintenant": "Verify the chain now",
    "Rechercher": "Search", "Préfixe, ex. : user. ou membership.granted": "Prefix, e.g. user. or membership.granted",
    "Auteur": "Actor", "Identifiant exact": "Exact username", "Résultat": "Outcome", "Tous": "All",
    "Avec ses sous-organisations": "With its sub-organisations", "Toutes": "All", "Du": "From", "Au": "To",
    "Identifiant de la cible": "Target id", "Effacer les filtres": "Clear the filters",
    "Entrées du journal, les plus récentes en premier": "Log entries, newest first", "suite": "continued",
    "N°": "No.", "Date": "Date", "Cible": "Target", "Aucune entrée ne correspond.": "No entry matches.",
    "Exporter": "Export",
    "Les événements d'une organisation (et de ses sous-organisations), au format JSON lines, avec leurs empreintes.":
        "An organisation's events (and its sub-organisations'), as JSON lines, with their hashes.",
    "Depuis le": "Since", "Facultatif": "Optional", "Télécharger (.jsonl)": "Download (.jsonl)",
    "Retour au journal d'audit": "Back to the audit log",
    # mandatory pages
    "Accessibilité": "Accessibility", "Déclaration d'accessibilité": "Accessibility statement",
    "Les services de l'État s'engagent à rendre leurs services numériques accessibles, conformément à l'article 47 "
    "de la loi n° 2005-102 du 11 février 2005.": "State services are committed to making their digital services "
                                                  "accessible, under article 47 of law no. 2005-102 of 11 February "
                                                  "2005.",
    "État de conformité": "Compliance status",
    "sovcloud est non conforme avec le référentiel général d'amélioration de l'accessibilité (RGAA) : aucun audit "
    "de conformité n'a encore été réalisé.": "sovcloud is not compliant with the RGAA accessibility standard: no "
                                            "compliance audit has been carried out yet.",
    "Ce qui est déjà vérifié": "What is already checked",
    "Le portail utilise le Système de Design de l'État (DSFR). Ses pages principales sont contrôlées "
    "automatiquement à chaque modification avec axe-core, dans un vrai navigateur.":
        "The portal uses the State design system (DSFR). Its main pages are checked automatically with axe-core, "
        "in a real browser, on every change.",
    "Signaler un défaut": "Report a problem",
    "Si vous n'arrivez pas à accéder à un contenu ou à un service, contactez l'équipe de la plateforme pour être "
    "orienté vers une alternative accessible.": "If you cannot reach some content or service, contact the platform "
                                               "team to be directed to an accessible alternative.",
    "Voies de recours": "Remedies",
    "Si vous constatez un défaut d'accessibilité vous empêchant d'accéder à un contenu, que vous nous l'avez "
    "signalé et que vous n'avez pas obtenu de réponse satisfaisante, vous pouvez saisir le Défenseur des droits.":
        "If an accessibility problem keeps you from some content, you reported it and got no satisfactory answer, "
        "you may refer it to the Défenseur des droits.",
    "sovcloud ne dépose aucun cookie de mesure d'audience ni de publicité. Seuls des cookies strictement "
    "nécessaires au service sont utilisés ; ils ne demandent donc pas de consentement.":
        "sovcloud sets no audience-measurement or advertising cookie. Only cookies strictly needed by the service "
        "are used, so they need no consent.",
    "Cookies utilisés": "Cookies used", "Finalité": "Purpose", "Durée": "Lifetime",
    "Garder votre connexion ouverte": "Keep you signed in",
    "La session (12 heures au plus)": "The session (12 hours at most)",
    "Protéger vos formulaires contre la falsification de requêtes": "Protect your forms against request forgery",
    "La session du navigateur": "The browser session", "Retenir la langue choisie": "Remember the chosen language",
    "1 an": "1 year", "Données traitées": "Data processed",
    "Pour chaque compte nominatif : identifiant, nom, adresse électronique, rôles, sessions (adresse IP, "
    "navigateur, dates) et journal d'audit des actions effectuées.": "For each personal account: username, name, "
                                                                    "e-mail address, roles, sessions (IP address, "
                                                                    "browser, dates) and the audit log of actions.",
    "Finalité et base légale": "Purpose and legal basis",
    "Ces données servent à authentifier les agents, à contrôler leurs droits et à assurer la traçabilité exigée "
    "par la sécurité des systèmes d'information de l'État (mission d'intérêt public).":
        "These data authenticate staff, check their rights and provide the traceability the State's information "
        "security requires (public-interest task).",
    "Durée de conservation": "Retention",
    "Les sessions expirent au plus tard après quelques heures ; le journal d'audit est conservé selon la politique "
    "de sécurité de la plateforme.": "Sessions expire after a few hours at most; the audit log is kept according "
                                    "to the platform's security policy.",
    "Vos droits": "Your rights",
    "Vous disposez d'un droit d'accès et de rectification auprès du délégué à la protection des données de votre "
    "ministère.": "You may access and correct your data through your ministry's data protection officer.",
    "Éditeur": "Publisher",
    "Ce service est édité par l'administration qui opère la plateforme sovcloud pour le compte des ministères.":
        "This service is published by the administration that runs the sovcloud platform for the ministries.",
    "Directeur de la publication": "Publication director",
    "Le responsable de l'administration opératrice de la plateforme.": "The head of the administration running the "
                                                                        "platform.",
    "Hébergement": "Hosting",
    "La plateforme est hébergée dans des centres de données qualifiés SecNumCloud, sur le territoire national.":
        "The platform is hosted in SecNumCloud-qualified data centres in France.",
    "Logiciel": "Software",
    "sovcloud est un logiciel libre publié sous licence EUPL-1.2. Le Système de Design de l'État est utilisé selon "
    "ses modalités d'utilisation.": "sovcloud is free software under the EUPL-1.2 licence. The State design system "
                                   "is used under its terms of use.",
}

MESSAGES.update({k: v for k, v in {**_CLOUD, **_FORMS, **_AUDIT, **_HEALTH, **_RESILIENCE, **_IDENTITY,
                                   **_SUPERVISION, **_BILLING, **_APPS}.items()
                 if k not in MESSAGES})
