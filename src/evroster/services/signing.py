"""Keys evroster signs with: made once, kept in the database, the same in every process."""

from __future__ import annotations

import secrets

from evroster.storage.base import Store

__all__ = ["signing_key"]


def signing_key(store: Store, name: str) -> str:
    """The key ``name``, made now if there is none yet."""
    with store.transaction() as uow:
        return uow.secrets.keep(name, secrets.token_urlsafe(32))
