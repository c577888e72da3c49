"""``/api/v1/audit``: the customer's own trail of changes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from starlette.responses import Response

from evroster.api.deps import PagingDep, Reader, StoreDep
from evroster.api.routes.common import ERRORS, json_response
from evroster.api.schemas.audit import AuditObject, AuditOut
from evroster.api.schemas.common import Page, TimestampIn
from evroster.services.audit import list_entries

__all__ = ["router"]

router = APIRouter(prefix="/api/v1", tags=["audit"])


@router.get("/audit", response_model=Page[AuditOut], responses=ERRORS["list"])
def audit_trail(
    who: Reader,
    store: StoreDep,
    paging: PagingDep,
    obj: Annotated[AuditObject | None, Query(alias="object")] = None,
    object_id: Annotated[
        str | None,
        Query(alias="objectId", min_length=1, max_length=64, pattern=r"^[\x21-\x7e]+$"),
    ] = None,
    since: Annotated[
        TimestampIn | None, Query(alias="from", description="Entries at or after this time")
    ] = None,
    until: Annotated[
        TimestampIn | None, Query(alias="to", description="Entries before this time")
    ] = None,
) -> Response:
    """Every change to the customer's data, oldest first; nothing here can be changed."""
    page = list_entries(
        store,
        who.customer_id,
        paging.offset,
        paging.limit,
        obj=obj,
        object_id=object_id,
        since=since,
        until=until,
    )
    items = [AuditOut.model_validate(r).model_dump(mode="json", by_alias=True) for r in page.items]
    return json_response(paging.envelope(list(items), page.total))
