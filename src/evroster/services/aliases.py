"""Token aliases: extra spellings of a tag that identify it, added by an operator.

A byte-reversed or zero-padded UID is the same card to a person, but the registry
never guesses that: only the canonical form and the aliases written here match. Alias
keys share one namespace with idTag keys within a customer.
"""

from __future__ import annotations

from evroster.domain.idtags import normalize_id_tag
from evroster.errors import Conflict, NotFound
from evroster.services.audit import Actor, record
from evroster.services.rules import invalid, require
from evroster.storage.base import Row, Store, UnitOfWork

__all__ = ["MAX_ALIASES", "add_alias", "claim_key", "delete_alias", "list_aliases"]

MAX_ALIASES = 20


def claim_key(
    uow: UnitOfWork, customer_id: int, key: str, written: str, tag_id: int | None
) -> None:
    """Refuse ``key`` if another tag holds it, as its idTag or as an alias.

    Call within a write transaction, after ``uow.customers.lock``: that is what keeps
    two concurrent writers on PostgreSQL from claiming one key in the two tables.
    """
    tag = uow.tags.by_key(customer_id, key)
    alias = uow.aliases.by_key(customer_id, key)
    if (tag is not None and tag["id"] != tag_id) or alias is not None:
        raise Conflict(f"The idTag {written!r} is already in use")


def _normalized(value: str) -> tuple[str, str]:
    normalized = normalize_id_tag(value)
    if normalized is None:
        raise invalid(
            "alias", "an alias is 1-36 printable ASCII characters (spaces only between hex pairs)"
        )
    return normalized


def add_alias(store: Store, actor: Actor, tag_id: int, value: str) -> Row:
    customer_id = actor.customer_id
    written, key = _normalized(value)
    with store.transaction() as uow:
        uow.customers.lock(customer_id)
        tag = require(uow.tags.get(customer_id, tag_id), "Tag")
        if tag["id_tag_key"] == key:
            raise Conflict(f"The alias {written!r} is the tag's own idTag")
        if len(uow.aliases.of_tag(customer_id, tag_id)) >= MAX_ALIASES:
            raise Conflict(f"A tag has at most {MAX_ALIASES} aliases")
        claim_key(uow, customer_id, key, written, None)
        row = uow.aliases.create(customer_id, tag_id, written, key)
        record(uow, actor, "tag", tag_id, "add_alias", {"alias": None}, {"alias": written})
        return row


def list_aliases(store: Store, customer_id: int, tag_id: int) -> list[Row]:
    with store.transaction(write=False) as uow:
        require(uow.tags.get(customer_id, tag_id), "Tag")
        return uow.aliases.of_tag(customer_id, tag_id)


def delete_alias(store: Store, actor: Actor, tag_id: int, alias_id: int) -> None:
    customer_id = actor.customer_id
    with store.transaction() as uow:
        require(uow.tags.get(customer_id, tag_id), "Tag")
        found = [a for a in uow.aliases.of_tag(customer_id, tag_id) if a["id"] == alias_id]
        if not found:
            raise NotFound("Alias not found")
        uow.aliases.delete(customer_id, alias_id)
        alias = found[0]["alias"]
        record(uow, actor, "tag", tag_id, "remove_alias", {"alias": alias}, {"alias": None})
