"""Helpers shared by the SQL repositories."""

from __future__ import annotations

from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement

from evroster.storage.base import Page, Row
from evroster.storage.sql.prepared import prepared
from evroster.storage.sql.tables import chargers, drivers, sites, tags

__all__ = [
    "contains",
    "fetch_page",
    "find_row",
    "insert_row",
    "one_or_none",
    "rows",
    "update_row",
]


def rows(result: sa.CursorResult[Any]) -> list[Row]:
    """Plain ``dict`` rows with ``str`` keys (Core's keys are a ``str`` subclass)."""
    keys = [str(k) for k in result.keys()]  # noqa: SIM118 - a Result is not a dict
    return [dict(zip(keys, r, strict=True)) for r in result]


class _Holds(ColumnElement[bool]):
    """``column`` matches the LIKE ``pattern`` (escaped with a backslash), ignoring case."""

    inherit_cache = True
    type = sa.Boolean()

    def __init__(self, column: sa.ColumnElement[Any], pattern: str) -> None:
        self.column = column
        # Written into the statement, not sent as a parameter: PostgreSQL plans a
        # prepared statement (psycopg prepares one run five times) for any pattern, and
        # that plan scans the table instead of using the trigram index (migration 0006):
        # 200 ms instead of 15 on 100,000 drivers.
        self.pattern = sa.bindparam(None, pattern, type_=sa.String(), literal_execute=True)


@compiles(_Holds)
def _holds(element: _Holds, compiler: SQLCompiler, **kw: Any) -> str:
    # PostgreSQL's ILIKE. SQLAlchemy's ilike() becomes lower(x) LIKE lower(y) on SQLite,
    # whose LIKE already ignores case (of ASCII letters, like its lower()): the calls made
    # a search of 100,000 drivers take 100 ms instead of 36.
    operator = "ILIKE" if compiler.dialect.name == "postgresql" else "LIKE"
    column = compiler.process(element.column, **kw)
    pattern = compiler.process(element.pattern, **kw)
    return f"{column} {operator} {pattern} ESCAPE '\\'"


def contains(columns: list[sa.ColumnElement[Any]], text: str) -> sa.ColumnElement[bool]:
    """Any of ``columns`` holds ``text``, without regard to case; ``%`` and ``_`` are
    matched as themselves."""
    pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return sa.or_(*(_Holds(c, pattern) for c in columns))


def one_or_none(result: sa.CursorResult[Any]) -> Row | None:
    found = rows(result)
    return found[0] if found else None


@cache
def _lookup(table: sa.Table, columns: tuple[str, ...]) -> sa.Select[Any]:
    return table.select().where(*(table.c[c] == sa.bindparam(c) for c in columns))


def find_row(conn: sa.Connection, table: sa.Table, **where: Any) -> Row | None:
    """The row of ``table`` whose columns equal ``where`` (a key: one row at most).

    The statement is built once per table and set of columns, like ``insert_row``'s:
    building it per call cost SQLAlchemy more (a cache key, coercions) than SQLite takes
    to run it, about a third of a write's time; and it runs prepared (``prepared.py``).
    """
    return prepared(conn, _lookup(table, tuple(where))).first(conn, where)


def fetch_page(conn: sa.Connection, query: sa.Select[Any], offset: int, limit: int) -> Page:
    """Rows ``offset .. offset+limit`` of ``query`` and the count of all its rows."""
    total = conn.execute(sa.select(sa.func.count()).select_from(query.subquery())).scalar_one()
    items = rows(conn.execute(query.offset(offset).limit(limit)))
    return Page(items, int(total))


# Values go in as execution parameters, never as ``.values(**row)``: a statement built
# per row with its values bound in costs SQLAlchemy a cache key over every value, which
# was most of the time of a bulk import (560 rows/s). Built once, compiled once per set
# of columns (``prepared.py``).
def insert_row(conn: sa.Connection, table: sa.Table, values: dict[str, Any]) -> Row:
    """Insert one row; the row as stored."""
    row = prepared(conn, _INSERTS[table.name], tuple(values)).first(conn, values)
    assert row is not None
    return row


def update_row(
    conn: sa.Connection, table: sa.Table, customer_id: int, pk: int, values: dict[str, Any]
) -> Row | None:
    """Set ``values`` on the customer's row ``pk``; the row as stored, None if absent."""
    statement = prepared(conn, _UPDATES[table.name], (*values, "_c", "_pk"))
    return statement.first(conn, {**values, "_c": customer_id, "_pk": pk})


def _statements() -> tuple[dict[str, Any], dict[str, Any]]:
    inserts: dict[str, Any] = {}
    updates: dict[str, Any] = {}
    for table in (sites, chargers, drivers, tags):
        inserts[table.name] = table.insert().returning(*table.c)
        updates[table.name] = (
            table.update()
            .where(table.c.customer_id == sa.bindparam("_c"), table.c.id == sa.bindparam("_pk"))
            .returning(*table.c)
        )
    return inserts, updates


_INSERTS, _UPDATES = _statements()
