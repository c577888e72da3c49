"""Chargers and their sockets, as the operator configures them.

The live fields (connection, status, last seen) belong to the charging protocol and
are not writable here.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from evroster.domain.passwords import hash_password
from evroster.services.audit import Actor, record
from evroster.services.rules import ensure_unused, invalid, require, require_site
from evroster.storage.base import Page, Row, Store, UnitOfWork

__all__ = [
    "MAX_OCPP_PASSWORD",
    "MIN_OCPP_PASSWORD",
    "create_charger",
    "delete_charger",
    "find_charger",
    "list_chargers",
    "record_live_state",
    "set_ocpp_password",
    "update_charger",
]

# OCPP security profile 1 asks for 16 to 40 characters.
MIN_OCPP_PASSWORD = 16
MAX_OCPP_PASSWORD = 40


def _sockets(values: dict[str, Any]) -> list[dict[str, Any]] | None:
    sockets: list[dict[str, Any]] | None = values.pop("sockets", None)
    if sockets is not None:
        ids = [s["id"] for s in sockets]
        if len(set(ids)) != len(ids):
            raise invalid("sockets", "socket ids must be unique within a charger")
    return sockets


def _recorded(uow: UnitOfWork, pk: int, row: Row) -> Row:
    """The charger row as the audit trail compares it: with its configured sockets."""
    return {**row, "sockets": uow.chargers.sockets(pk)}


def create_charger(store: Store, actor: Actor, values: dict[str, Any]) -> Row:
    """Create a charger in the site ``site_id``; ``charger_id`` is unique per customer."""
    customer_id = actor.customer_id
    values = dict(values)
    sockets = _sockets(values) or []
    with store.transaction() as uow:
        require_site(uow, customer_id, values["site_id"], "groupId")
        ensure_unused(
            uow.chargers.get(customer_id, values["charger_id"]),
            None,
            f"A charger with chargerId {values['charger_id']!r} already exists",
        )
        row = uow.chargers.create(customer_id, values, sockets)
        record(
            uow, actor, "charger", row["charger_id"], "create", None, _recorded(uow, row["id"], row)
        )
        return row


def find_charger(store: Store, customer_id: int, charger_id: str) -> Row:
    with store.transaction(write=False) as uow:
        return require(uow.chargers.get(customer_id, charger_id), "Charger")


def list_chargers(
    store: Store,
    customer_id: int,
    offset: int,
    limit: int,
    search: str | None = None,
    site_id: int | None = None,
) -> Page:
    """A page of charger primary keys, in key order; ``search``: part of chargerId or
    name; ``site_id``: only the chargers standing at that site itself."""
    with store.transaction(write=False) as uow:
        return uow.chargers.page(customer_id, offset, limit, search, site_id)


def update_charger(store: Store, actor: Actor, charger_id: str, values: dict[str, Any]) -> Row:
    """Change a charger; ``sockets``, when given, replaces the list (matched by socket id)."""
    customer_id = actor.customer_id
    values = dict(values)
    sockets = _sockets(values)
    with store.transaction() as uow:
        current = require(uow.chargers.get(customer_id, charger_id), "Charger")
        # Sockets the PATCH leaves alone cannot be a change: not read for the trail.
        before = current if sockets is None else _recorded(uow, current["id"], current)
        require_site(uow, customer_id, values.get("site_id"), "groupId")
        new_id = values.get("charger_id", charger_id)
        if new_id != charger_id:
            ensure_unused(
                uow.chargers.get(customer_id, new_id),
                current["id"],
                f"A charger with chargerId {new_id!r} already exists",
            )
        row = uow.chargers.update(customer_id, current["id"], values, sockets)
        after = row if sockets is None else _recorded(uow, row["id"], row)
        record(uow, actor, "charger", row["charger_id"], "update", before, after)
        return row


def delete_charger(store: Store, actor: Actor, charger_id: str) -> None:
    """Delete a charger with its sockets and the grants on it."""
    with store.transaction() as uow:
        current = require(uow.chargers.get(actor.customer_id, charger_id), "Charger")
        before = _recorded(uow, current["id"], current)
        uow.chargers.delete(actor.customer_id, current["id"])
        record(uow, actor, "charger", charger_id, "delete", before, None)


def record_live_state(
    store: Store,
    customer_id: int,
    charger_id: str,
    *,
    connected: bool,
    seen_at: datetime,
    message: str | None = None,
    charger_status: str | None = None,
    socket_status: dict[int, str | None] | None = None,
) -> None:
    """What the charging protocol learned: connection, last message, statuses.

    Only the charging protocol (and tests standing in for it) calls this; the
    management API cannot write these fields.
    """
    with store.transaction() as uow:
        current = require(uow.chargers.get(customer_id, charger_id), "Charger")
        values: dict[str, Any] = {"active_connection": connected, "last_seen": seen_at}
        if message is not None:
            values["last_message"] = message
        if charger_status is not None:
            values["charger_status"] = charger_status
        uow.chargers.set_live(customer_id, current["id"], values)
        for socket_id, status in (socket_status or {}).items():
            if not uow.chargers.set_socket_status(current["id"], socket_id, status):
                raise invalid("socket", f"charger {charger_id} has no socket {socket_id}")


def set_ocpp_password(store: Store, actor: Actor, charger_id: str, password: str | None) -> None:
    """Require HTTP Basic auth with ``password`` on the charger's OCPP connection.

    ``None`` removes the requirement. Only a PBKDF2 hash is stored.
    """
    if password is not None and not (
        MIN_OCPP_PASSWORD <= len(password) <= MAX_OCPP_PASSWORD and password.isprintable()
    ):
        raise invalid(
            "password",
            f"an OCPP password is {MIN_OCPP_PASSWORD}-{MAX_OCPP_PASSWORD} printable characters",
        )
    hashed = hash_password(password) if password is not None else None
    with store.transaction() as uow:
        current = require(uow.chargers.get(actor.customer_id, charger_id), "Charger")
        row = uow.chargers.update(
            actor.customer_id, current["id"], {"ocpp_password_hash": hashed}, None
        )
        record(uow, actor, "charger", charger_id, "update", current, row)
