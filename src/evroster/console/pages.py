"""What every console page shares: the signed-in operator, CSRF, templates, messages.

A page is a plain function of a :class:`Visit` that returns a response; :func:`page`
turns it into an endpoint that first checks the session (and, for a form, its CSRF
token and whether the key may write), then runs it in a worker thread, since the
services it calls are synchronous.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote, urlencode

from pydantic import BaseModel, ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.templating import Jinja2Templates

from evroster.config import Settings
from evroster.console.session import csrf_token, csrf_valid, signed_in
from evroster.console.texts import format_moment, shown, since
from evroster.errors import EvrosterError, FieldError, InvalidInput, Unauthorized, Unavailable
from evroster.services.documents import Documents
from evroster.services.keys import Principal
from evroster.storage.base import Store

__all__ = [
    "Visit",
    "change",
    "checked_form",
    "page",
    "parse",
    "refusal",
    "render",
    "templates",
]

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
templates.env.filters["moment"] = format_moment
templates.env.filters["since"] = since
templates.env.filters["shown"] = shown

_READ_ONLY = "This API key may read but not change anything."
_CSRF = (
    "The form did not carry this session's security token (it may be from an old page or "
    "another site). Reload the page and try again."
)


@dataclass(slots=True)
class Visit:
    """One request to a page, by a signed-in operator."""

    request: Request
    who: Principal
    form: FormData | None

    @property
    def store(self) -> Store:
        store: Store = self.request.app.state.store
        return store

    @property
    def documents(self) -> Documents:
        documents: Documents = self.request.app.state.documents
        return documents

    @property
    def customer_id(self) -> int:
        return self.who.customer_id

    @property
    def fragment(self) -> bool:
        """Whether htmx asked for a part of a page rather than a whole one."""
        return self.request.headers.get("hx-request") == "true"

    def query(self, name: str) -> str:
        return self.request.query_params.get(name, "").strip()

    def number(self, name: str, default: int = 1) -> int:
        """A positive whole number from the query; ``default`` if absent or not one."""
        text = self.query(name)
        return int(text) if text.isdigit() and 0 < len(text) < 10 and int(text) > 0 else default

    def field(self, name: str) -> str:
        value = self.form.get(name) if self.form is not None else None
        return value.strip() if isinstance(value, str) else ""

    def upload(self, name: str) -> UploadFile | None:
        value = self.form.get(name) if self.form is not None else None
        return value if isinstance(value, UploadFile) else None


def render(visit: Visit, template: str, status: int = 200, **context: Any) -> Response:
    request = visit.request
    return templates.TemplateResponse(
        request,
        template,
        {
            "who": visit.who,
            "csrf": csrf_token(request.session),
            "flash": request.session.pop("flash", None),
            "q": visit.query("q"),
            "query": _paging_query(visit),
            **context,
        },
        status_code=status,
    )


def _paging_query(visit: Visit) -> str:
    """This page's query without ``page``, ready for ``page=`` to follow."""
    kept = [(k, v) for k, v in visit.request.query_params.multi_items() if k != "page"]
    return urlencode(kept) + "&" if kept else ""


def _message(exc: EvrosterError) -> str:
    if isinstance(exc, InvalidInput) and exc.errors:
        return "; ".join(f"{_field(e.field)}: {e.message}" for e in exc.errors)
    return exc.detail


def _field(path: str) -> str:
    return path.rsplit(".", 1)[-1]


M = TypeVar("M", bound=BaseModel)


def parse(model: type[M], values: dict[str, Any]) -> M:
    """The form's values through the API's own model, so both take the same input;
    :class:`InvalidInput` (with the reason per field) if they do not fit it."""
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        errors = [
            FieldError(".".join(str(p) for p in e["loc"]) or "form", e["msg"]) for e in exc.errors()
        ]
        raise InvalidInput("The form has errors", errors) from None


def change(visit: Visit, back: str, action: Callable[[], str]) -> Response:
    """Run a change and go back to ``back`` (post, redirect, get) with what ``action``
    returns as the confirmation, or the reason the change was refused as the error."""
    try:
        done = action()
    except EvrosterError as exc:
        if isinstance(exc, Unavailable):  # nothing was refused: the error page says retry
            raise
        visit.request.session["flash"] = {"error": _message(exc)}
    else:
        visit.request.session["flash"] = {"ok": done}
    return RedirectResponse(back, status_code=303)


def _to_sign_in(request: Request) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    url = f"/admin/sign-in?next={quote(target, safe='')}"
    if request.headers.get("hx-request") == "true":
        return Response(status_code=204, headers={"HX-Redirect": url})
    return RedirectResponse(url, status_code=303)


def refusal(request: Request, status: int, message: str) -> Response:
    """A page that only says why the request was refused."""
    return templates.TemplateResponse(
        request, "refused.html", {"message": message, "status": status}, status_code=status
    )


async def checked_form(
    request: Request, max_files: int = 0, max_fields: int = 10
) -> FormData | Response:
    """The posted form if it carries this session's CSRF token; else the refusal."""
    form = await request.form(max_files=max_files, max_fields=max_fields)
    if csrf_valid(request.session, form.get("csrf")):
        return form
    await form.close()
    return refusal(request, 403, _CSRF)


def page(
    handler: Callable[[Visit], Response], *, write: bool = False
) -> Callable[[Request], Awaitable[Response]]:
    """An endpoint for ``handler``: signed in, and for a form, its CSRF token checked
    and (``write``) the key allowed to change things."""

    async def endpoint(request: Request) -> Response:
        started = time.perf_counter()
        response = await _serve(request)
        # The server's own time for the page, for the browser's developer tools and for
        # bench/console.py.
        elapsed = (time.perf_counter() - started) * 1000
        response.headers["Server-Timing"] = f"app;dur={elapsed:.1f}"
        return response

    async def _serve(request: Request) -> Response:
        settings: Settings = request.app.state.settings
        documents: Documents = request.app.state.documents
        try:
            who = await run_in_threadpool(
                signed_in, request.session, documents, settings.console_session_hours
            )
        except Unauthorized:
            return _to_sign_in(request)
        form = None
        if request.method == "POST":
            checked = await checked_form(request, max_files=1, max_fields=50)
            if isinstance(checked, Response):
                return checked
            form = checked
            if write and not who.can_write:
                await form.close()
                return refusal(request, 403, _READ_ONLY)
        try:
            return await run_in_threadpool(handler, Visit(request, who, form))
        finally:
            if form is not None:
                await form.close()

    return endpoint
