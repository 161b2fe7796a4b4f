"""Importing paper and spreadsheet responses from CSV files."""
