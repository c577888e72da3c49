"""The change feed between processes, on both databases: what each write publishes,
that a rolled-back write publishes nothing, that big batches become one reset, and that
a SQLite reader that fell behind the kept rows resets."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from evroster.errors import NotFound
from evroster.services import chargers, drivers, sites
from evroster.services.audit import Actor
from evroster.services.charging import Traffic, record_traffic
from evroster.services.keys import create_customer, issue_key, revoke_key
from evroster.storage.base import CHARGER, CUSTOMER, DRIVER, KEYS, RESET, Change
from evroster.storage.sql import changes
from evroster.storage.sql.changes import MAX_CHANGES
from evroster.storage.sql.store import SqlStore


class Heard:
    """What a second store on the same database (another process) is told."""

    def __init__(self, store: SqlStore) -> None:
        self.store = store
        self.changes: list[Change] = []
        self._lock = threading.Lock()
        store.changes.subscribe(self._apply)

    def _apply(self, changes: Sequence[Change]) -> None:
        with self._lock:
            self.changes.extend(changes)

    def take(self, wanted: int = 1) -> list[Change]:
        """Everything heard since the last call, once at least ``wanted`` arrived."""
        deadline = time.monotonic() + 5
        while True:
            self.store.changes.sync()
            with self._lock:
                if len(self.changes) >= wanted or time.monotonic() > deadline:
                    taken, self.changes = self.changes, []
                    return taken
            time.sleep(0.01)


@pytest.fixture(params=["sqlite", "postgresql"])
def stores(
    request: pytest.FixtureRequest, database_urls: dict[str, str]
) -> Iterator[tuple[SqlStore, Heard]]:
    writer, reader = SqlStore(database_urls[request.param]), SqlStore(database_urls[request.param])
    heard = Heard(reader)
    if request.param == "postgresql":
        deadline = time.monotonic() + 10
        while not reader.changes.fresh():  # the listener is up and has probed
            assert time.monotonic() < deadline
            time.sleep(0.05)
        heard.take(1)  # the reset a listener starts with
    yield writer, heard
    writer.close()
    reader.close()


def test_each_write_publishes_what_it_touched(stores: tuple[SqlStore, Heard]) -> None:
    store, heard = stores
    customer = create_customer(store, "feed")["id"]
    actor = Actor(customer)
    site = sites.create_site(store, actor, {"name": "S"})["id"]
    assert heard.take() == [Change(CUSTOMER, customer)]
    pk = chargers.create_charger(store, actor, {"site_id": site, "charger_id": "F-1"})["id"]
    assert heard.take() == [Change(CUSTOMER, customer)]
    chargers.update_charger(store, actor, "F-1", {"charger_name": "renamed"})
    assert heard.take() == [Change(CHARGER, pk)]
    driver = drivers.create_driver(store, actor, {"name": "D"})["id"]
    drivers.add_tag(store, actor, driver, {"id_tag": "FEED01"})
    assert heard.take() == [Change(DRIVER, driver)]
    drivers.grant_site(store, actor, driver, site)
    assert heard.take() == [Change(DRIVER, driver)]
    key = issue_key(store, actor, "read")
    revoke_key(store, actor, key["id"])
    assert heard.take() == [Change(KEYS, key["id"])]
    with pytest.raises(NotFound):  # refused: nothing committed, nothing published
        drivers.grant_site(store, actor, driver, site + 10_000)
    drivers.update_driver(store, actor, driver, {"name": "E"})
    assert heard.take() == [Change(DRIVER, driver)]


def test_big_batches_are_published_whole_or_as_one_reset(stores: tuple[SqlStore, Heard]) -> None:
    store, heard = stores
    customer = create_customer(store, "feed")["id"]
    site = sites.create_site(store, Actor(customer), {"name": "S"})["id"]
    heard.take()
    now = datetime.now(UTC)
    with store.engine.begin() as conn:  # many chargers, written as a bulk load would
        conn.execute(
            sa.text(
                "INSERT INTO chargers (customer_id, site_id, charger_id, active_connection,"
                " push_integration_enabled, charger_specific_message_structure,"
                " split_evse_by_socket) VALUES (:c, :s, :cid, false, false, false, false)"
            ),
            [{"c": customer, "s": site, "cid": f"BATCH-{n}"} for n in range(MAX_CHANGES + 1)],
        )
        pks = sorted(
            conn.execute(
                sa.text("SELECT id FROM chargers WHERE customer_id = :c"), {"c": customer}
            ).scalars()
        )
    # 1,000 chargers' lastSeen in one transaction: several notifications on PostgreSQL.
    record_traffic(store, [Traffic(customer, pk, now, "Heartbeat") for pk in pks[:1000]])
    assert sorted(heard.take(1000)) == [Change(CHARGER, pk) for pk in pks[:1000]]
    record_traffic(store, [Traffic(customer, pk, now, "Heartbeat") for pk in pks])
    assert heard.take() == [Change(RESET, 0)]


def test_a_sqlite_reader_behind_the_kept_changes_resets(database_urls: dict[str, str]) -> None:
    url = database_urls["sqlite"]
    store, other = SqlStore(url), SqlStore(url)
    heard = Heard(other)
    try:
        customer = create_customer(store, "feed")["id"]
        for name in ("one", "two"):
            sites.create_site(store, Actor(customer), {"name": name})
        with store.engine.begin() as conn:  # the older one trimmed before the reader came
            conn.exec_driver_sql(
                "DELETE FROM cache_changes WHERE seq = (SELECT max(seq) - 1 FROM cache_changes)"
            )
        assert heard.take() == [Change(RESET, 0)]
    finally:
        store.close()
        other.close()


def test_sqlite_keeps_a_bounded_tail_of_changes(
    database_urls: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Writers trim the kept changes now and then, never below what a reader may need."""
    monkeypatch.setattr(changes, "KEEP_CHANGES", 5)
    monkeypatch.setattr(changes, "TRIM_EVERY", 4)
    store = SqlStore(database_urls["sqlite"])
    try:
        customer = create_customer(store, "trim")["id"]
        actor = Actor(customer)
        site = sites.create_site(store, actor, {"name": "Trimmed"})["id"]
        counts = []
        for n in range(20):
            sites.update_site(store, actor, site, {"name": f"Trimmed {n}"})
            with store.engine.connect() as conn:
                kept = conn.exec_driver_sql("SELECT count(*), max(seq) FROM cache_changes")
                counts.append(tuple(kept.one()))
        # Never fewer than KEEP + 1 once there were that many, never more than that plus
        # the writes since the last trim; the newest change is always kept.
        assert all(6 <= count <= 6 + 4 for count, _ in counts[8:]), counts
        assert max(count for count, _ in counts) <= 6 + 4, counts
        assert [top for _, top in counts] == sorted({top for _, top in counts}), counts
    finally:
        store.close()


