"""estimation index covers the design columns

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25 19:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_KEY = ["instrument_version_id", "observed_on", "unit_id", "service_point_id", "excluded", "scores"]
# Read by a weighted index; carried in the index (PostgreSQL) so that an index-only scan serves it.
_INCLUDE = ["stratum", "psu", "design_weight", "fpc", "sex", "age_group", "channel"]


def upgrade() -> None:
    with op.batch_alter_table("responses", schema=None) as batch_op:
        batch_op.drop_index("ix_responses_estimation")
        batch_op.create_index("ix_responses_estimation", _KEY, unique=False, postgresql_include=_INCLUDE)


def downgrade() -> None:
    with op.batch_alter_table("responses", schema=None) as batch_op:
        batch_op.drop_index("ix_responses_estimation")
        batch_op.create_index("ix_responses_estimation", _KEY, unique=False)
