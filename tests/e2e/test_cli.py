"""The command line, run as a real process: customers, keys, demo, and serve (whose
access log must never show a key given in the query string)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest


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
def served(db: Path, tmp_path: Path) -> Iterator[tuple[str, Path]]:
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
        yield base, log
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


def test_demo_then_serve(db: Path, served: tuple[str, Path]) -> None:
    base, log = served
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
