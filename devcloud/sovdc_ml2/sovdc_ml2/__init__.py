"""Agentless port binding for the sovcloud test cloud (no data plane)."""
