"""The cache across processes: workers on one SQLite file read every write at once;
PostgreSQL replicas read it within the documented bound, also when their listener drops.

Real ``evroster serve`` processes, each with its own cache, written through one and read
through another right after the write returns.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import httpx
import psycopg

from tests.conftest import PG_ADMIN
from tests.e2e.processes import operator, serving

BOUND = 1.0  # EVROSTER_CACHE_STALENESS_SECONDS, the default


def _listeners(database: str, what: str = "*") -> int:
    """The change listeners connected to ``database``; ``what`` may terminate them."""
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        row = admin.execute(
            f"SELECT count({what}) FROM pg_stat_activity"
            " WHERE datname = %s AND application_name = 'evroster-changes'",
            (database,),
        ).fetchone()
    return int(row[0]) if row is not None else 0


def _driver(base: str, key: str, id_tag: str) -> int:
    headers = {"X-API-Key": key}
    doc = httpx.post(f"{base}/api/v1/drivers", json={"name": "v0"}, headers=headers).json()
    response = httpx.post(
        f"{base}/api/v1/drivers/{doc['id']}/tags", json={"idTag": id_tag}, headers=headers
    )
    assert response.status_code == 201, response.text
    return int(doc["id"])


def _name(client: httpx.Client, id_tag: str) -> str:
    response = client.get(f"/api/v1/drivers/by-idtag/{id_tag}")
    assert response.status_code == 200, response.text
    name: str = response.json()["name"]
    return name


def test_sqlite_processes_never_read_a_stale_document(tmp_path: Path) -> None:
    """Two servers on one file, and one with two workers: each write is read at once."""
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    _, key = operator(url)
    log = tmp_path / "serve.log"
    headers = {"X-API-Key": key}
    with (
        serving(url, log) as a,
        serving(url, log) as b,
        serving(url, log, EVROSTER_WORKERS="2") as both,
        httpx.Client(base_url=a.base, headers=headers) as writer,
        httpx.Client(base_url=b.base, headers=headers) as reader,
        httpx.Client(base_url=both.base, headers=headers) as workers,
    ):
        driver_id = _driver(a.base, key, "SHARED-1")
        stale = 0
        for n in range(1, 151):
            for client in (reader, workers):
                _name(client, "SHARED-1")  # keeps both caches warm
            name = f"v{n}"
            patched = writer.patch(f"/api/v1/drivers/{driver_id}", json={"name": name})
            assert patched.status_code == 200, patched.text
            stale += _name(reader, "SHARED-1") != name
            stale += _name(workers, "SHARED-1") != name
            # Through the two-worker server too: write through it, read it back at once.
            name = f"w{n}"
            workers.patch(f"/api/v1/drivers/{driver_id}", json={"name": name})
            stale += _name(workers, "SHARED-1") != name
            stale += _name(reader, "SHARED-1") != name
        assert stale == 0
        # A tag deleted through one process is gone from the other at once.
        tag_id = writer.get("/api/v1/drivers/by-idtag/SHARED-1").json()["tags"][0]["id"]
        assert writer.delete(f"/api/v1/tags/{tag_id}").status_code == 204
        assert reader.get("/api/v1/drivers/by-idtag/SHARED-1").status_code == 404
        assert workers.get("/api/v1/drivers/by-idtag/SHARED-1").status_code == 404


def test_postgresql_replicas_read_writes_within_the_bound(
    pg_database: str, tmp_path: Path, record_property: Callable[[str, object], None]
) -> None:
    _, key = operator(pg_database)
    log = tmp_path / "serve.log"
    headers = {"X-API-Key": key}
    with (
        serving(pg_database, log) as a,
        serving(pg_database, log) as b,
        httpx.Client(base_url=a.base, headers=headers) as writer,
        httpx.Client(base_url=b.base, headers=headers) as reader,
    ):
        driver_id = _driver(a.base, key, "REPLICA-1")
        delays = []
        for n in range(1, 41):
            _name(reader, "REPLICA-1")  # in B's cache before the write
            name = f"v{n}"
            patched = writer.patch(f"/api/v1/drivers/{driver_id}", json={"name": name})
            assert patched.status_code == 200
            written = time.monotonic()
            # Read-your-writes on the replica that wrote, at once.
            assert _name(writer, "REPLICA-1") == name
            while _name(reader, "REPLICA-1") != name:
                assert time.monotonic() - written < BOUND, "stale beyond the bound"
                time.sleep(0.002)
            delays.append(time.monotonic() - written)
        delays.sort()
        record_property("replica_delay_median_ms", round(delays[len(delays) // 2] * 1000, 1))
        record_property("replica_delay_max_ms", round(delays[-1] * 1000, 1))
        assert delays[-1] < BOUND


def test_postgresql_replica_bypasses_its_cache_when_its_listener_drops(
    pg_database: str, tmp_path: Path
) -> None:
    """The listeners' connections are killed: changes published meanwhile are lost to
    them, yet no replica serves a stale document beyond the bound, and the listeners
    come back."""
    _, key = operator(pg_database)
    log = tmp_path / "serve.log"
    headers = {"X-API-Key": key}
    database = pg_database.rsplit("/", 1)[1]
    with (
        serving(pg_database, log) as a,
        serving(pg_database, log) as b,
        httpx.Client(base_url=a.base, headers=headers) as writer,
        httpx.Client(base_url=b.base, headers=headers) as reader,
    ):
        driver_id = _driver(a.base, key, "DROP-1")
        _name(reader, "DROP-1")
        for n in range(1, 6):
            assert _listeners(database, "pg_terminate_backend(pid)") == 2  # one per replica
            name = f"after drop {n}"
            writer.patch(f"/api/v1/drivers/{driver_id}", json={"name": name})
            time.sleep(BOUND + 0.1)
            assert _name(reader, "DROP-1") == name
        # Back to normal: listening again, and served from the cache within the bound.
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if _listeners(database) == 2:
                break
            time.sleep(0.2)
        else:
            raise AssertionError("the listeners did not come back")
        writer.patch(f"/api/v1/drivers/{driver_id}", json={"name": "settled"})
        time.sleep(BOUND)
        assert _name(reader, "DROP-1") == "settled"
    assert "listener lost" in log.read_text()
