"""What every benchmark shares: free ports, CPU pinning, fresh databases, servers run
as real processes."""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent
DATA = ROOT / "data"
RESULTS = ROOT / "results"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def pin(cpu: int) -> list[str]:
    # Two cores: the server gets one, the load generator the other (architecture.md).
    return ["taskset", "-c", str(cpu)] if shutil.which("taskset") and os.cpu_count() else []


@dataclass(frozen=True)
class Served:
    base: str
    pid: int
    log: Path


@contextmanager
def serving(argv: list[str], env: dict[str, str], port: int, name: str) -> Iterator[Served]:
    """Run ``argv`` pinned to CPU 0 until it answers HTTP on ``port``.

    Its output goes to ``bench/data/<name>.log``, overwritten each run (a pipe nobody
    reads would block the server once full); a benchmark reports what was logged.
    """
    DATA.mkdir(exist_ok=True)
    log = DATA / f"{name}.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [*pin(0), *argv], env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(base + "/", timeout=1)
                break
            except httpx.TransportError:
                if proc.poll() is not None:
                    raise RuntimeError(log.read_text()) from None
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{argv} did not start") from None
                time.sleep(0.1)
        # taskset execs the command: the pid is the server's own.
        yield Served(base, proc.pid, log)
    finally:
        proc.terminate()
        proc.wait(15)


def add_postgres_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--postgres",
        metavar="SERVER_URL",
        help="run on PostgreSQL instead: a server URL such as postgresql://postgres@127.0.0.1"
        ":5432; the database evroster_bench is dropped and created there",
    )


def fresh_database(name: str, postgres: str | None, pg_name: str = "evroster_bench") -> str:
    """The URL of an empty database: a new SQLite file, or ``pg_name`` on ``postgres``."""
    if postgres is None:
        DATA.mkdir(exist_ok=True)
        db = DATA / f"{name}.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{db}"
    import psycopg

    server = postgres.rstrip("/")
    with psycopg.connect(server + "/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {pg_name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {pg_name}")
    return f"{server}/{pg_name}"


def uvicorn_argv(app: str, port: int) -> list[str]:
    """A raw ASGI app under the same uvicorn settings as ``evroster serve``."""
    import sys

    return [
        sys.executable,
        "-m",
        "uvicorn",
        app,
        "--port",
        str(port),
        "--no-access-log",
        "--log-level",
        "warning",
        "--no-server-header",
    ]


def wrk(
    base: str, seconds: int, connections: int, script: str, data: Path, key: str, *extra: str
) -> dict[str, Any]:
    """One wrk run (one thread, pinned to CPU 1) of ``bench/<script>`` with its file of
    idTags (or rows) and API key: requests/s, p50, p99, non-2xx answers, socket errors."""
    out = subprocess.run(
        [
            *pin(1), "wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency",
            "-s", str(ROOT / script), base, "--", str(data), key, *extra,
        ],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip

    def latency_ms(label: str) -> float:
        match = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        assert match, out
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    assert rps, out
    requests = re.search(r"(\d+) requests in", out)
    assert requests, out
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    return {
        "rps": float(rps.group(1)),
        "requests": int(requests.group(1)),
        "p50_ms": latency_ms("50"),
        "p99_ms": latency_ms("99"),
        "non_2xx": int(non_2xx.group(1)) if non_2xx else 0,
        "socket_errors": errors.group(1) if errors else None,
        "connections": connections,
    }
