"""How the console words times and states for people."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import orjson

from evroster.domain.times import utcnow
from evroster.errors import FieldError, InvalidInput

__all__ = ["format_moment", "shown", "since", "tag_state", "utc_input"]

# What a date or datetime-local input sends; read as UTC, as the forms say.
_LOCAL = re.compile(r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2})?)?$")


def utc_input(text: str, field: str) -> str | None:
    """A date (its midnight) or date and time typed in a form, as an RFC 3339 UTC
    timestamp; None for nothing typed."""
    if not text:
        return None
    if not _LOCAL.match(text):
        raise InvalidInput(
            "The form has errors", [FieldError(field, "use YYYY-MM-DD or YYYY-MM-DDTHH:MM")]
        )
    if "T" not in text:
        text += "T00:00"
    return text + ("Z" if text.count(":") == 2 else ":00Z")


def _moment(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, str) and value:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    return None


def format_moment(value: Any) -> str:
    """``2026-11-26 06:06 UTC``; an empty string for no time."""
    moment = _moment(value)
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if moment else ""


def since(value: Any, now: datetime | None = None) -> str:
    """``just now``, ``4 min ago``, ``3 h ago``, ``12 days ago``; ``never`` for no time."""
    moment = _moment(value)
    if moment is None:
        return "never"
    seconds = ((now or utcnow()) - moment).total_seconds()
    if seconds < 60:
        return "just now"
    for size, unit in ((86400, "days"), (3600, "h"), (60, "min")):
        if seconds >= size:
            return f"{int(seconds // size)} {unit} ago"
    return "just now"


def tag_state(tag: dict[str, Any], now: datetime | None = None) -> str:
    """``blocked``, ``expired``, ``not yet valid`` or ``active``: the first that holds, in
    the order the decision engine checks them."""
    now = now or utcnow()
    if tag["blocked"]:
        return "blocked"
    until, start = _moment(tag["expiring_date"]), _moment(tag["start_date"])
    if until is not None and now >= until:
        return "expired"
    if start is not None and now < start:
        return "not yet valid"
    return "active"


def shown(value: Any) -> str:
    """A value of the audit trail as a person reads it: text as is, none as a dash,
    anything else as compact JSON."""
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    return orjson.dumps(value).decode()
