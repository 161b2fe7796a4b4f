"""Ranking units by the satisfaction index, with each rank's plausible range."""
