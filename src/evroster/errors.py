"""The one exception tree of evroster.

::

    EvrosterError
     ├── NotFound        the object does not exist for this customer
     ├── Conflict        a uniqueness or state rule would break (duplicate idTag, non-empty site)
     ├── InvalidInput    the request is malformed; carries field errors
     ├── Unauthorized    missing, unknown or revoked credentials
     ├── Forbidden       valid credentials without the right (a read key writing)
     └── Unavailable     the database cannot be reached or is busy: retry shortly

Only ``api/app.py`` turns these into HTTP statuses.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "Conflict",
    "EvrosterError",
    "FieldError",
    "Forbidden",
    "InvalidInput",
    "NotFound",
    "Unauthorized",
    "Unavailable",
]


@dataclass(frozen=True, slots=True)
class FieldError:
    """One problem with one input field; ``field`` is a dotted path such as ``body.name``."""

    field: str
    message: str


class EvrosterError(Exception):
    """Base of every error that evroster raises on purpose."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class NotFound(EvrosterError):
    """The object does not exist, or belongs to another customer (the two look the same)."""


class Conflict(EvrosterError):
    """The change would break a uniqueness or state rule."""


class InvalidInput(EvrosterError):
    """The input is malformed. ``location`` is ``path``, ``query`` or ``body``."""

    def __init__(
        self, detail: str, errors: list[FieldError] | None = None, location: str = "body"
    ) -> None:
        super().__init__(detail)
        self.errors = errors or []
        self.location = location


class Unauthorized(EvrosterError):
    """Credentials are missing, unknown, revoked or do not match the customer."""


class Forbidden(EvrosterError):
    """The credentials are valid but do not allow this action."""


class Unavailable(EvrosterError):
    """The database did not answer (down, restarting, or busy past the wait): nothing was
    written, and the same request may succeed in a moment."""

    retry_after = 2
