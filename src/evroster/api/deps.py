"""What routes depend on: the store and the caller's principal."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, ParamSpec, TypeVar

from fastapi import Depends, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.types import Scope

from evroster.api.credentials import credentials
from evroster.api.schemas.common import Digits
from evroster.errors import Forbidden
from evroster.services.documents import Documents
from evroster.services.keys import Principal
from evroster.storage.base import Store, WouldWait

__all__ = [
    "Admin",
    "DocumentsDep",
    "Paging",
    "PagingDep",
    "Reader",
    "StoreDep",
    "caller",
    "get_documents",
    "get_store",
    "paging",
    "principal_of",
    "read",
    "write",
]

P = ParamSpec("P")
T = TypeVar("T")


# The dependencies below that do no I/O are ``async def``: FastAPI runs a plain ``def``
# dependency in the thread pool: a write paid five hops (docs/benchmarks.md, "Mixed:
# what the write-path work changed").


async def get_store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


StoreDep = Annotated[Store, Depends(get_store)]


async def get_documents(request: Request) -> Documents:
    documents: Documents = request.app.state.documents
    return documents


DocumentsDep = Annotated[Documents, Depends(get_documents)]


async def read(store: Store, work: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """``work`` (database reads) where it is cheapest: on the event loop on SQLite, whose
    reads take less than a hop to a thread; in the thread pool on PostgreSQL, whose reads
    wait on the network."""
    if store.inline_reads:
        return work(*args, **kwargs)
    return await run_in_threadpool(work, *args, **kwargs)


async def write(store: Store, work: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """``work`` (a service that writes) where it is cheapest: on the event loop on SQLite
    when the database takes the write at once, since the two hops to a thread and back
    cost as much as the write; in the thread pool when another writer holds the lock
    (waiting there blocks no one) and always on PostgreSQL."""
    if store.inline_writes:
        try:
            with store.without_waiting():
                return work(*args, **kwargs)
        except WouldWait:
            pass
    return await run_in_threadpool(work, *args, **kwargs)


async def principal_of(scope: Scope, store: Store, documents: Documents) -> Principal:
    """The authenticated caller of the request, from ``X-API-Key`` or eMabler's
    ``code``/``clientId`` (``api/credentials.py``; documented in OpenAPI by
    ``api/openapi.py``).

    As on the hot path, the key is checked where :func:`read` says; on PostgreSQL a key
    the cache holds is checked on the event loop all the same.
    """
    api_key, client_id = credentials(scope)
    if not store.inline_reads:
        found = documents.principal_in_memory(api_key, client_id)
        if found is not None:
            return found
    return await read(store, documents.authenticate, api_key, client_id)


async def caller(request: Request) -> Principal:
    """:func:`principal_of` as a FastAPI dependency."""
    return await principal_of(request.scope, request.app.state.store, request.app.state.documents)


async def _admin(principal: Annotated[Principal, Depends(caller)]) -> Principal:
    if not principal.can_write:
        raise Forbidden("This API key may read but not write")
    return principal


Reader = Annotated[Principal, Depends(caller)]
Admin = Annotated[Principal, Depends(_admin)]


@dataclass(frozen=True, slots=True)
class Paging:
    """``page`` from 1 and ``limit`` 1-100, as eMabler v2."""

    page: int
    limit: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.limit

    def envelope(self, items: list[object], total: int) -> dict[str, object]:
        return {
            "page": self.page,
            "limit": self.limit,
            "totalRecords": total,
            "hasNextPage": self.offset + len(items) < total,
            "hasPreviousPage": self.page > 1,
            "items": items,
        }


async def paging(
    page: Annotated[int, Query(ge=1, le=10**9, description="Page number, from 1"), Digits] = 1,
    limit: Annotated[int, Query(ge=1, le=100, description="Items per page"), Digits] = 100,
) -> Paging:
    return Paging(page, limit)


PagingDep = Annotated[Paging, Depends(paging)]
