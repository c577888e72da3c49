"""Authorization over HTTP: the operator's "why was this card refused?" check, eMabler's
real-time auth webhook, token aliases, charger passwords and the sessions chargers
reported. The decision is the one the chargers get (``domain/decisions.py``)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from starlette.responses import Response

from evroster.api.deps import Admin, DocumentsDep, PagingDep, Reader, StoreDep
from evroster.api.routes.chargers import ChargerIdPath
from evroster.api.routes.common import ERRORS, IdPath, created, json_response
from evroster.api.schemas.authorization import (
    AliasIn,
    AliasOut,
    AuthorizationOut,
    OcppPasswordIn,
    RealtimeAuthIn,
    RealtimeAuthOut,
    TransactionOut,
    authorization_out,
)
from evroster.api.schemas.common import Page, TimestampIn
from evroster.domain.decisions import Outcome
from evroster.services import aliases, charging
from evroster.services.authorization import authorize
from evroster.services.chargers import set_ocpp_password

__all__ = ["router"]

router = APIRouter(prefix="/api/v1", tags=["authorization"])

IdTagPath = Annotated[
    str, Path(min_length=1, max_length=200, description="The idTag, any spelling, or an alias")
]

# eMabler's four reasons (protocols.md §5); blocked, not yet valid, not here and
# concurrent all read "unauthorized".
_EMABLER = {
    Outcome.UNKNOWN_CHARGER: "UNKNOWN_CHARGER_ID",
    Outcome.UNKNOWN_TOKEN: "UNKNOWN_RFID_TAG_ID",
    Outcome.EXPIRED: "EXPIRED_RFID_TAG_ID",
}


def _horizon(request: Request) -> timedelta | None:
    hours: float | None = request.app.state.settings.auth_cache_hours
    return timedelta(hours=hours) if hours is not None else None


@router.get(
    "/chargers/{charger_id}/authorize/{id_tag}",
    response_model=AuthorizationOut,
    responses=ERRORS["list"],
)
def check_authorization(
    charger_id: ChargerIdPath,
    id_tag: IdTagPath,
    who: Reader,
    documents: DocumentsDep,
    request: Request,
    at: Annotated[
        TimestampIn | None, Query(description="Decide as of this time (default: now)")
    ] = None,
) -> Response:
    """Would this tag be allowed to charge here, and if not, why? Changes nothing.

    An unknown charger is a decision (`unknown_charger`), not a 404, so that the
    answer reads the same as the one a charger would get.
    """
    decision = authorize(
        documents, who.customer_id, charger_id, id_tag, now=at, cache_horizon=_horizon(request)
    )
    out = authorization_out(decision, charger_id, id_tag)
    return json_response(out.model_dump(mode="json", by_alias=True))


@router.post("/realtime-auth", response_model=RealtimeAuthOut, responses=ERRORS["list"])
def realtime_auth(body: RealtimeAuthIn, who: Reader, documents: DocumentsDep) -> Response:
    """eMabler's RealTimeAuth webhook: may `rfid_tag_id` charge at `charger_id`?

    Point eMabler's webhook at this URL with an `X-API-Key` header of a read key.
    `reason` is null when charging is allowed.
    """
    decision = authorize(documents, who.customer_id, body.charger_id, body.rfid_tag_id)
    reason = (
        None if decision.accepted else _EMABLER.get(decision.outcome, "UNAUTHORIZED_RFID_TAG_ID")
    )
    return json_response({"charging_allowed": decision.accepted, "reason": reason})


def _alias(row: dict[str, object]) -> dict[str, object]:
    return AliasOut.model_validate(row).model_dump(mode="json", by_alias=True)


@router.get("/tags/{tag_id}/aliases", response_model=list[AliasOut], responses=ERRORS["read"])
def list_aliases(tag_id: IdPath, who: Reader, store: StoreDep) -> Response:
    return json_response([_alias(r) for r in aliases.list_aliases(store, who.customer_id, tag_id)])


@router.post(
    "/tags/{tag_id}/aliases", status_code=201, response_model=AliasOut, responses=ERRORS["write"]
)
def add_alias(tag_id: IdPath, body: AliasIn, who: Admin, store: StoreDep) -> Response:
    """Add a spelling that identifies the tag; 409 if any tag of the customer holds it."""
    row = aliases.add_alias(store, who.actor, tag_id, body.alias)
    return created(_alias(row), f"/api/v1/tags/{tag_id}/aliases")


@router.delete("/tags/{tag_id}/aliases/{alias_id}", status_code=204, responses=ERRORS["write"])
def delete_alias(tag_id: IdPath, alias_id: IdPath, who: Admin, store: StoreDep) -> Response:
    aliases.delete_alias(store, who.actor, tag_id, alias_id)
    return Response(status_code=204)


@router.put("/chargers/{charger_id}/ocpp-password", status_code=204, responses=ERRORS["write"])
def put_ocpp_password(
    charger_id: ChargerIdPath, body: OcppPasswordIn, who: Admin, store: StoreDep
) -> Response:
    """Require HTTP Basic auth (OCPP security profile 1) on the charger's connection.

    The user name is the chargerId. Only a salted PBKDF2 hash is kept; `null` removes
    the requirement. Takes effect at the charger's next connection.
    """
    set_ocpp_password(store, who.actor, charger_id, body.password)
    return Response(status_code=204)


@router.get("/transactions", response_model=Page[TransactionOut], responses=ERRORS["list"])
def list_transactions(
    who: Reader,
    store: StoreDep,
    paging: PagingDep,
    charger_id: Annotated[str | None, Query(alias="chargerId", min_length=1, max_length=48)] = None,
) -> Response:
    """Charging sessions reported by chargers, newest first."""
    page = charging.list_transactions(
        store, who.customer_id, paging.offset, paging.limit, charger_id
    )
    items = [
        TransactionOut.model_validate(r).model_dump(mode="json", by_alias=True) for r in page.items
    ]
    return json_response(paging.envelope(list(items), page.total))
