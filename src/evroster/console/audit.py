"""The customer's audit trail, filtered by object and time."""

from __future__ import annotations

from datetime import datetime

from starlette.responses import Response
from starlette.routing import Route

from evroster.console.pages import Visit, page, render
from evroster.console.texts import utc_input
from evroster.errors import InvalidInput
from evroster.services.audit import list_entries

__all__ = ["routes"]

_ENTRIES = 50
OBJECTS = ("driver", "tag", "site", "charger", "api_key", "customer")


def _moment(visit: Visit, name: str) -> datetime | None:
    text = utc_input(visit.query(name), name)
    return datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None


def audit(visit: Visit) -> Response:
    obj = visit.query("object")
    object_id = visit.query("objectId")
    filters = {"object": obj, "objectId": object_id}
    filters.update(since=visit.query("since"), until=visit.query("until"))
    try:
        since, until = _moment(visit, "since"), _moment(visit, "until")
    except InvalidInput as exc:
        message = "; ".join(f"{e.field}: {e.message}" for e in exc.errors)
        return render(visit, "audit.html", 400, error=message, filters=filters, objects=OBJECTS)
    page_no = visit.number("page")
    found = list_entries(
        visit.store,
        visit.customer_id,
        (page_no - 1) * _ENTRIES,
        _ENTRIES,
        obj=obj if obj in OBJECTS else None,
        object_id=object_id or None,
        since=since,
        until=until,
    )
    return render(
        visit,
        "audit.html",
        entries=found.items,
        total=found.total,
        page_no=page_no,
        pages=max(1, -(-found.total // _ENTRIES)),
        filters=filters,
        objects=OBJECTS,
    )


routes = [Route("/audit", page(audit))]
