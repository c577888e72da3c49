"""The console as an ASGI app, mounted by the API at ``/admin``."""

from __future__ import annotations

import logging
from pathlib import Path
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from evroster.config import Settings
from evroster.console import audit, checks, drivers, imports, pickers, sites
from evroster.console.pages import checked_form, refusal, templates
from evroster.console.session import Sessions, csrf_token, sign_in, sign_out
from evroster.errors import Unauthorized, Unavailable
from evroster.services.documents import Documents
from evroster.storage.base import Store

__all__ = ["create_console"]

log = logging.getLogger(__name__)

_HERE = Path(__file__).parent


def _next(request: Request, fallback: str = "/admin/") -> str:
    """Where to go after signing in: a console path only, never another site."""
    target = request.query_params.get("next", "")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/admin/") or "\\" in target:
        return fallback
    return target


async def sign_in_form(request: Request) -> Response:
    return templates.TemplateResponse(
        request, "sign_in.html", {"csrf": csrf_token(request.session), "next": _next(request)}
    )


async def sign_in_post(request: Request) -> Response:
    form = await checked_form(request)
    if isinstance(form, Response):
        return form
    key = form.get("key")
    documents: Documents = request.app.state.documents
    try:
        await run_in_threadpool(sign_in, request.session, documents, str(key or ""))
    except Unauthorized:
        # 401: the outer guard counts it, and refuses an address that fails too often.
        context = {"csrf": csrf_token(request.session), "next": _next(request)}
        context["error"] = "This API key is not valid: it is mistyped, unknown or revoked."
        return templates.TemplateResponse(request, "sign_in.html", context, status_code=401)
    return RedirectResponse(_next(request), status_code=303)


async def sign_out_post(request: Request) -> Response:
    form = await checked_form(request)
    if isinstance(form, Response):
        return form
    sign_out(request.session)
    return RedirectResponse("/admin/sign-in", status_code=303)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        return refusal(request, 404, "There is no such page in the console.")
    if exc.status_code == 405:
        return refusal(request, 405, "This page cannot be used that way.")
    return refusal(request, exc.status_code, str(exc.detail))


async def _unavailable(request: Request, exc: Exception) -> Response:
    return refusal(
        request, 503, "The database did not answer; nothing was changed. Try again shortly."
    )


async def _unexpected(request: Request, exc: Exception) -> Response:
    # Never show the exception: it may hold data of the request or of the database.
    log.exception("console page failed: %s %s", request.method, request.url.path)
    return refusal(request, 500, "Something went wrong on our side; nothing was shown or changed.")


def create_console(settings: Settings, store: Store, documents: Documents) -> Sessions:
    app = Starlette(
        routes=[
            Route("/sign-in", sign_in_form),
            Route("/sign-in", sign_in_post, methods=["POST"]),
            Route("/sign-out", sign_out_post, methods=["POST"]),
            Mount("/static", StaticFiles(directory=_HERE / "static"), name="static"),
            *drivers.routes,
            *checks.routes,
            *sites.routes,
            *imports.routes,
            *audit.routes,
            *pickers.routes,
        ],
        exception_handlers={
            HTTPException: _http_error,
            Unavailable: _unavailable,
            Exception: _unexpected,
        },
    )
    app.state.settings = settings
    app.state.store = store
    app.state.documents = documents
    return Sessions(app, settings, store)
