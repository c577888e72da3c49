"""The benchmark's live-field writer writes what it reports, through the services the
OCPP endpoint uses, on both databases."""

from __future__ import annotations

import threading

import sqlalchemy as sa

from bench.dataset import Shape, load
from bench.live import run
from evroster.storage.sql.store import SqlStore

SMALL = Shape(drivers=50, chargers=40, levels=(1, 2), garage_share=0.05)


def test_live_writer_moves_last_seen_and_socket_statuses(store: SqlStore) -> None:
    data = load(store, SMALL)
    with store.engine.connect() as conn:
        before = conn.execute(
            sa.text("SELECT max(last_seen) FROM chargers WHERE customer_id = :c"),
            {"c": data.customer_id},
        ).scalar()
    stop = threading.Event()
    timer = threading.Timer(1.5, stop.set)
    timer.start()
    written = run(store, data.customer_id, heartbeats=10, statuses=20, stop=stop)
    timer.join()
    assert written["heartbeats"] >= 10 and written["heartbeats"] % 10 == 0
    assert 20 <= written["statuses"] <= 40
    with store.engine.connect() as conn:
        heartbeats = conn.execute(
            sa.text(
                "SELECT count(*) FROM chargers WHERE customer_id = :c AND last_seen > :t"
                " AND last_message = 'Heartbeat'"
            ),
            {"c": data.customer_id, "t": before},
        ).scalar()
        statuses = conn.execute(
            sa.text(
                "SELECT count(*) FROM sockets k JOIN chargers c ON c.id = k.charger_pk"
                " WHERE c.customer_id = :c AND c.last_message = 'StatusNotification'"
                " AND k.status IN ('Available', 'Preparing', 'Charging', 'SuspendedEV',"
                " 'Finishing')"
            ),
            {"c": data.customer_id},
        ).scalar()
    assert heartbeats and heartbeats >= 10
    assert statuses and statuses >= 1
