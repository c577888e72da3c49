"""Drivers, their tags, and the access they are granted to sites and chargers."""

from __future__ import annotations

from typing import Any

from evroster.domain.idtags import normalize_id_tag
from evroster.errors import NotFound
from evroster.services.aliases import claim_key
from evroster.services.audit import Actor, record
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
    "find_drivers",
    "get_driver",
    "get_tag",
    "grant_charger",
    "grant_site",
    "list_drivers",
    "list_tags",
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


def create_driver(store: Store, actor: Actor, values: dict[str, Any]) -> Row:
    customer_id = actor.customer_id
    with store.transaction() as uow:
        require_site(uow, customer_id, values.get("home_site_id"), "homeSiteId")
        _unique_external_id(uow, customer_id, values.get("external_id"), None)
        row = uow.drivers.create(customer_id, values)
        record(uow, actor, "driver", row["id"], "create", None, row)
        return row


def list_drivers(
    store: Store, customer_id: int, offset: int, limit: int, search: str | None
) -> Page:
    with store.transaction(write=False) as uow:
        return uow.drivers.page(customer_id, offset, limit, search)


def find_drivers(
    store: Store, customer_id: int, search: str, offset: int, limit: int
) -> tuple[list[Row], bool]:
    """Drivers whose name or externalId holds ``search``, and whether there are more."""
    with store.transaction(write=False) as uow:
        found = uow.drivers.find(customer_id, search, offset, limit + 1)
    return found[:limit], len(found) > limit


def get_driver(store: Store, customer_id: int, driver_id: int) -> Row:
    with store.transaction(write=False) as uow:
        return _driver(uow, customer_id, driver_id)


def list_tags(store: Store, customer_id: int, driver_id: int) -> list[Row]:
    """Every tag of the driver, blocked and expired ones included."""
    with store.transaction(write=False) as uow:
        _driver(uow, customer_id, driver_id)
        return uow.tags.of_driver(customer_id, driver_id)


def update_driver(store: Store, actor: Actor, driver_id: int, values: dict[str, Any]) -> Row:
    customer_id = actor.customer_id
    with store.transaction() as uow:
        before = _driver(uow, customer_id, driver_id)
        require_site(uow, customer_id, values.get("home_site_id"), "homeSiteId")
        if "external_id" in values:
            _unique_external_id(uow, customer_id, values["external_id"], driver_id)
        row = uow.drivers.update(customer_id, driver_id, values)
        record(uow, actor, "driver", driver_id, "update", before, row)
        return row


def delete_driver(store: Store, actor: Actor, driver_id: int) -> None:
    """Delete a driver with all its tags and grants."""
    with store.transaction() as uow:
        before = _driver(uow, actor.customer_id, driver_id)
        uow.drivers.delete(actor.customer_id, driver_id)
        record(uow, actor, "driver", driver_id, "delete", before, None)


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


def add_tag(store: Store, actor: Actor, driver_id: int, values: dict[str, Any]) -> Row:
    """Give the driver a tag; its canonical key must be free within the customer."""
    customer_id = actor.customer_id
    check_validity_window(values.get("start_date"), values.get("expiring_date"))
    with store.transaction() as uow:
        _driver(uow, customer_id, driver_id)
        row = uow.tags.create(customer_id, driver_id, _tag_values(uow, customer_id, values, None))
        record(uow, actor, "tag", row["id"], "create", None, row)
        return row


def get_tag(store: Store, customer_id: int, tag_id: int) -> Row:
    with store.transaction(write=False) as uow:
        return require(uow.tags.get(customer_id, tag_id), "Tag")


def update_tag(store: Store, actor: Actor, tag_id: int, values: dict[str, Any]) -> Row:
    customer_id = actor.customer_id
    with store.transaction() as uow:
        current = require(uow.tags.get(customer_id, tag_id), "Tag")
        check_validity_window(
            values.get("start_date", current["start_date"]),
            values.get("expiring_date", current["expiring_date"]),
        )
        values = _tag_values(uow, customer_id, values, tag_id)
        if not values:
            return current
        row = uow.tags.update(customer_id, tag_id, values)
        record(uow, actor, "tag", tag_id, "update", current, row)
        return row


def delete_tag(store: Store, actor: Actor, tag_id: int) -> None:
    with store.transaction() as uow:
        before = require(uow.tags.get(actor.customer_id, tag_id), "Tag")
        uow.tags.delete(actor.customer_id, tag_id)
        record(uow, actor, "tag", tag_id, "delete", before, None)


def _grant_entry(
    uow: UnitOfWork, actor: Actor, driver_id: int, action: str, field: str, target: object
) -> None:
    before, after = (None, target) if action.startswith("grant") else (target, None)
    record(uow, actor, "driver", driver_id, action, {field: before}, {field: after})


def grant_site(store: Store, actor: Actor, driver_id: int, site_id: int) -> None:
    """Let the driver charge at the site and all its subsites (idempotent)."""
    customer_id = actor.customer_id
    with store.transaction() as uow:
        _driver(uow, customer_id, driver_id)
        require(uow.sites.get(customer_id, site_id), "Site")
        if uow.grants.grant_site(customer_id, driver_id, site_id):
            _grant_entry(uow, actor, driver_id, "grant_site", "site_id", site_id)


def revoke_site(store: Store, actor: Actor, driver_id: int, site_id: int) -> None:
    customer_id = actor.customer_id
    with store.transaction() as uow:
        _driver(uow, customer_id, driver_id)
        require(uow.sites.get(customer_id, site_id), "Site")
        if uow.grants.revoke_site(customer_id, driver_id, site_id):
            _grant_entry(uow, actor, driver_id, "revoke_site", "site_id", site_id)


def grant_charger(store: Store, actor: Actor, driver_id: int, charger_id: str) -> None:
    """Let the driver charge at one charger, whatever site it stands in (idempotent)."""
    customer_id = actor.customer_id
    with store.transaction() as uow:
        _driver(uow, customer_id, driver_id)
        charger = require(uow.chargers.get(customer_id, charger_id), "Charger")
        if uow.grants.grant_charger(customer_id, driver_id, charger["id"]):
            _grant_entry(uow, actor, driver_id, "grant_charger", "charger_id", charger_id)


def revoke_charger(store: Store, actor: Actor, driver_id: int, charger_id: str) -> None:
    customer_id = actor.customer_id
    with store.transaction() as uow:
        _driver(uow, customer_id, driver_id)
        charger = require(uow.chargers.get(customer_id, charger_id), "Charger")
        if uow.grants.revoke_charger(customer_id, driver_id, charger["id"]):
            _grant_entry(uow, actor, driver_id, "revoke_charger", "charger_id", charger_id)
