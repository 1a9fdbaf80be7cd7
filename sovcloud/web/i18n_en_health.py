"""English text of the portal's French messages: workers and health (operator console)."""

MESSAGES: dict[str, str] = {
    "Workers": "Workers", "Worker": "Worker", "Dernier signal": "Last heartbeat", "Démarré le": "Started",
    "Étapes en cours": "Steps running", "Dernières tâches périodiques": "Last periodic rounds",
    "actif": "alive", "arrêté": "stopped", "aucune": "none", "commande": "order", "essai {n}": "attempt {n}",
    "Chaque worker signale sa présence toutes les {s} s ; trois signaux manqués et il est compté comme arrêté.":
        "Each worker sends a heartbeat every {s} s; after three missed beats it counts as stopped.",
    "Aucun worker ne signale sa présence : les commandes ne seront pas livrées.":
        "No worker sends heartbeats: orders will not be delivered.",
}
