"""How many responses an instrument version has received, read off the append-only arrival log."""

from __future__ import annotations

from sqlalchemy import Engine, delete, func, insert, select
from sqlalchemy.orm import Session

from survey_api.db.models import ResponseArrival

# A version's log is folded into one row once it is longer than this (SQLite logs one row per response).
FOLD_AFTER = 1000


def responses_arrived(session: Session, version_id: int) -> int:
    """The number of responses ever stored for ``version_id``: it changes exactly when they do."""
    total, entries = session.execute(
        select(func.coalesce(func.sum(ResponseArrival.responses), 0), func.count()).where(
            ResponseArrival.instrument_version_id == version_id
        )
    ).one()
    if entries > FOLD_AFTER:
        fold(session.connection().engine, version_id)
    return int(total)


def fold(engine: Engine, version_id: int) -> None:
    """Replace the log entries of ``version_id`` by one with their sum, in a transaction of its own.

    The sum is taken of exactly the rows this transaction deleted, so concurrent folds never count twice.
    """
    with engine.begin() as conn:
        deleted = conn.execute(
            delete(ResponseArrival)
            .where(ResponseArrival.instrument_version_id == version_id)
            .returning(ResponseArrival.responses)
        ).scalars()
        total = sum(deleted)
        if total:
            conn.execute(insert(ResponseArrival).values(instrument_version_id=version_id, responses=total))
