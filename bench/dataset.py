"""Bulk-loads a large operator for benchmarks: sites, chargers with sockets, drivers,
tags and grants, straight into the tables (the API would take hours for this)."""

from __future__ import annotations

import random
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from evroster.domain.idtags import canonical_key
from evroster.services.keys import create_customer
from evroster.storage.sql import tables as t
from evroster.storage.sql.store import SqlStore

__all__ = ["HEAVY", "MILLION", "Dataset", "Shape", "load"]


@dataclass(frozen=True)
class Shape:
    """How big the operator is. The defaults are issue #3's benchmark."""

    drivers: int = 100_000
    max_tags_per_driver: int = 3  # 1..max, uniformly: 2 on average
    # Sites per parent at each level, from the top: cities, garages, floors by default.
    # Floor grants go to the last level, garage grants to the one above it.
    levels: tuple[int, ...] = (20, 5, 19)
    chargers: int = 20_000
    # Access: the share of drivers granted one floor (about ten chargers), one whole
    # garage (about 190), and, independently, 1..max_direct chargers directly. The
    # defaults put the median document near architecture.md's reference (6.2 KB).
    floor_share: float = 0.35
    garage_share: float = 0.005
    direct_share: float = 0.6
    max_direct: int = 4


# Half the drivers granted a floor: a median document of about 17 KB (sizes as the
# defaults; the benchmark sets its own).
HEAVY = Shape(floor_share=0.5, garage_share=0.01, direct_share=0.3, max_direct=3)

# Issue #6's scale: 500,000 drivers with 1,000,000 tags, 20,125 sites five levels deep
# (regions, cities, districts, garages, floors) and 100,000 chargers, about five per
# floor. Grant shares as the reference mix.
MILLION = Shape(drivers=500_000, levels=(5, 4, 5, 10, 19), chargers=100_000)


@dataclass(frozen=True)
class Dataset:
    customer_id: int
    api_key: str
    id_tags: list[str]
    counts: dict[str, int]
    seconds: float


class _Bulk:
    """Rows of one table, written in chunks as they are made: COPY on PostgreSQL,
    executemany on SQLite's own cursor. The ORM or even Core would take minutes per
    million rows; this takes seconds."""

    def __init__(
        self,
        conn: sa.Connection,
        table: sa.Table,
        columns: Sequence[str],
        parent: _Bulk | None = None,
    ) -> None:
        self._raw: Any = conn.connection.dbapi_connection
        self._parent = parent  # rows this table's foreign keys point at, written first
        self._table = table.name
        self._columns = list(columns)
        self._sqlite = conn.dialect.name == "sqlite"
        self._rows: list[tuple[Any, ...]] = []
        self.count = 0

    def add(self, *row: Any) -> None:
        self._rows.append(row)
        if len(self._rows) >= 50_000:
            self.flush()

    def flush(self) -> None:
        if self._parent is not None:
            self._parent.flush()
        if not self._rows:
            return
        names = ", ".join(self._columns)
        if self._sqlite:
            marks = ", ".join("?" * len(self._columns))
            cur = self._raw.cursor()
            rows = [tuple(map(_sqlite_value, row)) for row in self._rows]
            cur.executemany(f"INSERT INTO {self._table} ({names}) VALUES ({marks})", rows)
            cur.close()
        else:
            with (
                self._raw.cursor() as cur,
                cur.copy(f"COPY {self._table} ({names}) FROM STDIN") as copy,
            ):
                for row in self._rows:
                    copy.write_row(row)
        self.count += len(self._rows)
        self._rows = []


def _sqlite_value(value: Any) -> Any:
    # The layout UTCDateTime stores on SQLite (storage/sql/types.py), which the hot
    # path's SQL cuts into RFC 3339.
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    return value


def _next_id(conn: sa.Connection, table: sa.Table) -> int:
    return (
        int(conn.execute(sa.select(sa.func.coalesce(sa.func.max(table.c.id), 0))).scalar_one()) + 1
    )


def _sites(conn: sa.Connection, cid: int, shape: Shape) -> list[list[int]]:
    """The site tree, level by level; each level's ids in order."""
    bulk = _Bulk(
        conn, t.sites,
        ("id", "customer_id", "parent_id", "name", "group_type", "external_id", "cost_id",
         "cost_name"),
    )  # fmt: skip
    next_id = _next_id(conn, t.sites)
    levels: list[list[int]] = []
    parents: list[int | None] = [None]
    names = ["Region", "City", "District", "Garage", "Level"]
    for depth, fan_out in enumerate(shape.levels):
        level: list[int] = []
        last = depth == len(shape.levels) - 1
        kind = "Level" if last else names[max(0, depth + len(names) - len(shape.levels))]
        for parent in parents:
            for n in range(fan_out):
                # Floors have no external id, as in the field; other sites have one.
                external = None if last else f"{kind.lower()}-{next_id}"
                cost = ("ac-1", "Standard AC") if depth == len(shape.levels) - 2 else (None, None)
                bulk.add(next_id, cid, parent, f"{kind} {n}", min(depth, 2), external, *cost)
                level.append(next_id)
                next_id += 1
        levels.append(level)
        parents = list(level)
    bulk.flush()
    return levels


