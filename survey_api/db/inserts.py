"""``INSERT … ON CONFLICT DO NOTHING`` on SQLite and PostgreSQL alike."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from survey_api.db.base import Base


def insert_once(session: Session, model: type[Base], values: dict[str, Any]) -> bool:
    """Insert a row unless one with its primary key exists; True when this call stored it.

    Of concurrent inserts of one key exactly one stores; the others wait for its transaction and then
    insert nothing, with no error to recover from.
    """
    statement: postgresql.Insert | sqlite.Insert
    if session.get_bind().dialect.name == "postgresql":
        statement = postgresql.insert(model).values(**values)
    else:
        statement = sqlite.insert(model).values(**values)
    key = [column.name for column in model.__table__.primary_key]
    statement = statement.on_conflict_do_nothing(index_elements=key)
    return session.execute(statement.returning(*model.__table__.primary_key)).first() is not None
