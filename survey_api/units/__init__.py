"""Org units and service points."""
