"""``/api/v1/sites``: the site tree."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from evroster.api.deps import Admin, PagingDep, Reader, StoreDep
from evroster.api.routes.common import ERRORS, IdPath, SearchQuery, created, json_response
from evroster.api.schemas.common import Page
from evroster.api.schemas.documents import SiteDocument
from evroster.api.schemas.sites import SiteIn, SiteOut, SitePatch
from evroster.errors import NotFound
from evroster.services import sites
from evroster.services.documents import site_objects
from evroster.storage.base import Row

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/sites", tags=["sites"])


def _out(row: Row) -> dict[str, Any]:
    return SiteOut.model_validate(row).model_dump(by_alias=True)


@router.post("", status_code=201, response_model=SiteOut, responses=ERRORS["write"])
def create_site(body: SiteIn, who: Admin, store: StoreDep) -> Response:
    """Create a site, optionally under a parent site."""
    row = sites.create_site(store, who.actor, body.model_dump())
    return created(_out(row), f"/api/v1/sites/{row['id']}")


@router.get("", response_model=Page[SiteOut], responses=ERRORS["list"])
def list_sites(
    who: Reader, store: StoreDep, paging: PagingDep, search: SearchQuery = None
) -> Response:
    """The customer's sites, flat, in id order."""
    page = sites.list_sites(store, who.customer_id, paging.offset, paging.limit, search)
    return json_response(paging.envelope([_out(r) for r in page.items], page.total))


@router.get("/{site_id}", response_model=SiteOut, responses=ERRORS["read"])
def get_site(site_id: IdPath, who: Reader, store: StoreDep) -> Response:
    return json_response(_out(sites.get_site(store, who.customer_id, site_id)))


@router.patch("/{site_id}", response_model=SiteOut, responses=ERRORS["write"])
def update_site(site_id: IdPath, body: SitePatch, who: Admin, store: StoreDep) -> Response:
    """Change the fields sent; ``parentId`` moves the site (never under its own subtree)."""
    row = sites.update_site(store, who.actor, site_id, body.model_dump(exclude_unset=True))
    return json_response(_out(row))


@router.delete("/{site_id}", status_code=204, responses=ERRORS["write"])
def delete_site(site_id: IdPath, who: Admin, store: StoreDep) -> Response:
    """Delete a site that holds no subsites and no chargers (else 409)."""
    sites.delete_site(store, who.actor, site_id)
    return Response(status_code=204)


@router.get("/{site_id}/tree", response_model=SiteDocument, responses=ERRORS["read"])
async def site_tree(site_id: IdPath, who: Reader, store: StoreDep) -> Response:
    """The site with its whole subtree, chargers, sockets and socket counts."""
    rows = await run_in_threadpool(store.documents.site_tree, who.customer_id, site_id)
    tree = site_objects(rows)
    if not tree:
        raise NotFound("Site not found")
    return json_response(tree[0])
