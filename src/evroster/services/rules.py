"""Small checks shared by the services, raising the error tree's exceptions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from evroster.errors import Conflict, FieldError, InvalidInput, NotFound
from evroster.storage.base import Row, UnitOfWork

__all__ = [
    "BODY_ERRORS",
    "check_validity_window",
    "ensure_unused",
    "invalid",
    "require",
    "require_site",
]

BODY_ERRORS = "Errors in the body request"


def invalid(field: str, message: str) -> InvalidInput:
    """A 400 for one field of the body."""
    return InvalidInput(BODY_ERRORS, [FieldError(field, message)])


def require(row: Row | None, what: str) -> Row:
    """The row, or :class:`NotFound` naming ``what``."""
    if row is None:
        raise NotFound(f"{what} not found")
    return row


def require_site(uow: UnitOfWork, customer_id: int, site_id: Any, field: str) -> None:
    """A site referenced from a body must exist for this customer (else 400 on ``field``)."""
    if site_id is not None and uow.sites.get(customer_id, site_id) is None:
        raise invalid(field, f"no site with id {site_id}")


def ensure_unused(holder: Row | None, own_id: int | None, message: str) -> None:
    """A unique value may be held only by the object being written (else :class:`Conflict`)."""
    if holder is not None and holder["id"] != own_id:
        raise Conflict(message)


def check_validity_window(start: datetime | None, expiry: datetime | None) -> None:
    if start is not None and expiry is not None and start > expiry:
        raise invalid("startDate", "startDate is after expiringDate")