def _chargers(
    conn: sa.Connection, cid: int, shape: Shape, floors: list[int], rng: random.Random
) -> list[int]:
    now = datetime.now(UTC)
    chargers = _Bulk(
        conn, t.chargers,
        ("id", "customer_id", "site_id", "charger_id", "charger_name", "manufacturer",
         "charger_model", "firmware_version", "serial_number", "active_connection",
         "charger_status", "last_seen", "last_message", "latitude", "longitude",
         "street_address", "street_number", "city", "postal_number", "country", "evse_id",
         "capabilities", "charger_configurations"),
    )  # fmt: skip
    sockets = _Bulk(
        conn, t.sockets,
        ("charger_pk", "id", "customer_id", "type", "max_power", "status", "name",
         "max_watts", "max_voltage", "max_amperage", "device_evse_id", "device_connector_id",
         "last_updated"),
        chargers,
    )  # fmt: skip
    base = _next_id(conn, t.chargers)
    configurations = '[{"configName":"HeartbeatInterval","configValue":"300","canBeChanged":true}]'
    pks = []
    for n in range(shape.chargers):
        pk = base + n
        connected = rng.random() < 0.85
        chargers.add(
            pk, cid, floors[n % len(floors)], f"CP{cid}-{n:06d}", f"Charger {n}", "Alfen",
            "Eve Double", "6.1", f"SN{n:08d}", connected, "Available" if connected else None,
            now - timedelta(seconds=rng.randrange(600)), "Heartbeat", 59.9, 10.7, "Storgata",
            str(n % 200), "Oslo", "0150", "NO", f"NO*EVR*E{n:06d}", '["RFID","RemoteStart"]',
            configurations,
        )  # fmt: skip
        for s in (1, 2):
            status = rng.choice(("Available", "Charging", "Faulted"))
            sockets.add(
                pk, s, cid, "Type2", "22kW", status, f"Socket {s}", 22000, 400, 32, s, 1, now
            )
        pks.append(pk)
    chargers.flush()
    sockets.flush()
    return pks


def load(store: SqlStore, shape: Shape, seed: int = 3) -> Dataset:
    """Create one customer holding ``shape``; ids are assigned here, in one transaction."""
    started = time.perf_counter()
    rng = random.Random(seed)
    now = datetime.now(UTC)
    account = create_customer(store, "benchmark operator")
    cid = account["id"]
    with store.engine.begin() as conn:
        levels = _sites(conn, cid, shape)
        floors, garages = levels[-1], levels[-2] if len(levels) > 1 else levels[-1]
        charger_pks = _chargers(conn, cid, shape, floors, rng)
        drivers = _Bulk(
            conn, t.drivers,
            ("id", "customer_id", "name", "external_id", "home_site_id",
             "integrated_external_ids", "created_at", "updated_at"),
        )  # fmt: skip
        tags = _Bulk(
            conn, t.tags,
            ("customer_id", "driver_id", "id_tag", "id_tag_key", "token_name", "last_updated",
             "expiring_date"),
            drivers,
        )  # fmt: skip
        site_grants = _Bulk(
            conn, t.site_grants, ("driver_id", "site_id", "customer_id", "created_at"), drivers
        )
        charger_grants = _Bulk(
            conn,
            t.charger_grants,
            ("driver_id", "charger_pk", "customer_id", "created_at"),
            drivers,
        )
        base = _next_id(conn, t.drivers)
        expiry = now + timedelta(days=365)
        id_tags: list[str] = []
        seen: set[str] = set()
        for n in range(shape.drivers):
            pk = base + n
            drivers.add(pk, cid, f"Driver {n}", f"crm-{n}", rng.choice(garages), "[]", now, now)
            for _ in range(rng.randint(1, shape.max_tags_per_driver)):
                while True:  # a 7-byte ISO 14443 UID, written 04:a2:... in lower case
                    uid = f"{rng.getrandbits(56):014x}"
                    raw = ":".join(uid[i : i + 2] for i in range(0, 14, 2))
                    key = canonical_key(raw)
                    assert key is not None
                    if key not in seen:
                        seen.add(key)
                        break
                tags.add(cid, pk, raw, key, "Card", now, expiry)
                id_tags.append(key)
            roll = rng.random()
            if roll < shape.floor_share:
                site_grants.add(pk, rng.choice(floors), cid, now)
            elif roll < shape.floor_share + shape.garage_share:
                site_grants.add(pk, rng.choice(garages), cid, now)
            if rng.random() < shape.direct_share:
                for c in rng.sample(charger_pks, rng.randint(1, shape.max_direct)):
                    charger_grants.add(pk, c, cid, now)
        for bulk in (drivers, tags, site_grants, charger_grants):
            bulk.flush()
    with store.engine.begin() as conn:
        if store.dialect == "postgresql":
            # Explicit ids bypassed the sequences; move them past what was loaded.
            for table in (t.sites, t.chargers, t.drivers):
                conn.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'),"
                    f" (SELECT max(id) FROM {table.name}))"
                )
        conn.exec_driver_sql("ANALYZE")
    counts = {
        "sites": sum(len(level) for level in levels),
        "chargers": len(charger_pks),
        "sockets": 2 * len(charger_pks),
        "drivers": drivers.count,
        "tags": tags.count,
        "site_grants": site_grants.count,
        "charger_grants": charger_grants.count,
    }
    return Dataset(cid, account["apiKey"], id_tags, counts, time.perf_counter() - started)