def _own_changes(store: SqlStore) -> Heard:
    """A subscriber on ``store`` itself, caught up with the feed."""
    heard = Heard(store)
    store.changes.sync()
    heard.changes.clear()
    return heard


def test_sqlite_applies_a_process_own_write_at_its_commit(database_urls: dict[str, str]) -> None:
    """Nobody else committed since this process last looked: its write's changes are
    applied as it commits, before any read syncs, and the next sync reads nothing twice."""
    store = SqlStore(database_urls["sqlite"])
    try:
        customer = create_customer(store, "own")["id"]
        actor = Actor(customer)
        driver = drivers.create_driver(store, actor, {"name": "Own"})["id"]
        heard = _own_changes(store)
        drivers.update_driver(store, actor, driver, {"name": "Own 2"})
        assert heard.changes == [Change(DRIVER, driver)]  # no sync has run
        store.changes.sync()
        drivers.update_driver(store, actor, driver, {"name": "Own 3"})
        store.changes.sync()
        assert heard.changes == [Change(DRIVER, driver)] * 2
    finally:
        store.close()


def test_sqlite_leaves_a_write_to_sync_when_another_came_first(
    database_urls: dict[str, str],
) -> None:
    """Another process committed since this one last looked: its own write waits for the
    next sync, which delivers both in commit order, and the feed goes on with no gap."""
    url = database_urls["sqlite"]
    store, other = SqlStore(url), SqlStore(url)
    try:
        customer = create_customer(store, "order")["id"]
        actor = Actor(customer)
        mine = drivers.create_driver(store, actor, {"name": "Mine"})["id"]
        theirs = drivers.create_driver(other, actor, {"name": "Theirs"})["id"]
        heard = _own_changes(store)
        drivers.update_driver(other, actor, theirs, {"name": "Theirs 2"})
        drivers.update_driver(store, actor, mine, {"name": "Mine 2"})
        assert heard.changes == []  # not applied out of order, not applied twice
        store.changes.sync()
        assert heard.changes == [Change(DRIVER, theirs), Change(DRIVER, mine)]
        drivers.update_driver(store, actor, mine, {"name": "Mine 3"})
        drivers.update_driver(other, actor, theirs, {"name": "Theirs 3"})
        store.changes.sync()
        assert heard.changes[2:] == [Change(DRIVER, mine), Change(DRIVER, theirs)]
        assert heard.changes.count(Change(RESET, 0)) == 0
    finally:
        store.close()
        other.close()
