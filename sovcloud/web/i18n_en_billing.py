"""English text of the billing pages and documents."""

MESSAGES: dict[str, str] = {
    "Avoir": "Credit note", "Facture": "Invoice", "Corrige la facture": "Corrects invoice",
    "Empreinte SHA-256": "SHA-256 fingerprint", "Heures": "Hours", "Imputation": "Budget code", "Lignes": "Lines",
    "Montant (€)": "Amount (€)", "Prix unitaire": "Unit price", "Période": "Period", "Statut": "Status",
    "Total": "Total", "Émise le": "Issued on", "Sous-totaux par offre": "Subtotals per offering",
    "Sous-totaux par imputation budgétaire": "Subtotals per budget code",
    "Document émis par la plateforme sovcloud ; une facture émise n'est jamais modifiée : toute correction fait "
    "l'objet d'un avoir.": "Document issued by the sovcloud platform; an issued invoice is never changed: any "
    "correction is made by a credit note.",
    "Montants en euros ; chaque ligne est arrondie au centime (arrondi au pair), le total est la somme des lignes "
    "arrondies.": "Amounts in euros; each line is rounded to the cent (half to even), the total is the sum of the "
    "rounded lines.",
    "Refacturation interne entre services de l'État : TVA non applicable (article 256 B du code général des "
    "impôts).": "Internal re-invoicing between State services: VAT not applicable (article 256 B of the French "
    "general tax code).",
    "Factures": "Invoices", "Facturation": "Billing", "Organisation": "Organisation", "Numéro": "Number",
    "Télécharger le PDF": "Download the PDF", "Télécharger le CSV": "Download the CSV",
    "Aucune facture émise.": "No invoice issued.",
    "Factures et avoirs émis": "Issued invoices and credit notes", "Type": "Type",
}
