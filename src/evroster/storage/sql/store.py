"""The SQL store: units of work over one engine, plus the hot-path document reader."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import psycopg
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from evroster.errors import Conflict
from evroster.storage.base import WouldWait
from evroster.storage.sql.access import SqlAccess
from evroster.storage.sql.aliases import SqlAliases
from evroster.storage.sql.audit import SqlAudit
from evroster.storage.sql.changes import ChangeLog
from evroster.storage.sql.chargers import SqlChargers
from evroster.storage.sql.checkpoints import Checkpointer
from evroster.storage.sql.customers import SqlCustomers, SqlKeys
from evroster.storage.sql.documents import SqlDocuments
from evroster.storage.sql.drivers import SqlDrivers, SqlGrants, SqlTags
from evroster.storage.sql.engine import create_engine, unavailable_on_outage
from evroster.storage.sql.lookups import SqlLookups
from evroster.storage.sql.secrets import SqlSecrets
from evroster.storage.sql.sites import SqlSites
from evroster.storage.sql.transactions import SqlTransactions
from evroster.storage.sql.transfer import SqlTransfer

__all__ = ["SqlStore", "SqlUnitOfWork"]


@dataclass(slots=True)
class SqlUnitOfWork:
    customers: SqlCustomers
    keys: SqlKeys
    sites: SqlSites
    chargers: SqlChargers
    drivers: SqlDrivers
    tags: SqlTags
    grants: SqlGrants
    aliases: SqlAliases
    access: SqlAccess
    transactions: SqlTransactions
    lookups: SqlLookups
    audit: SqlAudit
    transfer: SqlTransfer
    secrets: SqlSecrets

    @classmethod
    def on(cls, conn: sa.Connection) -> SqlUnitOfWork:
        return cls(
            SqlCustomers(conn),
            SqlKeys(conn),
            SqlSites(conn),
            SqlChargers(conn),
            SqlDrivers(conn),
            SqlTags(conn),
            SqlGrants(conn),
            SqlAliases(conn),
            SqlAccess(conn),
            SqlTransactions(conn),
            SqlLookups(conn),
            SqlAudit(conn),
            SqlTransfer(conn),
            SqlSecrets(conn),
        )


class SqlStore:
    """SQLite or PostgreSQL, chosen by the URL."""

    def __init__(self, url: str, pool_size: int = 10, staleness_seconds: float = 1.0) -> None:
        self.engine: Engine = create_engine(url, pool_size)
        self.dialect = self.engine.dialect.name
        self._read_engine = (
            self.engine if self.dialect == "sqlite" else create_engine(url, pool_size, True)
        )
        self._documents = SqlDocuments(self._read_engine)
        self._changes = ChangeLog(self.engine, staleness_seconds)
        # SQLite has one writer at a time. Threads that race for its lock wait in its
        # busy handler, which sleeps in steps of up to 100 ms; queueing this process's
        # writers on a lock of our own hands the database lock over at once (40 threads
        # writing charger states: about 1,900 writes/s against 1,500 without). Other
        # processes still meet at busy_timeout.
        self._write_lock = threading.Lock() if self.dialect == "sqlite" else None
        self._no_wait = threading.local()
        # SQLite: the connection of each thread that writes without waiting (the event
        # loop's), kept open for its writes and its reads (SqlDocuments.share).
        self._held = threading.local()
        self._held_all: list[sa.Connection] = []
        self._checkpoints: Checkpointer | None = None
        database = self.engine.url.database
        if self.dialect == "sqlite" and database and database != ":memory:":
            # Before the first connection: every one of them leaves checkpoints to the
            # thread (storage/sql/checkpoints.py).
            sa.event.listen(self.engine, "connect", _no_automatic_checkpoints)
            assert self._write_lock is not None
            self._checkpoints = Checkpointer(database, self._write_lock)

    @property
    def documents(self) -> SqlDocuments:
        return self._documents

    @property
    def changes(self) -> ChangeLog:
        return self._changes

    @property
    def inline_reads(self) -> bool:
        # An embedded SQLite read takes a fraction of a millisecond, less than a thread
        # hop; a PostgreSQL read waits on the network and must not block the loop.
        return self.dialect == "sqlite"

    @property
    def inline_writes(self) -> bool:
        # An embedded SQLite write that gets the lock at once takes about as long as the
        # two thread hops it would otherwise cost (docs/benchmarks.md).
        return self.dialect == "sqlite"

    @contextmanager
    def without_waiting(self) -> Iterator[None]:
        local = self._no_wait
        local.on = True
        try:
            yield
        finally:
            local.on = False

    @contextmanager
    def _write_locked(self, write: bool, no_wait: bool) -> Iterator[None]:
        lock = self._write_lock if write else None
        if lock is None:
            yield
            return
        if not lock.acquire(blocking=not no_wait):
            raise WouldWait
        try:
            yield
        finally:
            lock.release()

    @contextmanager
    def _connection(self, engine: Engine, held: bool) -> Iterator[sa.Connection]:
        """A pooled connection for one transaction; or, ``held``, this thread's own."""
        if not held:
            with engine.connect() as pooled:
                yield pooled
            return
        conn: sa.Connection | None = getattr(self._held, "conn", None)
        if conn is None or conn.closed or conn.invalidated:
            conn = self.engine.connect()
            shared = conn.connection.driver_connection
            assert isinstance(shared, sqlite3.Connection)
            self._documents.share(shared)
            self._held.conn = conn
            self._held_all.append(conn)
        raw = conn.connection.driver_connection
        assert isinstance(raw, sqlite3.Connection)
        if raw.in_transaction:
            # Left open by a read whose COMMIT failed (units of work never nest on one
            # thread): it would pin an old snapshot, so end it before writing.
            raw.rollback()
        yield conn

    @contextmanager
    def transaction(self, write: bool = True, snapshot: bool = False) -> Iterator[SqlUnitOfWork]:
        """One database transaction: committed when the block ends, rolled back on error.

        A uniqueness violation that slipped past the services' own checks (two
        concurrent writers) surfaces as :class:`Conflict`; a database that is down or
        locked past its wait, as :class:`Unavailable`. ``snapshot`` (reads only):
        on PostgreSQL, REPEATABLE READ, so that many statements see one state; a SQLite
        transaction is one snapshot already.
        """
        # PostgreSQL has no database-wide write lock to wait for: nothing to refuse there.
        no_wait = write and self.inline_writes and getattr(self._no_wait, "on", False)
        if no_wait:
            self._no_wait.on = False  # only the first write transaction may refuse to wait
        engine = self._read_engine if snapshot and not write else self.engine
        with (
            unavailable_on_outage(),
            self._write_locked(write, no_wait),
            self._connection(engine, no_wait) as conn,
        ):
            conn.execution_options(evroster_write=write, evroster_no_wait=no_wait)
            try:
                begun = conn.begin()
            except (sa.exc.OperationalError, sqlite3.OperationalError) as exc:
                if no_wait and _busy(exc):
                    raise WouldWait from exc
                raise
            try:
                with begun:
                    self._changes.begin(conn)
                    yield SqlUnitOfWork.on(conn)
                    published = self._changes.publish(conn)
            except _INTEGRITY as exc:
                raise Conflict("The change conflicts with existing data") from exc
            self._changes.committed(published)
            if write and self._checkpoints is not None:
                self._checkpoints.committed()

    def schema_revision(self) -> str | None:
        with unavailable_on_outage(), self.engine.connect() as conn:
            found = conn.exec_driver_sql("SELECT version_num FROM alembic_version").first()
        return None if found is None else str(found[0])

    def close(self) -> None:
        if self._checkpoints is not None:
            self._checkpoints.close()
        for held in self._held_all:
            held.close()
        self._held_all.clear()
        self._changes.close()
        self._documents.close()
        self.engine.dispose()
        self._read_engine.dispose()


# As SQLAlchemy wraps it, or as the DB-API raises it (prepared statements, prepared.py).
_INTEGRITY = (sa.exc.IntegrityError, sqlite3.IntegrityError, psycopg.IntegrityError)


def _no_automatic_checkpoints(dbapi_conn: sqlite3.Connection, _record: object) -> None:
    dbapi_conn.execute("PRAGMA wal_autocheckpoint=0")


def _busy(exc: Exception) -> bool:
    """Whether SQLite refused because another connection holds the lock (the error as
    the DB-API raised it, or wrapped by SQLAlchemy)."""
    code = getattr(getattr(exc, "orig", exc), "sqlite_errorcode", None)
    return code in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
