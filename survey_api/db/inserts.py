"""``INSERT … ON CONFLICT DO NOTHING`` for SQLite and PostgreSQL alike."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from survey_api.db.base import Base


def insert_once(session: Session, model: type[Base], values: dict[str, Any]) -> bool:
    """Insert one row unless it violates a unique constraint; True when this call inserted it.

    Of concurrent inserts of the same key exactly one wins; the others wait for it and insert nothing,
    with no error to recover from and the transaction still usable.
    """
    statement: postgresql.Insert | sqlite.Insert
    if session.get_bind().dialect.name == "postgresql":
        statement = postgresql.insert(model).values(**values)
    else:
        statement = sqlite.insert(model).values(**values)
    primary_key = model.__table__.primary_key.columns  # type: ignore[attr-defined]
    returning = statement.on_conflict_do_nothing().returning(*primary_key)
    return session.execute(returning).first() is not None
