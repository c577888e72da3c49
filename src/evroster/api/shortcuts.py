"""Shortcuts: the busiest management writes, served past FastAPI.

A ``PATCH`` of a driver or a charger is what an operator's back office sends all day
(renames, home sites, sockets). Through FastAPI, its routing over every router,
dependency injection and body handling cost about 0.7 ms of CPU per request on the
benchmark machine, about 40 % of the whole write (docs/benchmarks.md, "Mixed: the
shortcuts"). A :class:`Shortcut` is the same operation as a plain Starlette route,
matched before FastAPI sees the request, with the same answers:

* the caller is authenticated first (401), then must hold a key that writes (403);
* the path parameters and the body are validated together by the same pydantic types
  as before, and their errors come in one 400 (``Errors in the body request`` if the
  body has any, else ``Errors in the route parameters``), field by field;
* the service's own errors go through the one mapping of ``api/problems.py``.

The body is JSON in UTF-8 (RFC 8259), parsed and validated by pydantic in one step. Any
other method or path passes through untouched; ``api/openapi.py`` documents shortcuts
from the same declarations.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, TypeAdapter, ValidationError
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import compile_path
from starlette.types import ASGIApp, Receive, Scope, Send

from evroster.api.deps import principal_of
from evroster.api.problems import problem, problem_for
from evroster.errors import EvrosterError, FieldError, Forbidden, InvalidInput
from evroster.services.documents import ROUTE_ERRORS, Documents
from evroster.services.keys import Principal
from evroster.services.rules import BODY_ERRORS
from evroster.storage.base import Store

__all__ = ["Call", "Shortcut", "Shortcuts"]

log = logging.getLogger(__name__)

# FastAPI's words for a body that is missing or not JSON, kept so that clients see the
# same errors as before.
_MISSING = "Field required"
_NOT_AN_OBJECT = "Input should be a valid dictionary or object to extract fields from"


@dataclass(frozen=True, slots=True)
class Call:
    """What a shortcut's endpoint is given: the caller, its validated path parameters
    and body, and the parts of the application it works with."""

    principal: Principal
    path: dict[str, Any]
    body: Any
    store: Store
    documents: Documents


@dataclass(frozen=True)
class Shortcut:
    """One operation: ``path`` in Starlette's syntax, each ``{name}`` validated by the
    type in ``params``; the JSON body by ``body``; ``answer`` is the 200 response's model
    (for OpenAPI). ``endpoint`` gets a :class:`Call` once all of that passed."""

    method: str
    path: str
    endpoint: Callable[[Call], Awaitable[Response]]
    body: type[BaseModel]
    answer: type[BaseModel]
    params: Mapping[str, Any]
    tags: tuple[str, ...]
    summary: str
    description: str | None = None
    adapters: dict[str, TypeAdapter[Any]] = field(init=False, repr=False, compare=False)
    pattern: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Each parameter is taken as the text between slashes, as FastAPI did, so that a
        # malformed one gets a 400 from its validator rather than a 404 from the router.
        pattern, _, convertors = compile_path(self.path)
        assert set(convertors) == set(self.params), self.path
        object.__setattr__(self, "pattern", pattern)
        adapters = {name: TypeAdapter(kind) for name, kind in self.params.items()}
        object.__setattr__(self, "adapters", adapters)


class Shortcuts:
    """Serves ``routes``; passes every other request to ``app``."""

    def __init__(
        self, app: ASGIApp, routes: list[Shortcut], store: Store, documents: Documents
    ) -> None:
        self.app = app
        self.store = store
        self.documents = documents
        self._by_method: dict[str, list[Shortcut]] = {}
        for route in routes:
            self._by_method.setdefault(route.method, []).append(route)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            for route in self._by_method.get(scope["method"], ()):
                match = route.pattern.match(scope["path"])
                if match is not None:
                    await self._serve(route, match.groupdict(), scope, receive, send)
                    return
        await self.app(scope, receive, send)

    async def _serve(
        self, route: Shortcut, raw: dict[str, str], scope: Scope, receive: Receive, send: Send
    ) -> None:
        request = Request(scope, receive)
        try:
            principal = await principal_of(scope, self.store, self.documents)
            if not principal.can_write:
                raise Forbidden("This API key may read but not write")
            errors: list[FieldError] = []
            path = _path(route, raw, errors)
            body = _body(route, await request.body(), request.headers.get("content-type"))
            if isinstance(body, list):
                errors.extend(body)
                raise InvalidInput(BODY_ERRORS, errors)
            if errors:
                raise InvalidInput(ROUTE_ERRORS, errors, location="path")
            response = await route.endpoint(Call(principal, path, body, self.store, self.documents))
        except EvrosterError as exc:
            response = problem_for(request, exc)
        except Exception:
            # Never echo the exception: it may hold request or database data.
            log.exception("%s %s failed", route.method, route.path)
            response = problem(request, 500, "Internal server error")
        await response(scope, receive, send)


def _path(route: Shortcut, raw: dict[str, str], errors: list[FieldError]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name, text in raw.items():
        try:
            values[name] = route.adapters[name].validate_python(text)
        except ValidationError as exc:
            errors.extend(_errors(exc, f"path.{name}"))
    return values


def _body(route: Shortcut, body: bytes, content_type: str | None) -> BaseModel | list[FieldError]:
    """The validated body, or what is wrong with it."""
    if not body:
        return [FieldError("body", _MISSING)]
    if content_type is None or not _is_json(content_type):
        return [FieldError("body", _NOT_AN_OBJECT)]
    try:
        return route.body.model_validate_json(body)
    except ValidationError as exc:
        return _errors(exc, "body")


def _is_json(content_type: str) -> bool:
    media = content_type.partition(";")[0].strip().lower()
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


def _errors(exc: ValidationError, prefix: str) -> list[FieldError]:
    return [
        FieldError(".".join([prefix, *(str(p) for p in e["loc"])]), e["msg"])
        for e in exc.errors(include_url=False, include_context=False, include_input=False)
    ]
