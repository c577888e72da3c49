"""Customers and their API keys."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from evroster.domain.times import utcnow
from evroster.storage.base import KEYS, Row, Values
from evroster.storage.sql.changes import note
from evroster.storage.sql.common import one_or_none, rows
from evroster.storage.sql.tables import api_keys, customers

__all__ = ["SqlCustomers", "SqlKeys"]


class SqlCustomers:
    def __init__(self, conn: sa.Connection) -> None:
        self._conn = conn

    def create(self, name: str) -> Row:
        result = self._conn.execute(
            customers.insert().values(name=name, created_at=utcnow()).returning(*customers.c)
        )
        row = one_or_none(result)
        assert row is not None
        return row

    def lock(self, customer_id: int) -> None:
        """Serialise this customer's writers of one namespace (idTag keys, the site tree).

        PostgreSQL takes a row lock until the transaction ends; SQLite writers are
        serial already and SQLAlchemy renders no FOR UPDATE there.
        """
        self._conn.execute(
            sa.select(customers.c.id).where(customers.c.id == customer_id).with_for_update()
        )

    def get(self, customer_id: int) -> Row | None:
        return one_or_none(
            self._conn.execute(customers.select().where(customers.c.id == customer_id))
        )


class SqlKeys:
    def __init__(self, conn: sa.Connection) -> None:
        self._conn = conn

    def create(self, customer_id: int, values: Values) -> Row:
        result = self._conn.execute(
            api_keys.insert()
            .values(customer_id=customer_id, created_at=utcnow(), **values)
            .returning(*api_keys.c)
        )
        row = one_or_none(result)
        assert row is not None
        return row

    def by_key_id(self, key_id: str) -> Row | None:
        return one_or_none(self._conn.execute(api_keys.select().where(api_keys.c.key_id == key_id)))

    def list(self, customer_id: int) -> list[Row]:
        query: sa.Select[Any] = (
            api_keys.select().where(api_keys.c.customer_id == customer_id).order_by(api_keys.c.id)
        )
        return rows(self._conn.execute(query))

    def revoke(self, customer_id: int, key_pk: int) -> bool:
        note(self._conn, KEYS, key_pk)
        result = self._conn.execute(
            api_keys.update()
            .where(
                api_keys.c.customer_id == customer_id,
                api_keys.c.id == key_pk,
                api_keys.c.revoked_at.is_(None),
            )
            .values(revoked_at=utcnow())
        )
        return result.rowcount == 1
