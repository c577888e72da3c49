"""search indexes: trigram indexes for searching names and keys by a part (PostgreSQL)

The console's "idTag or name" box and ``?search=`` match any part of a name or key
(``ILIKE '%text%'``), which no B-tree index serves: on 100,000 drivers each search
scanned the table (about 200 ms). pg_trgm's GIN indexes serve it for three characters
or more (about 5 ms). SQLite has no such index; its LIKE scan is fast enough there.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26 07:30:00
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

log = logging.getLogger(__name__)

# (table, column): what ``storage/sql/common.contains`` searches.
SEARCHED = [
    ("drivers", "name"),
    ("drivers", "external_id"),
    ("sites", "name"),
    ("sites", "external_id"),
    ("chargers", "charger_id"),
    ("chargers", "charger_name"),
]


def _name(table: str, column: str) -> str:
    return f"ix_{table}_{column}_trgm"


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    # pg_trgm ships with PostgreSQL (contrib) and is a trusted extension: a database
    # owner may create it. Where it is missing or refused, searches still work, by scan.
    savepoint = bind.begin_nested()
    try:
        bind.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except sa.exc.DBAPIError as exc:
        savepoint.rollback()
        log.warning("pg_trgm is not available (%s): searches will scan their tables", exc)
        return
    savepoint.commit()
    for table, column in SEARCHED:
        op.create_index(
            _name(table, column),
            table,
            [column],
            postgresql_using="gin",
            postgresql_ops={column: "gin_trgm_ops"},
        )


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    for table, column in SEARCHED:
        op.execute(f"DROP INDEX IF EXISTS {_name(table, column)}")
