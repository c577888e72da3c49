"""``/healthz`` and ``/readyz``: probes for load balancers, with no key and no data.

Kept out of the OpenAPI document: they belong to the deployment, not to the API that
customers program against (docs/operations.md describes them).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from evroster.api.deps import read
from evroster.api.routes.common import json_response
from evroster.services.documents import Documents
from evroster.services.health import LIVE, readiness
from evroster.storage.base import Store

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


@router.api_route("/healthz", methods=["GET", "HEAD"])
async def live() -> Response:
    """The process is up and its event loop answers; nothing else is looked at."""
    return json_response(LIVE)


@router.api_route("/readyz", methods=["GET", "HEAD"])
async def ready(request: Request) -> Response:
    """The database answers: 200 with its state, else the 503 of any outage."""
    store: Store = request.app.state.store
    documents: Documents = request.app.state.documents
    # On PostgreSQL this waits on the network: up to its connect timeout when it is down.
    return json_response(await read(store, readiness, store, documents))
