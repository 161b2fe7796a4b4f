"""The roles an account can have (here rather than with the models, so the CLI can name them without loading
the database layer)."""

ROLES = ("admin", "analyst", "unit_manager", "volunteer")
