"""The command line, run as a real process: customers, keys, demo, and serve (whose
access log must never show a key given in the query string)."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from ocpp.v16 import ChargePoint as ChargePoint16
from ocpp.v16 import call as call16
from ocpp.v201 import ChargePoint as ChargePoint201
from ocpp.v201 import call as call201
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed


def _env(db: Path, **extra: str) -> dict[str, str]:
    return {**os.environ, "EVROSTER_DATABASE_URL": f"sqlite:///{db}", **extra}


def _cli(db: Path, *args: str) -> Any:
    done = subprocess.run(
        [sys.executable, "-m", "evroster", *args],
        env=_env(db),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout) if done.stdout.strip() else None


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "cli.db"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture
def served(db: Path, tmp_path: Path) -> Iterator[tuple[str, Path, subprocess.Popen[bytes]]]:
    port = _free_port()
    log = tmp_path / "serve.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "evroster", "serve", "--port", str(port)],
            env=_env(db),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(base + "/openapi.json", timeout=1)
                break
            except httpx.TransportError:
                assert proc.poll() is None, log.read_text()
                assert time.monotonic() < deadline, "evroster serve did not start"
                time.sleep(0.1)
        yield base, log, proc
    finally:
        proc.terminate()
        proc.wait(15)


def test_customers_and_keys(db: Path) -> None:
    account = _cli(db, "customers", "create", "--name", "Acme CPO")
    assert set(account) == {"id", "apiKey"} and account["apiKey"].startswith("evr_")
    read = _cli(
        db, "keys", "create", "--customer", str(account["id"]), "--role", "read", "--label", "BI"
    )
    assert read["role"] == "read" and read["apiKey"] != account["apiKey"]
    listed = _cli(db, "keys", "list", "--customer", str(account["id"]))
    assert [k["role"] for k in listed] == ["admin", "read"]
    assert all("apiKey" not in k and k["revokedAt"] is None for k in listed)
    assert not any(account["apiKey"].endswith(k["keyId"]) for k in listed)
    _cli(db, "keys", "revoke", "--customer", str(account["id"]), str(read["id"]))
    listed = _cli(db, "keys", "list", "--customer", str(account["id"]))
    assert listed[1]["revokedAt"] is not None
    again = subprocess.run(
        [
            sys.executable,
            "-m",
            "evroster",
            "keys",
            "revoke",
            "--customer",
            str(account["id"]),
            str(read["id"]),
        ],
        env=_env(db),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert again.returncode == 1 and "No active key" in again.stderr


def test_demo_then_serve(db: Path, served: tuple[str, Path, Any]) -> None:
    base, log, _proc = served
    # serve migrated the new database itself: an unknown key is a 401, not a crash.
    response = httpx.get(f"{base}/api/v1/sites", headers={"X-API-Key": "evr_0_x"})
    assert response.status_code == 401
    assert response.json()["detail"] == "Customer not found or not authorised"
    demo = _cli(db, "demo")
    key = demo["apiKey"]
    doc = httpx.get(f"{base}/api/v1/drivers/by-idtag/04A23B1C", headers={"X-API-Key": key}).json()
    assert doc["name"] == "Ingrid Hansen"
    assert doc["tags"][0]["idTag"] == "04:a2:3b:1c"
    assert doc["chargerGroups"][0]["subgroups"] and doc["chargers"]
    drivers = httpx.get(f"{base}/api/v1/drivers", headers={"X-API-Key": key}).json()
    assert drivers["totalRecords"] == 301
    for label in ("expired", "blocked", "not yet valid"):
        tag = demo["idTagsToTry"][label]
        response = httpx.get(f"{base}/api/v1/drivers/by-idtag/{tag}", headers={"X-API-Key": key})
        assert response.status_code == 200
    read = demo["readOnlyApiKey"]
    assert (
        httpx.post(
            f"{base}/api/v1/sites", json={"name": "x"}, headers={"X-API-Key": read}
        ).status_code
        == 403
    )
    # The README's "why refused?" example answers as it says.
    blocked = demo["idTagsToTry"]["blocked"]
    path = f"/api/v1/chargers/NOR0001/authorize/{blocked}"
    assert path in (Path(__file__).resolve().parents[2] / "README.md").read_text()
    answer = httpx.get(base + path, headers={"X-API-Key": key}).json()
    assert (answer["decision"], answer["reason"]) == ("blocked", "The tag is blocked.")
    # A second demo run leaves the data alone.
    assert _cli(db, "demo") is None

    # The eMabler query form: the key works, and the access log shows it redacted.
    response = httpx.get(
        f"{base}/api/v1/drivers/by-idtag/04A23B1C",
        params={"code": key, "clientId": str(demo["customerId"])},
    )
    assert response.status_code == 200
    deadline = time.monotonic() + 5
    while "code=***" not in log.read_text() and time.monotonic() < deadline:
        time.sleep(0.1)
    text = log.read_text()
    assert "code=***" in text
    secret = key.split("_", 2)[2]
    assert len(secret) >= 40 and key not in text and secret not in text


def test_chargers_on_a_served_process(db: Path, served: tuple[str, Path, Any]) -> None:
    """OCPP 1.6 and 2.0.1 chargers against ``evroster serve`` itself; on SIGTERM the
    server closes their sockets with a proper close frame and records them offline."""
    base, _log, proc = served
    demo = _cli(db, "demo")
    headers = {"X-API-Key": demo["apiKey"]}
    doc = httpx.get(f"{base}/api/v1/drivers/by-idtag/04A23B1C", headers=headers).json()
    charger_id = doc["chargers"][0]["chargerId"]
    ws = f"{base.replace('http', 'ws')}/ocpp/{demo['customerId']}/{charger_id}"

    async def as_chargers() -> tuple[Any, Any, Any]:
        # The ocpp library's own ChargePoint of each version, as a charger would run it.
        async with connect(ws, subprotocols=["ocpp1.6"], open_timeout=10) as conn:
            cp16 = ChargePoint16(charger_id, conn, response_timeout=10)
            task = asyncio.create_task(cp16.start())
            boot = await cp16.call(call16.BootNotification("Model", "Vendor"))
            v16 = await cp16.call(call16.Authorize("04a23b1c"))
            task.cancel()
        async with connect(ws, subprotocols=["ocpp2.0.1"], open_timeout=10) as conn:
            cp201 = ChargePoint201(charger_id, conn, response_timeout=10)
            task = asyncio.create_task(cp201.start())
            token = {"id_token": "NOBODY", "type": "ISO14443"}
            v201 = await cp201.call(call201.Authorize(id_token=token))
            task.cancel()
        return boot, v16, v201

    boot, v16, v201 = asyncio.run(as_chargers())
    assert boot.status == "Accepted"
    # expiryDate: the tag's own end of validity (no cache horizon is configured).
    assert v16.id_tag_info == {"status": "Accepted", "expiry_date": doc["tags"][0]["expiringDate"]}
    assert v201.id_token_info == {"status": "Unknown"}

    async def stay_connected_through_sigterm() -> int:
        async with connect(ws, subprotocols=["ocpp1.6"], open_timeout=10) as conn:
            await conn.send(json.dumps([2, "h", "Heartbeat", {}]))
            await asyncio.wait_for(conn.recv(), 10)
            charger = httpx.get(f"{base}/api/v1/chargers/{charger_id}", headers=headers).json()
            assert charger["activeConnection"] is True
            proc.terminate()
            try:
                await asyncio.wait_for(conn.recv(), 15)
            except ConnectionClosed as closed:
                assert closed.rcvd is not None, "closed without a close frame"
                return closed.rcvd.code
        raise AssertionError("the server did not close the socket")

    assert asyncio.run(stay_connected_through_sigterm()) == 1012  # service restart
    # uvicorn re-raises the signal once shut down, so that its parent sees why it ended.
    assert proc.wait(15) in (0, -signal.SIGTERM)
    # Recorded offline before the process ended.
    with sqlite3.connect(db) as conn:
        (active,) = conn.execute(
            "SELECT active_connection FROM chargers WHERE charger_id = ?", (charger_id,)
        ).fetchone()
    assert active == 0
