"""English text of the ProConnect login's French messages (pages and refusals)."""

MESSAGES: dict[str, str] = {
    # login page and ProConnect pages
    "Agents de l'État": "State agents", "S'identifier avec": "Sign in with",
    "Qu'est-ce que ProConnect ?": "What is ProConnect?", "ou": "or",
    "Vous êtes déconnecté de sovcloud.": "You are signed out of sovcloud.",
    "Connexion refusée": "Sign-in refused", "Connexion avec ProConnect refusée": "Sign-in with ProConnect refused",
    "Référence à communiquer au support :": "Reference to give the support desk:",
    "Retour à la page de connexion": "Back to the sign-in page",
    "Connexion réussie": "Signed in", "Vous êtes connecté avec ProConnect.": "You are signed in with ProConnect.",
    "Confirmation requise": "Confirmation required", "Continuer": "Continue",
    "Niveau d'authentification insuffisant pour vos rôles d'administration":
        "Authentication level too low for your administrative roles",
    "ProConnect vous a authentifié au niveau %s : vos rôles d'administration demandent un niveau plus élevé. "
    "Confirmez votre identité avec le second facteur de sovcloud avant toute action.":
        "ProConnect authenticated you at level %s: your administrative roles need a higher level. Confirm your "
        "identity with sovcloud's second factor before any action.",
    "Vous n'avez pas encore de second facteur : l'étape suivante vous montre un QR code à scanner avec une "
    "application d'authentification (TOTP), puis vous demande son premier code.":
        "You have no second factor yet: the next step shows a QR code to scan with an authenticator app (TOTP), "
        "then asks for its first code.",
    "Déconnexion de ProConnect": "Signing out of ProConnect",
    "Vous êtes déconnecté de sovcloud. Vous allez être déconnecté de ProConnect.":
        "You are signed out of sovcloud. You are now being signed out of ProConnect.",
    "Se déconnecter de ProConnect": "Sign out of ProConnect",
    # refusals (LoginRefused)
    "Réponse inattendue de ProConnect.": "Unexpected answer from ProConnect.",
    "ProConnect annonce un autre émetteur que celui configuré.":
        "ProConnect announces another issuer than the configured one.",
    "Jeton d'identité de ProConnect refusé (azp).": "ProConnect's ID token refused (azp).",
    "Le jeton d'identité ne correspond pas à cette connexion (nonce) : connexion refusée. Recommencez depuis la page "
    "de connexion.":
        "The ID token does not belong to this sign-in (nonce): refused. Start again from the sign-in page.",
    "ProConnect n'a pas atteint le niveau d'authentification demandé : connexion refusée.":
        "ProConnect did not reach the authentication level asked for: sign-in refused.",
    "ProConnect a répondu des informations d'utilisateur non signées : connexion refusée.":
        "ProConnect answered unsigned user information: sign-in refused.",
    "Les informations d'utilisateur ne sont pas celles de l'agent authentifié : connexion refusée.":
        "The user information is not the authenticated agent's: sign-in refused.",
    "Informations d'utilisateur émises pour un autre service : refusées.":
        "User information issued for another service: refused.",
    "Réponse d'un autre fournisseur d'identité : connexion refusée.":
        "Answer from another identity provider: sign-in refused.",
    "ProConnect n'a pas rendu de jeton d'identité.": "ProConnect returned no ID token.",
    "ProConnect n'a pas transmis l'adresse électronique ou le fournisseur d'identité de l'agent : connexion refusée.":
        "ProConnect did not send the agent's e-mail address or identity provider: sign-in refused.",
    "ProConnect ne répond pas pour le moment : réessayez dans quelques minutes ou connectez-vous avec votre compte "
    "nominatif.": "ProConnect is not answering: try again in a few minutes, or sign in with your personal account.",
    "Document de découverte de ProConnect incomplet.": "ProConnect's discovery document is incomplete.",
    "Clés de ProConnect illisibles.": "ProConnect's keys cannot be read.",
    "Jeton d'identité de ProConnect refusé (émetteur, destinataire ou expiration).":
        "ProConnect's ID token refused (issuer, audience or expiry).",
    "ProConnect ne répond pas pour le moment : réessayez.": "ProConnect is not answering: try again.",
    "ProConnect a refusé le code de connexion (expiré ou déjà utilisé) : recommencez depuis la page de connexion.":
        "ProConnect refused the sign-in code (expired or already used): start again from the sign-in page.",
    "Réponse de ProConnect illisible : connexion refusée.": "Unreadable answer from ProConnect: sign-in refused.",
    "La signature de la réponse de ProConnect n'est pas valide : connexion refusée.":
        "The signature of ProConnect's answer is not valid: sign-in refused.",
    "La connexion avec ProConnect n'est pas configurée.": "Sign-in with ProConnect is not configured.",
    "Réponse de ProConnect sans paramètre « state » valide : connexion refusée.":
        "Answer from ProConnect without a valid \"state\": sign-in refused.",
    "Cette connexion ProConnect est inconnue : recommencez depuis la page de connexion.":
        "This ProConnect sign-in is unknown: start again from the sign-in page.",
    "Cette réponse de ProConnect a déjà servi (rejeu) : connexion refusée.":
        "This answer from ProConnect was already used (replay): sign-in refused.",
    "La connexion ProConnect a expiré (plus de dix minutes) : recommencez.":
        "The ProConnect sign-in expired (more than ten minutes): start again.",
    "Cette connexion ProConnect a été commencée dans un autre navigateur : connexion refusée.":
        "This ProConnect sign-in was started in another browser: refused.",
    "ProConnect n'a pas authentifié l'agent (connexion annulée ou refusée).":
        "ProConnect did not authenticate the agent (sign-in cancelled or refused).",
    "Ce compte est suspendu : contactez l'administrateur de votre organisation.":
        "This account is suspended: contact your organisation's administrator.",
    "Votre organisation n'est pas encore raccordée à sovcloud (ni son SIRET ni le domaine de votre adresse ne sont "
    "connus) : demandez à votre référent d'en faire la demande à l'exploitant de la plateforme.":
        "Your organisation is not connected to sovcloud yet (neither its SIRET nor your address's domain is known): "
        "ask your contact person to request it from the platform operator.",
    "Votre organisation ne crée pas de compte automatiquement : demandez à son administrateur de vous ouvrir un "
    "compte avec votre adresse électronique, puis reconnectez-vous avec ProConnect.":
        "Your organisation does not create accounts automatically: ask its administrator to open an account with "
        "your e-mail address, then sign in with ProConnect again.",
    "Ce compte a des rôles d'administration et pas encore de second facteur : pour le relier à ProConnect, "
    "connectez-vous une première fois au niveau eidas2 ou plus, ou d'abord avec votre mot de passe pour enrôler "
    "un second facteur.": "This account has administrative roles and no second factor yet: to link it to "
                         "ProConnect, sign in once at level eidas2 or above, or first with your password to enrol "
                         "a second factor.",
    "Trop de connexions ProConnect commencées depuis cette adresse : réessayez dans quelques minutes.":
        "Too many ProConnect sign-ins started from this address: try again in a few minutes.",
    # security keys (WebAuthn) and recovery codes
    "Affichés une seule fois": "Shown only once", "Ajouter la clé": "Add the key", "Ajouter une clé": "Add a key",
    "Aucune clé enregistrée.": "No key registered.", "Clé de sécurité refusée :": "Security key refused:",
    "Clé enregistrée.": "Key registered.", "Clé renommée.": "Key renamed.", "Clé retirée.": "Key removed.",
    "Clé perdue ? Utiliser un code de secours": "Lost your key? Use a recovery code",
    "Code de secours": "Recovery code", "Exemple : 1a2b3-4c5d6-7e8f9-0a1b2": "Example: 1a2b3-4c5d6-7e8f9-0a1b2",
    "Exemple : clé USB bureau": "Example: office USB key",
    "Gardez ces codes en lieu sûr : chacun remplace une fois votre clé si vous la perdez.":
        "Keep these codes somewhere safe: each one replaces your key once if you lose it.",
    "J'ai noté mes codes": "I have noted my codes", "La clé n'a pas été enregistrée :": "The key was not registered:",
    "Mes clés de sécurité": "My security keys",
    "Mes clés de sécurité et codes de secours": "My security keys and recovery codes",
    "Nom de la clé": "Key name", "Nouveau nom": "New name", "Renommer": "Rename",
    "Retirer cette clé": "Remove this key",
    "Un de vos codes de secours": "One of your recovery codes",
    "Une clé de sécurité (USB, NFC) ou l'authentificateur de votre poste sert de second facteur, à la place du code "
    "TOTP.": "A security key (USB, NFC) or your computer's authenticator serves as a second factor, instead of the "
             "TOTP code.",
    "Utiliser ma clé de sécurité": "Use my security key", "Vos codes de secours": "Your recovery codes",
    "ajoutée le": "added on", "dernière utilisation": "last used",
}
