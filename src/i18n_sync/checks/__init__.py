"""Checks: what a translation may and may not change."""
