"""The hash-chained audit journal."""

from sovcloud.audit.service import export_lines, record, verify

__all__ = ["export_lines", "record", "verify"]
