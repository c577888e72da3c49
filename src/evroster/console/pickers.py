"""Choosing a site or a charger by what a person types: a name, an externalId, a
chargerId, or a suggestion (``Garage 7 #113``) picked from the list offered as they type."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import orjson
from starlette.responses import Response
from starlette.routing import Route

from evroster.console.pages import Visit, page, render
from evroster.errors import FieldError, InvalidInput, NotFound
from evroster.services import chargers, sites
from evroster.services.documents import charger_objects

__all__ = ["Picked", "charger_dicts", "charger_named", "routes", "site_named"]

_SUGGESTIONS = 10
_MATCHES = 50
_SUGGESTED_SITE = re.compile(r"#(\d{1,18})$")


@dataclass(frozen=True, slots=True)
class Picked:
    id: int
    key: str
    label: str


def _refuse(field: str, message: str) -> InvalidInput:
    return InvalidInput("The form has errors", [FieldError(field, message)])


def _one(field: str, what: str, text: str, rows: list[Any], exact: list[Any], total: int) -> Any:
    choice = exact or rows
    if len(choice) == 1:
        return choice[0]
    if not choice:
        raise NotFound(f"No {what} matches {text!r}")
    raise _refuse(
        field, f"{total} {what}s match {text!r}: type more of it, or pick one from the list"
    )


def site_named(visit: Visit, text: str, field: str = "site") -> Picked:
    text = text.strip()
    if not text:
        raise _refuse(field, "enter a site's name, externalId or id")
    suggested = _SUGGESTED_SITE.search(text)
    if suggested or text.isdigit():
        site_id = int(suggested.group(1) if suggested else text)
        row = sites.get_site(visit.store, visit.customer_id, site_id)
    else:
        found = sites.list_sites(visit.store, visit.customer_id, 0, _MATCHES, text)
        wanted = text.casefold()
        exact = [
            r
            for r in found.items
            if wanted in (r["name"].casefold(), (r["external_id"] or "").casefold())
        ]
        row = _one(field, "site", text, found.items, exact, found.total)
    return Picked(row["id"], str(row["id"]), f"{row['name']} #{row['id']}")


def charger_named(visit: Visit, text: str, field: str = "charger") -> Picked:
    text = text.strip()
    if not text:
        raise _refuse(field, "enter a chargerId or a charger's name")
    try:
        row = chargers.find_charger(visit.store, visit.customer_id, text)
        return Picked(row["id"], row["charger_id"], row["charger_id"])
    except NotFound:
        pass
    found = chargers.list_chargers(visit.store, visit.customer_id, 0, _MATCHES, text)
    objects = charger_dicts(visit, [r["id"] for r in found.items])
    wanted = text.casefold()
    exact = [c for c in objects if wanted == (c["chargerName"] or "").casefold()]
    charger = _one(field, "charger", text, objects, exact, found.total)
    return Picked(charger["id"], charger["chargerId"], charger["chargerId"])


def charger_dicts(visit: Visit, pks: list[int]) -> list[dict[str, Any]]:
    found = charger_objects(visit.store.documents.chargers(visit.customer_id, pks))
    loaded: list[dict[str, Any]] = orjson.loads(orjson.dumps(found))  # fragments to dicts
    return loaded


def _typed(visit: Visit) -> str:
    # htmx sends the input's value under the input's own name.
    return next(iter(visit.request.query_params.values()), "").strip()


def site_suggestions(visit: Visit) -> Response:
    text = _typed(visit)
    found = sites.list_sites(visit.store, visit.customer_id, 0, _SUGGESTIONS, text)
    options = [(f"{r['name']} #{r['id']}", r["external_id"] or "") for r in found.items]
    return render(visit, "options.html", options=options if text else [])


def charger_suggestions(visit: Visit) -> Response:
    text = _typed(visit)
    found = chargers.list_chargers(visit.store, visit.customer_id, 0, _SUGGESTIONS, text)
    objects = charger_dicts(visit, [r["id"] for r in found.items]) if text else []
    options = [(c["chargerId"], c["chargerName"] or "") for c in objects]
    return render(visit, "options.html", options=options)


routes = [
    Route("/pick/sites", page(site_suggestions)),
    Route("/pick/chargers", page(charger_suggestions)),
]
