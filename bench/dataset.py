"""Bulk-loads a large operator for benchmarks: sites, chargers with sockets, drivers,
tags and grants, straight into the tables (the API would take hours for this)."""

from __future__ import annotations

import random
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from evroster.domain.idtags import canonical_key
from evroster.services.keys import create_customer
from evroster.storage.sql import tables as t
from evroster.storage.sql.store import SqlStore

__all__ = ["HEAVY", "Dataset", "Shape", "load"]


@dataclass(frozen=True)
class Shape:
    """How big the operator is. The defaults are issue #3's benchmark."""

    drivers: int = 100_000
    max_tags_per_driver: int = 3  # 1..max, uniformly: 2 on average
    cities: int = 20
    garages_per_city: int = 5
    floors_per_garage: int = 19
    chargers: int = 20_000
    # Access: the share of drivers granted one floor (about ten chargers), one whole
    # garage (about 190), and, independently, 1..max_direct chargers directly. The
    # defaults put the median document near architecture.md's reference (6.2 KB).
    floor_share: float = 0.35
    garage_share: float = 0.005
    direct_share: float = 0.6
    max_direct: int = 4


# Half the drivers granted a floor: a median document of about 17 KB.
HEAVY = {"floor_share": 0.5, "garage_share": 0.01, "direct_share": 0.3, "max_direct": 3}


@dataclass(frozen=True)
class Dataset:
    customer_id: int
    api_key: str
    id_tags: list[str]
    counts: dict[str, int]
    seconds: float


