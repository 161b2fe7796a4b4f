"""Database access: engine and session handling, ORM models."""
