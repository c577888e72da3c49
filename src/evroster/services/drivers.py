"""Drivers, their tags, and the access they are granted to sites and chargers."""

from __future__ import annotations

from typing import Any

from evroster.domain.idtags import normalize_id_tag
from evroster.errors import NotFound
from evroster.services.aliases import claim_key
from evroster.services.rules import (
    check_validity_window,
    ensure_unused,
    invalid,
    require,
    require_site,
)
from evroster.storage.base import Page, Row, Store, UnitOfWork

__all__ = [
    "DRIVER_NOT_FOUND",
    "add_tag",
    "create_driver",
    "delete_driver",
    "delete_tag",
    "get_tag",
    "grant_charger",
    "grant_site",
    "list_drivers",
    "revoke_charger",
    "revoke_site",
    "update_driver",
    "update_tag",
]

DRIVER_NOT_FOUND = "Driver not found in the list of drivers of the customer"


def _driver(uow: UnitOfWork, customer_id: int, driver_id: int) -> Row:
    row = uow.drivers.get(customer_id, driver_id)
    if row is None:
        raise NotFound(DRIVER_NOT_FOUND)
    return row


def _unique_external_id(
    uow: UnitOfWork, customer_id: int, external_id: str | None, driver_id: int | None
) -> None:
    if external_id is not None:
        ensure_unused(
            uow.drivers.by_external_id(customer_id, external_id),
            driver_id,
            f"A driver with externalId {external_id!r} already exists",
        )


def create_driver(store: Store, customer_id: int, values: dict[str, Any]) -> Row:
    with store.transaction() as uow:
        require_site(uow, customer_id, values.get("home_site_id"), "homeSiteId")
        _unique_external_id(uow, customer_id, values.get("external_id"), None)
        return uow.drivers.create(customer_id, values)


def list_drivers(
    store: Store, customer_id: int, offset: int, limit: int, search: str | None
) -> Page:
    with store.transaction(write=False) as uow:
        return uow.drivers.page(customer_id, offset, limit, search)


def update_driver(store: Store, customer_id: int, driver_id: int, values: dict[str, Any]) -> Row:
    with store.transaction() as uow:
        _driver(uow, customer_id, driver_id)
        require_site(uow, customer_id, values.get("home_site_id"), "homeSiteId")
        if "external_id" in values:
            _unique_external_id(uow, customer_id, values["external_id"], driver_id)
        return uow.drivers.update(customer_id, driver_id, values)


def delete_driver(store: Store, customer_id: int, driver_id: int) -> None:
    """Delete a driver with all its tags and grants."""
    with store.transaction() as uow:
        _driver(uow, customer_id, driver_id)
        uow.drivers.delete(customer_id, driver_id)


def _tag_values(
    uow: UnitOfWork, customer_id: int, values: dict[str, Any], tag_id: int | None
) -> dict[str, Any]:
    values = dict(values)
    if "id_tag" in values:
        normalized = normalize_id_tag(values["id_tag"])
        if normalized is None:
            raise invalid(
                "idTag",
                "an idTag is 1-36 printable ASCII characters (spaces only between hex pairs)",
            )
        values["id_tag"], values["id_tag_key"] = normalized
        uow.customers.lock(customer_id)
        claim_key(uow, customer_id, values["id_tag_key"], values["id_tag"], tag_id)
    return values


def add_tag(store: Store, customer_id: int, driver_id: int, values: dict[str, Any]) -> Row:
    """Give the driver a tag; its canonical key must be free within the customer."""
    check_validity_window(values.get("start_date"), values.get("expiring_date"))
    with store.transaction() as uow:
        _driver(uow, customer_id, driver_id)
        return uow.tags.create(customer_id, driver_id, _tag_values(uow, customer_id, values, None))


def get_tag(store: Store, customer_id: int, tag_id: int) -> Row:
    with store.transaction(write=False) as uow:
        return require(uow.tags.get(customer_id, tag_id), "Tag")


def update_tag(store: Store, customer_id: int, tag_id: int, values: dict[str, Any]) -> Row:
    with store.transaction() as uow:
        current = require(uow.tags.get(customer_id, tag_id), "Tag")
        check_validity_window(
            values.get("start_date", current["start_date"]),
            values.get("expiring_date", current["expiring_date"]),
        )
        values = _tag_values(uow, customer_id, values, tag_id)
        return uow.tags.update(customer_id, tag_id, values) if values else current


def delete_tag(store: Store, customer_id: int, tag_id: int) -> None:
    with store.transaction() as uow:
        require(uow.tags.get(customer_id, tag_id), "Tag")
        uow.tags.delete(customer_id, tag_id)


def grant_site(store: Store, customer_id: int, driver_id: int, site_id: int) -> None:
    """Let the driver charge at the site and all its subsites (idempotent)."""
    with store.transaction() as uow:
        _driver(uow, customer_id, driver_id)
        require(uow.sites.get(customer_id, site_id), "Site")
        uow.grants.grant_site(customer_id, driver_id, site_id)


def revoke_site(store: Store, customer_id: int, driver_id: int, site_id: int) -> None:
    with store.transaction() as uow:
        _driver(uow, customer_id, driver_id)
        require(uow.sites.get(customer_id, site_id), "Site")
        uow.grants.revoke_site(customer_id, driver_id, site_id)


def grant_charger(store: Store, customer_id: int, driver_id: int, charger_id: str) -> None:
    """Let the driver charge at one charger, whatever site it stands in (idempotent)."""
    with store.transaction() as uow:
        _driver(uow, customer_id, driver_id)
        charger = require(uow.chargers.get(customer_id, charger_id), "Charger")
        uow.grants.grant_charger(customer_id, driver_id, charger["id"])


def revoke_charger(store: Store, customer_id: int, driver_id: int, charger_id: str) -> None:
    with store.transaction() as uow:
        _driver(uow, customer_id, driver_id)
        charger = require(uow.chargers.get(customer_id, charger_id), "Charger")
        uow.grants.revoke_charger(customer_id, driver_id, charger["id"])
