"""Storage on both databases: migrations up and down, constraints the services rely on."""

from __future__ import annotations

from collections.abc import Iterator

import orjson
import psycopg
import pytest
import sqlalchemy as sa

from evroster.errors import Conflict
from evroster.services import drivers, keys
from evroster.services.audit import Actor
from evroster.services.signing import signing_key
from evroster.storage.migrations import downgrade, upgrade
from evroster.storage.sql.engine import create_engine
from evroster.storage.sql.store import SqlStore
from evroster.storage.sql.tables import metadata
from tests.conftest import PG_ADMIN, _pg_url

TABLES = {
    "customers",
    "api_keys",
    "cache_changes",
    "sites",
    "chargers",
    "sockets",
    "drivers",
    "tags",
    "site_grants",
    "charger_grants",
    "tag_aliases",
    "transactions",
    "audit_log",
    "secrets",
}


# What ?search= and the console's search box match by a part, on PostgreSQL.
TRIGRAM = [
    "drivers_name",
    "drivers_external_id",
    "sites_name",
    "sites_external_id",
    "chargers_charger_id",
    "chargers_charger_name",
]


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('m') / 'm.db'}"
        return
    name = f"evroster_mig_{tmp_path_factory.getbasetemp().name[-8:]}_{id(request)}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')  # type: ignore[arg-type]
    yield _pg_url(name)
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')  # type: ignore[arg-type]


def _tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        return set(sa.inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def test_migrations_up_down_up(empty_url: str) -> None:
    upgrade(empty_url)
    assert _tables(empty_url) == TABLES == set(metadata.tables)
    downgrade(empty_url, "base")
    assert _tables(empty_url) == set()
    upgrade(empty_url)
    assert _tables(empty_url) == TABLES


def test_migrated_schema_matches_the_tables(empty_url: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    upgrade(empty_url)
    engine = create_engine(empty_url)
    # PostgreSQL's trigram indexes (migration 0006) live in the migration alone: the
    # tables describe what both databases share.
    trigram = [f"ix_{c}_trgm" for c in TRIGRAM]

    def shared(obj: object, name: str | None, kind: str, *_: object) -> bool:
        return not (kind == "index" and name in trigram)

    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_object": shared})
        diff = compare_metadata(context, metadata)
        if engine.dialect.name == "postgresql":
            found = {i["name"] for t in ("drivers", "sites", "chargers")
                     for i in sa.inspect(conn).get_indexes(t)}  # fmt: skip
            assert set(trigram) <= found
    engine.dispose()
    assert diff == []


def test_searches_use_the_trigram_indexes_on_postgresql(database_urls: dict[str, str]) -> None:
    engine = create_engine(database_urls["postgresql"])
    with engine.connect() as conn:
        conn.exec_driver_sql("SET enable_seqscan = off")
        plan = (
            conn.exec_driver_sql("EXPLAIN SELECT id FROM drivers WHERE name ILIKE '%%ada lov%%'")
            .scalars()
            .all()
        )
    engine.dispose()
    assert any("ix_drivers_name_trgm" in line for line in plan), plan


def test_a_secret_is_made_once_and_shared(empty_url: str) -> None:
    upgrade(empty_url)
    first, second = SqlStore(empty_url), SqlStore(empty_url)
    try:
        kept = signing_key(first, "console-session")
        assert len(kept) >= 40
        assert signing_key(second, "console-session") == kept  # another process agrees
        assert signing_key(first, "something-else") != kept
    finally:
        first.close()
        second.close()


def test_sqlite_pragmas(tmp_path_factory: pytest.TempPathFactory) -> None:
    url = f"sqlite:///{tmp_path_factory.mktemp('p') / 'p.db'}"
    engine = create_engine(url)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()


def test_unique_key_is_the_last_line_of_defence(database_urls: dict[str, str]) -> None:
    """Two writers that both pass the service check meet the unique index: a Conflict."""
    for url in database_urls.values():
        store = SqlStore(url)
        try:
            account = keys.create_customer(store, "race")
            driver = drivers.create_driver(store, Actor(account["id"]), {"name": "R"})
            drivers.add_tag(store, Actor(account["id"]), driver["id"], {"id_tag": "RACE"})
            with pytest.raises(Conflict), store.transaction() as uow:
                uow.tags.create(
                    account["id"], driver["id"], {"id_tag": "race", "id_tag_key": "RACE"}
                )
            doc = store.documents.by_driver_id(account["id"], driver["id"])
            assert doc is not None
            assert [t["idTag"] for t in orjson.loads(doc.driver[7])] == ["RACE"]
        finally:
            store.close()
