"""Feedback pages: the staff list and item (``staff``, ``staff_actions``: /staff/feedback) and the citizen's
reference page and published petitions (``public``: /phan-anh)."""
