"""Fieldwork: volunteer accounts, assignments, contact attempts and the tablet's batch sync."""
