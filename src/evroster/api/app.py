"""The ASGI application: hot routes, the management API, and the one error mapping."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp

import evroster
from evroster.api.guard import Guard
from evroster.api.heap import HeapKeeper
from evroster.api.hot import HotPath
from evroster.api.openapi import build_openapi
from evroster.api.problems import problem, problem_for
from evroster.api.routes import (
    audit,
    authorization,
    chargers,
    drivers,
    health,
    lookups,
    sites,
    transfer,
)
from evroster.api.shortcuts import Shortcuts
from evroster.config import Settings, get_settings
from evroster.console.app import create_console
from evroster.csms.endpoint import OcppEndpoint
from evroster.errors import EvrosterError, FieldError
from evroster.services.cache import DocumentCache
from evroster.services.documents import ROUTE_ERRORS, Documents
from evroster.services.rules import BODY_ERRORS
from evroster.storage.base import Store
from evroster.storage.sql.store import SqlStore

__all__ = ["create_app"]

log = logging.getLogger(__name__)

_DESCRIPTION = """\
The registry of EV drivers and their charging tokens.

Authenticate with an `X-API-Key` header, or eMabler v1's `code` and `clientId` query
parameters. Errors are `application/problem+json`; send `Accept: text/plain` to get
the `detail` text alone, as eMabler v1 clients expect.
"""


async def _evroster_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, EvrosterError)
    return problem_for(request, exc)


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = [FieldError(".".join(str(p) for p in e["loc"]), str(e["msg"])) for e in exc.errors()]
    in_body = any(e["loc"] and e["loc"][0] == "body" for e in exc.errors())
    return problem(request, 400, BODY_ERRORS if in_body else ROUTE_ERRORS, errors)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 400:  # FastAPI could not parse the body (e.g. nested too deep)
        errors = [FieldError("body", str(exc.detail))]
        return problem(request, 400, BODY_ERRORS, errors, headers=exc.headers)
    return problem(request, exc.status_code, str(exc.detail), headers=exc.headers)


async def _unexpected(request: Request, exc: Exception) -> Response:
    # Never echo the exception: it may hold data of the request or of the database.
    return problem(request, 500, "Internal server error")


_HANDLERS = {
    EvrosterError: _evroster_error,
    RequestValidationError: _validation_error,
    HTTPException: _http_error,
    Exception: _unexpected,
}


def create_app(settings: Settings | None = None, store: Store | None = None) -> Guard:
    """The application; ``store`` defaults to the database of ``settings``."""
    settings = settings or get_settings()
    the_store = store or SqlStore(
        settings.database_url, settings.db_pool_size, settings.cache_staleness_seconds
    )
    documents = Documents(
        the_store.documents,
        the_store.changes,
        DocumentCache(int(settings.cache_mb * 1024 * 1024)),
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # Everything built so far lives as long as the process: keep it out of the
        # collector's full passes, which otherwise rescan it thousands of times a minute
        # under load (p99 fell from 79 to 29 ms on the benchmark); and so, as they come,
        # connected chargers and cached documents (api/heap.py).
        gc.freeze()
        keeper = asyncio.get_running_loop().create_task(HeapKeeper().run())
        yield
        keeper.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await keeper
        if documents.cache is not None:
            log.info("document cache at shutdown: %s", documents.cache.stats())
        await _app.state.ocpp.close()
        the_store.close()

    api = FastAPI(
        title="evroster",
        version=evroster.__version__,
        description=_DESCRIPTION,
        docs_url="/docs",
        redoc_url=None,
        exception_handlers=_HANDLERS,  # type: ignore[arg-type]
        lifespan=lifespan,
    )
    # FastAPI tries the routers in this order, every route of each: lookups first (its
    # paths overlap those of drivers and sites and must win), then the busiest writers.
    for module in (lookups, drivers, chargers, sites, authorization, audit, transfer, health):
        api.include_router(module.router)
    hours = settings.auth_cache_hours
    ocpp = OcppEndpoint(
        the_store,
        documents,
        heartbeat_interval=settings.ocpp_heartbeat_interval,
        max_frame_bytes=settings.ocpp_max_frame_bytes,
        cache_horizon=timedelta(hours=hours) if hours is not None else None,
    )
    api.add_api_websocket_route("/ocpp/{customer_id}/{charger_id}", ocpp)
    api.mount("/admin", create_console(settings, the_store, documents))
    api.state.ocpp = ocpp
    api.state.settings = settings
    shortcuts = [*drivers.SHORTCUTS, *chargers.SHORTCUTS]
    api.openapi = lambda: build_openapi(api, shortcuts)  # type: ignore[method-assign]
    api.state.store = the_store
    api.state.documents = documents
    app: ASGIApp = HotPath(
        Shortcuts(api, shortcuts, the_store, documents), documents, the_store.inline_reads
    )
    if settings.cors_origins:
        app = CORSMiddleware(
            app,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=["X-API-Key", "Content-Type", "Accept"],
        )
    return Guard(
        app,
        max_body=settings.max_body_bytes,
        large_bodies={
            "/api/v1/imports": settings.import_max_bytes,
            "/admin/import": settings.import_max_bytes,
        },
        json_max_depth=settings.json_max_depth,
        auth_failures_per_minute=settings.auth_failures_per_minute,
    )
