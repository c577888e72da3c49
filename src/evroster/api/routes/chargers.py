"""``/api/v1/chargers``: chargers with their sockets, addressed by their OCPP identity.

``PATCH /chargers/{chargerId}`` is a shortcut (``api/shortcuts.py``).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path
from starlette.responses import Response

from evroster.api.deps import Admin, DocumentsDep, PagingDep, Reader, StoreDep, write
from evroster.api.routes.common import ERRORS, ChargerSearchQuery, created, json_response
from evroster.api.schemas.chargers import ChargerIn, ChargerPatch, charger_values
from evroster.api.schemas.common import Page
from evroster.api.schemas.documents import ChargerDocument
from evroster.api.shortcuts import Call, Shortcut
from evroster.errors import NotFound
from evroster.services import chargers
from evroster.services.audit import Actor
from evroster.services.documents import Documents
from evroster.storage.base import Store

__all__ = ["SHORTCUTS", "ChargerIdPath", "router"]

router = APIRouter(prefix="/api/v1/chargers", tags=["chargers"])

ChargerIdPath = Annotated[
    str, Path(min_length=1, max_length=48, pattern=r"^[\x21-\x7e]+$", description="OCPP identity")
]


def _one(documents: Documents, customer_id: int, pk: int) -> Any:
    # Through the cache: the answer to a write keeps the charger's new piece for the
    # documents that show it.
    found = documents.chargers(customer_id, [pk])
    if not found:  # deleted between the write and this read
        raise NotFound("Charger not found")
    return found[0]


@router.post("", status_code=201, response_model=ChargerDocument, responses=ERRORS["write"])
def create_charger(
    body: ChargerIn, who: Admin, store: StoreDep, documents: DocumentsDep
) -> Response:
    """Create a charger in a site (``groupId``), with its sockets."""
    row = chargers.create_charger(store, who.actor, charger_values(body))
    found = _one(documents, who.customer_id, row["id"])
    return created(found, f"/api/v1/chargers/{row['charger_id']}")


@router.get("", response_model=Page[ChargerDocument], responses=ERRORS["list"])
def list_chargers(
    who: Reader,
    store: StoreDep,
    documents: DocumentsDep,
    paging: PagingDep,
    search: ChargerSearchQuery = None,
) -> Response:
    page = chargers.list_chargers(store, who.customer_id, paging.offset, paging.limit, search)
    items = documents.chargers(who.customer_id, [r["id"] for r in page.items])
    return json_response(paging.envelope(list(items), page.total))


@router.get("/{charger_id}", response_model=ChargerDocument, responses=ERRORS["read"])
def get_charger(
    charger_id: ChargerIdPath, who: Reader, store: StoreDep, documents: DocumentsDep
) -> Response:
    row = chargers.find_charger(store, who.customer_id, charger_id)
    return json_response(_one(documents, who.customer_id, row["id"]))


def _updated(
    store: Store, documents: Documents, actor: Actor, charger_id: str, values: dict[str, Any]
) -> Any:
    row = chargers.update_charger(store, actor, charger_id, values)
    return _one(documents, actor.customer_id, row["id"])


async def update_charger(call: Call) -> Response:
    """Change the fields sent; ``sockets`` replaces the list, keeping live socket status."""
    charger_id = call.path["charger_id"]
    values = charger_values(call.body)
    actor = call.principal.actor
    found = await write(call.store, _updated, call.store, call.documents, actor, charger_id, values)
    return json_response(found)


@router.delete("/{charger_id}", status_code=204, responses=ERRORS["write"])
def delete_charger(charger_id: ChargerIdPath, who: Admin, store: StoreDep) -> Response:
    """Delete a charger, its sockets and the grants on it."""
    chargers.delete_charger(store, who.actor, charger_id)
    return Response(status_code=204)


SHORTCUTS = [
    Shortcut(
        "PATCH",
        "/api/v1/chargers/{charger_id}",
        update_charger,
        body=ChargerPatch,
        answer=ChargerDocument,
        params={"charger_id": ChargerIdPath},
        tags=("chargers",),
        summary="Update Charger",
    ),
]
