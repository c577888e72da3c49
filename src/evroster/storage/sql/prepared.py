"""Core statements compiled once per dialect and run on the DB-API connection.

A statement built once still costs SQLAlchemy's execution machinery on every
``Connection.execute``: a cache-key lookup, an execution context, parameter and result
processing through generic paths, events, a ``CursorResult``. For a one-row statement
on SQLite that is about 35 µs against 7 µs for the statement itself, and a ``PATCH``
runs up to four of them (docs/architecture.md, "Storage").

:class:`Prepared` keeps what SQLAlchemy would compute each time: the SQL text for the
dialect, the order of its parameters, and the same type processors SQLAlchemy applies
(``UTCDateTime`` included), and runs the text on the DB-API connection of the unit of
work, inside its transaction. The statements stay Core: written once, portable, and
compiled by SQLAlchemy itself.

Only for statements whose parameters are all named ``bindparam``\\ s or fixed values:
no expanding ``IN`` lists and no literal rendering (``compile`` refuses those here).
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.compiler import SQLCompiler

from evroster.storage.base import Row

__all__ = ["MAX_STATEMENTS", "Prepared", "prepared"]

_Processor = Callable[[Any], Any] | None
# Per dialect (an engine's own instance): each statement and set of value columns,
# compiled once.
_COMPILED: weakref.WeakKeyDictionary[Dialect, dict[tuple[Any, ...], Prepared]] = (
    weakref.WeakKeyDictionary()
)
_FROM_PARAMS = object()
# Statements and sets of columns kept per dialect. A PATCH sets any subset of a table's
# columns, so clients choose how many sets there are: past this, start over (a set
# costs one compilation, about a millisecond), as SQLAlchemy's own bounded cache would.
MAX_STATEMENTS = 1000


class Prepared:
    """One statement, compiled for one dialect; ``keys`` are the columns an INSERT or
    UPDATE sets (as ``Connection.execute`` derives them from its parameters)."""

    __slots__ = ("_binds", "_columns", "_dialect", "_named", "_results", "_types", "sql")

    def __init__(self, statement: sa.ClauseElement, dialect: Dialect, keys: Sequence[str]) -> None:
        compiled = statement.compile(dialect=dialect, column_keys=list(keys) if keys else None)
        assert isinstance(compiled, SQLCompiler)
        if compiled.literal_execute_params or compiled.post_compile_params:
            raise ValueError("a prepared statement takes named parameters only")
        if compiled.escaped_bind_names:
            raise ValueError("a prepared statement's parameter names must be plain")
        self.sql: str = compiled.string
        self._named = not compiled.positional
        names = list(compiled.binds) if self._named else list(compiled.positiontup or ())
        binds: list[tuple[str, Any, _Processor]] = []
        for name in names:
            bind = compiled.binds[name]
            fixed = _FROM_PARAMS if bind.required else bind.effective_value
            binds.append((name, fixed, bind.type._cached_bind_processor(dialect)))
        self._binds = tuple(binds)
        columns = list(getattr(statement, "exported_columns", ()))
        self._columns = tuple(str(c.key) for c in columns)
        self._types = tuple(c.type for c in columns)
        self._dialect = dialect
        # Some processors depend on the type the driver reports (PostgreSQL's numerics):
        # made from the first result's description, as SQLAlchemy does.
        self._results: tuple[_Processor, ...] | None = None

    def params(self, values: Mapping[str, Any]) -> Any:
        """The DB-API parameters for ``values``: a tuple, or a dict for named styles."""
        out = []
        for name, fixed, process in self._binds:
            value = values[name] if fixed is _FROM_PARAMS else fixed
            out.append(value if process is None or value is None else process(value))
        if self._named:
            return dict(zip((b[0] for b in self._binds), out, strict=True))
        return tuple(out)

    def _processors(self, cursor: Any) -> tuple[_Processor, ...]:
        found = self._results
        if found is None:
            codes = [d[1] for d in cursor.description]
            found = self._results = tuple(
                kind._cached_result_processor(self._dialect, code)
                for kind, code in zip(self._types, codes, strict=True)
            )
        return found

    def _row(self, found: Sequence[Any], processors: tuple[_Processor, ...]) -> Row:
        return {
            key: value if process is None or value is None else process(value)
            for key, value, process in zip(self._columns, found, processors, strict=True)
        }

    def all(self, conn: sa.Connection, values: Mapping[str, Any]) -> list[Row]:
        cursor = _cursor(conn)
        cursor.execute(self.sql, self.params(values))
        processors = self._processors(cursor)
        return [self._row(r, processors) for r in cursor.fetchall()]

    def first(self, conn: sa.Connection, values: Mapping[str, Any]) -> Row | None:
        cursor = _cursor(conn)
        cursor.execute(self.sql, self.params(values))
        found = cursor.fetchone()
        return None if found is None else self._row(found, self._processors(cursor))

    def run(self, conn: sa.Connection, values: Mapping[str, Any]) -> int:
        """Run a statement that returns no rows; how many rows it changed."""
        cursor = _cursor(conn)
        cursor.execute(self.sql, self.params(values))
        count: int = cursor.rowcount
        return count

    def run_many(self, conn: sa.Connection, values: Iterable[Mapping[str, Any]]) -> None:
        _cursor(conn).executemany(self.sql, [self.params(v) for v in values])


def prepared(
    conn: sa.Connection, statement: sa.ClauseElement, keys: Sequence[str] = ()
) -> Prepared:
    """``statement`` compiled for the dialect of ``conn`` (once; then from a cache)."""
    dialect = conn.dialect
    found = _COMPILED.get(dialect)
    if found is None:
        found = _COMPILED.setdefault(dialect, {})
    # Parameters are bound by name: the same columns in another order are one statement.
    columns = tuple(sorted(keys))
    cache_key = (statement, *columns)
    done = found.get(cache_key)
    if done is None:
        if len(found) >= MAX_STATEMENTS:
            found.clear()
        done = found[cache_key] = Prepared(statement, dialect, columns)
    return done


def _cursor(conn: sa.Connection) -> Any:
    # On the DB-API connection of the unit of work: its statements run inside the
    # transaction that SQLAlchemy began and will commit or roll back.
    return conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
