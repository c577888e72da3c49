"""The hot path: the driver document by idTag or by id.

Plain Starlette routes in front of FastAPI: no dependency injection, no models, no
validation layer, because each of those costs more than the database reads
(architecture.md, "The hot path"). On SQLite the indexed reads run on the event loop
thread; a thread hop would cost more than the reads themselves. On PostgreSQL they
run in the thread pool, since they wait on the network.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from evroster.errors import InvalidInput
from evroster.services.documents import ROUTE_ERRORS, driver_by_id, driver_by_idtag
from evroster.services.keys import authenticate
from evroster.storage.base import DocumentSource, Store

__all__ = ["BY_ID", "BY_IDTAG", "hot_routes"]

BY_IDTAG = "/api/v1/drivers/by-idtag/{idTag:path}"
BY_ID = "/api/v1/drivers/{driver_id}"
_MAX_ID = 2**63 - 1


def _by_idtag(source: DocumentSource, request: Request) -> bytes:
    principal = _principal(source, request)
    return driver_by_idtag(source, principal.customer_id, request.path_params["idTag"])


def _by_id(source: DocumentSource, request: Request) -> bytes:
    principal = _principal(source, request)
    raw = request.path_params["driver_id"]
    if not (raw.isascii() and raw.isdigit()) or not 0 < int(raw) <= _MAX_ID:
        raise InvalidInput(ROUTE_ERRORS, location="path")
    return driver_by_id(source, principal.customer_id, int(raw))


def _principal(source: DocumentSource, request: Request) -> Any:
    query = request.query_params
    key = request.headers.get("x-api-key")
    return authenticate(
        source, key if key is not None else query.get("code"), query.get("clientId")
    )


def _endpoint(
    work: Callable[[DocumentSource, Request], bytes],
) -> Callable[[Request], Any]:
    async def endpoint(request: Request) -> Response:
        store: Store = request.app.state.store
        if request.app.state.inline_reads:
            body = work(store.documents, request)
        else:
            body = await run_in_threadpool(work, store.documents, request)
        return Response(body, media_type="application/json")

    return endpoint


def hot_routes() -> list[Route]:
    """The two document routes; mount them before the management API."""
    return [
        Route(BY_IDTAG, _endpoint(_by_idtag), methods=["GET"]),
        Route(BY_ID, _endpoint(_by_id), methods=["GET"]),
    ]
