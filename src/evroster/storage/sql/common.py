"""Helpers shared by the SQL repositories."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from evroster.storage.base import Page, Row

__all__ = ["fetch_page", "one_or_none", "rows"]


def rows(result: sa.CursorResult[Any]) -> list[Row]:
    """Plain ``dict`` rows with ``str`` keys (Core's keys are a ``str`` subclass)."""
    keys = [str(k) for k in result.keys()]  # noqa: SIM118 - a Result is not a dict
    return [dict(zip(keys, r, strict=True)) for r in result]


def one_or_none(result: sa.CursorResult[Any]) -> Row | None:
    found = rows(result)
    return found[0] if found else None


def fetch_page(conn: sa.Connection, query: sa.Select[Any], offset: int, limit: int) -> Page:
    """Rows ``offset .. offset+limit`` of ``query`` and the count of all its rows."""
    total = conn.execute(sa.select(sa.func.count()).select_from(query.subquery())).scalar_one()
    items = rows(conn.execute(query.offset(offset).limit(limit)))
    return Page(items, int(total))
