"""Faults, each against a real ``evroster serve`` process under load: PostgreSQL stopped
and started again, the server killed with SIGKILL on SQLite, and SIGTERM. Whatever
happens, no request gets a 500 or hangs, and every write that was acknowledged is
there afterwards."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
import time
from contextlib import suppress
from pathlib import Path
from typing import Any

import httpx
from ocpp.v16 import ChargePoint as ChargePoint16
from ocpp.v16 import call as call16
from websockets.asyncio.client import connect

from tests.e2e.processes import TAG, Load, all_present, free_port, operator, seed, serving, start

# The cluster behind EVROSTER_TEST_PG, as Debian's pg_ctlcluster names it.
CLUSTER = os.environ.get("EVROSTER_TEST_PG_CLUSTER", "15 main").split()


def _pg(action: str) -> None:
    subprocess.run(["pg_ctlcluster", *CLUSTER, action], check=True, timeout=60)


def test_postgresql_stopped_and_started_under_load(pg_database: str, tmp_path: Path) -> None:
    _, key = operator(pg_database)
    with serving(pg_database, tmp_path / "serve.log") as served:
        seed(served.base, key, TAG)
        load = Load(served.base, key, TAG)
        with load.running():
            time.sleep(1.5)
            stopped = time.monotonic()
            try:
                _pg("stop")
                time.sleep(1.5)
                # What a load balancer sees meanwhile: alive, but not ready.
                live = httpx.get(served.base + "/healthz", timeout=10)
                unready = httpx.get(served.base + "/readyz", timeout=10)
                time.sleep(1.5)
            finally:
                _pg("start")
            started = time.monotonic()
            time.sleep(6)
            ready = httpx.get(served.base + "/readyz", timeout=10)
        assert live.status_code == 200, live.text
        assert unready.status_code == 503, unready.text
        assert unready.json()["detail"] == "The database is unavailable; retry shortly"
        assert ready.status_code == 200 and ready.json()["database"] == "ok", ready.text
        assert load.bad == []
        during = {(k, s) for at, k, s in load.statuses if stopped + 0.5 < at < started}
        assert ("write", 503) in during and ("read", 503) in during
        # Recovered by itself: the last two seconds were all answered normally.
        tail = [s for at, _, s in load.statuses if at > time.monotonic() - 2]
        assert tail and set(tail) <= {200, 201}, tail
        before = sum(1 for at, _, s in load.statuses if at < stopped and s == 201)
        assert before > 0 and len(load.acked) > before  # writes before and after
        all_present(served.base, key, load.acked)
        unavailable = sum(1 for _, _, s in load.statuses if s == 503)
        back = min((at for at, _, s in load.statuses if at > started and s in (200, 201)))
        sys.stderr.write(
            f"faults: {len(load.statuses)} requests, {unavailable} answered 503, "
            f"{len(load.acked)} writes acknowledged ({before} before the stop), all present; "
            f"first success {back - started:.2f} s after PostgreSQL was started again\n"
        )


def test_sqlite_killed_during_writes_keeps_every_acknowledged_write(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'kill.db'}"
    _, key = operator(url)
    served = start(url, tmp_path / "serve.log")
    seed(served.base, key, TAG)
    load = Load(served.base, key, TAG)
    with load.running():
        time.sleep(2)
        served.process.kill()
        served.process.wait(10)
        time.sleep(0.3)
    assert load.bad == [] and len(load.acked) > 20
    with serving(url, tmp_path / "serve.log") as again:
        all_present(again.base, key, load.acked)


def test_sigterm_finishes_requests_and_chargers_reconnect(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'term.db'}"
    customer_id, key = operator(url)
    port = free_port()
    log = tmp_path / "serve.log"
    served = start(url, log, port)
    headers = {"X-API-Key": key}
    site = httpx.post(f"{served.base}/api/v1/sites", json={"name": "S"}, headers=headers).json()
    charger = {"chargerId": "TERM-1", "groupId": site["id"]}
    httpx.post(f"{served.base}/api/v1/chargers", json=charger, headers=headers)
    ws = f"ws://127.0.0.1:{port}/ocpp/{customer_id}/TERM-1"
    # A large import is in flight when SIGTERM comes: it must finish and be answered.
    body = "record,externalId,name\n" + "".join(f"driver,T{n},Driver {n}\n" for n in range(20000))
    answer: dict[str, httpx.Response] = {}

    def importing() -> None:
        answer["import"] = httpx.post(
            f"{served.base}/api/v1/imports",
            content=body.encode(),
            headers={**headers, "Content-Type": "text/csv"},
            timeout=120,
        )

    async def first_life() -> tuple[Any, int | None]:
        async with connect(ws, subprotocols=["ocpp1.6"], open_timeout=10) as conn:
            cp = ChargePoint16("TERM-1", conn, response_timeout=10)
            task = asyncio.create_task(cp.start())
            boot = await cp.call(call16.BootNotification("Model", "Vendor"))
            thread = threading.Thread(target=importing)
            thread.start()
            await asyncio.sleep(0.5)
            served.process.terminate()
            with suppress(Exception):  # the library's loop ends when the socket closes
                await asyncio.wait_for(task, 60)
            await asyncio.to_thread(thread.join, 120)
            return boot, conn.close_code

    async def second_life() -> tuple[Any, Any]:
        for _ in range(100):  # as a charger does: try again until the server is back
            try:
                async with connect(ws, subprotocols=["ocpp1.6"], open_timeout=5) as conn:
                    cp = ChargePoint16("TERM-1", conn, response_timeout=10)
                    task = asyncio.create_task(cp.start())
                    boot = await cp.call(call16.BootNotification("Model", "Vendor"))
                    authorized = await cp.call(call16.Authorize("NOBODY"))
                    task.cancel()
                    return boot, authorized
            except OSError:
                await asyncio.sleep(0.2)
        raise AssertionError("the charger never got back in")

    boot, code = asyncio.run(first_life())
    assert boot.status == "Accepted" and code == 1012
    assert served.process.wait(30) in (0, -15)
    response = answer["import"]
    assert response.status_code == 200, response.text
    assert response.json()["created"] == 20000  # finished, not cut off
    again = start(url, log, port)
    try:
        boot, authorized = asyncio.run(second_life())
        assert boot.status == "Accepted" and authorized.id_tag_info["status"] == "Invalid"
        drivers = httpx.get(f"{again.base}/api/v1/drivers?limit=1", headers=headers).json()
        assert drivers["totalRecords"] == 20000
    finally:
        again.process.terminate()
        again.process.wait(15)
