"""Collecting responses: validation, idempotent storage."""
