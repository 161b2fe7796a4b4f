"""Versioned survey instruments: the file format, loading, publishing and reading."""
