"""``INSERT … ON CONFLICT DO NOTHING`` for SQLite and PostgreSQL alike."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from survey_api.db.base import Base


def insert_ignoring_conflicts(session: Session, model: type[Base]) -> postgresql.Insert | sqlite.Insert:
    """``INSERT INTO model … ON CONFLICT DO NOTHING`` in the session's dialect, for values given later.

    A Core statement on the model's table: the ORM's bulk-insert machinery would add nothing here but time.
    """
    table = cast(Table, model.__table__)
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing()
    return sqlite.insert(table).on_conflict_do_nothing()


def insert_once(session: Session, model: type[Base], values: dict[str, Any]) -> bool:
    """Insert one row unless it violates a unique constraint; True when this call inserted it.

    Of concurrent inserts of the same key exactly one wins; the others wait for it and insert nothing,
    with no error to recover from and the transaction still usable.
    """
    primary_key = model.__table__.primary_key.columns  # type: ignore[attr-defined]
    statement = insert_ignoring_conflicts(session, model).values(**values).returning(*primary_key)
    return session.execute(statement).first() is not None
