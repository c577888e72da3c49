"""Bases shared by the request and response models."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Generic, TypeVar

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    StringConstraints,
)
from pydantic.alias_generators import to_camel

from evroster.domain.times import format_timestamp

__all__ = [
    "Digits",
    "FieldErrorOut",
    "Id",
    "Input",
    "Int32",
    "Int64",
    "LongText",
    "NotNull",
    "Output",
    "Page",
    "Problem",
    "ShortText",
    "Text",
    "Timestamp",
    "TimestampIn",
]

T = TypeVar("T")


class Input(BaseModel):
    """A request body: camelCase, unknown fields refused rather than dropped."""

    model_config = ConfigDict(extra="forbid", alias_generator=to_camel, populate_by_name=False)


class Output(BaseModel):
    """A response body: camelCase, exactly these fields (row columns beyond them are dropped)."""

    model_config = ConfigDict(extra="ignore", alias_generator=to_camel, populate_by_name=True)


def _rfc3339_only(value: object) -> object:
    # Pydantic would also read a number (or a numeric string, as every query value is)
    # as Unix time; the documented format is RFC 3339 text, and only that is accepted.
    if not isinstance(value, str) or _NUMBER.match(value):
        raise ValueError("a time is RFC 3339 text with a zone, such as 2026-01-01T00:00:00Z")
    return value


def _digits_only(value: object) -> object:
    # int() would also take "4\x85", " 4", "+4", "4_0" or "٤": a number in a path or a
    # query is ASCII digits and nothing else.
    if isinstance(value, str) and not (value.isascii() and value.isdigit()):
        raise ValueError("digits only")
    return value


# An integer from a path or query parameter.
Digits = BeforeValidator(_digits_only)
_NUMBER = re.compile(r"^\s*[-+]?[0-9.eE+-]+\s*$")
TimestampIn = Annotated[AwareDatetime, BeforeValidator(_rfc3339_only)]
Timestamp = Annotated[
    datetime,
    PlainSerializer(format_timestamp, return_type=str),
    Field(examples=["2024-12-04T11:51:42.899Z"]),
]


def _not_null(value: T) -> T:
    if value is None:
        raise ValueError("may be left out, but not null")
    return value


# For PATCH fields that may be omitted but never cleared: defaults are not validated,
# so only an explicit null reaches the check.
NotNull = AfterValidator(_not_null)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _no_control(value: str) -> str:
    if _CONTROL.search(value):
        raise ValueError("control characters are not allowed")
    return value


def _no_nul(value: str) -> str:
    # PostgreSQL cannot store U+0000 in text: refuse it here rather than fail there.
    if "\x00" in value:
        raise ValueError("the NUL character is not allowed")
    return value


# Names, ids and labels: printable text. Free text (configuration values, custom
# property values, terms): anything but NUL.
Text = Annotated[str, StringConstraints(min_length=1, max_length=200), AfterValidator(_no_control)]
ShortText = Annotated[
    str, StringConstraints(min_length=1, max_length=50), AfterValidator(_no_control)
]
LongText = Annotated[str, StringConstraints(min_length=1, max_length=2000), AfterValidator(_no_nul)]
Int32 = Annotated[int, Field(ge=-(2**31), le=2**31 - 1)]
Int64 = Annotated[int, Field(ge=-(2**63), le=2**63 - 1)]
Id = Annotated[int, Field(ge=1, le=2**63 - 1)]


class Page(Output, Generic[T]):
    """eMabler v2's paging envelope."""

    page: int
    limit: int
    total_records: int
    has_next_page: bool
    has_previous_page: bool
    items: list[T]


class FieldErrorOut(Output):
    field: str = Field(examples=["body.name"])
    message: str


class Problem(Output):
    """RFC 9457 problem details; with ``Accept: text/plain`` only ``detail``, as text."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str = Field(examples=["Errors in the body request"])
    errors: list[FieldErrorOut] | None = None
