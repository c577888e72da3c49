"""Charging sessions as chargers report them."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from evroster.storage.base import Page, Row, Values
from evroster.storage.sql.common import fetch_page, one_or_none
from evroster.storage.sql.tables import transactions

__all__ = ["SqlTransactions"]


class SqlTransactions:
    def __init__(self, conn: sa.Connection) -> None:
        self._conn = conn

    def create(self, customer_id: int, values: Values) -> Row:
        row = one_or_none(
            self._conn.execute(
                transactions.insert()
                .values(customer_id=customer_id, **values)
                .returning(*transactions.c)
            )
        )
        assert row is not None
        return row

    def get(self, customer_id: int, transaction_id: int) -> Row | None:
        return one_or_none(
            self._conn.execute(
                transactions.select().where(
                    transactions.c.customer_id == customer_id,
                    transactions.c.id == transaction_id,
                )
            )
        )

    def by_station_id(self, customer_id: int, charger_id: str, station_id: str) -> Row | None:
        return one_or_none(
            self._conn.execute(
                transactions.select().where(
                    transactions.c.customer_id == customer_id,
                    transactions.c.charger_id == charger_id,
                    transactions.c.station_transaction_id == station_id,
                )
            )
        )

    def update(self, customer_id: int, transaction_id: int, values: Values) -> Row:
        row = one_or_none(
            self._conn.execute(
                transactions.update()
                .where(
                    transactions.c.customer_id == customer_id,
                    transactions.c.id == transaction_id,
                )
                .values(**values)
                .returning(*transactions.c)
            )
        )
        assert row is not None
        return row

    def page(self, customer_id: int, offset: int, limit: int, charger_id: str | None) -> Page:
        query: sa.Select[Any] = transactions.select().where(
            transactions.c.customer_id == customer_id
        )
        if charger_id is not None:
            query = query.where(transactions.c.charger_id == charger_id)
        return fetch_page(self._conn, query.order_by(transactions.c.id.desc()), offset, limit)
