"""Sites: the tree that chargers stand in and that access is granted on."""

from __future__ import annotations

from typing import Any

from evroster.domain.sites import creates_cycle
from evroster.errors import Conflict
from evroster.services.audit import Actor, record
from evroster.services.rules import ensure_unused, invalid, require, require_site
from evroster.storage.base import Page, Row, Store, UnitOfWork

__all__ = ["create_site", "delete_site", "get_site", "list_sites", "update_site"]


def _unique_external_id(
    uow: UnitOfWork, customer_id: int, external_id: str | None, site_id: int | None
) -> None:
    if external_id is not None:
        ensure_unused(
            uow.sites.by_external_id(customer_id, external_id),
            site_id,
            f"A site with externalId {external_id!r} already exists",
        )


def create_site(store: Store, actor: Actor, values: dict[str, Any]) -> Row:
    """Create a site, under ``parent_id`` when given."""
    customer_id = actor.customer_id
    with store.transaction() as uow:
        uow.customers.lock(customer_id)
        require_site(uow, customer_id, values.get("parent_id"), "parentId")
        _unique_external_id(uow, customer_id, values.get("external_id"), None)
        row = uow.sites.create(customer_id, values)
        record(uow, actor, "site", row["id"], "create", None, row)
        return row


def get_site(store: Store, customer_id: int, site_id: int) -> Row:
    with store.transaction(write=False) as uow:
        return require(uow.sites.get(customer_id, site_id), "Site")


def list_sites(
    store: Store, customer_id: int, offset: int, limit: int, search: str | None = None
) -> Page:
    with store.transaction(write=False) as uow:
        return uow.sites.page(customer_id, offset, limit, search)


def update_site(store: Store, actor: Actor, site_id: int, values: dict[str, Any]) -> Row:
    """Change a site; moving it under one of its own descendants is refused."""
    customer_id = actor.customer_id
    with store.transaction() as uow:
        uow.customers.lock(customer_id)
        before = require(uow.sites.get(customer_id, site_id), "Site")
        if "parent_id" in values:
            parent = values["parent_id"]
            require_site(uow, customer_id, parent, "parentId")
            if creates_cycle(site_id, parent, lambda s: uow.sites.parent_of(customer_id, s)):
                raise invalid("parentId", "a site cannot be moved under itself or its subsites")
        if "external_id" in values:
            _unique_external_id(uow, customer_id, values["external_id"], site_id)
        if not values:
            return before
        row = uow.sites.update(customer_id, site_id, values)
        record(uow, actor, "site", site_id, "update", before, row)
        return row


def delete_site(store: Store, actor: Actor, site_id: int) -> None:
    """Delete an empty site; its grants go with it, drivers homed there lose their home."""
    customer_id = actor.customer_id
    with store.transaction() as uow:
        uow.customers.lock(customer_id)
        before = require(uow.sites.get(customer_id, site_id), "Site")
        if uow.sites.has_subsites(customer_id, site_id):
            raise Conflict("The site still holds subsites")
        if uow.sites.has_chargers(customer_id, site_id):
            raise Conflict("The site still holds chargers")
        uow.sites.delete(customer_id, site_id)
        record(uow, actor, "site", site_id, "delete", before, None)
