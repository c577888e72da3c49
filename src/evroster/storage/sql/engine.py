"""Engine factory: one place that knows how SQLite and PostgreSQL differ in set-up."""

from __future__ import annotations

import select
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url

from evroster.errors import Unavailable

__all__ = [
    "BUSY_TIMEOUT_MS",
    "MMAP_BYTES",
    "create_engine",
    "normalize_url",
    "unavailable_on_outage",
]

MMAP_BYTES = 1 << 30
# How long a SQLite connection waits for another's write lock before failing.
BUSY_TIMEOUT_MS = 5000

_SQLITE_POOL = 40


# What a database that is down, restarting or locked past busy_timeout raises, through
# SQLAlchemy or straight from the DB-API drivers (the hot path's reads).
_OUTAGES: tuple[type[BaseException], ...] = (
    sa.exc.OperationalError,
    sa.exc.InterfaceError,
    sa.exc.TimeoutError,
    psycopg.OperationalError,
    psycopg.InterfaceError,
    sqlite3.OperationalError,
)


@contextmanager
def unavailable_on_outage() -> Iterator[None]:
    """Turn the database's outage errors into :class:`Unavailable` (503, retry)."""
    try:
        yield
    except _OUTAGES as exc:
        raise Unavailable("The database is unavailable; retry shortly") from exc


def normalize_url(url: str) -> str:
    """Pick our drivers: ``postgresql://`` means psycopg 3; SQLite stays the stdlib module."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def _sqlite_pragmas(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
    # WAL lets readers proceed while one writer commits; NORMAL is durable in WAL mode
    # across application crashes (only an OS crash can lose the last transactions).
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    # Reads come straight from the memory-mapped file instead of each connection's own
    # page cache: with 40 pooled connections those caches filled for minutes (a soak's
    # heap grew 28 % in 10 minutes), and mapped pages are shared and reclaimable.
    cur.execute(f"PRAGMA mmap_size={MMAP_BYTES}")
    cur.close()


def _refuse_dropped(dbapi_conn: Any, _record: Any, _proxy: Any) -> None:
    """Refuse a pooled PostgreSQL connection that the server has dropped, without a round
    trip: SQLAlchemy's ``pool_pre_ping`` sends a query on every checkout, one of a
    hot-path read's four round trips (docs/benchmarks.md).

    An idle connection has nothing to read unless the server spoke: a backend that was
    terminated (a restart, an administrator) sends its error and closes the socket, so a
    readable socket means the connection is gone, and the pool connects again on
    ``DisconnectionError`` (up to three times). A connection lost without a word (a
    network cut) fails its first statement instead, as the ping would have after its
    timeout.
    """
    if dbapi_conn.closed or dbapi_conn.broken:
        raise sa.exc.DisconnectionError
    # poll, not select: a process serving thousands of chargers holds sockets numbered
    # past select()'s limit of 1024.
    poller = select.poll()
    try:
        poller.register(dbapi_conn.pgconn.socket, select.POLLIN)
    except (psycopg.OperationalError, OSError) as exc:
        raise sa.exc.DisconnectionError from exc
    if poller.poll(0):  # data, an error or a hang-up
        raise sa.exc.DisconnectionError


def create_engine(url: str, pool_size: int = 10, read_only: bool = False) -> Engine:
    """An engine for ``url`` with the settings evroster relies on.

    ``read_only`` (PostgreSQL) makes every transaction REPEATABLE READ and read-only, for
    readers that must see one snapshot across several statements.
    """
    url = normalize_url(url)
    if url.startswith("sqlite"):
        # As many kept connections as the thread pool has threads (anyio's default is 40):
        # an overflow connection is closed after use, and opening one costs more than
        # the statements it runs.
        engine = sa.create_engine(
            url,
            connect_args={"check_same_thread": False},
            pool_size=_SQLITE_POOL,
            max_overflow=_SQLITE_POOL,
            # The connection used last comes back first: writes on the event loop take
            # one at a time, and a connection that wrote last still holds the pages in
            # its cache (SQLite drops a connection's cache when another one commits).
            pool_use_lifo=True,
        )
        # pysqlite's own transaction handling defers BEGIN; let SQLAlchemy issue it so
        # that a unit of work is one real transaction.
        sa.event.listen(engine, "connect", _sqlite_pragmas)

        @sa.event.listens_for(engine, "connect")
        def _no_pysqlite_begin(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
            dbapi_conn.isolation_level = None

        @sa.event.listens_for(engine, "begin")
        def _begin(conn: sa.Connection) -> None:
            # A writer takes the write lock up front: upgrading a read transaction later
            # fails at once with SQLITE_BUSY instead of waiting for busy_timeout.
            # Straight on the DB-API connection: through exec_driver_sql, SQLAlchemy's
            # execution machinery cost more than the statement (6 % of a write). An
            # error raised here still reaches the caller as SQLAlchemy's own.
            options = conn.get_execution_options()
            raw = conn.connection.driver_connection
            assert raw is not None
            if not options.get("evroster_write", True):
                raw.execute("BEGIN")
            elif options.get("evroster_no_wait", False):
                # Fail at once with SQLITE_BUSY if another process holds the lock.
                raw.execute("PRAGMA busy_timeout=0")
                try:
                    raw.execute("BEGIN IMMEDIATE")
                finally:
                    raw.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            else:
                raw.execute("BEGIN IMMEDIATE")

        return engine
    # connect_timeout: a server that does not answer is an outage after 5 s, not a hang.
    engine = sa.create_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_timeout=10,
        connect_args={"connect_timeout": 5},
    )
    sa.event.listen(engine, "checkout", _refuse_dropped)
    if read_only:

        @sa.event.listens_for(engine, "connect")
        def _snapshot_reads(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
            dbapi_conn.read_only = True

    return engine
