"""Timestamps: UTC everywhere, rendered as RFC 3339 with milliseconds and ``Z``."""

from __future__ import annotations

from datetime import UTC, datetime

__all__ = ["format_timestamp", "utcnow"]


def utcnow() -> datetime:
    """Now, in UTC, truncated to the millisecond that the API shows."""
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def format_timestamp(value: datetime | None) -> str | None:
    """``2024-12-04T11:51:42.899Z`` for an aware datetime; ``None`` stays ``None``."""
    if value is None:
        return None
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"
