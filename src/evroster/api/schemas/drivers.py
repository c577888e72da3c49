"""Drivers and their tags."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from evroster.api.schemas.common import (
    Id,
    Input,
    Int64,
    NotNull,
    Output,
    Text,
    Timestamp,
    TimestampIn,
)
from evroster.domain.times import format_timestamp

TokenType = Literal[
    "Central", "eMAID", "ISO14443", "ISO15693", "KeyCode", "Local", "MacAddress", "NoAuthorization"
]
ShortGroupId = Annotated[str, Field(min_length=1, max_length=36, pattern=r"^[\x21-\x7e]+$")]

__all__ = [
    "DriverIn",
    "DriverPatch",
    "DriverSummary",
    "IntegratedExternalIdIn",
    "TagIn",
    "TagOut",
    "TagPatch",
    "driver_values",
]


class IntegratedExternalIdIn(Input):
    reference_type: Literal[0, 1] = 0
    reference_id: Text | None = None
    external_id: Text | None = None
    effective_from: TimestampIn | None = None


class DriverPatch(Input):
    name: Annotated[Text | None, NotNull] = None
    external_id: Text | None = None
    home_site_id: Id | None = Field(
        default=None, description="The driver's home site: visibility only, grants no access"
    )
    payer_id: Int64 | None = None
    integrated_external_ids: Annotated[list[IntegratedExternalIdIn] | None, NotNull] = Field(
        default=None, max_length=100
    )


class DriverIn(DriverPatch):
    name: Text
    integrated_external_ids: list[IntegratedExternalIdIn] = Field(
        default_factory=list, max_length=100
    )


def driver_values(body: DriverPatch) -> dict[str, Any]:
    """Column values for the fields the client sent."""
    values = body.model_dump(exclude_unset=True, exclude={"integrated_external_ids"})
    if "integrated_external_ids" in body.model_fields_set or isinstance(body, DriverIn):
        # Stored as the document shows them (camelCase, formatted timestamps).
        values["integrated_external_ids"] = [
            {**e.model_dump(by_alias=True), "effectiveFrom": format_timestamp(e.effective_from)}
            for e in body.integrated_external_ids or []
        ]
    return values


class DriverSummary(Output):
    """A driver in a list; ``GET /drivers/{id}`` has the whole document."""

    id: int
    name: str
    external_id: str | None
    home_site_id: int | None
    payer_id: int | None


class TagPatch(Input):
    id_tag: Annotated[str | None, NotNull] = Field(
        default=None,
        description="1-36 printable ASCII characters; matched without regard to case, and "
        "hex byte pairs without their separators",
        examples=["04:A2:3B:1C"],
    )
    token_name: Text | None = None
    start_date: TimestampIn | None = None
    expiring_date: TimestampIn | None = Field(default=None, description="null: never expires")
    invoicable: Annotated[bool | None, NotNull] = None
    blocked: Annotated[bool | None, NotNull] = None
    group_id: ShortGroupId | None = Field(
        default=None,
        description="Told to chargers as parentIdTag (1.6, only when at most 20 characters) "
        "and groupIdToken (2.0.1): tags with one group may stop each other's transactions",
    )
    token_type: TokenType | None = Field(
        default=None,
        description="OCPP 2.0.1 token type; when set, a 2.0.1 charger presenting the tag "
        "with another type is refused as unknown",
    )
    max_transactions: int | None = Field(
        default=None, ge=1, le=1000, description="Simultaneous transactions; null: no limit"
    )


class TagIn(TagPatch):
    id_tag: str = Field(description=TagPatch.model_fields["id_tag"].description)
    invoicable: bool = False
    blocked: bool = False


class TagOut(Output):
    id: int
    driver_id: int
    id_tag: str
    token_name: str | None
    start_date: Timestamp | None
    expiring_date: Timestamp | None
    last_updated: Timestamp
    invoicable: bool
    blocked: bool
    group_id: str | None
    token_type: str | None
    max_transactions: int | None
