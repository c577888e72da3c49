"""Export: every site, charger, driver (with grants) and tag of a customer, as records
that ``imports.run_import`` takes back unchanged.

Read in one snapshot (REPEATABLE READ on PostgreSQL), page by page, so that a large
customer streams out in bounded memory. A site or driver without an externalId is
given the key ``evroster-site-<id>`` / ``evroster-driver-<id>``: the import recognises
it in the same database and makes it the externalId in another.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from evroster.errors import NotFound
from evroster.services.import_state import synthetic_id
from evroster.services.imports import Kind
from evroster.storage.base import Row, Store

__all__ = ["ExportRecord", "export_records"]

ExportRecord = tuple[Kind, Row, dict[str, Any]]
_PAGE = 1000


def _key(kind: str, row: Row) -> str:
    external: str | None = row["external_id"]
    return external if external is not None else synthetic_id(kind, row["id"])


def export_records(store: Store, customer_id: int) -> Iterator[ExportRecord]:
    """``(kind, row, refs)``: sites parents first, then chargers, drivers and tags."""
    with store.transaction(write=False, snapshot=True) as uow:
        if uow.customers.get(customer_id) is None:
            raise NotFound(f"Customer {customer_id} not found")
        transfer = uow.transfer
        sites = {s["id"]: s for s in transfer.sites(customer_id)}
        site_key = {pk: _key("site", s) for pk, s in sites.items()}
        depth: dict[int, int] = {}
        for pk in sites:
            chain = [pk]
            while (parent := sites[chain[-1]]["parent_id"]) is not None and parent not in depth:
                chain.append(parent)
            base = depth.get(parent, -1) if parent is not None else -1
            for n, node in enumerate(reversed(chain)):
                depth[node] = base + 1 + n
        for pk in sorted(sites, key=lambda s: (depth[s], s)):
            site = sites[pk]
            parent = site["parent_id"]
            yield (
                "site",
                {**site, "external_id": site_key[pk]},
                {"parent": site_key[parent] if parent is not None else None},
            )

        after = 0
        while page := transfer.charger_page(customer_id, after, _PAGE):
            sockets = transfer.sockets_of(c["id"] for c in page)
            for charger in page:
                row = {**charger, "sockets": sockets.get(charger["id"], [])}
                yield "charger", row, {"site": site_key[charger["site_id"]]}
            after = page[-1]["id"]

        driver_key: dict[int, str] = {}
        after = 0
        while page := transfer.driver_page(customer_id, after, _PAGE):
            on_sites, on_chargers = transfer.grants_of(d["id"] for d in page)
            charger_ids = transfer.charger_ids(pk for pks in on_chargers.values() for pk in pks)
            for driver in page:
                key = driver_key[driver["id"]] = _key("driver", driver)
                home = driver["home_site_id"]
                refs = {
                    "home_site": site_key[home] if home is not None else None,
                    "sites": sorted(site_key[s] for s in on_sites.get(driver["id"], ())),
                    "chargers": sorted(charger_ids[c] for c in on_chargers.get(driver["id"], ())),
                }
                yield "driver", {**driver, "external_id": key}, refs
            after = page[-1]["id"]

        after = 0
        while page := transfer.tag_page(customer_id, after, _PAGE):
            for tag in page:
                yield "tag", tag, {"driver": driver_key[tag["driver_id"]]}
            after = page[-1]["id"]
