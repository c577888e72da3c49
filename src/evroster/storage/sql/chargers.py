"""Chargers and their sockets."""

from __future__ import annotations

from typing import Any

import orjson
import sqlalchemy as sa

from evroster.domain.times import utcnow
from evroster.storage.base import Page, Row, Values
from evroster.storage.sql.common import fetch_page, one_or_none, rows
from evroster.storage.sql.tables import chargers, sites, sockets

__all__ = ["JSON_COLUMNS", "SqlChargers"]

# Stored as JSON text (see tables.py); decoded here for management reads.
JSON_COLUMNS = ("charger_configurations", "capabilities", "integration_relays", "custom_properties")
_SOCKET_LIVE = ("status",)


def _encode(values: Values) -> dict[str, Any]:
    out = dict(values)
    for col in JSON_COLUMNS:
        if col in out and out[col] is not None:
            out[col] = orjson.dumps(out[col]).decode()
    return out


def _decode(row: Row) -> Row:
    for col in JSON_COLUMNS:
        if row[col] is not None:
            row[col] = orjson.loads(row[col])
    return row


class SqlChargers:
    def __init__(self, conn: sa.Connection) -> None:
        self._conn = conn

    def create(self, customer_id: int, values: Values, socket_values: list[Values]) -> Row:
        pk = self._conn.execute(
            chargers.insert().values(customer_id=customer_id, **_encode(values))
            .returning(chargers.c.id)
        ).scalar_one()
        self._insert_sockets(customer_id, pk, socket_values, {})
        row = self._get_by_pk(customer_id, pk)
        assert row is not None
        return row

    def get(self, customer_id: int, charger_id: str) -> Row | None:
        return self._read(chargers.c.customer_id == customer_id, chargers.c.charger_id == charger_id)

    def page(self, customer_id: int, offset: int, limit: int) -> Page:
        query: sa.Select[Any] = (
            self._select().where(chargers.c.customer_id == customer_id).order_by(chargers.c.id)
        )
        page = fetch_page(self._conn, query, offset, limit)
        self._attach_sockets(page.items)
        return page

    def update(
        self, customer_id: int, pk: int, values: Values, socket_values: list[Values] | None
    ) -> Row:
        if values:
            self._conn.execute(
                chargers.update()
                .where(chargers.c.customer_id == customer_id, chargers.c.id == pk)
                .values(**_encode(values))
            )
        if socket_values is not None:
            # Sockets are replaced as a list, but a socket that keeps its id keeps the live
            # status the charger last reported.
            live = {
                r["id"]: {k: r[k] for k in _SOCKET_LIVE}
                for r in rows(self._conn.execute(sockets.select().where(sockets.c.charger_pk == pk)))
            }
            self._conn.execute(sockets.delete().where(sockets.c.charger_pk == pk))
            self._insert_sockets(customer_id, pk, socket_values, live)
        row = self._get_by_pk(customer_id, pk)
        assert row is not None
        return row

    def delete(self, customer_id: int, pk: int) -> None:
        self._conn.execute(
            chargers.delete().where(chargers.c.customer_id == customer_id, chargers.c.id == pk)
        )

    def _insert_sockets(
        self, customer_id: int, pk: int, socket_values: list[Values], live: dict[int, Row]
    ) -> None:
        if not socket_values:
            return
        now = utcnow()
        self._conn.execute(
            sockets.insert(),
            [
                {"status": None, **live.get(s["id"], {}), **s,
                 "customer_id": customer_id, "charger_pk": pk, "last_updated": now}
                for s in socket_values
            ],
        )

    def _get_by_pk(self, customer_id: int, pk: int) -> Row | None:
        return self._read(chargers.c.customer_id == customer_id, chargers.c.id == pk)

    @staticmethod
    def _select() -> sa.Select[Any]:
        return sa.select(*chargers.c, sites.c.name.label("group_name")).join(
            sites, sites.c.id == chargers.c.site_id
        )

    def _read(self, *where: sa.ColumnElement[bool]) -> Row | None:
        row = one_or_none(self._conn.execute(self._select().where(*where)))
        if row is not None:
            self._attach_sockets([row])
        return row

    def _attach_sockets(self, charger_rows: list[Row]) -> None:
        by_pk = {r["id"]: r for r in charger_rows}
        for r in charger_rows:
            _decode(r)
            r["sockets"] = []
        if not by_pk:
            return
        query = (
            sockets.select()
            .where(sockets.c.charger_pk.in_(list(by_pk)))
            .order_by(sockets.c.charger_pk, sockets.c.id)
        )
        for s in rows(self._conn.execute(query)):
            by_pk[s.pop("charger_pk")]["sockets"].append(s)
