"""The change feed: what each committed write touched, for every process's cache.

Repositories :func:`note` what they change on their connection; ``SqlStore`` publishes
the notes inside the transaction, just before it commits, so that a change is
published if and only if it is committed.

* SQLite: rows of ``cache_changes`` (numbered in commit order, since SQLite writers
  are serial). Before every read, a process looks at the WAL-index header in the
  ``-shm`` file, which every commit rewrites (its change counter; the layout is
  documented for the unix VFS at sqlite.org/walformat.html): a read of shared memory,
  no system call. Only when it moved does it ask ``PRAGMA data_version`` and read the
  new rows. A read that starts after a write returned therefore sees its changes: no
  staleness, across any number of processes on the file. Where the header cannot be
  read, every read asks ``PRAGMA data_version`` (about 10 µs under load, against
  under 1 µs). A process's own write needs neither: when the header's commit counter
  moved by exactly one over the write and the process had seen everything before it,
  nobody else can have committed in between (the write held the lock), so its changes
  are applied at once (:meth:`ChangeLog.committed`). That saves the answer to every
  ``PATCH`` a read of the table, about 40 µs.
* PostgreSQL: ``pg_notify`` on one channel, which the server delivers after commit to
  every listening replica. A thread per process listens and probes its connection
  every :data:`PROBE_SECONDS`; the server sends pending notifications before answering a
  probe, so once a probe started at *t* has returned, everything committed before *t*
  has arrived. ``fresh()`` is false when the last such *t* is older than the staleness
  bound (the listener dropped, the server is slow): the cache then stands aside and
  every read goes to the database until the listener is back.
"""

from __future__ import annotations

import logging
import mmap
import secrets
import select
import sqlite3
import struct
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import psycopg
import sqlalchemy as sa

from evroster.storage.base import CHARGER, CUSTOMER, DRIVER, KEYS, RESET, Change

__all__ = [
    "CHANNEL",
    "KEEP_CHANGES",
    "LISTENER",
    "PROBE_SECONDS",
    "TRIM_EVERY",
    "ChangeLog",
    "Published",
    "note",
]

log = logging.getLogger(__name__)

CHANNEL = "evroster_changes"
LISTENER = "evroster-changes"  # application_name, so operators can tell it in pg_stat_activity
PROBE_SECONDS = 0.2
# More changes than this in one transaction (a bulk import, lastSeen of thousands of
# chargers in one batch) are published as one reset: cheaper for every reader than
# thousands of invalidations, and a notification payload is limited to 8,000 bytes.
MAX_CHANGES = 2000
# SQLite keeps this many changes; a process further behind than that resets its cache.
KEEP_CHANGES = 100_000
# How often a process trims the kept changes: every write rewrote a page at the far end
# of the table, one in seven of the pages a driver's rename wrote to the WAL.
TRIM_EVERY = 100
_KEY = "evroster_changes"
_BEGAN_KEY = "evroster_changes_began"
# The first copy of the WAL-index header (iVersion, iChange, mxFrame, salts, ...).
_HEADER = 48
# iChange, the header's commit counter: one more for every commit, whoever made it.
_COMMITS_AT = 8
_WAL_INDEX_VERSION = 3007000
_INSERT = "INSERT INTO cache_changes (kind, ref) VALUES (?, ?)"
_CODES = {DRIVER: "d", CHARGER: "c", CUSTOMER: "x", KEYS: "k", RESET: "r"}
_KINDS = {code: kind for kind, code in _CODES.items()}

Apply = Callable[[Sequence[Change]], None]


@dataclass(frozen=True, slots=True)
class Published:
    """What one transaction published: its changes; on SQLite, the numbers its rows got
    and the WAL-index header as its transaction began (None where it cannot be read)."""

    changes: list[Change]
    first: int = 0
    last: int = 0
    header: bytes | None = None


_NOTHING = Published([])


def note(conn: sa.Connection, kind: str, ref: int) -> None:
    """Record, on the connection of the unit of work, that this write touched ``ref``."""
    conn.info.setdefault(_KEY, set()).add(Change(kind, int(ref)))


def _encode(changes: Sequence[Change]) -> str:
    return ",".join(f"{_CODES[c.kind]}{c.ref}" for c in changes)


