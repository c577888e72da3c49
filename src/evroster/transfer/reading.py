"""Reading an import file: CSV or JSON Lines rows into validated records.

Each row is validated by the API's own model for its kind, so a file accepts exactly
what the API accepts. Every problem is kept with its line and column; a row with
problems is not passed on.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any, Literal

import orjson
from pydantic import BaseModel, ValidationError

from evroster.api.schemas.chargers import ChargerPatch, charger_values
from evroster.api.schemas.drivers import DriverPatch, TagPatch, driver_values
from evroster.api.schemas.sites import SitePatch
from evroster.errors import InvalidInput
from evroster.services.imports import KINDS, Kind, Problem, Record
from evroster.transfer.columns import (
    COLUMNS,
    HEADER,
    JSON_COLUMNS,
    KEEP_WHEN_EMPTY,
    KEYS,
    LIST_REFS,
    LOCATION,
    REFS,
)

__all__ = ["Format", "read_records"]

Format = Literal["csv", "jsonl"]
_MAX_KEY = 200
_MODELS: dict[Kind, type[BaseModel]] = {
    "site": SitePatch,
    "charger": ChargerPatch,
    "driver": DriverPatch,
    "tag": TagPatch,
}


class _RowError(Exception):
    def __init__(self, column: str, message: str) -> None:
        super().__init__(message)
        self.column = column
        self.message = message


def read_records(
    data: bytes, fmt: Format
) -> tuple[list[Record], list[tuple[Problem, Kind | None]]]:
    """The file's valid records and its problems (with the row's kind when known)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"The file is not UTF-8 text (byte {exc.start})") from exc
    rows = _csv_rows(text) if fmt == "csv" else _jsonl_rows(text)
    records: list[Record] = []
    problems: list[tuple[Problem, Kind | None]] = []
    for line, cells in rows:
        kind: Kind | None = None
        try:
            if isinstance(cells, str):
                raise _RowError("record", cells)
            kind = _kind(cells)
            records.append(_record(line, kind, cells))
        except _RowError as exc:
            problems.append((Problem(line, exc.column, exc.message), kind))
    return records, problems


# A row's cells by column, or what makes the line unreadable as a row.
_Row = tuple[int, dict[str, Any] | str]


def _csv_rows(text: str) -> Iterator[_Row]:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
        if header is None:
            raise InvalidInput("The file is empty: a CSV file starts with its header line")
        header = [h.strip() for h in header]
        unknown = [h for h in header if h not in HEADER]
        if unknown or "record" not in header or len(set(header)) != len(header):
            raise InvalidInput(
                "The header must name a record column and known columns, each once"
                + (f"; unknown: {', '.join(repr(u) for u in unknown[:5])}" if unknown else "")
            )
        line = reader.line_num + 1
        for cells in reader:
            start, line = line, reader.line_num + 1
            if not any(c.strip() for c in cells):
                continue
            if len(cells) != len(header):
                yield (
                    start,
                    {"record": None, "#": f"{len(cells)} cells, the header has {len(header)}"},
                )
                continue
            yield start, dict(zip(header, cells, strict=True))
    except csv.Error as exc:
        raise InvalidInput(f"The CSV file is malformed at line {reader.line_num}: {exc}") from exc


def _jsonl_rows(text: str) -> Iterator[_Row]:
    for n, raw in enumerate(text.splitlines(), 1):
        if not raw.strip():
            continue
        try:
            value = orjson.loads(raw)
        except orjson.JSONDecodeError:
            value = None
        if not isinstance(value, dict):
            yield n, "not a JSON object"
            continue
        yield n, value


def _kind(cells: dict[str, Any]) -> Kind:
    kind = cells.get("record")
    for known in KINDS:
        if kind == known:
            return known
    raise _RowError("record", f"record is one of {', '.join(KINDS)}")


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _record(line: int, kind: Kind, cells: dict[str, Any]) -> Record:
    allowed = set(COLUMNS[kind])
    for column, value in cells.items():
        if column != "record" and column not in allowed and not _blank(value):
            raise _RowError(column, f"not a field of a {kind} row")
    key_column = KEYS[kind]
    key = cells.get(key_column)
    if _blank(key) or not isinstance(key, str) or len(key.strip()) > _MAX_KEY:
        raise _RowError(
            key_column, f"a {kind} row needs its {key_column} (1-{_MAX_KEY} characters)"
        )
    key = key.strip()
    refs = {
        name: _ref(column, cells[column]) for column, name in REFS[kind].items() if column in cells
    }
    body: dict[str, Any] = {}
    location: dict[str, Any] = {}
    for column in COLUMNS[kind]:
        if column not in cells or column in REFS[kind]:
            continue
        value = cells[column]
        if _blank(value):
            if column in KEEP_WHEN_EMPTY:
                continue
            value = None
        elif column in JSON_COLUMNS and isinstance(value, str):
            try:
                value = orjson.loads(value)
            except orjson.JSONDecodeError as exc:
                raise _RowError(column, "not valid JSON") from exc
        elif isinstance(value, str):
            value = value.strip()
            if column == "groupType" and value.isdigit():
                value = int(value)
        (location if column in LOCATION else body)[column] = value
    if location:
        body["locationInfo"] = location
    try:
        model = _MODELS[kind].model_validate(body)
    except ValidationError as exc:
        error = exc.errors()[0]
        loc = [str(p) for p in error["loc"]]
        column = loc[1] if loc[0] == "locationInfo" and len(loc) > 1 else loc[0]
        where = f" (at {'.'.join(loc[1:])})" if len(loc) > 1 and column == loc[0] else ""
        message = error["msg"].removeprefix("Value error, ")
        raise _RowError(column, f"{message}{where}") from exc
    return Record(line, kind, key, _values(kind, model, key, location), refs)


def _ref(column: str, value: Any) -> Any:
    if column not in LIST_REFS:
        if _blank(value):
            return None
        if not isinstance(value, str):
            raise _RowError(column, "a reference is a string")
        return value.strip()
    if _blank(value):
        return []
    if isinstance(value, str) and value.lstrip().startswith("["):
        try:
            value = orjson.loads(value)
        except orjson.JSONDecodeError as exc:
            raise _RowError(column, "not a valid JSON array") from exc
    elif isinstance(value, str):
        value = [v.strip() for v in value.split(";") if v.strip()]
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise _RowError(column, "a list of keys, separated by ';' or as a JSON array")
    return value


def _values(kind: Kind, model: BaseModel, key: str, location: dict[str, Any]) -> dict[str, Any]:
    if kind == "charger":
        values = charger_values(model)  # type: ignore[arg-type]
        # A file may give some location fields; the API replaces them all at once.
        given = {_snake(c) for c in location}
        for column in LOCATION:
            if _snake(column) not in given:
                values.pop(_snake(column), None)
        values["charger_id"] = key
    elif kind == "driver":
        values = driver_values(model)  # type: ignore[arg-type]
        if "integrated_external_ids" not in model.model_fields_set:
            values.pop("integrated_external_ids", None)
        values["external_id"] = key
    else:
        values = model.model_dump(exclude_unset=True)
        if kind == "site":
            values["external_id"] = key
    return values


def _snake(column: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in column)
