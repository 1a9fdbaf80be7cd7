"""Resilience: the sites (availability zones) as data, and the platform's own backup and restore."""
