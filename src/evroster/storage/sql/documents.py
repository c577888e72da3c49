"""The hot path's reads: a driver document in six indexed queries, one snapshot.

No ORM and no Core compilation here: fixed SQL text on the DB-API connection, so the
driver's statement cache hits every time. Timestamps are formatted by the database,
JSON columns come back as raw text. Column orders are the contract with
``services/documents.py``:

* driver: id, name, home_site_id, home site name, external_id, payer_id,
  integrated_external_ids
* tag: id, id_tag, expiring_date, start_date, last_updated, token_name, invoicable
* site: granted (1/0), id, parent_id, name, group_type, external_id, payer_id, cost_id,
  cost_name, payment_recipient_id
* charger: direct (1/0), id, then the seed's charger fields (see ``_CHARGER``)
* socket: charger id, then the seed's socket fields (see ``_SOCKET``)
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from typing import Any, TypeVar

import orjson
from sqlalchemy.engine import Engine

from evroster.storage.base import DocumentRows

__all__ = ["SqlDocuments"]

T = TypeVar("T")


def _ts(dialect: str, col: str) -> str:
    if dialect == "sqlite":
        return f"strftime('%Y-%m-%dT%H:%M:%fZ', {col})"
    return f"to_char({col} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"


def _in_list(dialect: str, col: str) -> str:
    # One parameter for the whole list keeps the SQL text fixed for the statement cache.
    if dialect == "sqlite":
        return f"{col} IN (SELECT value FROM json_each(?))"
    return f"{col} = ANY(?)"


_DRIVER = (
    "SELECT d.id, d.name, d.home_site_id, h.name, d.external_id, d.payer_id,"
    " d.integrated_external_ids FROM {source} LEFT JOIN sites h ON h.id = d.home_site_id"
    " WHERE {where}"
)
_CHARGER = (
    "c.id, c.charger_id, c.charger_name, c.site_id, g.name, c.firmware_version,"
    " c.public_group_name, c.manufacturer, c.serial_number, c.charger_model, {last_seen},"
    " c.last_message, c.active_connection, c.charger_status, c.latitude, c.longitude,"
    " c.street_address, c.street_number, c.house_letter, c.postal_number, c.city, c.area,"
    " c.country, c.push_integration_enabled, c.charger_specific_message_structure,"
    " c.charger_configurations, c.evse_id, c.split_evse_by_socket, c.capabilities,"
    " c.physical_reference, c.integration_relays, c.iccid, c.imsi, c.meter_serial_number,"
    " c.meter_type, c.custom_properties"
)
_SOCKET = (
    "charger_pk, type, max_power, status, id, name, device_evse_id, device_connector_id,"
    " format, socket_power_type, max_watts, max_voltage, max_amperage, phase_rotation,"
    " terms_and_conditions, {last_updated}, charging_station_evse_id"
)


class _Sql:
    """The statements, rendered once for one dialect."""

    def __init__(self, dialect: str) -> None:

        def ts(col: str) -> str:
            return _ts(dialect, col)

        self.principal = (
            "SELECT customer_id, role, salt, secret_hash, revoked_at IS NULL"
            " FROM api_keys WHERE key_id = ?"
        )
        self.driver_by_key = _DRIVER.format(
            source="tags t JOIN drivers d ON d.id = t.driver_id",
            where="t.customer_id = ? AND t.id_tag_key = ?",
        )
        self.driver_by_id = _DRIVER.format(
            source="drivers d", where="d.customer_id = ? AND d.id = ?"
        )
        self.tags = (
            f"SELECT id, id_tag, {ts('expiring_date')}, {ts('start_date')},"
            f" {ts('last_updated')}, token_name, invoicable FROM tags"
            " WHERE driver_id = ? ORDER BY id"
        )
        self.sites = (
            "WITH RECURSIVE sub(id, granted) AS ("
            " SELECT site_id, 1 FROM site_grants WHERE driver_id = ?"
            " UNION SELECT s.id, 0 FROM sites s JOIN sub ON s.parent_id = sub.id"
            " WHERE s.customer_id = ?)"
            " SELECT sub.granted, s.id, s.parent_id, s.name, s.group_type, s.external_id,"
            " s.payer_id, s.cost_id, s.cost_name, s.payment_recipient_id"
            " FROM sub JOIN sites s ON s.id = sub.id"
        )
        self.subtree = self.sites.replace(
            "SELECT site_id, 1 FROM site_grants WHERE driver_id = ?",
            "SELECT id, 1 FROM sites WHERE customer_id = ? AND id = ?",
        )
        cols = _CHARGER.format(last_seen=ts("c.last_seen"))
        in_sites = (
            f"SELECT 0, {cols} FROM chargers c JOIN sites g ON g.id = c.site_id"
            f" WHERE c.customer_id = ? AND {_in_list(dialect, 'c.site_id')}"
        )
        self.chargers_in_sites = in_sites
        self.chargers = (
            f"{in_sites} UNION ALL SELECT 1, {cols} FROM charger_grants x"
            " JOIN chargers c ON c.id = x.charger_pk JOIN sites g ON g.id = c.site_id"
            " WHERE x.driver_id = ?"
        )
        self.chargers_by_pk = (
            f"SELECT 1, {cols} FROM chargers c JOIN sites g ON g.id = c.site_id"
            f" WHERE c.customer_id = ? AND {_in_list(dialect, 'c.id')} ORDER BY c.id"
        )
        self.sockets = (
            f"SELECT {_SOCKET.format(last_updated=ts('last_updated'))} FROM sockets"
            f" WHERE {_in_list(dialect, 'charger_pk')} ORDER BY charger_pk, id"
        )
        if dialect != "sqlite":
            for name, sql in vars(self).items():
                setattr(self, name, sql.replace("?", "%s"))


class SqlDocuments:
    """Reads :class:`DocumentRows` straight from the DB-API connection.

    SQLite: one connection per thread, kept open (opening one costs more than the whole
    read). PostgreSQL: a pooled connection per call from a read-only engine of its own.
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._dialect = engine.dialect.name
        self._sql = _Sql(self._dialect)
        self._local = threading.local()
        self._opened: list[sqlite3.Connection] = []
        self._lock = threading.Lock()

    def close(self) -> None:
        with self._lock:
            for conn in self._opened:
                conn.close()
            self._opened.clear()
        self._local = threading.local()

    def principal(self, key_id: str) -> tuple[Any, ...] | None:
        return self._run(lambda cur: _fetchone(cur, self._sql.principal, (key_id,)))

    def by_tag_key(self, customer_id: int, key: str) -> DocumentRows | None:
        return self._run(lambda cur: self._read(cur, self._sql.driver_by_key, customer_id, key))

    def by_driver_id(self, customer_id: int, driver_id: int) -> DocumentRows | None:
        return self._run(
            lambda cur: self._read(cur, self._sql.driver_by_id, customer_id, driver_id)
        )

    def site_tree(self, customer_id: int, site_id: int) -> DocumentRows:
        """The site (flagged granted) with its whole subtree, chargers and sockets."""

        def work(cur: Any) -> DocumentRows:
            cur.execute(self._sql.subtree, (customer_id, site_id, customer_id))
            sites = cur.fetchall()
            site_ids = [s[1] for s in sites]
            cur.execute(self._sql.chargers_in_sites, (customer_id, self._list(site_ids)))
            chargers = cur.fetchall()
            return DocumentRows(None, [], sites, chargers, self._sockets(cur, chargers))

        return self._run(work)

    def chargers(self, customer_id: int, pks: list[int]) -> DocumentRows:
        """Chargers by primary key (flagged direct), in key order, with their sockets."""

        def work(cur: Any) -> DocumentRows:
            cur.execute(self._sql.chargers_by_pk, (customer_id, self._list(pks)))
            chargers = cur.fetchall()
            return DocumentRows(None, [], [], chargers, self._sockets(cur, chargers))

        return self._run(work)

    def _sockets(self, cur: Any, chargers: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
        if not chargers:
            return []
        cur.execute(self._sql.sockets, (self._list([c[1] for c in chargers]),))
        found: list[tuple[Any, ...]] = cur.fetchall()
        return found

    def _read(self, cur: Any, driver_sql: str, customer_id: int, ref: Any) -> DocumentRows | None:
        sql = self._sql
        driver = _fetchone(cur, driver_sql, (customer_id, ref))
        if driver is None:
            return None
        driver_id = driver[0]
        cur.execute(sql.tags, (driver_id,))
        tags = cur.fetchall()
        cur.execute(sql.sites, (driver_id, customer_id))
        sites = cur.fetchall()
        site_ids = [s[1] for s in sites]
        cur.execute(sql.chargers, (customer_id, self._list(site_ids), driver_id))
        chargers = cur.fetchall()
        return DocumentRows(driver, tags, sites, chargers, self._sockets(cur, chargers))

    def _list(self, ids: list[int]) -> Any:
        return orjson.dumps(ids).decode() if self._dialect == "sqlite" else ids

    def _run(self, work: Callable[[Any], T]) -> T:
        if self._dialect == "sqlite":
            conn = getattr(self._local, "conn", None)
            if conn is None:
                conn = self._open_sqlite()
            cur = conn.cursor()
            cur.execute("BEGIN")
            try:
                return work(cur)
            finally:
                cur.execute("COMMIT")
        # The engine's connections are REPEATABLE READ and read-only (engine.py), so the
        # driver opens each transaction with one snapshot for all six statements.
        raw = self._engine.raw_connection()
        try:
            try:
                return work(raw.cursor())
            finally:
                raw.rollback()
        finally:
            raw.close()

    def _open_sqlite(self) -> sqlite3.Connection:
        database = self._engine.url.database or ""
        conn = sqlite3.connect(database, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA busy_timeout=5000")
        conn.execute("PRAGMA query_only=ON")
        self._local.conn = conn
        with self._lock:
            self._opened.append(conn)
        return conn


def _fetchone(cur: Any, sql: str, params: tuple[Any, ...]) -> tuple[Any, ...] | None:
    cur.execute(sql, params)
    row: tuple[Any, ...] | None = cur.fetchone()
    return row
