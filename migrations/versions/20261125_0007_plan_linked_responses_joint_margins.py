"""plan-linked responses, joint margins

Responses remember the assignment and sample-list entry they were interviewed for (weights from the plan,
non-response adjustment by cell); weighting runs name longer methods (design+nonresponse+rake+trim).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25 19:41:33
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("responses", schema=None) as batch_op:
        batch_op.add_column(sa.Column("assignment_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("case_ref", sa.String(length=100), nullable=True))
        batch_op.create_index(
            "ix_responses_planned",
            ["instrument_version_id", "observed_on"],
            unique=False,
            sqlite_where=sa.text("assignment_id IS NOT NULL"),
            postgresql_where=sa.text("assignment_id IS NOT NULL"),
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_responses_assignment_id_assignments"), "assignments", ["assignment_id"], ["id"]
        )

    with op.batch_alter_table("weighting_runs", schema=None) as batch_op:
        batch_op.alter_column(
            "method", existing_type=sa.VARCHAR(length=32), type_=sa.String(length=64), existing_nullable=False
        )


def downgrade() -> None:
    with op.batch_alter_table("weighting_runs", schema=None) as batch_op:
        batch_op.alter_column(
            "method", existing_type=sa.String(length=64), type_=sa.VARCHAR(length=32), existing_nullable=False
        )

    with op.batch_alter_table("responses", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_responses_assignment_id_assignments"), type_="foreignkey")
        batch_op.drop_index(
            "ix_responses_planned",
            sqlite_where=sa.text("assignment_id IS NOT NULL"),
            postgresql_where=sa.text("assignment_id IS NOT NULL"),
        )
        batch_op.drop_column("case_ref")
        batch_op.drop_column("assignment_id")
