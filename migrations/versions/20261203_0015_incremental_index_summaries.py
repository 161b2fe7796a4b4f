"""incremental index summaries: each response records when it arrived, and a per-version count of changes

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 14:40:00

``responses.arrival`` says which responses a reader has not seen yet (``survey_api.estimates.increments``):
on PostgreSQL the inserting transaction's id (visible to a snapshot exactly when its transaction committed
before it, so a reader never misses a row committed out of order), on SQLite a number per instrument version
one above the largest stored (SQLite has one writer at a time). A trigger sets it on every insert path
(API, batches, imports, COPY), whatever the insert names. ``response_revisions`` counts, per instrument
version, the statements that changed or deleted stored responses (and truncations): while it is unchanged,
rows read before are still as they were.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_KEY = ["instrument_version_id", "observed_on", "unit_id", "service_point_id", "excluded", "scores"]
_INCLUDE = ["stratum", "psu", "design_weight", "fpc", "sex", "age_group", "channel"]
# The arrival and the id order a read's rows; carried in the covering index for the index-only scan.
_NEW_INCLUDE = [*_INCLUDE, "arrival", "id"]

_COUNT = """
    INSERT INTO response_revisions (instrument_version_id, revisions)
    SELECT DISTINCT instrument_version_id, 1 FROM {rows}
    ON CONFLICT (instrument_version_id) DO UPDATE SET revisions = response_revisions.revisions + 1
"""
# An update may move a response to another version: both versions' rows changed.
_CHANGED = "(SELECT instrument_version_id FROM old_rows UNION SELECT instrument_version_id FROM new_rows) AS changed"
_POSTGRESQL = [
    """
    CREATE FUNCTION number_response_arrival() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        NEW.arrival := pg_current_xact_id()::text::bigint;
        RETURN NEW;
    END $$
    """,
    "CREATE TRIGGER responses_numbered BEFORE INSERT ON responses FOR EACH ROW EXECUTE FUNCTION "
    "number_response_arrival()",
    f"""
    CREATE FUNCTION count_response_updates() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        {_COUNT.format(rows=_CHANGED)};
        RETURN NULL;
    END $$
    """,
    "CREATE TRIGGER responses_updated AFTER UPDATE ON responses REFERENCING OLD TABLE AS old_rows "
    "NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION count_response_updates()",
    f"""
    CREATE FUNCTION count_response_deletes() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        {_COUNT.format(rows="old_rows")};
        RETURN NULL;
    END $$
    """,
    "CREATE TRIGGER responses_deleted AFTER DELETE ON responses REFERENCING OLD TABLE AS old_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION count_response_deletes()",
    f"""
    CREATE FUNCTION count_response_truncation() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        {_COUNT.format(rows="(SELECT id AS instrument_version_id FROM instrument_versions) AS every_version")};
        RETURN NULL;
    END $$
    """,
    "CREATE TRIGGER responses_truncated AFTER TRUNCATE ON responses FOR EACH STATEMENT EXECUTE FUNCTION "
    "count_response_truncation()",
]
_SQLITE_COUNT = """
        INSERT INTO response_revisions (instrument_version_id, revisions) VALUES ({version}, 1)
        ON CONFLICT (instrument_version_id) DO UPDATE SET revisions = revisions + 1;
"""
_SQLITE = [
    # The numbering below is itself an update (0 to a number): it is the one update not counted.
    """
    CREATE TRIGGER responses_numbered AFTER INSERT ON responses BEGIN
        UPDATE responses SET arrival = 1 + (
            SELECT max(arrival) FROM responses WHERE instrument_version_id = NEW.instrument_version_id
        ) WHERE rowid = NEW.rowid;
    END
    """,
    f"""
    CREATE TRIGGER responses_updated AFTER UPDATE ON responses
    WHEN NOT (OLD.arrival = 0 AND NEW.arrival > 0) BEGIN
        {_SQLITE_COUNT.format(version="OLD.instrument_version_id")}
        {_SQLITE_COUNT.format(version="NEW.instrument_version_id")}
    END
    """,
    f"""
    CREATE TRIGGER responses_deleted AFTER DELETE ON responses BEGIN
        {_SQLITE_COUNT.format(version="OLD.instrument_version_id")}
    END
    """,
]


def upgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    op.create_table(
        "response_revisions",
        sa.Column("instrument_version_id", sa.Integer(), nullable=False),
        sa.Column("revisions", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["instrument_version_id"],
            ["instrument_versions.id"],
            name=op.f("fk_response_revisions_instrument_version_id_instrument_versions"),
        ),
        sa.PrimaryKeyConstraint("instrument_version_id", name=op.f("pk_response_revisions")),
    )
    # Stored responses all arrived before any reader of this column: 0 (a constant default, no rewrite).
    op.add_column("responses", sa.Column("arrival", sa.BigInteger(), server_default="0", nullable=False))
    op.create_index("ix_responses_arrival", "responses", ["instrument_version_id", "arrival"])
    if postgresql:
        op.drop_index("ix_responses_estimation", table_name="responses")
        op.create_index("ix_responses_estimation", "responses", _KEY, postgresql_include=_NEW_INCLUDE)
    for statement in _POSTGRESQL if postgresql else _SQLITE:
        op.execute(statement)


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for trigger in ("responses_numbered", "responses_updated", "responses_deleted", "responses_truncated"):
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}" + (" ON responses" if postgresql else ""))
    if postgresql:
        for function in (
            "number_response_arrival",
            "count_response_updates",
            "count_response_deletes",
            "count_response_truncation",
        ):
            op.execute(f"DROP FUNCTION IF EXISTS {function}()")
        op.drop_index("ix_responses_estimation", table_name="responses")
        op.create_index("ix_responses_estimation", "responses", _KEY, postgresql_include=_INCLUDE)
    op.drop_index("ix_responses_arrival", table_name="responses")
    # Not a batch operation: SQLite would copy the table and lose its other triggers.
    op.execute("ALTER TABLE responses DROP COLUMN arrival")
    op.drop_table("response_revisions")
