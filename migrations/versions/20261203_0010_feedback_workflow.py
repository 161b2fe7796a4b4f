"""feedback workflow: reference codes, due dates, replies, publication, the history of each item

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 10:00:00
"""

import secrets
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from survey_api.db.types import JSONDocument, UTCDateTime

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Crockford's base32 (no I, L, O, U): the alphabet of survey_api.feedback.references.
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def upgrade() -> None:
    with op.batch_alter_table("feedback") as batch:
        batch.add_column(sa.Column("reference", sa.String(length=24), nullable=True))
        batch.add_column(sa.Column("due_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("low_elements", JSONDocument, nullable=True))
        batch.add_column(sa.Column("reply", sa.Text(), nullable=True))
        batch.add_column(sa.Column("replied_at", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("rejection_reason", sa.Text(), nullable=True))
        batch.add_column(sa.Column("closed_at", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("published_at", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("public_text", sa.Text(), nullable=True))
        batch.add_column(sa.Column("public_reply", sa.Text(), nullable=True))
    _fill_old_rows()
    with op.batch_alter_table("feedback") as batch:
        batch.alter_column("reference", existing_type=sa.String(length=24), nullable=False)
        batch.alter_column("low_elements", existing_type=JSONDocument, nullable=False)
        batch.create_unique_constraint(batch.f("uq_feedback_reference"), ["reference"])
        batch.create_index(batch.f("ix_feedback_status"), ["status"])
    op.create_table(
        "feedback_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("feedback_id", sa.Integer(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("from_status", sa.String(length=16), nullable=True),
        sa.Column("to_status", sa.String(length=16), nullable=True),
        sa.Column("from_unit_id", sa.Integer(), nullable=True),
        sa.Column("to_unit_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["feedback_id"], ["feedback.id"], name=op.f("fk_feedback_events_feedback_id_feedback"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_feedback_events_user_id_users")),
        sa.ForeignKeyConstraint(
            ["from_unit_id"], ["org_units.id"], name=op.f("fk_feedback_events_from_unit_id_org_units")
        ),
        sa.ForeignKeyConstraint(["to_unit_id"], ["org_units.id"], name=op.f("fk_feedback_events_to_unit_id_org_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback_events")),
    )
    op.create_index(op.f("ix_feedback_events_feedback_id"), "feedback_events", ["feedback_id"])


def _fill_old_rows() -> None:
    """Feedback stored before this revision gets a reference and no low elements (its due date stays unknown)."""
    feedback = sa.table(
        "feedback",
        sa.column("id", sa.Integer()),
        sa.column("reference", sa.String()),
        sa.column("low_elements", JSONDocument),
    )
    bind = op.get_bind()
    for (feedback_id,) in bind.execute(sa.select(feedback.c.id)).all():
        code = "".join(secrets.choice(_ALPHABET) for _ in range(16))
        reference = "-".join(code[k : k + 4] for k in range(0, 16, 4))
        bind.execute(feedback.update().where(feedback.c.id == feedback_id).values(reference=reference, low_elements=[]))


def downgrade() -> None:
    op.drop_index(op.f("ix_feedback_events_feedback_id"), table_name="feedback_events")
    op.drop_table("feedback_events")
    with op.batch_alter_table("feedback") as batch:
        batch.drop_index(batch.f("ix_feedback_status"))
        batch.drop_constraint(batch.f("uq_feedback_reference"), type_="unique")
        for column in (
            "public_reply",
            "public_text",
            "published_at",
            "closed_at",
            "rejection_reason",
            "replied_at",
            "reply",
            "low_elements",
            "due_on",
            "reference",
        ):
            batch.drop_column(column)