def _payloads(changes: Sequence[Change]) -> list[str]:
    """The changes as notification payloads under PostgreSQL's 8,000-byte limit."""
    step = 350  # 350 * len("c" + 19 digits + ",") = 7,350 bytes and the origin, at most
    return [_encode(changes[i : i + step]) for i in range(0, len(changes), step)]


def _map_header(database: str) -> mmap.mmap | None:
    """The WAL-index header of the database, mapped read-only; None if it is not the
    layout walformat.html documents (then every read asks SQLite instead)."""
    try:
        with open(f"{database}-shm", "rb") as shm:
            mapped = mmap.mmap(shm.fileno(), _HEADER, access=mmap.ACCESS_READ)
    except (OSError, ValueError):
        return None
    (version,) = struct.unpack_from("=I", mapped, 0)
    if version != _WAL_INDEX_VERSION:
        mapped.close()
        return None
    return mapped


def _commits(header: bytes) -> int:
    (count,) = struct.unpack_from("=I", header, _COMMITS_AT)
    return int(count)


def _decode(payload: str) -> list[Change]:
    return [Change(_KINDS[item[0]], int(item[1:])) for item in payload.split(",") if item]


class ChangeLog:
    """One process's end of the feed, for the database of ``engine``."""

    def __init__(self, engine: sa.Engine, staleness_seconds: float = 1.0) -> None:
        self._engine = engine
        self._url = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        self._sqlite = engine.dialect.name == "sqlite"
        self._bound = staleness_seconds
        self._subscribers: list[Apply] = []
        self._lock = threading.Lock()
        self._reader: sqlite3.Connection | None = None
        self._probe: sqlite3.Cursor | None = None
        self._shm: mmap.mmap | None = None
        self._header = b""
        self._version = 0
        self._last = 0
        self._published = 0
        self._confirmed = 0.0
        self._stop = threading.Event()
        self._listener: threading.Thread | None = None
        # Tells this process's notifications from other replicas'.
        self._origin = secrets.token_hex(6)

    # -- the writing side ----------------------------------------------------------

    def begin(self, conn: sa.Connection) -> None:
        """A transaction began (a writer holds SQLite's write lock by now)."""
        conn.info[_KEY] = set()
        shm = self._shm
        conn.info[_BEGAN_KEY] = shm[:_HEADER] if shm is not None else None

    def publish(self, conn: sa.Connection) -> Published:
        """Publish the notes of this transaction (called just before its commit)."""
        noted = conn.info.pop(_KEY, None)
        began = conn.info.pop(_BEGAN_KEY, None)
        if not noted:
            return _NOTHING
        changes = sorted(noted) if len(noted) <= MAX_CHANGES else [Change(RESET, 0)]
        if self._sqlite:
            # On the DB-API connection, in the same transaction: every write pays this,
            # and SQLAlchemy's execution machinery cost more than the insert.
            raw = conn.connection.driver_connection
            assert raw is not None
            rows = [(_CODES[c.kind], c.ref) for c in changes]
            if len(rows) == 1:  # most writes: the new row's number comes with the insert
                last = raw.execute(_INSERT, rows[0]).lastrowid
            else:
                raw.executemany(_INSERT, rows)
                # Serial writers and AUTOINCREMENT: this transaction's rows are the last.
                (last,) = raw.execute("SELECT max(seq) FROM cache_changes").fetchone()
            self._published += 1
            if self._published % TRIM_EVERY == 1:
                raw.execute(
                    "DELETE FROM cache_changes WHERE seq <"
                    f" (SELECT max(seq) FROM cache_changes) - {KEEP_CHANGES}"
                )
            return Published(changes, last - len(changes) + 1, last, began)
        for payload in _payloads(changes):
            conn.exec_driver_sql("SELECT pg_notify(%s, %s)", (CHANNEL, f"{self._origin}/{payload}"))
        return Published(changes)

    def committed(self, published: Published) -> None:
        """This process's own changes, applied at once: read-your-writes on every replica.

        PostgreSQL: always (a replica skips its own notifications when they arrive, by
        ``origin``). SQLite: when nobody else can have committed since this process last
        synced (see the module's docstring); otherwise the next ``sync`` reads them with
        everyone else's.
        """
        if not published.changes:
            return
        if not self._sqlite:
            self._deliver(published.changes)
            return
        shm = self._shm
        began = published.header
        if shm is None or began is None:
            return
        now = shm[:_HEADER]
        if _commits(now) != _commits(began) + 1:
            return  # another commit came right after this one: sync reads both
        with self._lock:
            if self._header != began or self._last != published.first - 1:
                return  # this process had not seen everything before: sync reads it all
            self._deliver(published.changes)
            self._last = published.last
            self._header = now

    # -- the reading side ----------------------------------------------------------

    def subscribe(self, apply: Apply) -> None:
        with self._lock:
            first = not self._subscribers
            self._subscribers.append(apply)
        if first:
            self._start()

    def sync(self) -> None:
        probe = self._probe
        if probe is None:
            return
        shm = self._shm
        header = b""
        if shm is not None:
            header = shm[:_HEADER]
            if header == self._header:
                return
        with self._lock:
            self._sync_locked(probe)
            # Noted only once the changes are applied: another thread that sees this
            # header must find the cache already up to date.
            self._header = header

    def _sync_locked(self, probe: sqlite3.Cursor) -> None:
        version = probe.execute("PRAGMA data_version").fetchone()[0]
        if version == self._version:
            return
        reader = self._reader
        assert reader is not None
        self._version = version
        rows = reader.execute(
            "SELECT seq, kind, ref FROM cache_changes WHERE seq > ? ORDER BY seq", (self._last,)
        ).fetchall()
        if not rows:
            return
        # Numbers are gap-free; a gap means this process fell behind the kept rows.
        lost = rows[0][0] != self._last + 1
        self._last = rows[-1][0]
        self._deliver([Change(RESET, 0)] if lost else [Change(_KINDS[k], r) for _, k, r in rows])

    def fresh(self) -> bool:
        return self._sqlite or time.monotonic() - self._confirmed < self._bound

    def close(self) -> None:
        self._stop.set()
        if self._listener is not None:
            self._listener.join(timeout=5)
        if self._shm is not None:
            self._shm.close()
            self._shm = None
        if self._reader is not None:
            self._probe = None
            self._reader.close()
            self._reader = None

    def _deliver(self, changes: Sequence[Change]) -> None:
        for apply in list(self._subscribers):
            apply(changes)

    def _start(self) -> None:
        if self._sqlite:
            database = self._engine.url.database or ""
            reader = sqlite3.connect(database, isolation_level=None, check_same_thread=False)
            self._version = reader.execute("PRAGMA data_version").fetchone()[0]
            last = reader.execute("SELECT coalesce(max(seq), 0) FROM cache_changes").fetchone()
            self._last = last[0]
            self._reader = reader
            self._probe = reader.cursor()
            self._shm = _map_header(database)
            return
        self._listener = threading.Thread(target=self._listen, name="evroster-changes", daemon=True)
        self._listener.start()

    def _listen(self) -> None:
        """Listen, probe, and after any failure reset and listen again."""
        while not self._stop.is_set():
            try:
                with psycopg.connect(
                    self._url, autocommit=True, connect_timeout=5, application_name=LISTENER
                ) as conn:
                    conn.add_notify_handler(self._on_notify)
                    conn.execute(f"LISTEN {CHANNEL}")
                    # Whatever was published while nobody listened is lost: start over.
                    self._deliver([Change(RESET, 0)])
                    self._probe_loop(conn)
            except (psycopg.Error, OSError, ValueError) as exc:
                log.warning("change feed: listener lost (%s); cache bypassed until back", exc)
                self._stop.wait(1.0)

    def _probe_loop(self, conn: psycopg.Connection[Any]) -> None:
        while not self._stop.is_set():
            started = time.monotonic()
            conn.execute("SELECT 1")  # delivers every notification sent before it
            self._confirmed = started
            # Wake early when a notification arrives; the next probe reads it.
            select.select([conn.fileno()], [], [], PROBE_SECONDS)

    def _on_notify(self, notification: psycopg.Notify) -> None:
        origin, _, payload = notification.payload.partition("/")
        if notification.channel == CHANNEL and origin != self._origin:
            self._deliver(_decode(payload))
