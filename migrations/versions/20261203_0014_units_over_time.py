"""units over time: placeholder owned by the helper for issue 14 (the map over time: crosswalk, unit validity); replace this body (keep the revision ids)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 14:40:00
"""

from collections.abc import Sequence

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
