"""Customers' API keys: issuing, checking and revoking them.

A key reads ``evr_<key id>_<secret>``. The key id is public and indexed; the secret
(256 random bits) is stored only as a salted SHA-256 and compared in constant time.
A slow password hash would add nothing for a secret this long and cost every request.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from evroster.domain.times import format_timestamp
from evroster.errors import NotFound, Unauthorized
from evroster.services.audit import Actor, record
from evroster.storage.base import Row, Store, UnitOfWork

__all__ = [
    "UNAUTHORIZED",
    "KeySource",
    "Principal",
    "Role",
    "authenticate",
    "check_client",
    "client_matches",
    "create_customer",
    "issue_key",
    "list_keys",
    "public_id",
    "resume",
    "revoke_key",
    "verify_key",
]

Role = Literal["admin", "read"]
UNAUTHORIZED = "Customer not found or not authorised"
_PREFIX = "evr_"


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: a customer, with the rights of one of its keys."""

    customer_id: int
    role: Role
    key_id: int

    @property
    def can_write(self) -> bool:
        return self.role == "admin"

    @property
    def actor(self) -> Actor:
        return Actor(self.customer_id, self.key_id, "api")


def _hash(salt: str, secret: str) -> str:
    return hashlib.sha256(bytes.fromhex(salt) + secret.encode()).hexdigest()


def _new_key(uow: UnitOfWork, actor: Actor, role: Role, label: str | None) -> Row:
    customer_id = actor.customer_id
    key_id = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    salt = secrets.token_hex(16)
    row = uow.keys.create(
        customer_id,
        {
            "key_id": key_id,
            "salt": salt,
            "secret_hash": _hash(salt, secret),
            "role": role,
            "label": label,
        },
    )
    record(uow, actor, "api_key", row["id"], "create", None, row)
    return {
        "id": row["id"],
        "customerId": customer_id,
        "role": role,
        "label": label,
        "apiKey": f"{_PREFIX}{key_id}_{secret}",
    }


def issue_key(store: Store, actor: Actor, role: Role, label: str | None = None) -> Row:
    """A new key for the customer; the returned row carries ``apiKey``, shown only now."""
    with store.transaction() as uow:
        if uow.customers.get(actor.customer_id) is None:
            raise NotFound(f"Customer {actor.customer_id} not found")
        return _new_key(uow, actor, role, label)


def create_customer(store: Store, name: str) -> Row:
    """A new customer with one admin key, in one transaction: ``{"id", "apiKey"}``."""
    with store.transaction() as uow:
        customer = uow.customers.create(name)
        actor = Actor(customer["id"], None, "cli")
        record(uow, actor, "customer", customer["id"], "create", None, customer)
        key = _new_key(uow, actor, "admin", "created with the customer")
    return {"id": customer["id"], "apiKey": key["apiKey"]}


def list_keys(store: Store, customer_id: int) -> list[Row]:
    """The customer's keys, without secrets."""
    with store.transaction(write=False) as uow:
        return [
            {
                "id": r["id"],
                "keyId": r["key_id"],
                "role": r["role"],
                "label": r["label"],
                "createdAt": format_timestamp(r["created_at"]),
                "revokedAt": format_timestamp(r["revoked_at"]),
            }
            for r in uow.keys.list(customer_id)
        ]


def revoke_key(store: Store, actor: Actor, key_pk: int) -> None:
    """Revoke a key of the customer; a key already revoked or unknown is NotFound."""
    with store.transaction() as uow:
        if not uow.keys.revoke(actor.customer_id, key_pk):
            raise NotFound(f"No active key {key_pk} for customer {actor.customer_id}")
        record(uow, actor, "api_key", key_pk, "revoke", {"revoked": False}, {"revoked": True})


class KeySource(Protocol):
    """Where API keys are looked up: the hot path's reads (or their cache)."""

    def principal(self, key_id: str) -> tuple[Any, ...] | None: ...


def public_id(api_key: str | None) -> str | None:
    """The key id of a well-formed key: what a console session keeps instead of the key."""
    if not api_key or not api_key.startswith(_PREFIX):
        return None
    key_id, _, secret = api_key[len(_PREFIX) :].partition("_")
    return key_id if key_id and secret else None


def authenticate(source: KeySource, api_key: str | None, client_id: str | None) -> Principal:
    """The principal for a presented key, or :class:`Unauthorized`.

    ``client_id`` is eMabler's ``clientId``: when given it must name the key's customer.
    """
    return check_client(verify_key(source, api_key), client_id)


def verify_key(source: KeySource, api_key: str | None) -> Principal:
    """The principal of a key that exists, is not revoked and whose secret matches."""
    key_id = public_id(api_key)
    found = source.principal(key_id) if key_id else None
    if found is None or api_key is None:
        raise Unauthorized(UNAUTHORIZED)
    secret = api_key[len(_PREFIX) + len(key_id or "") + 1 :]
    key_pk, customer_id, role, salt, secret_hash, active = found
    if not (hmac.compare_digest(_hash(salt, secret), secret_hash) and active):
        raise Unauthorized(UNAUTHORIZED)
    return Principal(int(customer_id), role, int(key_pk))


def check_client(principal: Principal, client_id: str | None) -> Principal:
    """``principal``, if eMabler's ``clientId`` is absent or names its customer."""
    if not client_matches(principal, client_id):
        raise Unauthorized(UNAUTHORIZED)
    return principal


def client_matches(principal: Principal, client_id: str | None) -> bool:
    """Whether eMabler's ``clientId`` is absent or names the principal's customer."""
    return client_id is None or client_id.strip() == str(principal.customer_id)


def resume(source: KeySource, key_id: str) -> Principal:
    """The principal of a key that was authenticated earlier, while it is not revoked."""
    found = source.principal(key_id)
    if found is None or not found[5]:
        raise Unauthorized(UNAUTHORIZED)
    key_pk, customer_id, role = found[:3]
    return Principal(int(customer_id), role, int(key_pk))
