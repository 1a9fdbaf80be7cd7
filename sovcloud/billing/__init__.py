"""Billing: usage intervals metered from the inventory's changes, rating against the catalogue's
versioned price lists, invoices and credit notes per organisation and month, exports."""
