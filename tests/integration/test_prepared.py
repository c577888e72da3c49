"""Prepared statements (storage/sql/prepared.py) against SQLAlchemy's own execution, on
both databases: the same rows, the same types, the same errors."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from evroster.errors import Conflict
from evroster.services import keys
from evroster.storage.sql import prepared as prepared_module
from evroster.storage.sql.common import find_row, insert_row, update_row
from evroster.storage.sql.prepared import prepared
from evroster.storage.sql.store import SqlStore
from evroster.storage.sql.tables import chargers, sites


def _site(store: SqlStore) -> tuple[int, int]:
    customer = keys.create_customer(store, "prepared")["id"]
    with store.transaction() as uow:
        site = uow.sites.create(customer, {"name": "Yard", "parent_id": None})
    return customer, site["id"]


def test_rows_and_types_are_those_of_sqlalchemy(store: SqlStore) -> None:
    """Datetimes (aware UTC), floats (PostgreSQL's numeric processors), booleans, JSON
    text and NULLs: a prepared insert, update and lookup give what Core gives."""
    customer, site = _site(store)
    seen = datetime(2026, 12, 7, 20, 14, 32, 346000, tzinfo=UTC)
    values = {
        "customer_id": customer,
        "site_id": site,
        "charger_id": "PREP-1",
        "charger_name": None,
        "latitude": 59.91,
        "longitude": 10.75,
        "last_seen": seen,
        "active_connection": True,
        "capabilities": '["RFID"]',
    }
    with store.transaction() as uow:
        conn = uow.chargers._conn
        inserted = insert_row(conn, chargers, values)
        pk = inserted["id"]
        by_core = dict(conn.execute(chargers.select().where(chargers.c.id == pk)).one()._mapping)
        assert inserted == {str(k): v for k, v in by_core.items()}
        assert inserted["last_seen"] == seen and inserted["last_seen"].tzinfo is not None
        assert inserted["latitude"] == 59.91 and inserted["active_connection"] is True
        assert inserted["charger_name"] is None
        changed = update_row(
            conn, chargers, customer, pk, {"charger_name": "Renamed", "active_connection": False}
        )
        assert changed == {**inserted, "charger_name": "Renamed", "active_connection": False}
        assert find_row(conn, chargers, customer_id=customer, charger_id="PREP-1") == changed
        assert find_row(conn, chargers, customer_id=customer, charger_id="NONE") is None
        # Another customer's row is not updated, and is not found.
        assert update_row(conn, chargers, customer + 1, pk, {"charger_name": "X"}) is None
        assert find_row(conn, chargers, customer_id=customer + 1, charger_id="PREP-1") is None


def test_a_duplicate_is_a_conflict_and_changes_nothing(store: SqlStore) -> None:
    customer, site = _site(store)
    row = {"customer_id": customer, "site_id": site, "charger_id": "DUP-1"}
    with store.transaction() as uow:
        insert_row(uow.chargers._conn, chargers, row)
    with pytest.raises(Conflict), store.transaction() as uow:
        insert_row(uow.chargers._conn, chargers, {**row, "charger_name": "second"})
    with store.transaction(write=False) as uow:
        found = uow.chargers.get(customer, "DUP-1")
    assert found is not None and found["charger_name"] is None


def test_one_statement_for_the_same_columns_in_any_order(store: SqlStore) -> None:
    customer, site = _site(store)
    with store.transaction() as uow:
        conn = uow.sites._conn
        statement = sa.update(sites).where(sites.c.id == sa.bindparam("_pk"))
        first = prepared(conn, statement, ("name", "external_id", "_pk"))
        assert prepared(conn, statement, ("_pk", "external_id", "name")) is first
        assert first.run(conn, {"_pk": site, "external_id": "E-1", "name": "Renamed"}) == 1
        found = find_row(conn, sites, customer_id=customer, id=site)
    assert found is not None
    assert (found["name"], found["external_id"]) == ("Renamed", "E-1")


def test_the_statements_kept_are_bounded(store: SqlStore, monkeypatch: pytest.MonkeyPatch) -> None:
    """Clients choose which columns a PATCH sets: however many sets they send, the
    compiled statements kept per database stay under MAX_STATEMENTS."""
    monkeypatch.setattr(prepared_module, "MAX_STATEMENTS", 3)
    customer, site = _site(store)
    columns = ["name", "external_id", "payer_id", "cost_id", "cost_name"]
    with store.transaction() as uow:
        conn = uow.sites._conn
        for n, column in enumerate(columns):
            row = update_row(conn, sites, customer, site, {column: None if n else f"Site {n}"})
            assert row is not None and row["name"] == "Site 0"
            assert len(prepared_module._COMPILED[conn.dialect]) <= 3


def test_an_expanding_list_is_refused(store: SqlStore) -> None:
    with store.transaction(write=False) as uow:
        conn = uow.sites._conn
        statement = sa.select(sites.c.id).where(sites.c.id.in_(sa.bindparam("ids", expanding=True)))
        with pytest.raises(ValueError, match="named parameters only"):
            prepared(conn, statement)
