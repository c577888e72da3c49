"""``/api/v1/drivers``: drivers, their tags and their access grants.

``GET /drivers/{id}`` and ``GET /drivers/by-idtag/{idTag}`` are hot-path routes
(``api/hot.py``), and ``PATCH /drivers/{id}`` a shortcut (``api/shortcuts.py``);
writes answer with the same document.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.responses import Response

from evroster.api.deps import Admin, DocumentsDep, PagingDep, Reader, StoreDep, write
from evroster.api.routes.chargers import ChargerIdPath
from evroster.api.routes.common import ERRORS, IdPath, SearchQuery, created, json_response
from evroster.api.schemas.common import Page
from evroster.api.schemas.documents import DriverDocument
from evroster.api.schemas.drivers import (
    DriverIn,
    DriverPatch,
    DriverSummary,
    TagIn,
    TagOut,
    TagPatch,
    driver_values,
)
from evroster.api.shortcuts import Call, Shortcut
from evroster.services import drivers
from evroster.services.audit import Actor
from evroster.services.documents import Documents
from evroster.storage.base import Row, Store

__all__ = ["SHORTCUTS", "router"]

router = APIRouter(prefix="/api/v1", tags=["drivers"])


def _document(
    documents: Documents, customer_id: int, driver_id: int, status: int = 200
) -> Response:
    # Through the cache: after a write, only what the write changed is read again.
    body = documents.by_id(customer_id, driver_id)
    headers = {"Location": f"/api/v1/drivers/{driver_id}"} if status == 201 else None
    return Response(body, status, headers, media_type="application/json")


@router.post("/drivers", status_code=201, response_model=DriverDocument, responses=ERRORS["write"])
def create_driver(body: DriverIn, who: Admin, store: StoreDep, documents: DocumentsDep) -> Response:
    """Create a driver; answers with the driver document."""
    row = drivers.create_driver(store, who.actor, driver_values(body))
    return _document(documents, who.customer_id, row["id"], 201)


@router.get("/drivers", response_model=Page[DriverSummary], responses=ERRORS["list"])
def list_drivers(
    who: Reader,
    store: StoreDep,
    paging: PagingDep,
    search: SearchQuery = None,
) -> Response:
    page = drivers.list_drivers(store, who.customer_id, paging.offset, paging.limit, search)
    items = [DriverSummary.model_validate(r).model_dump(by_alias=True) for r in page.items]
    return json_response(paging.envelope(list(items), page.total))


def _updated(
    store: Store, documents: Documents, actor: Actor, driver_id: int, values: dict[str, Any]
) -> bytes:
    drivers.update_driver(store, actor, driver_id, values)
    return documents.by_id(actor.customer_id, driver_id)


async def update_driver(call: Call) -> Response:
    """Change the fields sent; answers with the driver document."""
    driver_id = call.path["driver_id"]
    values = driver_values(call.body)
    actor = call.principal.actor
    body = await write(call.store, _updated, call.store, call.documents, actor, driver_id, values)
    return Response(body, media_type="application/json")


@router.delete("/drivers/{driver_id}", status_code=204, responses=ERRORS["write"])
def delete_driver(driver_id: IdPath, who: Admin, store: StoreDep) -> Response:
    """Delete a driver with all its tags and grants."""
    drivers.delete_driver(store, who.actor, driver_id)
    return Response(status_code=204)


def _tag(row: Row) -> Response:
    return json_response(TagOut.model_validate(row).model_dump(mode="json", by_alias=True))


@router.post(
    "/drivers/{driver_id}/tags",
    status_code=201,
    response_model=TagOut,
    responses=ERRORS["write"],
)
def add_tag(driver_id: IdPath, body: TagIn, who: Admin, store: StoreDep) -> Response:
    """Give the driver a tag. Its canonical form must be free within the customer (409)."""
    row = drivers.add_tag(store, who.actor, driver_id, body.model_dump())
    out = TagOut.model_validate(row).model_dump(mode="json", by_alias=True)
    return created(out, f"/api/v1/tags/{row['id']}")


@router.get(
    "/drivers/{driver_id}/tags",
    response_model=list[TagOut],
    responses=ERRORS["read"],
    tags=["tags"],
)
def list_tags(driver_id: IdPath, who: Reader, store: StoreDep) -> Response:
    """Every tag of the driver with the fields its document leaves out (blocked, group,
    token type, limit of transactions)."""
    rows = drivers.list_tags(store, who.customer_id, driver_id)
    return json_response(
        [TagOut.model_validate(r).model_dump(mode="json", by_alias=True) for r in rows]
    )


@router.get("/tags/{tag_id}", response_model=TagOut, responses=ERRORS["read"], tags=["tags"])
def get_tag(tag_id: IdPath, who: Reader, store: StoreDep) -> Response:
    return _tag(drivers.get_tag(store, who.customer_id, tag_id))


@router.patch("/tags/{tag_id}", response_model=TagOut, responses=ERRORS["write"], tags=["tags"])
def update_tag(tag_id: IdPath, body: TagPatch, who: Admin, store: StoreDep) -> Response:
    """Change a tag: rename, block or unblock, move its validity window."""
    return _tag(drivers.update_tag(store, who.actor, tag_id, body.model_dump(exclude_unset=True)))


@router.delete("/tags/{tag_id}", status_code=204, responses=ERRORS["write"], tags=["tags"])
def delete_tag(tag_id: IdPath, who: Admin, store: StoreDep) -> Response:
    drivers.delete_tag(store, who.actor, tag_id)
    return Response(status_code=204)


@router.put(
    "/drivers/{driver_id}/sites/{site_id}",
    status_code=204,
    responses=ERRORS["write"],
    tags=["access"],
)
def grant_site(driver_id: IdPath, site_id: IdPath, who: Admin, store: StoreDep) -> Response:
    """Grant the site and all its subsites (idempotent)."""
    drivers.grant_site(store, who.actor, driver_id, site_id)
    return Response(status_code=204)


@router.delete(
    "/drivers/{driver_id}/sites/{site_id}",
    status_code=204,
    responses=ERRORS["write"],
    tags=["access"],
)
def revoke_site(driver_id: IdPath, site_id: IdPath, who: Admin, store: StoreDep) -> Response:
    """Revoke a site grant (idempotent)."""
    drivers.revoke_site(store, who.actor, driver_id, site_id)
    return Response(status_code=204)


@router.put(
    "/drivers/{driver_id}/chargers/{charger_id}",
    status_code=204,
    responses=ERRORS["write"],
    tags=["access"],
)
def grant_charger(
    driver_id: IdPath, charger_id: ChargerIdPath, who: Admin, store: StoreDep
) -> Response:
    """Grant one charger directly (idempotent)."""
    drivers.grant_charger(store, who.actor, driver_id, charger_id)
    return Response(status_code=204)


@router.delete(
    "/drivers/{driver_id}/chargers/{charger_id}",
    status_code=204,
    responses=ERRORS["write"],
    tags=["access"],
)
def revoke_charger(
    driver_id: IdPath, charger_id: ChargerIdPath, who: Admin, store: StoreDep
) -> Response:
    """Revoke a direct charger grant (idempotent)."""
    drivers.revoke_charger(store, who.actor, driver_id, charger_id)
    return Response(status_code=204)


SHORTCUTS = [
    Shortcut(
        "PATCH",
        "/api/v1/drivers/{driver_id}",
        update_driver,
        body=DriverPatch,
        answer=DriverDocument,
        params={"driver_id": IdPath},
        tags=("drivers",),
        summary="Update Driver",
    ),
]
