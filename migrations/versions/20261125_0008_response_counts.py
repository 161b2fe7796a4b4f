"""response counts kept by triggers

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25 20:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# One statement-level trigger on PostgreSQL (a COPY of a million rows updates the count once), a row
# trigger on SQLite (which has no other kind).
_POSTGRESQL = [
    """
    CREATE FUNCTION count_inserted_responses() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO response_counts (instrument_version_id, responses)
        SELECT instrument_version_id, count(*) FROM inserted GROUP BY instrument_version_id
        ON CONFLICT (instrument_version_id)
        DO UPDATE SET responses = response_counts.responses + EXCLUDED.responses;
        RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER responses_counted AFTER INSERT ON responses
    REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION count_inserted_responses()
    """,
]
_SQLITE = [
    """
    CREATE TRIGGER responses_counted AFTER INSERT ON responses BEGIN
        INSERT INTO response_counts (instrument_version_id, responses) VALUES (NEW.instrument_version_id, 1)
        ON CONFLICT (instrument_version_id) DO UPDATE SET responses = responses + 1;
    END
    """
]


def upgrade() -> None:
    op.create_table(
        "response_counts",
        sa.Column("instrument_version_id", sa.Integer(), nullable=False),
        sa.Column("responses", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["instrument_version_id"], ["instrument_versions.id"]),
        sa.PrimaryKeyConstraint("instrument_version_id"),
    )
    op.execute(
        "INSERT INTO response_counts (instrument_version_id, responses) "
        "SELECT instrument_version_id, count(*) FROM responses GROUP BY instrument_version_id"
    )
    for statement in _POSTGRESQL if _is_postgresql() else _SQLITE:
        op.execute(statement)


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS responses_counted" + (" ON responses" if _is_postgresql() else ""))
    if _is_postgresql():
        op.execute("DROP FUNCTION IF EXISTS count_inserted_responses()")
    op.drop_table("response_counts")


def _is_postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"
