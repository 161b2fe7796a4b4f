"""assignment deactivation: when a manager switched an assignment off (it leaves the tablet; submissions refused)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03 15:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from survey_api.db.types import UTCDateTime

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("assignments", sa.Column("deactivated_at", UTCDateTime, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("assignments") as batch:
        batch.drop_column("deactivated_at")
