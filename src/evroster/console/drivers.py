"""Find a driver, read the driver page, and change the driver, its tags and grants."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

import orjson
from starlette.responses import Response
from starlette.routing import Route

from evroster.api.schemas.drivers import DriverPatch, TagIn, driver_values
from evroster.console.pages import Visit, change, page, parse, render
from evroster.console.pickers import charger_named, site_named
from evroster.console.texts import tag_state, utc_input
from evroster.domain.times import utcnow
from evroster.errors import InvalidInput, NotFound
from evroster.services import drivers

__all__ = ["routes"]

_RESULTS = 20


def _found(visit: Visit, text: str, page_no: int) -> dict[str, Any]:
    """Drivers whose tag is ``text`` (any spelling, or an alias), then those whose name or
    externalId holds it."""
    by_tag = None
    with contextlib.suppress(NotFound, InvalidInput):  # no such tag, or not an idTag at all
        by_tag = orjson.loads(visit.documents.by_idtag(visit.customer_id, text))
    found, more = drivers.find_drivers(
        visit.store, visit.customer_id, text, (page_no - 1) * _RESULTS, _RESULTS
    )
    named = [d for d in found if by_tag is None or d["id"] != by_tag["id"]]
    return {"by_tag": by_tag, "named": named, "page_no": page_no, "more": more}


def search(visit: Visit) -> Response:
    text = visit.query("q")
    results = _found(visit, text, visit.number("page")) if text else None
    template = "search_results.html" if visit.fragment else "search.html"
    return render(visit, template, results=results)


def _driver_page(visit: Visit) -> int:
    return int(visit.request.path_params["driver_id"])


def driver(visit: Visit) -> Response:
    driver_id = _driver_page(visit)
    try:
        document = orjson.loads(visit.documents.by_id(visit.customer_id, driver_id))
        tags = drivers.list_tags(visit.store, visit.customer_id, driver_id)
    except NotFound:
        return render(visit, "missing.html", 404, what="driver")
    now = utcnow()
    for tag in tags:
        tag["state"] = tag_state(tag, now)
    return render(visit, "driver.html", driver=document, tags=tags)


def _back(driver_id: int) -> str:
    return f"/admin/drivers/{driver_id}"


def _optional(text: str) -> str | None:
    return text or None


def edit_driver(visit: Visit) -> Response:
    driver_id = _driver_page(visit)

    def act() -> str:
        home = visit.field("homeSiteId")
        body = parse(
            DriverPatch,
            {
                "name": visit.field("name"),
                "externalId": _optional(visit.field("externalId")),
                "homeSiteId": site_named(visit, home).id if home else None,
            },
        )
        drivers.update_driver(visit.store, visit.who.actor, driver_id, driver_values(body))
        return "Driver saved."

    return change(visit, _back(driver_id), act)


def add_tag(visit: Visit) -> Response:
    driver_id = _driver_page(visit)

    def act() -> str:
        body = parse(
            TagIn,
            {
                "idTag": visit.field("idTag"),
                "tokenName": _optional(visit.field("tokenName")),
                "startDate": utc_input(visit.field("startDate"), "startDate"),
                "expiringDate": utc_input(visit.field("expiringDate"), "expiringDate"),
            },
        )
        row = drivers.add_tag(visit.store, visit.who.actor, driver_id, body.model_dump())
        return f"Tag {row['id_tag']} added."

    return change(visit, _back(driver_id), act)


def _tag_change(values: dict[str, Any] | None, done: str) -> Callable[[Visit], Response]:
    """Block, unblock or (``values`` None) expire a tag of the driver."""

    def handler(visit: Visit) -> Response:
        driver_id = _driver_page(visit)
        tag_id = int(visit.request.path_params["tag_id"])

        def act() -> str:
            tag = drivers.get_tag(visit.store, visit.customer_id, tag_id)
            if tag["driver_id"] != driver_id:
                raise NotFound("This driver has no such tag")
            moved = values if values is not None else {"expiring_date": utcnow()}
            drivers.update_tag(visit.store, visit.who.actor, tag_id, moved)
            return f"Tag {tag['id_tag']} {done}"

        return change(visit, _back(driver_id), act)

    return handler


def grant_site(visit: Visit) -> Response:
    driver_id = _driver_page(visit)

    def act() -> str:
        site = site_named(visit, visit.field("site"))
        drivers.grant_site(visit.store, visit.who.actor, driver_id, site.id)
        return f"Granted site {site.label}, with its subsites and their chargers."

    return change(visit, _back(driver_id), act)


def revoke_site(visit: Visit) -> Response:
    driver_id = _driver_page(visit)
    site_id = int(visit.request.path_params["site_id"])

    def act() -> str:
        drivers.revoke_site(visit.store, visit.who.actor, driver_id, site_id)
        return "Site access revoked."

    return change(visit, _back(driver_id), act)


def grant_charger(visit: Visit) -> Response:
    driver_id = _driver_page(visit)

    def act() -> str:
        charger = charger_named(visit, visit.field("charger"))
        drivers.grant_charger(visit.store, visit.who.actor, driver_id, charger.key)
        return f"Granted charger {charger.label}."

    return change(visit, _back(driver_id), act)


def revoke_charger(visit: Visit) -> Response:
    driver_id = _driver_page(visit)
    charger_id = visit.field("charger")

    def act() -> str:
        drivers.revoke_charger(visit.store, visit.who.actor, driver_id, charger_id)
        return f"Charger {charger_id} revoked."

    return change(visit, _back(driver_id), act)


routes = [
    Route("/", page(search)),
    Route("/search", page(search)),
    Route("/drivers/{driver_id:int}", page(driver)),
    Route("/drivers/{driver_id:int}", page(edit_driver, write=True), methods=["POST"]),
    Route("/drivers/{driver_id:int}/tags", page(add_tag, write=True), methods=["POST"]),
    Route(
        "/drivers/{driver_id:int}/tags/{tag_id:int}/block",
        page(_tag_change({"blocked": True}, "blocked."), write=True),
        methods=["POST"],
    ),
    Route(
        "/drivers/{driver_id:int}/tags/{tag_id:int}/unblock",
        page(_tag_change({"blocked": False}, "unblocked."), write=True),
        methods=["POST"],
    ),
    Route(
        "/drivers/{driver_id:int}/tags/{tag_id:int}/expire",
        page(_tag_change(None, "expired: it no longer charges."), write=True),
        methods=["POST"],
    ),
    Route("/drivers/{driver_id:int}/sites", page(grant_site, write=True), methods=["POST"]),
    Route(
        "/drivers/{driver_id:int}/sites/{site_id:int}/revoke",
        page(revoke_site, write=True),
        methods=["POST"],
    ),
    Route("/drivers/{driver_id:int}/chargers", page(grant_charger, write=True), methods=["POST"]),
    Route(
        "/drivers/{driver_id:int}/chargers/revoke",
        page(revoke_charger, write=True),
        methods=["POST"],
    ),
]
