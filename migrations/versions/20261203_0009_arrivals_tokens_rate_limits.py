"""response arrival log instead of a shared counter row; token expiry; shared rate-limit windows

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 08:20:00
"""

from collections.abc import Sequence
from datetime import timedelta

import sqlalchemy as sa
from alembic import op

from survey_api.db.types import UTCDateTime

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Each insert appends to the log instead of updating one counter row, which every concurrent insert had to
# wait for: one row per statement on PostgreSQL (a COPY of a million rows logs one row), one per inserted
# row on SQLite (which has no statement triggers, and serialises writers anyway).
_POSTGRESQL = [
    """
    CREATE FUNCTION log_response_arrivals() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO response_arrivals (instrument_version_id, responses)
        SELECT instrument_version_id, count(*) FROM inserted GROUP BY instrument_version_id;
        RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER responses_arrived AFTER INSERT ON responses
    REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION log_response_arrivals()
    """,
]
_SQLITE = [
    """
    CREATE TRIGGER responses_arrived AFTER INSERT ON responses BEGIN
        INSERT INTO response_arrivals (instrument_version_id, responses) VALUES (NEW.instrument_version_id, 1);
    END
    """
]
_OLD_POSTGRESQL = [
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
_OLD_SQLITE = [
    """
    CREATE TRIGGER responses_counted AFTER INSERT ON responses BEGIN
        INSERT INTO response_counts (instrument_version_id, responses) VALUES (NEW.instrument_version_id, 1)
        ON CONFLICT (instrument_version_id) DO UPDATE SET responses = responses + 1;
    END
    """
]


def upgrade() -> None:
    postgresql = _is_postgresql()
    op.execute("DROP TRIGGER IF EXISTS responses_counted" + (" ON responses" if postgresql else ""))
    if postgresql:
        op.execute("DROP FUNCTION IF EXISTS count_inserted_responses()")
    op.create_table(
        "response_arrivals",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("instrument_version_id", sa.Integer(), nullable=False),
        sa.Column("responses", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["instrument_version_id"],
            ["instrument_versions.id"],
            name=op.f("fk_response_arrivals_instrument_version_id_instrument_versions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_response_arrivals")),
    )
    op.create_index(op.f("ix_response_arrivals_instrument_version_id"), "response_arrivals", ["instrument_version_id"])
    op.execute(
        "INSERT INTO response_arrivals (instrument_version_id, responses) "
        "SELECT instrument_version_id, responses FROM response_counts"
    )
    op.drop_table("response_counts")
    for statement in _POSTGRESQL if postgresql else _SQLITE:
        op.execute(statement)

    op.add_column("api_tokens", sa.Column("expires_at", UTCDateTime(), nullable=True))
    _expire_old_tokens()
    op.create_table(
        "rate_windows",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("window_start", sa.BigInteger(), nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("key", "window_start", name=op.f("pk_rate_windows")),
    )


def _expire_old_tokens() -> None:
    """Tokens made before expiry existed get the lifetime of their role from their creation (12 h for staff, 720 h
    for volunteers, the defaults), so no old token stays valid for ever."""
    tokens = sa.table(
        "api_tokens",
        sa.column("id", sa.Integer()),
        sa.column("user_id", sa.Integer()),
        sa.column("created_at", UTCDateTime()),
        sa.column("expires_at", UTCDateTime()),
    )
    users = sa.table("users", sa.column("id", sa.Integer()), sa.column("role", sa.String()))
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(tokens.c.id, tokens.c.created_at, users.c.role).join(users, users.c.id == tokens.c.user_id)
    ).all()
    for token_id, created_at, role in rows:
        lifetime = timedelta(hours=720 if role == "volunteer" else 12)
        bind.execute(tokens.update().where(tokens.c.id == token_id).values(expires_at=created_at + lifetime))


def downgrade() -> None:
    postgresql = _is_postgresql()
    op.drop_table("rate_windows")
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_column("expires_at")
    op.execute("DROP TRIGGER IF EXISTS responses_arrived" + (" ON responses" if postgresql else ""))
    if postgresql:
        op.execute("DROP FUNCTION IF EXISTS log_response_arrivals()")
    op.create_table(
        "response_counts",
        sa.Column("instrument_version_id", sa.Integer(), nullable=False),
        sa.Column("responses", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["instrument_version_id"],
            ["instrument_versions.id"],
            name=op.f("fk_response_counts_instrument_version_id_instrument_versions"),
        ),
        sa.PrimaryKeyConstraint("instrument_version_id", name=op.f("pk_response_counts")),
    )
    op.execute(
        "INSERT INTO response_counts (instrument_version_id, responses) "
        "SELECT instrument_version_id, sum(responses) FROM response_arrivals GROUP BY instrument_version_id"
    )
    op.drop_table("response_arrivals")
    for statement in _OLD_POSTGRESQL if postgresql else _OLD_SQLITE:
        op.execute(statement)


def _is_postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"
