"""Secrets evroster generates for itself and keeps in the database."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from evroster.storage.sql.tables import secrets

__all__ = ["SqlSecrets"]


class SqlSecrets:
    def __init__(self, conn: sa.Connection) -> None:
        self._conn = conn

    def keep(self, name: str, value: str) -> str:
        """The secret ``name``: ``value`` if it had none, else the one kept first.

        Insert-or-nothing, so that processes starting together agree on one value.
        """
        insert = postgresql.insert if self._conn.dialect.name == "postgresql" else sqlite.insert
        self._conn.execute(insert(secrets).values(name=name, value=value).on_conflict_do_nothing())
        kept = self._conn.execute(sa.select(secrets.c.value).where(secrets.c.name == name))
        return str(kept.scalar_one())
