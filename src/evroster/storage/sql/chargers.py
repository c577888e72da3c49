"""Chargers and their sockets."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC
from typing import Any

import orjson
import sqlalchemy as sa

from evroster.domain.times import utcnow
from evroster.storage.base import CHARGER, CUSTOMER, Page, Row, Values
from evroster.storage.sql.changes import note
from evroster.storage.sql.common import (
    contains,
    fetch_page,
    find_row,
    insert_row,
    one_or_none,
    rows,
    update_row,
)
from evroster.storage.sql.prepared import prepared
from evroster.storage.sql.tables import chargers, sockets

__all__ = ["SqlChargers", "decode_charger"]

# Stored as JSON text (see tables.py), so the document can splice them in unparsed.
_JSON_COLUMNS = (
    "charger_configurations",
    "capabilities",
    "integration_relays",
    "custom_properties",
)
_SOCKET_LIVE = ("status",)
# A charger's configured sockets (built once: see ``common.find_row``).
_SOCKETS = (
    sa.select(*(c for c in sockets.c if c.name not in ("customer_id", "charger_pk")))
    .where(sockets.c.charger_pk == sa.bindparam("pk"))
    .order_by(sockets.c.id)
)

# Once a second for every connected charger (csms/traffic.py): straight to the DB-API
# executemany. Through SQLAlchemy's per-row parameter processing, 1,000 rows took
# 25 ms holding the GIL, long enough to show in every charger's p99.
_TOUCH = (
    "UPDATE chargers SET last_seen = ?, last_message = ? WHERE customer_id = ? AND id = ?"
    " AND (last_seen IS NULL OR last_seen < ?)"
)


def _encode(values: Values) -> dict[str, Any]:
    out = dict(values)
    for col in _JSON_COLUMNS:
        if col in out and out[col] is not None:
            out[col] = orjson.dumps(out[col]).decode()
    return out


def decode_charger(row: Row) -> Row:
    """A charger row with its JSON columns as values (management reads and writes)."""
    for col in _JSON_COLUMNS:
        if isinstance(row[col], str):
            row[col] = orjson.loads(row[col])
    return row


def _decoded(row: Row | None) -> Row | None:
    return None if row is None else decode_charger(row)


class SqlChargers:
    """Writes and key lookups; the charger *document* is read by ``documents.py``."""

    def __init__(self, conn: sa.Connection) -> None:
        self._conn = conn

    def create(self, customer_id: int, values: Values, socket_values: Sequence[Values]) -> Row:
        note(self._conn, CUSTOMER, customer_id)  # a site gains a charger
        row = insert_row(self._conn, chargers, {"customer_id": customer_id, **_encode(values)})
        self._insert_sockets(customer_id, row["id"], socket_values, {})
        return decode_charger(row)

    def get(self, customer_id: int, charger_id: str) -> Row | None:
        return _decoded(
            find_row(self._conn, chargers, customer_id=customer_id, charger_id=charger_id)
        )

    def page(
        self,
        customer_id: int,
        offset: int,
        limit: int,
        search: str | None = None,
        site_id: int | None = None,
    ) -> Page:
        query: sa.Select[Any] = (
            sa.select(chargers.c.id)
            .where(chargers.c.customer_id == customer_id)
            .order_by(chargers.c.id)
        )
        if search:
            query = query.where(contains([chargers.c.charger_id, chargers.c.charger_name], search))
        if site_id is not None:
            query = query.where(chargers.c.site_id == site_id)
        return fetch_page(self._conn, query, offset, limit)

    def update(
        self, customer_id: int, pk: int, values: Values, socket_values: Sequence[Values] | None
    ) -> Row:
        # A move or a new chargerId changes site trees and where chargers are found;
        # anything else changes this charger's object only.
        moved = "site_id" in values or "charger_id" in values
        note(self._conn, CUSTOMER if moved else CHARGER, customer_id if moved else pk)
        row = (
            update_row(self._conn, chargers, customer_id, pk, _encode(values))
            if values
            else one_or_none(self._conn.execute(chargers.select().where(chargers.c.id == pk)))
        )
        assert row is not None
        if socket_values is not None:
            # Sockets are replaced as a list, but a socket that keeps its id keeps the live
            # status the charger last reported.
            live = {
                r["id"]: {k: r[k] for k in _SOCKET_LIVE}
                for r in rows(
                    self._conn.execute(sockets.select().where(sockets.c.charger_pk == pk))
                )
            }
            self._conn.execute(sockets.delete().where(sockets.c.charger_pk == pk))
            self._insert_sockets(customer_id, pk, socket_values, live)
        return decode_charger(row)

    def sockets(self, pk: int) -> list[Row]:
        found = prepared(self._conn, _SOCKETS).all(self._conn, {"pk": pk})
        for row in found:
            for col in (*_SOCKET_LIVE, "last_updated"):
                row.pop(col)
        return found

    def set_live(
        self, customer_id: int, pk: int, values: Values, connection_id: str | None = None
    ) -> None:
        note(self._conn, CHARGER, pk)
        query = chargers.update().where(chargers.c.customer_id == customer_id, chargers.c.id == pk)
        if connection_id is not None:
            query = query.where(chargers.c.connection_id == connection_id)
        self._conn.execute(query.values(**values))

    def set_socket_status(self, pk: int, socket_id: int, status: str | None) -> bool:
        note(self._conn, CHARGER, pk)
        result = self._conn.execute(
            sockets.update()
            .where(sockets.c.charger_pk == pk, sockets.c.id == socket_id)
            .values(status=status, last_updated=utcnow())
        )
        return result.rowcount == 1

    def touch_many(self, seen: Sequence[Values]) -> None:
        sqlite = self._conn.dialect.name == "sqlite"
        rows = []
        for s in seen:
            note(self._conn, CHARGER, s["charger_pk"])
            # SQLite keeps UTC as text in SQLAlchemy's format, which sorts as time does.
            at = s["at"].astimezone(UTC)
            when = at.strftime("%Y-%m-%d %H:%M:%S.%f") if sqlite else at
            rows.append((when, s["action"], s["customer_id"], s["charger_pk"], when))
        self._conn.exec_driver_sql(_TOUCH if sqlite else _TOUCH.replace("?", "%s"), rows)

    def socket_at(self, pk: int, evse_id: int | None, connector_id: int) -> int | None:
        """The socket a charger means by (EVSE, connector); 1.6 sends the connector only.

        2.0.1: the socket whose device EVSE and connector ids match, else the socket
        numbered like the EVSE (one connector per EVSE is the common case).
        1.6: the socket numbered like the connector.
        """
        if evse_id is not None:
            found = self._conn.execute(
                sa.select(sockets.c.id).where(
                    sockets.c.charger_pk == pk,
                    sockets.c.device_evse_id == evse_id,
                    sockets.c.device_connector_id == connector_id,
                )
            ).scalar()
            if found is not None:
                return int(found)
        number = evse_id if evse_id is not None else connector_id
        found = self._conn.execute(
            sa.select(sockets.c.id).where(sockets.c.charger_pk == pk, sockets.c.id == number)
        ).scalar()
        return None if found is None else int(found)

    def delete(self, customer_id: int, pk: int) -> None:
        note(self._conn, CUSTOMER, customer_id)
        self._conn.execute(
            chargers.delete().where(chargers.c.customer_id == customer_id, chargers.c.id == pk)
        )

    def _insert_sockets(
        self, customer_id: int, pk: int, socket_values: Sequence[Values], live: dict[int, Row]
    ) -> None:
        if not socket_values:
            return
        now = utcnow()
        self._conn.execute(
            sockets.insert(),
            [
                {
                    "status": None,
                    **live.get(s["id"], {}),
                    **s,
                    "customer_id": customer_id,
                    "charger_pk": pk,
                    "last_updated": now,
                }
                for s in socket_values
            ],
        )
