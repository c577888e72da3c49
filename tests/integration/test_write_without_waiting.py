"""Writes that may not wait (``Store.without_waiting``), on both databases, and SQLite's
checkpoints from their own thread.

On SQLite the first write transaction in such a block refuses with ``WouldWait`` when
this process's other writer or another process holds the lock, before doing anything;
the same work then succeeds where waiting is allowed. PostgreSQL has no such lock to
wait for: the block changes nothing there.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest

from evroster.errors import Conflict
from evroster.services import drivers
from evroster.services.audit import Actor
from evroster.services.keys import create_customer
from evroster.storage.base import WouldWait
from evroster.storage.migrations import upgrade
from evroster.storage.sql import checkpoints
from evroster.storage.sql.store import SqlStore


def _driver(store: SqlStore) -> tuple[Actor, int]:
    actor = Actor(create_customer(store, "no-wait")["id"])
    return actor, drivers.create_driver(store, actor, {"name": "Before"})["id"]


def _name(store: SqlStore, actor: Actor, driver_id: int) -> str:
    name: str = drivers.get_driver(store, actor.customer_id, driver_id)["name"]
    return name


def _sqlite_file(store: SqlStore) -> str:
    database = store.engine.url.database
    assert database
    return database


def test_a_free_database_takes_the_write_at_once(store: SqlStore) -> None:
    actor, driver_id = _driver(store)
    with store.without_waiting():
        drivers.update_driver(store, actor, driver_id, {"name": "After"})
    assert _name(store, actor, driver_id) == "After"


def test_a_writer_of_this_process_makes_it_refuse(store: SqlStore) -> None:
    actor, driver_id = _driver(store)
    holding, release = threading.Event(), threading.Event()

    def hold() -> None:
        with store.transaction() as uow:
            uow.drivers.update(actor.customer_id, driver_id, {"name": "Held"})
            holding.set()
            release.wait(10)

    holder = threading.Thread(target=hold)
    holder.start()
    assert holding.wait(10)
    try:
        if store.dialect == "sqlite":
            with pytest.raises(WouldWait), store.without_waiting():
                drivers.update_driver(store, actor, driver_id, {"name": "Refused"})
        else:  # a row lock, not a database lock: waiting for it is the database's job
            assert store.inline_writes is False
    finally:
        release.set()
        holder.join(10)
    assert _name(store, actor, driver_id) == "Held"
    # Nothing was left behind: the same work, allowed to wait, goes through.
    drivers.update_driver(store, actor, driver_id, {"name": "Retried"})
    assert _name(store, actor, driver_id) == "Retried"


def test_another_process_makes_sqlite_refuse_and_waiting_still_works(
    database_urls: dict[str, str],
) -> None:
    store = SqlStore(database_urls["sqlite"])
    try:
        actor, driver_id = _driver(store)
        other = sqlite3.connect(_sqlite_file(store), isolation_level=None, check_same_thread=False)
        other.execute("BEGIN IMMEDIATE")
        started = time.monotonic()
        with pytest.raises(WouldWait), store.without_waiting():
            drivers.update_driver(store, actor, driver_id, {"name": "Refused"})
        assert time.monotonic() - started < 1  # refused at once, not after busy_timeout
        # The connection waits again outside the block: it gets the lock once released.
        threading.Timer(0.3, other.rollback).start()
        drivers.update_driver(store, actor, driver_id, {"name": "Waited"})
        assert _name(store, actor, driver_id) == "Waited"
        other.close()
    finally:
        store.close()


def test_only_the_first_write_transaction_may_refuse(database_urls: dict[str, str]) -> None:
    store = SqlStore(database_urls["sqlite"])
    try:
        actor, driver_id = _driver(store)
        with store.without_waiting():
            drivers.update_driver(store, actor, driver_id, {"name": "First"})
            other = sqlite3.connect(
                _sqlite_file(store), isolation_level=None, check_same_thread=False
            )
            other.execute("BEGIN IMMEDIATE")
            threading.Timer(0.3, other.rollback).start()
            # Refusing now would leave the first write done and the work half redone.
            drivers.update_driver(store, actor, driver_id, {"name": "Second"})
            other.close()
        assert _name(store, actor, driver_id) == "Second"
    finally:
        store.close()


def test_checkpoints_come_from_their_own_thread(database_urls: dict[str, str]) -> None:
    store = SqlStore(database_urls["sqlite"])
    try:
        with store.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 0
        checkpoints = store._checkpoints
        assert checkpoints is not None
        runs = checkpoints.runs
        actor, driver_id = _driver(store)
        for n in range(150):  # more than COMMITS: the thread is woken, not just timed
            drivers.update_driver(store, actor, driver_id, {"name": f"N{n}"})
        deadline = time.monotonic() + 5
        # Every frame copied back (a reader of another test may hold a few for a moment).
        while checkpoints.runs == runs or not 0 < checkpoints.last[1] == checkpoints.last[0]:
            assert time.monotonic() < deadline, f"no full checkpoint: {checkpoints.last}"
            time.sleep(0.02)
    finally:
        store.close()


def test_the_log_starts_again_under_a_steady_stream_of_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A PASSIVE checkpoint beside a writer that never pauses never finds every frame
    copied, so SQLite never starts the log again: it grew by 30 MB a second under the
    benchmark. Past RESTART_FRAMES the thread makes it start again; the log's file stays
    near that size however many writes come."""
    restart_frames = 200
    monkeypatch.setattr(checkpoints, "RESTART_FRAMES", restart_frames)
    # The thread wakes every COMMITS commits, which add 6-8 frames each: as with the
    # defaults (100 commits, 4,000 frames), far fewer frames than RESTART_FRAMES.
    monkeypatch.setattr(checkpoints, "COMMITS", 10)
    url = f"sqlite:///{tmp_path / 'steady.db'}"
    upgrade(url)
    store = SqlStore(url)
    try:
        assert store._checkpoints is not None
        actor, driver_id = _driver(store)
        wal = Path(f"{_sqlite_file(store)}-wal")
        largest = 0
        refused = 0
        for n in range(1500):  # 6-8 frames each: 50 times RESTART_FRAMES
            values = {"name": f"N{n}"}
            try:  # as api/deps.write does: refused while a RESTART holds writers off
                with store.without_waiting():
                    drivers.update_driver(store, actor, driver_id, values)
            except WouldWait:
                refused += 1
                drivers.update_driver(store, actor, driver_id, values)
            largest = max(largest, wal.stat().st_size)
        page = 4096 + 24  # a frame: the page and its header
        assert store._checkpoints.restarts > 0
        assert refused <= store._checkpoints.restarts
        assert largest < 4 * restart_frames * page, f"the log reached {largest} bytes"
        assert _name(store, actor, driver_id) == "N1499"
    finally:
        store.close()


