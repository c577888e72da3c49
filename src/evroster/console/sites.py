"""The site tree with socket counts, a site's chargers and sockets, and who may charge."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from evroster.console.pages import Visit, page, render
from evroster.console.pickers import charger_dicts
from evroster.errors import NotFound
from evroster.services import chargers, lookups, sites

__all__ = ["routes"]

_ROOTS = 5
_CHARGERS = 25
_DRIVERS = 20


def _pages(total: int, size: int) -> int:
    return max(1, -(-total // size))


def site_index(visit: Visit) -> Response:
    """Top-level sites, a page at a time, each with its subtree and socket counts."""
    page_no = visit.number("page")
    trees, total = lookups.counted_sites(
        visit.store, visit.customer_id, (page_no - 1) * _ROOTS, _ROOTS
    )
    return render(
        visit, "sites.html", trees=trees, page_no=page_no, pages=_pages(total, _ROOTS), total=total
    )


def _chargers(visit: Visit, site_id: int, page_no: int) -> tuple[list[Any], int]:
    """A page of the chargers standing at the site itself, as charger objects."""
    found = chargers.list_chargers(
        visit.store, visit.customer_id, (page_no - 1) * _CHARGERS, _CHARGERS, site_id=site_id
    )
    return charger_dicts(visit, [r["id"] for r in found.items]), found.total


def site_page(visit: Visit) -> Response:
    site_id = int(visit.request.path_params["site_id"])
    try:
        outline = lookups.counted_site(visit.store, visit.customer_id, site_id)
        row = sites.get_site(visit.store, visit.customer_id, site_id)
        parent = None
        if row["parent_id"] is not None:
            parent = sites.get_site(visit.store, visit.customer_id, row["parent_id"])
        chargers_page = visit.number("chargers")
        shown, charger_total = _chargers(visit, site_id, chargers_page)
        page_no = visit.number("page")
        access = lookups.drivers_with_access(
            visit.store, visit.customer_id, site_id, (page_no - 1) * _DRIVERS, _DRIVERS
        )
    except NotFound:  # none, another customer's, or deleted while being read
        return render(visit, "missing.html", 404, what="site")
    return render(
        visit,
        "site.html",
        site=outline,
        row=row,
        parent=parent,
        chargers=shown,
        chargers_page=chargers_page,
        charger_pages=_pages(charger_total, _CHARGERS),
        charger_total=charger_total,
        drivers=access.items,
        page_no=page_no,
        pages=_pages(access.total, _DRIVERS),
        total=access.total,
    )


routes = [
    Route("/sites", page(site_index)),
    Route("/sites/{site_id:int}", page(site_page)),
]
