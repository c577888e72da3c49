"""eMabler's driver lookups beyond the idTag: by externalId, and the drivers who may
charge at a charger or a site (``services/lookups.py``)."""

from __future__ import annotations

from typing import Annotated

import orjson
from fastapi import APIRouter, Path, Query
from pydantic import Field
from starlette.responses import Response

from evroster.api.deps import PagingDep, Reader, StoreDep
from evroster.api.routes.chargers import ChargerIdPath
from evroster.api.routes.common import ERRORS, IdPath, json_response
from evroster.api.schemas.common import Input, Output, Page
from evroster.api.schemas.documents import DriverDocument, SiteDocument
from evroster.services import lookups

__all__ = ["router"]

router = APIRouter(prefix="/api/v1", tags=["lookups"])

MAX_SITES = 20

# The rest of the path: an externalId holding `/` (sent as `%2F` or not) is found too.
ExternalIdPath = Annotated[str, Path(min_length=1, max_length=200)]


class SitesIn(Input):
    group_ids: list[Annotated[int, Field(ge=1, le=2**63 - 1)]] = Field(
        min_length=1, max_length=MAX_SITES, description=f"1 to {MAX_SITES} site ids"
    )


class SiteOutline(Output):
    id: int
    group_name: str
    group_type: int
    subgroups: list[SiteOutline]


class HomeSite(Output):
    id: int
    group_name: str
    group_type: int
    is_spare: bool = Field(description="Always false for a site")
    users: list[DriverDocument] = Field(description="This page of the drivers homed here")
    total_users: int
    subgroups: list[HomeSite]


class HomeSiteTree(Output):
    user_groups: list[HomeSite]
    spare_users: list[DriverDocument] = Field(description="This page of drivers with no home")
    total_spare_users: int


class SiteDrivers(Output):
    group_id: int
    users: list[DriverDocument] = Field(description="This page of the site's drivers")
    total_records: int


def _page(paging: PagingDep, found: lookups.DriverDocuments) -> Response:
    items: list[object] = [orjson.Fragment(doc) for doc in found.items]
    return json_response(paging.envelope(items, found.total))


@router.get(
    "/drivers/by-external-id/{external_id:path}",
    response_model=DriverDocument,
    responses=ERRORS["read"],
)
def driver_by_external_id(
    external_id: ExternalIdPath,
    who: Reader,
    store: StoreDep,
) -> Response:
    """eMabler's get-authorised-user-external-id: the driver document. The externalId
    is the rest of the path, so one holding `/` is found too."""
    body = lookups.driver_by_external_id(store, who.customer_id, external_id)
    return Response(body, media_type="application/json")


@router.get(
    "/chargers/{charger_id}/drivers",
    response_model=Page[DriverDocument],
    responses=ERRORS["read"],
)
def drivers_at_charger(
    charger_id: ChargerIdPath, who: Reader, store: StoreDep, paging: PagingDep
) -> Response:
    """Drivers who may charge here: granted the charger, or a site on the path from its
    site up to the root (get-authorised-users-for-charger). Driver id order."""
    found = lookups.drivers_at_charger(
        store, who.customer_id, charger_id, paging.offset, paging.limit
    )
    return _page(paging, found)


@router.get(
    "/sites/{site_id}/drivers", response_model=Page[DriverDocument], responses=ERRORS["read"]
)
def drivers_at_site(site_id: IdPath, who: Reader, store: StoreDep, paging: PagingDep) -> Response:
    """Drivers with access to the site: granted it or a site above it
    (get-authorised-users-for-charger-group). Driver id order."""
    found = lookups.drivers_at_site(store, who.customer_id, site_id, paging.offset, paging.limit)
    return _page(paging, found)


@router.post("/sites/drivers", response_model=list[SiteDrivers], responses=ERRORS["list"])
def drivers_at_sites(body: SitesIn, who: Reader, store: StoreDep, paging: PagingDep) -> Response:
    """The drivers of up to 20 sites at once (get-authorised-users-for-charger-groups).

    `page` and `limit` apply to each site's list; `totalRecords` counts all of it.
    A read key may ask: this is a question with a body, not a change.
    """
    found = lookups.drivers_at_sites(
        store, who.customer_id, list(dict.fromkeys(body.group_ids)), paging.offset, paging.limit
    )
    return json_response(
        [
            {
                "groupId": site_id,
                "users": [orjson.Fragment(doc) for doc in page.items],
                "totalRecords": page.total,
            }
            for site_id, page in found
        ]
    )


@router.get(
    "/site-tree",
    response_model=list[SiteDocument] | list[SiteOutline],
    responses=ERRORS["list"],
)
def site_tree(
    who: Reader,
    store: StoreDep,
    exclude_details: Annotated[
        bool,
        Query(
            alias="excludeDetails",
            description="true: only id, name and type of each site, nested, no chargers",
        ),
    ] = False,
) -> Response:
    """Every top-level site with its subtree, chargers and sockets (get-charger-groups).

    Not paged: on a large fleet, ask with `excludeDetails=true`, then read one site's
    tree at `/sites/{siteId}/tree`.
    """
    return json_response(lookups.site_trees(store, who.customer_id, details=not exclude_details))


@router.get(
    "/sites/by-external-id/{external_id:path}",
    response_model=SiteDocument,
    responses=ERRORS["read"],
)
def site_by_external_id(
    external_id: ExternalIdPath,
    who: Reader,
    store: StoreDep,
    exclude_subgroups: Annotated[
        bool,
        Query(alias="excludeSubgroups", description="true: without its subsites"),
    ] = False,
) -> Response:
    """One site by its externalId (get-charger-group-by-external-id), in the driver
    document's site shape. Without subsites, the socket counts still cover them."""
    site = lookups.site_by_external_id(
        store, who.customer_id, external_id, subgroups=not exclude_subgroups
    )
    return json_response(site)


@router.get("/home-sites", response_model=HomeSiteTree, responses=ERRORS["list"])
def home_site_tree(who: Reader, store: StoreDep, paging: PagingDep) -> Response:
    """Every site with the drivers whose home site it is, and `spareUsers` with no home
    site (get-authorised-users). `page` and `limit` apply to each list; the totals
    count all of it. A home site grants no charging rights."""
    tree = lookups.home_site_tree(store, who.customer_id, paging.offset, paging.limit)
    return json_response(tree)


@router.get("/home-sites/{site_id}", response_model=HomeSite, responses=ERRORS["read"])
def home_site(site_id: IdPath, who: Reader, store: StoreDep, paging: PagingDep) -> Response:
    """One site with its home drivers and its subsites with theirs
    (get-authorised-users-home-group); paged like `/home-sites`."""
    return json_response(
        lookups.home_site(store, who.customer_id, site_id, paging.offset, paging.limit)
    )
