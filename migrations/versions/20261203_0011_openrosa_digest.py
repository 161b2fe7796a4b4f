"""openrosa digest: per-user HTTP Digest secrets (HA1) for ODK Collect

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 12:00:00

Existing users get none (their passwords are known only as argon2 hashes): they sign in to ODK Collect
after their password is set again.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Not in batch mode: on SQLite that would copy and drop `users`, which other tables' foreign keys forbid;
# SQLite (≥ 3.35) adds and drops a plain column in place.


def upgrade() -> None:
    op.add_column("users", sa.Column("digest_ha1_md5", sa.String(length=32), nullable=True))
    op.add_column("users", sa.Column("digest_ha1_sha256", sa.String(length=64), nullable=True))


def downgrade() -> None:
    op.drop_column("users", "digest_ha1_sha256")
    op.drop_column("users", "digest_ha1_md5")
