"""Exports for analysts: responses with design columns and weights (CSV, XLSX) and codebooks."""
