"""``evroster serve`` as a real process, for tests that kill, stop or restart things."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx


@dataclass
class Served:
    base: str
    process: subprocess.Popen[bytes]
    log: Path


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
