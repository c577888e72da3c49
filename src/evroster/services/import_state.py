"""What an import knows of the database: the rows its file names, read up front.

One query per 500 keys instead of several per row; the import then decides every row
in memory and keeps this state current as it writes.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from evroster.domain.idtags import normalize_id_tag
from evroster.storage.base import Row, UnitOfWork

if TYPE_CHECKING:
    from evroster.services.imports import Record

__all__ = ["ImportState", "Keyed", "RowProblem", "synthetic_id"]

_SYNTHETIC = re.compile(r"^evroster-(site|driver)-([1-9][0-9]{0,18})$")


class RowProblem(Exception):
    """A row cannot be applied; nothing of it has been written."""

    def __init__(self, column: str, message: str) -> None:
        super().__init__(message)
        self.column = column
        self.message = message


def synthetic_id(kind: str, pk: object) -> str:
    """The key an export gives a site or driver that has no externalId of its own."""
    return f"evroster-{kind}-{pk}"


def _synthetic(kind: str, key: str) -> int | None:
    match = _SYNTHETIC.match(key)
    return int(match.group(2)) if match and match.group(1) == kind else None


class Keyed:
    """Sites or drivers by externalId, kept current as the import writes them."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.by_id: dict[int, Row] = {}
        self._by_ext: dict[str, Row] = {}

    def add(self, row: Row) -> None:
        old = self.by_id.get(row["id"])
        if old is not None and old["external_id"] is not None:
            self._by_ext.pop(old["external_id"], None)
        self.by_id[row["id"]] = row
        if row["external_id"] is not None:
            self._by_ext[row["external_id"]] = row

    def find(self, key: str) -> Row | None:
        """The row with this externalId, or the one an export named for lack of one."""
        found = self._by_ext.get(key)
        if found is None:
            pk = _synthetic(self.kind, key)
            candidate = self.by_id.get(pk) if pk is not None else None
            if candidate is not None and candidate["external_id"] is None:
                found = candidate
        return found


class ImportState:
    def __init__(self, uow: UnitOfWork, customer_id: int, records: list[Record]) -> None:
        self.uow = uow
        transfer = uow.transfer
        self.sites = Keyed("site")
        for row in transfer.sites(customer_id):
            self.sites.add(row)
        charger_keys = {r.key for r in records if r.kind == "charger"}
        for r in records:
            charger_keys.update(r.refs.get("chargers", ()))
        self.chargers = {
            c["charger_id"]: c for c in transfer.chargers_by_id(customer_id, charger_keys)
        }
        self.sockets = transfer.sockets_of(
            self.chargers[r.key]["id"]
            for r in records
            if r.kind == "charger" and r.key in self.chargers and "sockets" in r.values
        )
        driver_keys = {r.key for r in records if r.kind == "driver"}
        driver_keys.update(r.refs["driver"] for r in records if r.refs.get("driver"))
        self.drivers = Keyed("driver")
        found = transfer.drivers_by_external_id(customer_id, driver_keys)
        synthetic = {_synthetic("driver", k) for k in driver_keys} - {None}
        found += transfer.drivers_by_id(customer_id, [s for s in synthetic if s is not None])
        for row in found:
            self.drivers.add(row)
        tag_keys = set()
        for r in records:
            normalized = normalize_id_tag(r.key) if r.kind == "tag" else None
            if normalized is not None:
                tag_keys.add(normalized[1])
        self.tags = {t["id_tag_key"]: t for t in transfer.tags_by_key(customer_id, tag_keys)}
        self.alias_keys = set(transfer.alias_keys(customer_id, tag_keys))
        matched = [self.drivers.find(r.key) for r in records if r.kind == "driver"]
        self.site_grants, self.charger_grants = transfer.grants_of(
            d["id"] for d in matched if d is not None
        )
        held = {pk for pks in self.charger_grants.values() for pk in pks}
        self._charger_ids = transfer.charger_ids(held)
        self._charger_ids.update({c["id"]: key for key, c in self.chargers.items()})

    def parent_of(self, site_id: int) -> int | None:
        site = self.sites.by_id.get(site_id)
        return None if site is None else site["parent_id"]

    def add_charger(self, row: Row) -> None:
        self.chargers[row["charger_id"]] = row
        self._charger_ids[row["id"]] = row["charger_id"]

    def charger_key(self, pk: int) -> str:
        return self._charger_ids[pk]
