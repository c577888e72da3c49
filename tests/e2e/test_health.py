"""The probes of load balancers: no key needed, nothing of any customer shown, and a
database that does not answer makes the process unready, not dead (the outage itself
is in test_faults.py)."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import httpx

from evroster.api.app import create_app
from evroster.config import Settings
from evroster.services.cache import DocumentCache
from evroster.services.documents import Documents
from evroster.services.health import readiness
from evroster.storage.migrations import upgrade
from evroster.storage.sql.store import SqlStore
from tests.conftest import Server


def test_live_and_ready_without_a_key(server: Server) -> None:
    with httpx.Client(base_url=server.base_url) as client:
        live = client.get("/healthz")
        assert live.status_code == 200 and live.json() == {"status": "ok"}
        ready = client.get("/readyz")
        assert ready.status_code == 200, ready.text
        assert ready.json() == {
            "status": "ready",
            "database": "ok",
            "schema": server.store.schema_revision(),
            "cache": "on",
        }
        assert ready.json()["schema"]  # the migrations' head, e.g. "0006"
        assert ready.headers["cache-control"] == "no-store"
        for path in ("/healthz", "/readyz"):
            head = client.head(path)
            assert head.status_code == 200 and head.content == b""
            assert client.post(path).status_code == 405


def test_probes_are_not_in_the_api_document(server: Server) -> None:
    spec = httpx.get(server.base_url + "/openapi.json").json()
    assert not {"/healthz", "/readyz"} & set(spec["paths"])


def test_a_database_that_does_not_answer_makes_the_process_unready() -> None:
    """A PostgreSQL URL where nothing listens: live, but ready is a 503 in words."""
    url = "postgresql://postgres@127.0.0.1:9/nothing"
    store = SqlStore(url)
    app = create_app(Settings(database_url=url, cache_mb=0), store)
    transport = httpx.ASGITransport(app=app)

    async def probe() -> tuple[httpx.Response, httpx.Response]:
        async with httpx.AsyncClient(transport=transport, base_url="http://probe") as client:
            return await client.get("/healthz"), await client.get("/readyz")

    try:
        live, ready = asyncio.run(probe())
    finally:
        store.close()
    assert live.status_code == 200
    assert ready.status_code == 503, ready.text
    assert ready.json()["detail"] == "The database is unavailable; retry shortly"
    assert "postgres" not in ready.text  # no URL, user or driver message


def test_a_cache_of_zero_bytes_is_reported_off(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'off.db'}"
    upgrade(url)
    with Server(url, Settings(database_url=url, cache_mb=0)) as server:
        ready = httpx.get(server.base_url + "/readyz")
    server.store.close()
    assert ready.status_code == 200 and ready.json()["cache"] == "off"


def test_a_replica_whose_change_feed_is_late_reports_its_cache_bypassed(
    database_urls: dict[str, str],
) -> None:
    """The listener confirms the feed within the staleness bound; once it stops, the
    replica says its cache is bypassed (and stays ready: it reads the database)."""
    store = SqlStore(database_urls["postgresql"], staleness_seconds=0.3)
    documents = Documents(store.documents, store.changes, DocumentCache(1 << 20))
    try:
        deadline = time.monotonic() + 10
        while documents.cache_state() != "on":  # the listener is up and has probed
            assert time.monotonic() < deadline
            time.sleep(0.02)
        store.changes.close()  # the listener stops, as when its connection drops
        time.sleep(0.5)
        found = readiness(store, documents)
        assert found == {
            "status": "ready",
            "database": "ok",
            "schema": store.schema_revision(),
            "cache": "bypassed",
        }
    finally:
        store.close()
