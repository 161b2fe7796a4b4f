"""Feedback and petitions left with an answer, and the contact details kept apart from it."""
