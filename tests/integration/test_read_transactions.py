"""PostgreSQL reads of one statement run in autocommit, one round trip; the first read
of several statements in a batch begins the snapshot that the rest of the batch shares
(``storage/sql/documents.py``); the pool gets its connections back as it lent them."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest
from psycopg.pq import TransactionStatus

from evroster.services import drivers, keys
from evroster.services.audit import Actor
from evroster.storage.sql.store import SqlStore


@pytest.fixture
def store(database_urls: dict[str, str]) -> Iterator[SqlStore]:
    # One pooled read connection: every batch and snapshot transaction shares it.
    opened = SqlStore(database_urls["postgresql"], pool_size=1)
    yield opened
    opened.close()


def _name(store: SqlStore, customer_id: int, driver_id: int) -> str:
    found = store.documents.driver_of_id(customer_id, driver_id)
    assert found is not None
    return str(found.driver[1])


def test_one_statement_reads_open_no_transaction_and_a_snapshot_holds(store: SqlStore) -> None:
    account = keys.create_customer(store, "round trips")
    actor = Actor(account["id"])
    driver = drivers.create_driver(store, actor, {"name": "Before"})
    documents = store.documents
    with documents.batch():
        conn: psycopg.Connection[object] = documents._local.raw.driver_connection
        assert documents.chargers(account["id"], [987_654_321]).chargers == []
        assert documents.principal("no-such-key") is None
        assert conn.info.transaction_status == TransactionStatus.IDLE
        # A change committed before the batch's first read of several statements is
        # seen by it; one committed after is not, for the rest of the batch.
        drivers.update_driver(store, actor, driver["id"], {"name": "During"})
        assert _name(store, account["id"], driver["id"]) == "During"
        assert conn.info.transaction_status == TransactionStatus.INTRANS
        drivers.update_driver(store, actor, driver["id"], {"name": "After"})
        assert _name(store, account["id"], driver["id"]) == "During"
        assert documents.chargers(account["id"], [987_654_321]).chargers == []
        assert conn.execute("SHOW transaction_isolation").fetchone() == ("repeatable read",)
    assert _name(store, account["id"], driver["id"]) == "After"


def test_the_pool_gets_the_connection_back_as_it_lent_it(store: SqlStore) -> None:
    documents = store.documents
    with documents.batch():
        lent = documents._local.raw.driver_connection
        assert lent.autocommit is True
        assert documents.principal("no-such-key") is None
    raw = store._read_engine.raw_connection()
    try:
        assert raw.driver_connection is lent
        assert lent.autocommit is False
        assert lent.read_only is True
    finally:
        raw.close()
    # A snapshot transaction on it is still one: REPEATABLE READ, read-only.
    with store.transaction(write=False, snapshot=True) as uow:
        assert uow.customers.get(987_654_321) is None
        assert lent.info.transaction_status == TransactionStatus.INTRANS
        assert lent.execute("SHOW transaction_isolation").fetchone() == ("repeatable read",)
        assert lent.execute("SHOW transaction_read_only").fetchone() == ("on",)


def test_a_batch_that_fails_does_not_pool_its_connection(store: SqlStore) -> None:
    documents = store.documents
    with pytest.raises(RuntimeError), documents.batch():
        lent = documents._local.raw.driver_connection
        assert documents.principal("no-such-key") is None
        raise RuntimeError("the request failed")
    assert lent.closed
    with documents.batch():
        assert documents._local.raw.driver_connection is not lent
        assert documents.principal("no-such-key") is None
