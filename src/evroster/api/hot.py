"""The hot path: the driver document by idTag or by id, as a bare ASGI layer.

It sits in front of the whole application and answers only ``GET`` on the two
document routes; everything else passes through untouched. No router, no request
object, no dependency injection and no models: measured on uvicorn, Starlette's
routing and response objects alone cost more per request than the six indexed
reads (see docs/benchmarks.md). Errors still go through the one mapping in
``api/problems.py``.

Documents come from the process's document cache when it holds them
(``services/documents.py``); what is missing is read from the database. A request the
cache can answer whole is answered first, on the event loop, on both databases.

Otherwise, on SQLite the reads run on the event loop thread, because a thread hop costs
more than the reads themselves; on PostgreSQL they wait on the network, so they run in
the thread pool.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from evroster.api.credentials import credentials
from evroster.api.problems import problem, problem_for
from evroster.errors import EvrosterError, InvalidInput
from evroster.services.documents import ROUTE_ERRORS, Documents

__all__ = ["BY_ID", "BY_IDTAG", "HotPath"]

log = logging.getLogger(__name__)

BY_ID = "/api/v1/drivers/"
BY_IDTAG = "/api/v1/drivers/by-idtag/"
_MAX_ID = 2**63 - 1
_JSON = [(b"content-type", b"application/json")]

# (documents, api key, clientId, the path's last part) -> document bytes
Work = Callable[[Documents, str | None, str | None, str], bytes]


def _by_idtag(docs: Documents, key: str | None, client: str | None, ref: str) -> bytes:
    with docs.batch():
        principal = docs.authenticate(key, client)
        return docs.by_idtag(principal.customer_id, ref)


def _by_id(docs: Documents, key: str | None, client: str | None, ref: str) -> bytes:
    with docs.batch():
        principal = docs.authenticate(key, client)
        if not (ref.isascii() and ref.isdigit()) or not 0 < int(ref) <= _MAX_ID:
            raise InvalidInput(ROUTE_ERRORS, location="path")
        return docs.by_id(principal.customer_id, int(ref))


def _route(scope: Scope) -> tuple[Work, str] | None:
    if scope["type"] != "http" or scope["method"] != "GET":
        return None
    path: str = scope["path"]
    if path.startswith(BY_IDTAG):
        return _by_idtag, path[len(BY_IDTAG) :]
    if path.startswith(BY_ID):
        rest = path[len(BY_ID) :]
        if rest and "/" not in rest:
            return _by_id, rest
    return None


class HotPath:
    """Serves the document routes of ``source``; passes every other request to ``app``."""

    def __init__(self, app: ASGIApp, documents: Documents, inline: bool) -> None:
        self.app = app
        self.documents = documents
        self.inline = inline

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        route = _route(scope)
        if route is None:
            await self.app(scope, receive, send)
            return
        work, ref = route
        api_key, client = credentials(scope)
        try:
            # A cache hit needs no database and no thread: answer it here, at once.
            found = (
                self.documents.cached_by_idtag(api_key, client, ref) if work is _by_idtag else None
            )
            if found is not None:
                body = found
            elif self.inline:
                body = work(self.documents, api_key, client, ref)
            else:
                body = await run_in_threadpool(work, self.documents, api_key, client, ref)
        except EvrosterError as exc:
            await problem_for(Request(scope), exc)(scope, receive, send)
            return
        except Exception:
            # Never echo the exception: it may hold request or database data.
            log.exception("driver document failed")
            await problem(Request(scope), 500, "Internal server error")(scope, receive, send)
            return
        start: Message = {
            "type": "http.response.start",
            "status": 200,
            "headers": [*_JSON, (b"content-length", str(len(body)).encode())],
        }
        await send(start)
        await send({"type": "http.response.body", "body": body})
