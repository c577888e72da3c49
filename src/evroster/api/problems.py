"""RFC 9457 problem responses, and the one mapping from the error tree to HTTP.

eMabler v1 clients ask for ``text/plain`` and get the ``detail`` text alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from evroster.errors import (
    Conflict,
    EvrosterError,
    FieldError,
    Forbidden,
    InvalidInput,
    NotFound,
    Unauthorized,
    Unavailable,
)

__all__ = ["STATUS", "problem", "problem_for"]

STATUS: dict[type[EvrosterError], int] = {
    NotFound: 404,
    Conflict: 409,
    InvalidInput: 400,
    Unauthorized: 401,
    Forbidden: 403,
    Unavailable: 503,
}


def _wants_text(request: Request) -> bool:
    # The first acceptable type wins; eMabler v1 clients send exactly text/plain.
    for part in request.headers.get("accept", "").split(","):
        media = part.split(";", 1)[0].strip().lower()
        if media == "text/plain":
            return True
        if media.endswith("json") or media in ("*/*", "application/*"):
            return False
    return False


def problem(
    request: Request,
    status: int,
    detail: str,
    errors: list[FieldError] | None = None,
    headers: Mapping[str, str] | None = None,
    extensions: Mapping[str, Any] | None = None,
) -> Response:
    """A problem response (or its ``detail`` as plain text, if the client prefers).

    ``extensions``: RFC 9457 extension members, such as an import's ``report``.
    """
    if _wants_text(request):
        return Response(detail, status, headers, media_type="text/plain")
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
    }
    if errors:
        body["errors"] = [{"field": e.field, "message": e.message} for e in errors]
    body.update(extensions or {})
    return Response(orjson.dumps(body), status, headers, media_type="application/problem+json")


def problem_for(request: Request, exc: EvrosterError) -> Response:
    status = next(code for cls, code in STATUS.items() if isinstance(exc, cls))
    errors = exc.errors if isinstance(exc, InvalidInput) else None
    headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, Unavailable) else None
    return problem(request, status, exc.detail, errors, headers)
