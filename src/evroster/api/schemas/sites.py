"""Sites."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, field_validator

from evroster.api.schemas.common import Id, Input, Int64, NotNull, Output, Text
from evroster.domain.sites import parse_group_type

__all__ = ["SiteIn", "SiteOut", "SitePatch"]

_GROUP_TYPE = "0 SUB_CPO, 1 SITE, 2 SUB_SITE, 3 CIRCUIT, 4 OTHER; the number or the name"


def _group_type(value: Any) -> int | None:
    if value is None:
        return None
    parsed = parse_group_type(value)
    if parsed is None:
        raise ValueError("groupType is 0-4 or one of SUB_CPO, SITE, SUB_SITE, CIRCUIT, OTHER")
    return int(parsed)


class SitePatch(Input):
    name: Annotated[Text | None, NotNull] = None
    parent_id: Id | None = None
    group_type: Annotated[int | str | None, NotNull] = Field(
        default=None, description=_GROUP_TYPE, examples=[1, "SITE"]
    )
    external_id: Text | None = None
    payer_id: Int64 | None = None
    cost_id: Text | None = None
    cost_name: Text | None = None
    payment_recipient_id: Int64 | None = None

    _check_group_type = field_validator("group_type", mode="before")(_group_type)


class SiteIn(SitePatch):
    name: Text
    group_type: int | str = Field(default=1, description=_GROUP_TYPE, examples=[1, "SITE"])


class SiteOut(Output):
    id: int
    name: str
    parent_id: int | None
    group_type: int
    external_id: str | None
    payer_id: int | None
    cost_id: str | None
    cost_name: str | None
    payment_recipient_id: int | None
