"""Fixtures that talk to real things: a SQLite file, the PostgreSQL server on
127.0.0.1:5432 (a database of our own per run, dropped after), and a real uvicorn
server per backend that the tests reach over HTTP."""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
import uvicorn

from evroster.api.app import create_app
from evroster.config import Settings
from evroster.services.audit import Actor
from evroster.services.cache import DocumentCache
from evroster.services.documents import Documents
from evroster.services.keys import create_customer, issue_key
from evroster.storage.migrations import upgrade
from evroster.storage.sql.store import SqlStore

PG_ADMIN = os.environ.get("EVROSTER_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
BACKENDS = ["sqlite", "postgresql"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Playwright's sync API keeps an event loop running in the main thread from the
    # first browser test to the end of the session, and asyncio.run() refuses to start
    # inside it (the OCPP tests use it): browser tests run last.
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


def _pg_url(dbname: str) -> str:
    return PG_ADMIN.rsplit("/", 1)[0] + "/" + dbname


def _pg_admin(sql: str) -> None:
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(sql)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def database_urls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """One migrated database per backend for the whole run."""
    name = f"evroster_test_{uuid.uuid4().hex[:12]}"
    # No skip when PostgreSQL is missing: every storage test must run on both.
    _pg_admin(f'CREATE DATABASE "{name}"')
    urls = {
        "sqlite": f"sqlite:///{tmp_path_factory.mktemp('db') / 'evroster.db'}",
        "postgresql": _pg_url(name),
    }
    for url in urls.values():
        upgrade(url)
    yield urls
    _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def pg_database() -> Iterator[str]:
    """An empty PostgreSQL database of its own, for tests that run real processes on it."""
    name = f"evroster_{uuid.uuid4().hex[:12]}"
    _pg_admin(f'CREATE DATABASE "{name}"')
    yield _pg_url(name)
    _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Server:
    """A real uvicorn server on a free port, in a thread, serving one database."""

    def __init__(self, url: str, settings: Settings | None = None) -> None:
        self.url = url
        self.store = SqlStore(url)
        # Tests send many requests without a key from one address: throttling failed
        # authentication has a test of its own (test_hardening.py).
        settings = settings or Settings(database_url=url, auth_failures_per_minute=1_000_000)
        self.app = create_app(settings, self.store)
        # The reads of the hot path with a cache of their own, for in-process tests: it
        # hears of changes like the server's cache does.
        self.documents = Documents(
            self.store.documents, self.store.changes, DocumentCache(64 * 1024 * 1024)
        )
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.base_url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            self.app,
            host="127.0.0.1",
            port=self.port,
            log_level="warning",
            loop="asyncio",
            lifespan="on",
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    def __enter__(self) -> Server:
        self._thread.start()
        deadline = time.monotonic() + 20
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("test server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.should_exit = True
        self._thread.join(10)


@pytest.fixture(scope="session")
def servers(database_urls: dict[str, str]) -> Iterator[dict[str, Server]]:
    started = {name: Server(url).__enter__() for name, url in database_urls.items()}
    yield started
    for server in started.values():
        server.__exit__()


@pytest.fixture(params=BACKENDS)
def server(request: pytest.FixtureRequest, servers: dict[str, Server]) -> Server:
    return servers[request.param]


class Api:
    """An HTTP client for one customer's key; ``raw`` is the underlying httpx client."""

    def __init__(self, server: Server, key: str, customer_id: int) -> None:
        self.server = server
        self.key = key
        self.customer_id = customer_id
        self.raw = httpx.Client(base_url=server.base_url, timeout=30)
        self._children: list[Api] = []

    def request(self, method: str, path: str, **kw: Any) -> httpx.Response:
        headers = {"X-API-Key": self.key, **kw.pop("headers", {})}
        return self.raw.request(method, path, headers=headers, **kw)

    def get(self, path: str, **kw: Any) -> httpx.Response:
        return self.request("GET", path, **kw)

    def post(self, path: str, **kw: Any) -> httpx.Response:
        return self.request("POST", path, **kw)

    def patch(self, path: str, **kw: Any) -> httpx.Response:
        return self.request("PATCH", path, **kw)

    def put(self, path: str, **kw: Any) -> httpx.Response:
        return self.request("PUT", path, **kw)

    def delete(self, path: str, **kw: Any) -> httpx.Response:
        return self.request("DELETE", path, **kw)

    def ok(self, method: str, path: str, status: int = 200, **kw: Any) -> Any:
        """The JSON body of a call that must answer ``status``."""
        response = self.request(method, path, **kw)
        assert response.status_code == status, (method, path, response.status_code, response.text)
        return response.json() if response.content else None

    def read_key(self) -> Api:
        key = issue_key(self.server.store, Actor(self.customer_id, None, "cli"), "read")["apiKey"]
        child = Api(self.server, key, self.customer_id)
        self._children.append(child)
        return child

    def close(self) -> None:
        for child in self._children:
            child.close()
        self.raw.close()


def new_customer(server: Server, name: str = "test customer") -> Api:
    account = create_customer(server.store, name)
    return Api(server, account["apiKey"], account["id"])


@pytest.fixture
def api(server: Server) -> Iterator[Api]:
    client = new_customer(server, "customer A")
    yield client
    client.close()


@pytest.fixture
def other(server: Server) -> Iterator[Api]:
    client = new_customer(server, "customer B")
    yield client
    client.close()


def repo_root() -> Path:
    return Path(__file__).resolve().parent.parent
