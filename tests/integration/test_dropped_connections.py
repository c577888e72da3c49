"""A pooled PostgreSQL connection that the server dropped is refused at checkout without
a round trip (``storage/sql/engine.py``), so reads and writes after their backends were
terminated go through on fresh connections instead of failing once per pooled one."""

from __future__ import annotations

import os
import resource
import time

import psycopg
import sqlalchemy as sa

from evroster.storage.sql.engine import create_engine
from evroster.storage.sql.store import SqlStore


def _terminate(url: str, pids: list[int]) -> None:
    admin = sa.make_url(url).set(drivername="postgresql").render_as_string(False)
    with psycopg.connect(admin, autocommit=True) as conn:
        for pid in pids:
            conn.execute("SELECT pg_terminate_backend(%s)", (pid,))
        deadline = time.monotonic() + 10
        while conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(%s)", (pids,)
        ).fetchone() != (0,):
            assert time.monotonic() < deadline, "the backends did not end"
            time.sleep(0.01)


def _pooled_pids(engine: sa.Engine, count: int) -> list[int]:
    """Check ``count`` connections out at once and back in: the pool keeps them all."""
    held = [engine.raw_connection() for _ in range(count)]
    pids = [int(c.driver_connection.info.backend_pid) for c in held]  # type: ignore[union-attr]
    for conn in held:
        conn.rollback()
        conn.close()
    return pids


def test_dropped_pooled_connections_are_replaced_for_reads_and_writes(
    database_urls: dict[str, str],
) -> None:
    url = database_urls["postgresql"]
    store = SqlStore(url, pool_size=3)
    try:
        read_pids = _pooled_pids(store._read_engine, 3)
        write_pids = _pooled_pids(store.engine, 3)
        _terminate(url, read_pids + write_pids)
        # Every pooled connection is dead: each checkout notices and connects again.
        for _ in range(4):
            assert store.documents.principal("no-such-key") is None
            with store.transaction() as uow:
                assert uow.customers.get(987_654_321) is None
        assert set(_pooled_pids(store._read_engine, 3)).isdisjoint(read_pids)
    finally:
        store.close()


def test_a_live_idle_connection_is_kept(database_urls: dict[str, str]) -> None:
    engine = create_engine(database_urls["postgresql"], pool_size=1)
    try:
        first = _pooled_pids(engine, 1)
        assert _pooled_pids(engine, 1) == first  # nothing dropped: no new connection
    finally:
        engine.dispose()


def test_a_connection_numbered_past_1024_is_checked_too(database_urls: dict[str, str]) -> None:
    """A process with thousands of chargers connected holds sockets past select()'s
    limit: the check must work there, not refuse every connection."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < 1200:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 4096), hard))
    filler = [os.open(os.devnull, os.O_RDONLY) for _ in range(1100)]
    engine = create_engine(database_urls["postgresql"], pool_size=1)
    try:
        held = engine.raw_connection()
        assert held.driver_connection.pgconn.socket > 1024  # type: ignore[union-attr]
        held.close()
        first = _pooled_pids(engine, 1)
        assert _pooled_pids(engine, 1) == first
    finally:
        engine.dispose()
        for fd in filler:
            os.close(fd)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
