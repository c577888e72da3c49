"""Pieces every management route module uses."""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import Path, Query
from starlette.responses import Response

from evroster.api.schemas.common import Digits, Problem

__all__ = ["ERRORS", "ChargerSearchQuery", "IdPath", "SearchQuery", "created", "json_response"]

IdPath = Annotated[int, Path(ge=1, le=2**63 - 1), Digits]


def _search(what: str) -> Any:
    return Query(
        max_length=200,
        pattern=r"^[^\x00-\x1f\x7f]*$",
        description=f"Part of the {what}, matched without regard to case",
    )


SearchQuery = Annotated[str | None, _search("name or externalId")]
ChargerSearchQuery = Annotated[str | None, _search("chargerId or name")]


def _errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    text = {
        400: "Errors in the route parameters / Errors in the body request",
        401: "Customer not found or not authorised",
        403: "A read key tried to write",
        404: "Not found (also an object of another customer)",
        409: "Conflicts with existing data",
        413: "The request body is too large",
        429: "Too many failed authentications from this address: see Retry-After",
        503: "The database is unavailable; retry after Retry-After seconds",
    }
    return {
        code: {
            "model": Problem,
            "description": text[code],
            "content": {"application/problem+json": {}, "text/plain": {}},
        }
        for code in codes
    }


ERRORS = {
    "import": _errors(401, 403, 413, 429, 503),
    "read": _errors(400, 401, 404, 429, 503),
    "write": _errors(400, 401, 403, 404, 409, 413, 429, 503),
    "list": _errors(400, 401, 429, 503),
}


def json_response(body: Any, status: int = 200, location: str | None = None) -> Response:
    headers = {"Location": location} if location else None
    return Response(orjson.dumps(body), status, headers, media_type="application/json")


def created(body: Any, location: str) -> Response:
    return json_response(body, 201, location)
