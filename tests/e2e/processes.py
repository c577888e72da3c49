"""``evroster`` as a real process, for tests that kill, stop or restart things, and a
load of REST writers and readers to run against it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from evroster.services.keys import create_customer
from evroster.storage.migrations import upgrade
from evroster.storage.sql.store import SqlStore


@dataclass
class Served:
    base: str
    process: subprocess.Popen[bytes]
    log: Path


def run_evroster(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    """``evroster ARGS`` on the database at ``url``, to its end."""
    return subprocess.run(
        [sys.executable, "-m", "evroster", *args],
        env={**os.environ, "EVROSTER_DATABASE_URL": url},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def start(url: str, log: Path, port: int | None = None, **env: str) -> Served:
    """Start ``evroster serve`` on ``url`` and wait until it answers."""
    port = port or free_port()
    with log.open("a") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "evroster", "serve", "--port", str(port)],
            env={**os.environ, "EVROSTER_DATABASE_URL": url, **env},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            httpx.get(base + "/openapi.json", timeout=1)
            return Served(base, process, log)
        except httpx.TransportError:
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "evroster serve did not start"
            time.sleep(0.1)


@contextmanager
def serving(url: str, log: Path, **env: str) -> Iterator[Served]:
    served = start(url, log, **env)
    try:
        yield served
    finally:
        if served.process.poll() is None:
            served.process.terminate()
            served.process.wait(15)


@dataclass
class Load:
    """Writers and readers against one server, until stopped; what each request got."""

    base: str
    key: str
    tag: str
    acked: list[tuple[int, str]] = field(default_factory=list)
    statuses: list[tuple[float, str, int]] = field(default_factory=list)
    bad: list[str] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def _writer(self, n: int) -> None:
        with httpx.Client(base_url=self.base, timeout=15) as client:
            i = 0
            while not self.stop.is_set():
                i += 1
                name = f"writer {n} #{i}"
                self._call(client, "write", "POST", "/api/v1/drivers", {"name": name}, name)

    def _reader(self) -> None:
        with httpx.Client(base_url=self.base, timeout=15) as client:
            while not self.stop.is_set():
                self._call(client, "read", "GET", f"/api/v1/drivers/by-idtag/{self.tag}")

    def _call(
        self,
        client: httpx.Client,
        kind: str,
        method: str,
        path: str,
        body: Any = None,
        name: str = "",
    ) -> None:
        try:
            response = client.request(method, path, json=body, headers={"X-API-Key": self.key})
        except httpx.TimeoutException:
            self.bad.append(f"{kind}: no answer in 15 s")
            return
        except httpx.TransportError:
            # The server itself went away (the SIGKILL test): not an answer to judge.
            time.sleep(0.05)
            return
        self.statuses.append((time.monotonic(), kind, response.status_code))
        if response.status_code == 503:
            if "retry-after" not in response.headers:
                self.bad.append(f"{kind}: 503 without Retry-After")
            time.sleep(0.05)
        elif response.status_code == 201:
            self.acked.append((response.json()["id"], name))
        elif response.status_code != 200:
            self.bad.append(f"{kind}: {response.status_code} {response.text[:200]}")

    @contextmanager
    def running(self) -> Iterator[None]:
        """Three writers and a reader, from entering the block until leaving it."""
        threads = [threading.Thread(target=self._writer, args=(n,)) for n in range(3)]
        threads.append(threading.Thread(target=self._reader))
        for t in threads:
            t.start()
        try:
            yield
        finally:
            self.stop.set()
            for t in threads:
                t.join(30)


TAG = "FAULT-TAG"


def operator(url: str) -> tuple[int, str]:
    upgrade(url)
    store = SqlStore(url)
    try:
        account = create_customer(store, "faults")
    finally:
        store.close()
    return account["id"], account["apiKey"]


def seed(base: str, key: str, tag: str) -> None:
    headers = {"X-API-Key": key}
    doc = httpx.post(f"{base}/api/v1/drivers", json={"name": "seed"}, headers=headers).json()
    httpx.post(f"{base}/api/v1/drivers/{doc['id']}/tags", json={"idTag": tag}, headers=headers)


def all_present(base: str, key: str, acked: list[tuple[int, str]]) -> None:
    assert acked, "no write was acknowledged"
    with httpx.Client(base_url=base, timeout=10, headers={"X-API-Key": key}) as client:
        for driver_id, name in acked:
            response = client.get(f"/api/v1/drivers/{driver_id}")
            assert response.status_code == 200, (driver_id, response.text)
            assert response.json()["name"] == name
