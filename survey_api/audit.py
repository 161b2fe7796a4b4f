"""Writing the audit log."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from survey_api.db.models import AuditEntry, User


def record(session: Session, user: User | None, action: str, target: str, **detail: Any) -> None:
    """Append an audit entry for an admin action."""
    session.add(AuditEntry(user_id=user.id if user else None, action=action, target=target, detail=detail))
