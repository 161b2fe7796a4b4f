"""Managing accounts: admins for everyone, unit managers for the volunteers of their units."""