def _chunks(
    rows: Sequence[dict[str, Any]], size: int = 5_000
) -> Iterator[Sequence[dict[str, Any]]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def _insert(conn: sa.Connection, table: sa.Table, rows: Sequence[dict[str, Any]]) -> None:
    for chunk in _chunks(rows):
        conn.execute(table.insert(), list(chunk))


def load(store: SqlStore, shape: Shape, seed: int = 3) -> Dataset:
    """Create one customer holding ``shape``; ids are assigned here, in one transaction."""
    started = time.perf_counter()
    rng = random.Random(seed)
    now = datetime.now(UTC)
    account = create_customer(store, "benchmark operator")
    cid = account["id"]
    with store.engine.begin() as conn:
        base = conn.execute(sa.select(sa.func.coalesce(sa.func.max(t.sites.c.id), 0))).scalar_one()
        sites: list[dict[str, Any]] = []
        cities, garages, floors = [], [], []
        next_id = base + 1
        for c in range(shape.cities):
            cities.append(next_id)
            sites.append(
                {
                    "id": next_id,
                    "customer_id": cid,
                    "parent_id": None,
                    "name": f"City {c}",
                    "group_type": 0,
                    "external_id": f"city-{c}",
                }
            )
            next_id += 1
        for c, city in enumerate(cities):
            for g in range(shape.garages_per_city):
                garages.append(next_id)
                sites.append(
                    {
                        "id": next_id,
                        "customer_id": cid,
                        "parent_id": city,
                        "name": f"Garage {c}.{g}",
                        "group_type": 1,
                        "external_id": f"garage-{c}-{g}",
                        "cost_id": "ac-1",
                        "cost_name": "Standard AC",
                    }
                )
                next_id += 1
        for garage in garages:
            for f in range(shape.floors_per_garage):
                floors.append(next_id)
                sites.append(
                    {
                        "id": next_id,
                        "customer_id": cid,
                        "parent_id": garage,
                        "name": f"Level {f}",
                        "group_type": 2,
                        "external_id": None,
                    }
                )
                next_id += 1
        _insert(conn, t.sites, sites)

        charger_base = conn.execute(
            sa.select(sa.func.coalesce(sa.func.max(t.chargers.c.id), 0))
        ).scalar_one()
        chargers, sockets = [], []
        for n in range(shape.chargers):
            pk = charger_base + n + 1
            connected = rng.random() < 0.85
            chargers.append(
                {
                    "id": pk,
                    "customer_id": cid,
                    "site_id": floors[n % len(floors)],
                    "charger_id": f"CP{cid}-{n:06d}",
                    "charger_name": f"Charger {n}",
                    "manufacturer": "Alfen",
                    "charger_model": "Eve Double",
                    "firmware_version": "6.1",
                    "serial_number": f"SN{n:08d}",
                    "active_connection": connected,
                    "charger_status": "Available" if connected else None,
                    "last_seen": now - timedelta(seconds=rng.randrange(600)),
                    "last_message": "Heartbeat",
                    "latitude": 59.9,
                    "longitude": 10.7,
                    "street_address": "Storgata",
                    "street_number": str(n % 200),
                    "city": "Oslo",
                    "postal_number": "0150",
                    "country": "NO",
                    "evse_id": f"NO*EVR*E{n:06d}",
                    "capabilities": '["RFID","RemoteStart"]',
                    "charger_configurations": '[{"configName":"HeartbeatInterval",'
                    '"configValue":"300","canBeChanged":true}]',
                }
            )
            for s in (1, 2):
                sockets.append(
                    {
                        "charger_pk": pk,
                        "id": s,
                        "customer_id": cid,
                        "type": "Type2",
                        "max_power": "22kW",
                        "status": rng.choice(("Available", "Charging", "Faulted")),
                        "name": f"Socket {s}",
                        "max_watts": 22000,
                        "max_voltage": 400,
                        "max_amperage": 32,
                        "device_evse_id": s,
                        "device_connector_id": 1,
                        "last_updated": now,
                    }
                )
        _insert(conn, t.chargers, chargers)
        _insert(conn, t.sockets, sockets)

        driver_base = conn.execute(
            sa.select(sa.func.coalesce(sa.func.max(t.drivers.c.id), 0))
        ).scalar_one()
        drivers, tags, site_grants, charger_grants = [], [], [], []
        id_tags: list[str] = []
        seen: set[str] = set()
        for n in range(shape.drivers):
            pk = driver_base + n + 1
            drivers.append(
                {
                    "id": pk,
                    "customer_id": cid,
                    "name": f"Driver {n}",
                    "external_id": f"crm-{n}",
                    "home_site_id": rng.choice(garages),
                    "integrated_external_ids": "[]",
                    "created_at": now,
                    "updated_at": now,
                }
            )
            for _ in range(rng.randint(1, shape.max_tags_per_driver)):
                while True:
                    raw = ":".join(f"{rng.randrange(256):02x}" for _ in range(7))
                    key = canonical_key(raw)
                    assert key is not None
                    if key not in seen:
                        seen.add(key)
                        break
                tags.append(
                    {
                        "customer_id": cid,
                        "driver_id": pk,
                        "id_tag": raw,
                        "id_tag_key": key,
                        "token_name": "Card",
                        "last_updated": now,
                        "expiring_date": now + timedelta(days=365),
                    }
                )
                id_tags.append(key)
            roll = rng.random()
            if roll < shape.floor_share:
                site_grants.append(
                    {
                        "driver_id": pk,
                        "site_id": rng.choice(floors),
                        "customer_id": cid,
                        "created_at": now,
                    }
                )
            elif roll < shape.floor_share + shape.garage_share:
                site_grants.append(
                    {
                        "driver_id": pk,
                        "site_id": rng.choice(garages),
                        "customer_id": cid,
                        "created_at": now,
                    }
                )
            if rng.random() < shape.direct_share:
                for c in rng.sample(range(len(chargers)), rng.randint(1, shape.max_direct)):
                    charger_grants.append(
                        {
                            "driver_id": pk,
                            "charger_pk": chargers[c]["id"],
                            "customer_id": cid,
                            "created_at": now,
                        }
                    )
        _insert(conn, t.drivers, drivers)
        _insert(conn, t.tags, tags)
        _insert(conn, t.site_grants, site_grants)
        _insert(conn, t.charger_grants, charger_grants)
    if store.dialect == "postgresql":
        # Explicit ids bypassed the sequences; move them past what was loaded.
        with store.engine.begin() as conn:
            for table in (t.sites, t.chargers, t.drivers):
                conn.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'),"
                    f" (SELECT max(id) FROM {table.name}))"
                )
            conn.exec_driver_sql("ANALYZE")
    else:
        with store.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    counts = {
        "sites": len(sites),
        "chargers": len(chargers),
        "sockets": len(sockets),
        "drivers": len(drivers),
        "tags": len(tags),
        "site_grants": len(site_grants),
        "charger_grants": len(charger_grants),
    }
    return Dataset(cid, account["apiKey"], id_tags, counts, time.perf_counter() - started)
