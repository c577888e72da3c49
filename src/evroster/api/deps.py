"""What routes depend on: the store and the caller's principal."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Query, Request
from starlette.concurrency import run_in_threadpool

from evroster.api.schemas.common import Digits
from evroster.errors import Forbidden
from evroster.services.documents import Documents
from evroster.services.keys import Principal, authenticate
from evroster.storage.base import Store

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
]


def get_store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


StoreDep = Annotated[Store, Depends(get_store)]


def get_documents(request: Request) -> Documents:
    documents: Documents = request.app.state.documents
    return documents


DocumentsDep = Annotated[Documents, Depends(get_documents)]


async def caller(
    request: Request,
    x_api_key: Annotated[str | None, Header(description="An API key of the customer")] = None,
    code: Annotated[
        str | None, Query(description="eMabler v1: the API key, if no X-API-Key header")
    ] = None,
    client_id: Annotated[
        str | None,
        Query(alias="clientId", description="eMabler v1: the customer id the key belongs to"),
    ] = None,
) -> Principal:
    """The authenticated caller, from ``X-API-Key`` or eMabler's ``code``/``clientId``."""
    return await run_in_threadpool(
        authenticate,
        get_documents(request),
        x_api_key if x_api_key is not None else code,
        client_id,
    )


def _admin(principal: Annotated[Principal, Depends(caller)]) -> Principal:
    if not principal.can_write:
        raise Forbidden("This API key may read but not write")
    return principal


Reader = Annotated[Principal, Depends(caller)]
Admin = Annotated[Principal, Depends(_admin)]


class Paging:
    """``page`` from 1 and ``limit`` 1-100, as eMabler v2."""

    def __init__(
        self,
        page: Annotated[int, Query(ge=1, le=10**9, description="Page number, from 1"), Digits] = 1,
        limit: Annotated[int, Query(ge=1, le=100, description="Items per page"), Digits] = 100,
    ) -> None:
        self.page = page
        self.limit = limit

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


PagingDep = Annotated[Paging, Depends()]
