"""Writing an export file: the records of ``services/exports.py`` as CSV or JSON Lines,
in exactly the format ``reading.py`` takes back."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, TextIO

import orjson
from pydantic.alias_generators import to_camel

from evroster.domain.times import format_timestamp
from evroster.services.exports import ExportRecord
from evroster.transfer.columns import COLUMNS, HEADER, JSON_COLUMNS, KEYS, LIST_REFS, REFS
from evroster.transfer.reading import Format

__all__ = ["write_records"]

_KEY_FIELD = {
    "site": "external_id",
    "charger": "charger_id",
    "driver": "external_id",
    "tag": "id_tag",
}


def _snake(column: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in column)


def _timestamp(value: datetime) -> str:
    # Milliseconds as the API shows them, unless the value is finer: a round trip must
    # give back the same instant.
    if value.microsecond % 1000 == 0:
        return str(format_timestamp(value))
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _value(column: str, value: Any) -> Any:
    if isinstance(value, datetime):
        return _timestamp(value)
    if column == "sockets":
        return [{to_camel(k): v for k, v in s.items() if v is not None} for s in value]
    return value


def _fields(record: ExportRecord) -> dict[str, Any]:
    """The record as the file's columns, with typed values (JSON Lines' form)."""
    kind, row, refs = record
    out: dict[str, Any] = {"record": kind, KEYS[kind]: row[_KEY_FIELD[kind]]}
    for column, name in REFS[kind].items():
        out[column] = refs[name]
    for column in COLUMNS[kind]:
        if column not in out:
            out[column] = _value(column, row[_snake(column)])
    return out


def _cell(column: str, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if column in LIST_REFS:
        # Keys joined by ';' unless one of them could be misread that way.
        plain = all(";" not in v and v == v.strip() for v in value) and not (
            value and value[0].startswith("[")
        )
        return ";".join(value) if plain else orjson.dumps(value).decode()
    if column in JSON_COLUMNS:
        return orjson.dumps(value).decode()
    return str(value)


def write_records(records: Iterable[ExportRecord], out: TextIO, fmt: Format) -> int:
    """Write ``records`` to ``out``; the number of rows written."""
    count = 0
    if fmt == "jsonl":
        for record in records:
            out.write(orjson.dumps(_fields(record)).decode() + "\n")
            count += 1
        return count
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    for record in records:
        fields = _fields(record)
        writer.writerow([_cell(c, fields.get(c)) for c in HEADER])
        count += 1
    return count
