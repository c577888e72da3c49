"""Checkpoints of a SQLite database's write-ahead log, from a thread of their own.

SQLite copies the log back into the database file inside the commit that takes the log
past 1,000 pages (about 125 renames of a driver), and syncs both files to disk there:
tens of milliseconds. Writes that run on the event loop (``SqlStore.without_waiting``)
would stall every other request for that long; the benchmark's p99 rose from 0.2 s to
about 1 s under writes. So the store's connections turn the automatic checkpoint off and
this thread does it instead, in ``PASSIVE`` mode, which never blocks a reader or a
writer: every :data:`COMMITS` commits of this process, and every :data:`SECONDS` in
case other processes wrote (each process runs its own; a checkpoint that finds nothing
to copy costs a few microseconds).

A ``PASSIVE`` checkpoint alone never lets the log shrink under a steady stream of
writes: SQLite starts the log again from its beginning only when a writer finds every
frame copied, and by the time a checkpoint running beside the writers ends, they have
appended more. The log grew by 30 MB a second under the benchmark's writes (590 MB in
20 s), and every page read and written searched an index of it that grew as fast. So
once the log holds :data:`RESTART_FRAMES` frames, the thread follows the ``PASSIVE``
pass with a ``RESTART`` one: that copies the few frames appended meanwhile, holding
new writers off (those on the event loop go to the thread pool and wait there, as when
any other writer holds the lock), and waits for readers to leave the log, so that the
next write starts it again from the beginning. It takes the store's own write lock
first: SQLite's wait for the writer lock polls, and this process's writers, taking it
again as soon as they let it go, would win every poll.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time

__all__ = ["COMMITS", "RESTART_FRAMES", "SECONDS", "Checkpointer"]

log = logging.getLogger(__name__)

# About 800 pages of log at the 6-8 pages a small write takes: what SQLite's own
# threshold (1,000 pages) would have let through.
COMMITS = 100
SECONDS = 1.0
# 16 MiB of log at 4 KiB pages: four times what SQLite's own checkpoints keep it to.
RESTART_FRAMES = 4000
# A RESTART checkpoint holds new writers off while it waits for the writer before it to
# finish and for readers to leave the log: at most this long, since a long read (an
# export) may hold the log for seconds. Given up, it is not tried again for
# RESTART_BACKOFF_SECONDS, so such a read costs writers 0.1 s in 5 s, not in every 1.
RESTART_WAIT_MS = 100
RESTART_BACKOFF_SECONDS = 5.0


class Checkpointer:
    """Checkpoints ``database`` from a daemon thread, until :meth:`close`."""

    def __init__(
        self,
        database: str,
        write_lock: threading.Lock,
        commits: int | None = None,
        seconds: float | None = None,
    ) -> None:
        """``write_lock``: the store's, which this process's writers take first;
        ``commits`` and ``seconds``: :data:`COMMITS` and :data:`SECONDS` unless given."""
        self._database = database
        self._write_lock = write_lock
        self._commits = COMMITS if commits is None else commits
        self._seconds = SECONDS if seconds is None else seconds
        self._restart_after = 0.0  # time.monotonic() before which no RESTART is tried
        self._pending = 0
        self._due = threading.Event()
        self._stop = threading.Event()
        # (log frames, frames copied) of the last checkpoint, and how many ran: for tests
        # and for the log.
        self.last: tuple[int, int] = (0, 0)
        self.runs = 0
        self.restarts = 0
        self._thread = threading.Thread(target=self._run, name="evroster-checkpoints", daemon=True)
        self._thread.start()

    def committed(self) -> None:
        """A transaction of this process committed (called after every commit)."""
        # Unlocked: a count that misses a beat under threads moves a checkpoint by a commit.
        self._pending += 1
        if self._pending >= self._commits:
            self._pending = 0
            self._due.set()

    def close(self) -> None:
        self._stop.set()
        self._due.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        conn: sqlite3.Connection | None = None
        try:
            while not self._stop.is_set():
                self._due.wait(self._seconds)
                self._due.clear()
                if self._stop.is_set():
                    break
                conn = conn or self._connect()
                if conn is not None:
                    self._checkpoint(conn)
        finally:
            if conn is not None:
                conn.close()

    def _connect(self) -> sqlite3.Connection | None:
        # mode=rw: never create the file (the store may exist before its migrations do).
        try:
            conn = sqlite3.connect(
                f"file:{self._database}?mode=rw",
                uri=True,
                isolation_level=None,
                check_same_thread=False,
            )
            conn.execute(f"PRAGMA busy_timeout={RESTART_WAIT_MS}")
            return conn
        except sqlite3.Error:
            return None

    def _checkpoint(self, conn: sqlite3.Connection) -> None:
        try:
            busy, frames, copied = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
            if frames >= RESTART_FRAMES and time.monotonic() >= self._restart_after:
                with self._write_lock:
                    busy, frames, copied = conn.execute("PRAGMA wal_checkpoint(RESTART)").fetchone()
                if busy:
                    self._restart_after = time.monotonic() + RESTART_BACKOFF_SECONDS
                else:
                    self.restarts += 1
        except sqlite3.Error as exc:  # the disk is full, the file is locked: try again later
            log.warning("WAL checkpoint failed: %s", exc)
            return
        self.last = (frames, copied)
        self.runs += 1
        if busy:
            log.debug("WAL checkpoint: a writer, a reader or another checkpoint was busy")
