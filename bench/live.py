"""Chargers' live fields changing, as the worker that holds their OCPP connections
writes them: each second one transaction of Heartbeats (``lastSeen`` and
``lastMessage``, batched as ``csms/traffic.py`` batches them), and StatusNotifications
one transaction each, spread over the second (a station writes a state at once).

    python -m bench.live URL CUSTOMER_ID [--heartbeats 333] [--statuses 100]

It calls the same services as the OCPP endpoint, from a process of its own on the same
database, as another ``evroster serve`` worker would. The defaults are a CPO's 100,000
chargers sending a Heartbeat every 300 s (evroster's default interval) and changing one
connector's status every 1,000 s. It runs until SIGTERM or SIGINT, then prints what it
wrote as one JSON line.
"""

from __future__ import annotations

import argparse
import json
import random
import signal
import threading
import time
from typing import Any

import sqlalchemy as sa

from evroster.domain.times import utcnow
from evroster.services.charging import SocketStatus, Traffic, record_live, record_traffic
from evroster.storage.sql.store import SqlStore

__all__ = ["main"]

_STATUSES = ("Available", "Preparing", "Charging", "SuspendedEV", "Finishing")


def _chargers(store: SqlStore, customer_id: int) -> list[int]:
    with store.engine.connect() as conn:
        found = conn.execute(
            sa.text("SELECT id FROM chargers WHERE customer_id = :c"), {"c": customer_id}
        )
        return [int(pk) for pk in found.scalars()]


def run(
    store: SqlStore, customer_id: int, heartbeats: int, statuses: int, stop: threading.Event
) -> dict[str, Any]:
    """Write until ``stop`` is set; how much was written, and how late the writer fell."""
    pks = _chargers(store, customer_id)
    rng = random.Random(11)
    written = {"heartbeats": 0, "statuses": 0, "late_seconds": 0.0}
    started = next_second = time.monotonic()
    while not stop.is_set():
        at = utcnow()
        seen = [Traffic(customer_id, pk, at, "Heartbeat") for pk in rng.sample(pks, heartbeats)]
        record_traffic(store, seen)
        written["heartbeats"] += heartbeats
        for n in range(statuses):
            due = next_second + (n + 1) / (statuses + 1)
            if stop.wait(max(0.0, due - time.monotonic())):
                break
            record_live(
                store,
                customer_id,
                rng.choice(pks),
                utcnow(),
                "StatusNotification",
                socket=SocketStatus(None, rng.choice((1, 2)), rng.choice(_STATUSES)),
            )
            written["statuses"] += 1
        next_second += 1.0
        behind = time.monotonic() - next_second
        if behind > 0:
            written["late_seconds"] += behind
            next_second = time.monotonic()
        elif stop.wait(-behind):
            break
    written["seconds"] = round(time.monotonic() - started, 1)
    written["late_seconds"] = round(float(written["late_seconds"]), 2)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("url")
    parser.add_argument("customer_id", type=int)
    parser.add_argument("--heartbeats", type=int, default=333, help="chargers a second")
    parser.add_argument("--statuses", type=int, default=100, help="status changes a second")
    args = parser.parse_args(argv)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    store = SqlStore(args.url)
    try:
        written = run(store, args.customer_id, args.heartbeats, args.statuses, stop)
    finally:
        store.close()
    print(json.dumps(written), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
