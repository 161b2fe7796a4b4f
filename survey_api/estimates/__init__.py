"""Indices from stored responses."""
