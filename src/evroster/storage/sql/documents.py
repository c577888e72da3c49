"""The read side of the hot path: a driver document in at most three indexed
statements, one snapshot, straight on the DB-API connection.

No ORM and no Core compilation here: fixed SQL text (``document_sql.py``), so the
driver's statement cache hits every time.
"""

from __future__ import annotations

import sqlite3
import threading
import weakref
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Any, TypeVar

import orjson
from sqlalchemy.engine import Engine

from evroster.storage.base import AccessFacts, DocumentRows, DriverRows, TokenFacts
from evroster.storage.sql.access import AccessSql, read_facts, read_place, read_token
from evroster.storage.sql.document_sql import DocumentSql
from evroster.storage.sql.engine import MMAP_BYTES, unavailable_on_outage

__all__ = ["SqlDocuments"]

T = TypeVar("T")
_NOTHING: AbstractContextManager[None] = nullcontext()


class SqlDocuments:
    """Reads :class:`DocumentRows` straight from the DB-API connection.

    SQLite: one connection per thread, kept open (opening one costs more than the whole
    read). PostgreSQL: a pooled connection per :meth:`batch` (or per call outside one)
    from a read-only engine of its own.
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._dialect = engine.dialect.name
        self._sql = DocumentSql(self._dialect)
        self._access = AccessSql(self._dialect)
        self._local = threading.local()
        self._opened: weakref.WeakSet[_ThreadConnection] = weakref.WeakSet()
        self._lock = threading.Lock()

    def close(self) -> None:
        with self._lock:
            for held in list(self._opened):
                held.conn.close()
            self._opened.clear()
        self._local = threading.local()

    def share(self, conn: sqlite3.Connection) -> None:
        """SQLite: from now on, read on ``conn`` on this thread, a connection that this
        thread also writes on (``SqlStore``) and that its owner closes.

        A commit drops the page cache of every *other* connection to the file, so a
        thread that writes and then reads what it wrote (the answer to a ``PATCH``)
        found its reading connection cold every time: the driver's statement took
        about 150 µs instead of 30.
        """
        self._local.conn = _ThreadConnection(conn, owned=False)

    def principal(self, key_id: str) -> tuple[Any, ...] | None:
        # One statement is its own snapshot: no explicit transaction needed.
        return self._run(lambda cur: _fetchone(cur, self._sql.principal, (key_id,)), False)

    def by_tag_key(self, customer_id: int, key: str) -> DocumentRows | None:
        """The driver of the tag with this canonical key, or with it as an alias."""
        return self._run(lambda cur: self._by_key(cur, self._read, customer_id, key))

    def _by_key(
        self, cur: Any, read: Callable[[Any, str, int, Any], T | None], customer_id: int, key: str
    ) -> T | None:
        found = read(cur, self._sql.driver_by_key, customer_id, key)
        if found is not None:
            return found
        # Aliases are rare; a miss on the tags index pays this one extra probe.
        alias = _fetchone(cur, self._sql.driver_of_alias, (customer_id, key))
        return None if alias is None else read(cur, self._sql.driver_by_id, customer_id, alias[0])

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
            return DocumentRows(None, sites, cur.fetchall())

        return self._run(work)

    def chargers(self, customer_id: int, pks: list[int]) -> DocumentRows:
        """Chargers by primary key (flagged direct), in key order, with their sockets."""

        def work(cur: Any) -> DocumentRows:
            cur.execute(self._sql.chargers_by_pk, (customer_id, self._list(pks)))
            return DocumentRows(None, [], cur.fetchall())

        # One statement: what a document rebuilt after a charger's live fields changed
        # reads, and the answer to a charger's PATCH.
        return self._run(work, False)

    def access_facts(self, customer_id: int, charger_id: str, key: str | None) -> AccessFacts:
        """The facts of an authorization decision (``access.py``), in one snapshot."""
        return self._run(lambda cur: read_facts(cur, self._access, customer_id, charger_id, key))

    def driver_of_key(self, customer_id: int, key: str) -> DriverRows | None:
        return self._run(lambda cur: self._by_key(cur, self._driver, customer_id, key))

    def driver_of_id(self, customer_id: int, driver_id: int) -> DriverRows | None:
        return self._run(
            lambda cur: self._driver(cur, self._sql.driver_by_id, customer_id, driver_id)
        )

    def place(self, customer_id: int, charger_id: str) -> tuple[int, list[int]] | None:
        return self._run(lambda cur: read_place(cur, self._access, customer_id, charger_id), False)

    def token(self, customer_id: int, key: str) -> TokenFacts | None:
        def work(cur: Any) -> TokenFacts | None:
            token = read_token(cur, self._access, customer_id, key)
            if token is None:
                return None
            sites, chargers = self._grants(cur, token["driver_id"])
            return TokenFacts(token, frozenset(sites), frozenset(chargers))

        return self._run(work)

    def _driver(self, cur: Any, driver_sql: str, customer_id: int, ref: Any) -> DriverRows | None:
        driver = _fetchone(cur, driver_sql, (customer_id, ref))
        if driver is None:
            return None
        if not (driver[8] or driver[9]):
            return DriverRows(driver, [], [])
        return DriverRows(driver, *self._grants(cur, driver[0]))

    def _grants(self, cur: Any, driver_id: int) -> tuple[list[int], list[int]]:
        cur.execute(self._sql.grants, (driver_id, driver_id))
        sites: list[int] = []
        chargers: list[int] = []
        for on_site, ref in cur.fetchall():
            (sites if on_site else chargers).append(int(ref))
        return sites, chargers

    def _read(self, cur: Any, driver_sql: str, customer_id: int, ref: Any) -> DocumentRows | None:
        sql = self._sql
        driver = _fetchone(cur, driver_sql, (customer_id, ref))
        if driver is None:
            return None
        driver_id, has_sites, has_chargers = driver[0], driver[8], driver[9]
        # Most drivers hold only one kind of grant: skip the statement that cannot
        # find anything (two index probes in the driver statement tell).
        sites: list[tuple[Any, ...]] = []
        if has_sites:
            cur.execute(sql.sites, (driver_id, customer_id))
            sites = cur.fetchall()
        if not (sites or has_chargers):
            return DocumentRows(driver, sites, [])
        cur.execute(sql.chargers, (customer_id, self._list([s[1] for s in sites]), driver_id))
        return DocumentRows(driver, sites, cur.fetchall())

    def _list(self, ids: list[int]) -> Any:
        return orjson.dumps(ids).decode() if self._dialect == "sqlite" else ids

    def _run(self, work: Callable[[Any], T], snapshot: bool = True) -> T:
        """``work`` on this thread's connection; ``snapshot``: it runs more than one
        statement, which must see one state of the database (one statement always does)."""
        with unavailable_on_outage():
            return self._run_now(work, snapshot)

    def _run_now(self, work: Callable[[Any], T], snapshot: bool) -> T:
        if self._dialect == "sqlite":
            held = getattr(self._local, "conn", None)
            conn = held.conn if held is not None else self._open_sqlite()
            cur = conn.cursor()
            if not snapshot:
                return work(cur)
            cur.execute("BEGIN")
            try:
                return work(cur)
            finally:
                cur.execute("COMMIT")
        if getattr(self._local, "raw", None) is not None:
            return self._run_borrowed(work, snapshot)
        with self.batch():
            return self._run_borrowed(work, snapshot)

    def _run_borrowed(self, work: Callable[[Any], T], snapshot: bool) -> T:
        raw = self._local.raw
        conn = _driver_connection(raw)
        if snapshot and conn.autocommit:
            # From the first read that needs a snapshot on, the rest of the batch reads
            # in one transaction (REPEATABLE READ, read-only: engine.py).
            conn.autocommit = False
        return work(raw.cursor())

    def batch(self) -> AbstractContextManager[None]:
        """PostgreSQL: one pooled connection for every read of the block on this thread.

        The connection starts in autocommit: a read of one statement is then one round
        trip, where a transaction took three (``BEGIN``, the statement, ``ROLLBACK``):
        about 250 µs against 600 µs on loopback. The first read of several statements
        begins a REPEATABLE READ, read-only transaction (engine.py) that the rest of the
        block shares, so that those statements see one state. Reads of one statement
        before it may see an earlier state than those after; the cache composes pieces
        read at different times in any case, each kept only while the change feed says
        it is current. Borrowing once saves the pool's checkout per read.
        SQLite keeps one connection per thread anyway: nothing to do, at no cost.
        """
        if self._dialect == "sqlite":
            return _NOTHING
        return self._borrowed()

    @contextmanager
    def _borrowed(self) -> Iterator[None]:
        if getattr(self._local, "raw", None) is not None:
            yield
            return
        with unavailable_on_outage():
            raw = self._engine.raw_connection()
            try:
                _driver_connection(raw).autocommit = True
            except BaseException:
                raw.invalidate()
                raw.close()
                raise
        self._local.raw = raw
        failed = True
        try:
            yield
            failed = False
        finally:
            self._local.raw = None
            try:
                if not failed:
                    raw.rollback()
                    # Back to the pool as the engine made it: the snapshot transactions
                    # of SqlStore.transaction(snapshot=True) share the pool.
                    _driver_connection(raw).autocommit = False
            except BaseException:
                failed = True
                raise
            finally:
                if failed:
                    # It may be a connection the server dropped, or one left in
                    # autocommit: never pool it again.
                    raw.invalidate()
                raw.close()

    def _open_sqlite(self) -> sqlite3.Connection:
        database = self._engine.url.database or ""
        conn = sqlite3.connect(database, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA busy_timeout=5000")
        conn.execute("PRAGMA query_only=ON")
        # Lookups hit random pages of a file larger than SQLite's 2 MB default cache;
        # mapping it saves a read() system call and a copy per page (about 15 % here).
        conn.execute(f"PRAGMA mmap_size={MMAP_BYTES}")
        held = _ThreadConnection(conn)
        self._local.conn = held
        with self._lock:
            self._opened.add(held)
        return conn


class _ThreadConnection:
    """A thread's SQLite connection, closed when the thread ends (if ``owned``).

    The thread pool retires a worker idle for 10 s and starts another later; each new
    thread opens its own connection. Held only by the thread's local storage (the set of
    open ones holds weak references), a retired thread's connection is closed with it
    instead of piling up with its page cache: a 10-minute soak grew by 5 MB a minute
    before this.
    """

    __slots__ = ("__weakref__", "conn", "owned")

    def __init__(self, conn: sqlite3.Connection, owned: bool = True) -> None:
        self.conn = conn
        self.owned = owned

    def __del__(self) -> None:
        if self.owned:
            self.conn.close()


def _driver_connection(raw: Any) -> Any:
    """psycopg's connection under a pooled one."""
    conn = raw.driver_connection
    assert conn is not None
    return conn


def _fetchone(cur: Any, sql: str, params: tuple[Any, ...]) -> tuple[Any, ...] | None:
    cur.execute(sql, params)
    row: tuple[Any, ...] | None = cur.fetchone()
    return row
