"""The audit trail: who changed what, written in the transaction that made the change.

A change that is rolled back (refused, failed, a dry run) therefore leaves no entry,
and an acknowledged one always has its entry. Entries name the acting key by its row
id, never by anything secret, and record the changed fields before and after in the
API's vocabulary (camelCase; a charger's site is ``groupId``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any, Literal

from evroster.domain.times import format_timestamp, utcnow
from evroster.storage.base import Page, Store, UnitOfWork

__all__ = ["Actor", "Via", "changes", "entry", "list_entries", "record"]

Via = Literal["api", "cli", "import"]


@dataclass(frozen=True, slots=True)
class Actor:
    """Who makes a change: a customer, through one of its keys or the CLI."""

    customer_id: int
    key_id: int | None = None
    via: Via = "api"

    def importing(self) -> Actor:
        return Actor(self.customer_id, self.key_id, "import")


# Bookkeeping columns, and values that must not be copied anywhere (hashes).
_SKIP = frozenset(
    {
        "id",
        "customer_id",
        "created_at",
        "updated_at",
        "last_updated",
        "id_tag_key",
        "alias_key",
        "connection_id",
        "salt",
        "secret_hash",
    }
)
_RENAMED = {"site_id": "groupId", "ocpp_password_hash": "ocppPassword", "key_id": "keyId"}


@cache
def _camel(name: str) -> str:
    if name in _RENAMED:
        return _RENAMED[name]
    head, *rest = name.split("_")
    return head + "".join(p.title() for p in rest)


def _plain(column: str, value: Any) -> Any:
    if isinstance(value, datetime):
        return format_timestamp(value)
    if column == "ocpp_password_hash":
        # Only whether there is a password; a replaced one shows as a change of hash.
        return None if value is None else "set"
    if column == "sockets" and value is not None:
        return [{k: v for k, v in s.items() if v is not None} for s in value]
    return value


def changes(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> dict[str, Any]:
    """``{"field": [before, after]}`` for each field whose value differs."""
    old = before or {}
    new = after or {}
    out: dict[str, Any] = {}
    for column in sorted(old.keys() | new.keys()):
        if column in _SKIP:
            continue
        a, b = old.get(column), new.get(column)
        if column == "ocpp_password_hash" and a is not None and b is not None and a != b:
            out[_camel(column)] = ["set", "replaced"]
        elif a != b:
            out[_camel(column)] = [_plain(column, a), _plain(column, b)]
    return out


def entry(
    actor: Actor, obj: str, object_id: object, action: str, diff: dict[str, Any]
) -> dict[str, Any]:
    """One audit row, ready for ``uow.audit.append``."""
    return {
        "customer_id": actor.customer_id,
        "at": utcnow(),
        "key_id": actor.key_id,
        "via": actor.via,
        "object": obj,
        "object_id": str(object_id),
        "action": action,
        "changes": diff,
    }


def record(
    uow: UnitOfWork,
    actor: Actor,
    obj: str,
    object_id: object,
    action: str,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
) -> None:
    """Append one entry; an update that changed nothing is not an entry."""
    diff = changes(before, after)
    if diff or action in ("create", "delete"):
        uow.audit.append([entry(actor, obj, object_id, action, diff)])


def list_entries(
    store: Store,
    customer_id: int,
    offset: int,
    limit: int,
    *,
    obj: str | None = None,
    object_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Page:
    """A page of the customer's own trail, oldest first."""
    with store.transaction(write=False) as uow:
        return uow.audit.page(
            customer_id,
            offset,
            limit,
            obj=obj,
            object_id=object_id,
            since=since,
            until=until,
        )
