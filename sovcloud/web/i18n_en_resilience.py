"""English text of the sites and capacity pages (``sovcloud.resilience``, the operator console)."""

MESSAGES: dict[str, str] = {
    "Où sont les données et les serveurs : seuls les sites actifs prennent de nouvelles commandes (sovcloud site, "
    "API /sites).": "Where data and servers are: only active sites take new orders (sovcloud site, API /sites).",
    "Libellé": "Label", "Localisation": "Location", "Région": "Region", "Zone de disponibilité": "Availability zone",
    "Stockage": "Storage", "actif": "active", "en cours de vidage": "draining", "hors service": "down",
    "Alloué rapporté à l'allouable, tel que le fournisseur le compte : (total − réservé) × ratio de surallocation, "
    "pour les vCPU comme pour la mémoire.": "Allocated against allocatable, as the provider counts it: "
    "(total − reserved) × overcommit ratio, for vCPUs as for memory.",
    "Ratios vCPU / mémoire": "vCPU / memory ratios", "Capacité indisponible": "Capacity unavailable",
}
