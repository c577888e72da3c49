""" "Why refused?": the decision the chargers get, for a charger and an idTag."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from evroster.api.schemas.authorization import authorization_out
from evroster.console.pages import Visit, page, render
from evroster.console.pickers import charger_named
from evroster.errors import InvalidInput, NotFound
from evroster.services import drivers, sites
from evroster.services.authorization import authorize

__all__ = ["routes"]


def _rule(visit: Visit, out: Any) -> str:
    """Which grant or rule decided, in words."""
    granted = out.granted_by or {}
    if "siteId" in granted:
        site = sites.get_site(visit.store, visit.customer_id, int(granted["siteId"]))
        return (
            f"The driver's grant on site {site['name']} #{site['id']}, which holds this "
            "charger's site or is above it."
        )
    if "chargerId" in granted:
        return f"The driver's direct grant on charger {out.charger_id}."
    rules = {
        "unknown_charger": "The charger must be registered with this customer.",
        "unknown_token": "The idTag (or an alias of it) must belong to a tag of this customer.",
        "blocked": "A blocked tag is refused everywhere until it is unblocked.",
        "expired": "A tag is refused from its expiringDate on.",
        "not_yet_valid": "A tag is refused before its startDate.",
        "not_at_this_charger": "A driver may charge only where a grant on a site above the "
        "charger, or on the charger itself, lets them.",
        "concurrent_tx": "The tag may hold only so many transactions at once.",
    }
    return rules.get(str(out.decision), "")


def why(visit: Visit) -> Response:
    charger_text, id_tag = visit.query("charger"), visit.query("idTag")
    context: dict[str, Any] = {"charger": charger_text, "id_tag": id_tag}
    if charger_text and id_tag:
        try:
            charger_id = charger_named(visit, charger_text).key
        except NotFound:
            charger_id = charger_text  # the engine's own answer: unknown charger
        except InvalidInput as exc:
            context["error"] = "; ".join(e.message for e in exc.errors)
            return render(visit, "why.html", 400, **context)
        decision = authorize(visit.documents, visit.customer_id, charger_id, id_tag)
        out = authorization_out(decision, charger_id, id_tag)
        driver = None
        if out.driver_id is not None:
            driver = drivers.get_driver(visit.store, visit.customer_id, out.driver_id)
        context.update(out=out, rule=_rule(visit, out), driver=driver)
    return render(visit, "why.html", **context)


routes = [Route("/why", page(why))]