def test_the_writing_thread_reads_on_the_connection_it_writes_on(
    database_urls: dict[str, str],
) -> None:
    """SQLite: a commit drops every *other* connection's page cache, so the thread that
    writes without waiting reads on its own writing connection: same object, sees each
    write at once, and stays usable after a write that failed."""
    store = SqlStore(database_urls["sqlite"])
    try:
        actor, driver_id = _driver(store)
        drivers.create_driver(store, actor, {"name": "Other", "external_id": "TAKEN"})
        with store.without_waiting():
            drivers.update_driver(store, actor, driver_id, {"name": "Held"})
        held = store._held.conn.connection.driver_connection
        assert store.documents._local.conn.conn is held
        rows = store.documents.by_driver_id(actor.customer_id, driver_id)
        assert rows is not None and rows.driver is not None and rows.driver[1] == "Held"
        with pytest.raises(Conflict), store.without_waiting():
            drivers.update_driver(store, actor, driver_id, {"external_id": "TAKEN"})
        assert not held.in_transaction  # rolled back, not left open
        with store.without_waiting():
            drivers.update_driver(store, actor, driver_id, {"name": "Again"})
        assert store._held.conn.connection.driver_connection is held
        rows = store.documents.by_driver_id(actor.customer_id, driver_id)
        assert rows is not None and rows.driver is not None and rows.driver[1] == "Again"
        # A read transaction left open (its COMMIT failed) must not pin an old snapshot:
        # the next write ends it, and reads after it see the new state.
        held.execute("BEGIN")
        held.execute("SELECT 1 FROM drivers LIMIT 1").fetchall()
        with store.without_waiting():
            drivers.update_driver(store, actor, driver_id, {"name": "Fresh"})
        rows = store.documents.by_driver_id(actor.customer_id, driver_id)
        assert rows is not None and rows.driver is not None and rows.driver[1] == "Fresh"
        assert not held.in_transaction
    finally:
        store.close()
