"""English text of the portal's messages about forms: refused fields, expired sessions, confirmations,
approvals."""

MESSAGES: dict[str, str] = {
    "Corrigez les champs signalés ci-dessous.": "Correct the fields marked below.",
    "Le formulaire contient des erreurs : corrigez les champs signalés.":
        "The form has errors: correct the fields marked.",
    "Session expirée": "Session expired",
    "Votre session a expiré : reconnectez-vous pour reprendre là où vous en étiez, avec ce que vous aviez saisi.":
        "Your session has expired: sign in again to carry on where you were, with what you had typed.",
    "Session expirée : vous avez été reconnecté. Ce que vous aviez saisi est repris ci-dessous ; vérifiez-le avant "
    "de valider.": "Session expired: you are signed in again. What you had typed is shown below; check it before "
                   "sending.",
    # confirmations of destructive actions (the DSFR modal)
    "Confirmer": "Confirm", "Annuler": "Cancel",
    "Annuler la commande « {title} » ?": "Cancel the order “{title}”?",
    "Retirer le rôle": "Remove the role", "Retirer le rôle « {role} » de {person} ?": "Remove the role “{role}” "
                                                                                      "from {person}?",
    "Révoquer le jeton": "Revoke the token", "Révoquer le jeton « {name} » ({prefix}…) ?":
        "Revoke the token “{name}” ({prefix}…)?",
    "Supprimer la règle": "Delete the rule", "Supprimer {name}": "Delete {name}",
    "Vous consultez cette ressource : ses actions sont réservées à ceux qui l’exploitent.":
        "You are viewing this resource: its actions are for those who operate it.",
    # networks and security groups picked from the project
    "Un réseau actif du projet, facultatif": "An active network of the project, optional",
    "Réseau par défaut": "Default network", "Ceux du projet, facultatif": "The project's own, optional",
    "Le projet n'a pas encore de réseau privé : commandez-en un (offre « Réseau privé »).":
        "The project has no private network yet: order one (the “Private network” offering).",
    "Le projet n'a pas de groupe de sécurité : le groupe par défaut s'applique.":
        "The project has no security group: the default group applies.",
    # approvals
    "en attente de votre décision": "waiting for your decision",
    "{given} approbation sur {required}": "{given} approval of {required}",
    "{given} approbations sur {required}": "{given} approvals of {required}",
    "par le rôle « {role} »": "by the role “{role}”", "Peuvent approuver :": "May approve:",
    "La règle demande {due} approbation(s) distincte(s) mais {n} personne(s) seulement peuvent la donner : un "
    "opérateur de la plateforme doit intervenir, ou annulez la commande.":
        "The rule asks for {due} distinct approval(s) but only {n} person(s) can give one: a platform operator "
        "has to step in, or cancel the order.",
    # pydantic's faults (sovcloud.messages)
    "Ce champ est obligatoire.": "This field is required.",
    "{min_length} caractères au moins.": "At least {min_length} characters.",
    "{max_length} caractères au plus.": "At most {max_length} characters.",
    "Un nombre entier est attendu.": "A whole number is expected.",
    "Un nombre est attendu.": "A number is expected.",
    "La valeur doit être supérieure ou égale à {ge}.": "The value must be at least {ge}.",
    "La valeur doit être supérieure à {gt}.": "The value must be greater than {gt}.",
    "La valeur doit être inférieure ou égale à {le}.": "The value must be at most {le}.",
    "La valeur doit être inférieure à {lt}.": "The value must be less than {lt}.",
    "Choisissez une des valeurs proposées.": "Choose one of the values offered.",
    "Oui ou non attendu.": "Yes or no expected.",
    "Identifiant invalide.": "Invalid identifier.",
    "Date invalide (format attendu : AAAA-MM-JJ).": "Invalid date (expected format: YYYY-MM-DD).",
    "Champ inconnu.": "Unknown field.",
    "Format invalide.": "Invalid format.",
    "{max_length} éléments au plus.": "At most {max_length} items.",
    "{min_length} éléments au moins.": "At least {min_length} items.",
    "Un texte est attendu.": "A text is expected.",
    "Valeur invalide.": "Invalid value.",
    "Précisez le fuseau horaire (par exemple 2030-01-01T10:00:00+01:00 ou …Z).":
        "Give the time zone (for example 2030-01-01T10:00:00+01:00 or …Z).",
    "Date et heure invalides (format attendu : AAAA-MM-JJTHH:MM:SS+01:00).":
        "Invalid date and time (expected format: YYYY-MM-DDTHH:MM:SS+01:00).",
    "Le corps de la requête n'est pas du JSON valide.": "The request body is not valid JSON.",
    "Un objet est attendu.": "An object is expected.",
    "Une liste est attendue.": "A list is expected.",
    "{max_digits} chiffres au plus.": "At most {max_digits} digits.",
    "{decimal_places} décimales au plus.": "At most {decimal_places} decimal places.",
    "Un nombre fini est attendu.": "A finite number is expected.",
    "Le secret d'un jeton n'est montré qu'une fois : s'il est perdu, révoquez ce jeton et créez-en un autre.":
        "A token's secret is shown only once: if it is lost, revoke this token and create another.",
}
