"""cache changes: what each write touched, for the document caches of other processes

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 03:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "cache_changes",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("kind", sa.String(length=1), nullable=False),
        sa.Column("ref", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_cache_changes")),
        sqlite_autoincrement=True,
    )


def downgrade() -> None:
    op.drop_table("cache_changes")
