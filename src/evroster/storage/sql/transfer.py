"""Bulk reads and writes for import and export: by many keys at once, or page by page."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import sqlalchemy as sa

from evroster.domain.times import utcnow
from evroster.storage.base import DRIVER, Row, Values
from evroster.storage.sql.changes import note
from evroster.storage.sql.chargers import decode_charger
from evroster.storage.sql.common import rows
from evroster.storage.sql.drivers import decode_driver, encode_driver
from evroster.storage.sql.tables import (
    charger_grants,
    chargers,
    drivers,
    site_grants,
    sites,
    sockets,
    tag_aliases,
    tags,
)

__all__ = ["SqlTransfer"]

# Keys per IN list: well under SQLite's limit of bound parameters, and one round trip
# per 500 keys keeps PostgreSQL's per-statement cost small.
_CHUNK = 500


def _chunks(values: Iterable[Any]) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for value in values:
        batch.append(value)
        if len(batch) == _CHUNK:
            yield batch
            batch = []
    if batch:
        yield batch


class SqlTransfer:
    def __init__(self, conn: sa.Connection) -> None:
        self._conn = conn

    def _by(self, table: sa.Table, customer_id: int, column: str, keys: Iterable[Any]) -> list[Row]:
        found: list[Row] = []
        for batch in _chunks(sorted(set(keys))):
            found += rows(
                self._conn.execute(
                    table.select().where(
                        table.c.customer_id == customer_id, table.c[column].in_(batch)
                    )
                )
            )
        return found

    def sites(self, customer_id: int) -> list[Row]:
        """Every site of the customer, in id order (a tree is small next to its drivers)."""
        query = sites.select().where(sites.c.customer_id == customer_id).order_by(sites.c.id)
        return rows(self._conn.execute(query))

    def chargers_by_id(self, customer_id: int, charger_ids: Iterable[str]) -> list[Row]:
        return [
            decode_charger(r) for r in self._by(chargers, customer_id, "charger_id", charger_ids)
        ]

    def sockets_of(self, pks: Iterable[int]) -> dict[int, list[Row]]:
        """Configured sockets (no live status) of each charger, by socket id."""
        out: dict[int, list[Row]] = defaultdict(list)
        skip = ("customer_id", "status", "last_updated")
        columns = [c for c in sockets.c if c.name not in skip]
        for batch in _chunks(pks):
            query = (
                sa.select(*columns)
                .where(sockets.c.charger_pk.in_(batch))
                .order_by(sockets.c.charger_pk, sockets.c.id)
            )
            for row in rows(self._conn.execute(query)):
                out[row.pop("charger_pk")].append(row)
        return out

    def drivers_by_external_id(self, customer_id: int, external_ids: Iterable[str]) -> list[Row]:
        return [
            decode_driver(r) for r in self._by(drivers, customer_id, "external_id", external_ids)
        ]

    def drivers_by_id(self, customer_id: int, pks: Iterable[int]) -> list[Row]:
        return [decode_driver(r) for r in self._by(drivers, customer_id, "id", pks)]

    def charger_ids(self, pks: Iterable[int]) -> dict[int, str]:
        """The chargerId of each charger primary key."""
        out: dict[int, str] = {}
        for batch in _chunks(pks):
            query = sa.select(chargers.c.id, chargers.c.charger_id).where(chargers.c.id.in_(batch))
            out.update({int(pk): str(cid) for pk, cid in self._conn.execute(query)})
        return out

    def tags_by_key(self, customer_id: int, keys: Iterable[str]) -> list[Row]:
        return self._by(tags, customer_id, "id_tag_key", keys)

    def alias_keys(self, customer_id: int, keys: Iterable[str]) -> dict[str, int]:
        """Alias key → the tag holding it, for those of ``keys`` that are aliases."""
        return {
            r["alias_key"]: r["tag_id"]
            for r in self._by(tag_aliases, customer_id, "alias_key", keys)
        }

    def grants_of(
        self, driver_ids: Iterable[int]
    ) -> tuple[dict[int, set[int]], dict[int, set[int]]]:
        """Each driver's granted site ids and charger primary keys."""
        on_sites: dict[int, set[int]] = defaultdict(set)
        on_chargers: dict[int, set[int]] = defaultdict(set)
        for batch in _chunks(driver_ids):
            for d, s in self._conn.execute(
                sa.select(site_grants.c.driver_id, site_grants.c.site_id).where(
                    site_grants.c.driver_id.in_(batch)
                )
            ):
                on_sites[d].add(s)
            for d, c in self._conn.execute(
                sa.select(charger_grants.c.driver_id, charger_grants.c.charger_pk).where(
                    charger_grants.c.driver_id.in_(batch)
                )
            ):
                on_chargers[d].add(c)
        return on_sites, on_chargers

    def insert_drivers(self, customer_id: int, values: Sequence[Values]) -> list[Row]:
        """Insert new drivers; their rows, in the order given."""
        now = utcnow()
        base = {"customer_id": customer_id, "created_at": now, "updated_at": now}
        return [
            decode_driver(r)
            for r in self._insert_many(drivers, [{**base, **encode_driver(v)} for v in values])
        ]

    def insert_tags(self, customer_id: int, values: Sequence[Values]) -> list[Row]:
        """Insert new tags (each with its ``driver_id``); their rows, in the order given."""
        for v in values:
            note(self._conn, DRIVER, v["driver_id"])
        base = {"customer_id": customer_id, "last_updated": utcnow()}
        return self._insert_many(tags, [{**base, **v} for v in values])

    def _insert_many(self, table: sa.Table, values: list[dict[str, Any]]) -> list[Row]:
        # One executemany per set of columns (a file may leave columns out of some rows),
        # then back into the order given.
        groups: dict[frozenset[str], list[int]] = defaultdict(list)
        for n, v in enumerate(values):
            groups[frozenset(v)].append(n)
        out: list[Row | None] = [None] * len(values)
        statement = table.insert().returning(*table.c, sort_by_parameter_order=True)
        for indexes in groups.values():
            for batch in _chunks(indexes):
                found = rows(self._conn.execute(statement, [values[n] for n in batch]))
                for n, row in zip(batch, found, strict=True):
                    out[n] = row
        return [r for r in out if r is not None]

    def add_grants(
        self,
        customer_id: int,
        on_sites: Sequence[tuple[int, int]],
        on_chargers: Sequence[tuple[int, int]],
    ) -> None:
        """Insert (driver, site) and (driver, charger pk) grants known not to exist."""
        for driver_id, _ in (*on_sites, *on_chargers):
            note(self._conn, DRIVER, driver_id)
        now = utcnow()
        if on_sites:
            self._conn.execute(
                site_grants.insert(),
                [
                    {"customer_id": customer_id, "driver_id": d, "site_id": s, "created_at": now}
                    for d, s in on_sites
                ],
            )
        if on_chargers:
            self._conn.execute(
                charger_grants.insert(),
                [
                    {"customer_id": customer_id, "driver_id": d, "charger_pk": c, "created_at": now}
                    for d, c in on_chargers
                ],
            )

    def remove_grants(
        self, on_sites: Sequence[tuple[int, int]], on_chargers: Sequence[tuple[int, int]]
    ) -> None:
        for table, column, pairs in (
            (site_grants, "site_id", on_sites),
            (charger_grants, "charger_pk", on_chargers),
        ):
            for driver_id, _ in pairs:
                note(self._conn, DRIVER, driver_id)
            if pairs:
                self._conn.execute(
                    table.delete().where(
                        table.c.driver_id == sa.bindparam("d"),
                        table.c[column] == sa.bindparam("t"),
                    ),
                    [{"d": d, "t": t} for d, t in pairs],
                )

    def _page(self, table: sa.Table, customer_id: int, after: int, limit: int) -> list[Row]:
        query = (
            table.select()
            .where(table.c.customer_id == customer_id, table.c.id > after)
            .order_by(table.c.id)
            .limit(limit)
        )
        return rows(self._conn.execute(query))

    def charger_page(self, customer_id: int, after: int, limit: int) -> list[Row]:
        """Chargers with primary key above ``after``, in key order (keyset paging)."""
        return [decode_charger(r) for r in self._page(chargers, customer_id, after, limit)]

    def driver_page(self, customer_id: int, after: int, limit: int) -> list[Row]:
        return [decode_driver(r) for r in self._page(drivers, customer_id, after, limit)]

    def tag_page(self, customer_id: int, after: int, limit: int) -> list[Row]:
        return self._page(tags, customer_id, after, limit)
