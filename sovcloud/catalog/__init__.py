"""The service catalogue: offerings, plans, groups of organisations, versioned price lists, estimates."""
