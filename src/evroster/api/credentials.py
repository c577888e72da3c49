"""Where a request carries its API key: the one reading the hot path and the routes share.

``X-API-Key``, or eMabler v1's ``code`` query parameter when that header is absent; and
eMabler's ``clientId``. Read straight from the ASGI scope: declared as FastAPI header
and query parameters, they were validated one by one on every management request
(docs/benchmarks.md, "Where a write's time goes, measured again"). ``api/openapi.py`` documents
them on every operation that authenticates.
"""

from __future__ import annotations

from starlette.datastructures import QueryParams
from starlette.types import Scope

__all__ = ["credentials"]


def credentials(scope: Scope) -> tuple[str | None, str | None]:
    """The API key and the clientId the request presents (either may be None)."""
    key = next((v for k, v in scope["headers"] if k == b"x-api-key"), None)
    query = QueryParams(scope["query_string"]) if scope["query_string"] else None
    if key is not None:
        api_key: str | None = key.decode("latin-1")
    else:
        api_key = query.get("code") if query is not None else None
    client = query.get("clientId") if query is not None else None
    return api_key, client
