"""``INSERT … ON CONFLICT DO NOTHING`` for SQLite and PostgreSQL alike."""

from __future__ import annotations

from functools import cache
from typing import Any, cast

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import ReturningInsert

from survey_api.db.base import Base


def insert_ignoring_conflicts(session: Session, model: type[Base]) -> postgresql.Insert | sqlite.Insert:
    """``INSERT INTO model … ON CONFLICT DO NOTHING`` in the session's dialect, for values given later.

    A Core statement on the model's table: the ORM's bulk-insert machinery would add nothing here but time.
    """
    return _ignoring_conflicts(model, session.get_bind().dialect.name)


def _ignoring_conflicts(model: type[Base], dialect: str) -> postgresql.Insert | sqlite.Insert:
    table = cast(Table, model.__table__)
    insert = postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)
    return insert.on_conflict_do_nothing()


def insert_once(session: Session, model: type[Base], values: dict[str, Any]) -> bool:
    """Insert one row unless it violates a unique constraint; True when this call inserted it.

    Of concurrent inserts of the same key exactly one wins; the others wait for it and insert nothing,
    with no error to recover from and the transaction still usable.
    """
    statement = _insert_once_statement(model, session.get_bind().dialect.name)
    # Values as parameters, not in the statement: the compiled form is reused without walking the values;
    # a Core statement goes straight to the session's connection (the ORM would add nothing but time).
    return session.connection().execute(statement, values).first() is not None


def insert_all_once(session: Session, model: type[Base], rows: list[dict[str, Any]]) -> set[Any]:
    """Insert rows, skipping any that violates a unique constraint; the primary keys of the rows inserted.

    Rows go in as few statements as there are different sets of columns among them (SQLAlchemy sends each
    set as multi-row ``INSERT … VALUES``); of rows sharing a key, only the first inserted is returned.
    """
    statement = _insert_once_statement(model, session.get_bind().dialect.name)
    by_columns: dict[frozenset[str], list[dict[str, Any]]] = {}
    for row in rows:
        by_columns.setdefault(frozenset(row), []).append(row)
    inserted: set[Any] = set()
    for group in by_columns.values():
        result = session.connection().execute(statement, group)
        inserted.update(row[0] if len(row) == 1 else tuple(row) for row in result)
    return inserted


@cache
def _insert_once_statement(model: type[Base], dialect: str) -> ReturningInsert[Any]:
    return _ignoring_conflicts(model, dialect).returning(*model.__table__.primary_key.columns)  # type: ignore[attr-defined]
