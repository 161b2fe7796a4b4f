"""When an assignment is late: the one rule the staff pages, plan progress and the tablet's list share."""

from __future__ import annotations

from datetime import date


def is_late(ends_on: date | None, quota: int | None, completed: int, not_contacted: int, today: date) -> bool:
    """Past its end date with work left: the quota not met, or (without a quota) entries not contacted."""
    if ends_on is None or ends_on >= today:
        return False
    return completed < quota if quota is not None else not_contacted > 0
