"""units over time: the crosswalk from closed units to their successors, and earlier names and parents of units

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 14:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "org_unit_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("name_en", sa.String(length=255), nullable=True),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["unit_id"], ["org_units.id"], name=op.f("fk_org_unit_versions_unit_id_org_units")),
        sa.ForeignKeyConstraint(["parent_id"], ["org_units.id"], name=op.f("fk_org_unit_versions_parent_id_org_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_org_unit_versions")),
        sa.UniqueConstraint("unit_id", "valid_to", name=op.f("uq_org_unit_versions_unit_id")),
    )
    op.create_index(op.f("ix_org_unit_versions_unit_id"), "org_unit_versions", ["unit_id"])
    op.create_table(
        "unit_successors",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("successor_id", sa.Integer(), nullable=False),
        sa.Column("share", sa.Float(), nullable=False),
        sa.CheckConstraint("share > 0 AND share <= 1", name=op.f("ck_unit_successors_share_in_range")),
        sa.ForeignKeyConstraint(["unit_id"], ["org_units.id"], name=op.f("fk_unit_successors_unit_id_org_units")),
        sa.ForeignKeyConstraint(
            ["successor_id"], ["org_units.id"], name=op.f("fk_unit_successors_successor_id_org_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unit_successors")),
        sa.UniqueConstraint("unit_id", "successor_id", name=op.f("uq_unit_successors_unit_id")),
    )
    op.create_index(op.f("ix_unit_successors_unit_id"), "unit_successors", ["unit_id"])
    op.create_index(op.f("ix_unit_successors_successor_id"), "unit_successors", ["successor_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_unit_successors_successor_id"), table_name="unit_successors")
    op.drop_index(op.f("ix_unit_successors_unit_id"), table_name="unit_successors")
    op.drop_table("unit_successors")
    op.drop_index(op.f("ix_org_unit_versions_unit_id"), table_name="org_unit_versions")
    op.drop_table("org_unit_versions")
