"""The site tree with socket counts, a site's chargers and sockets, and who may charge."""

from __future__ import annotations

import orjson
from starlette.responses import Response
from starlette.routing import Route

from evroster.console.pages import Visit, page, render
from evroster.errors import NotFound
from evroster.services import lookups, sites
from evroster.services.documents import site_objects

__all__ = ["routes"]

_ROOTS = 10
_DRIVERS = 20


def _pages(total: int, size: int) -> int:
    return max(1, -(-total // size))


def site_index(visit: Visit) -> Response:
    """Top-level sites, a page at a time, each with its subtree and socket counts."""
    roots = lookups.site_trees(visit.store, visit.customer_id, details=False)
    page_no = min(visit.number("page"), _pages(len(roots), _ROOTS))
    shown = roots[(page_no - 1) * _ROOTS : page_no * _ROOTS]
    trees = []
    for root in shown:
        found = site_objects(visit.store.documents.site_tree(visit.customer_id, root["id"]))
        trees.extend(found)
    return render(
        visit,
        "sites.html",
        trees=trees,
        page_no=page_no,
        pages=_pages(len(roots), _ROOTS),
        total=len(roots),
    )


def site_page(visit: Visit) -> Response:
    site_id = int(visit.request.path_params["site_id"])
    found = site_objects(visit.store.documents.site_tree(visit.customer_id, site_id))
    if not found:
        return render(visit, "missing.html", 404, what="site")
    row = sites.get_site(visit.store, visit.customer_id, site_id)
    parent = None
    if row["parent_id"] is not None:
        parent = sites.get_site(visit.store, visit.customer_id, row["parent_id"])
    page_no = visit.number("page")
    try:
        access = lookups.drivers_at_site(
            visit.store, visit.customer_id, site_id, (page_no - 1) * _DRIVERS, _DRIVERS
        )
    except NotFound:  # deleted since the tree was read
        return render(visit, "missing.html", 404, what="site")
    drivers = [orjson.loads(d) for d in access.items]
    return render(
        visit,
        "site.html",
        site=found[0],
        parent=parent,
        drivers=drivers,
        page_no=page_no,
        pages=_pages(access.total, _DRIVERS),
        total=access.total,
    )


routes = [
    Route("/sites", page(site_index)),
    Route("/sites/{site_id:int}", page(site_page)),
]
