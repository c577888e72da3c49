"""The ceiling: a raw ASGI app that checks the API key against a dict and returns a
fixed, pre-serialized body. Nothing can answer the same request faster on the same
server, so evroster's throughput is reported as a ratio to this one's.

Configured by environment: ``CEILING_KEY`` (the accepted key, or several separated by
commas) and ``CEILING_BODY`` (a file holding the body to return).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

_KEYS = {key.encode(): 1 for key in os.environ.get("CEILING_KEY", "").split(",")}
_BODY = Path(os.environ["CEILING_BODY"]).read_bytes() if "CEILING_BODY" in os.environ else b"{}"
_OK = {
    "type": "http.response.start",
    "status": 200,
    "headers": [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(_BODY)).encode()),
    ],
}
_DENIED = {"type": "http.response.start", "status": 401, "headers": [(b"content-length", b"0")]}


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    key = next((v for k, v in scope["headers"] if k == b"x-api-key"), None)
    if key in _KEYS:
        await send(_OK)
        await send({"type": "http.response.body", "body": _BODY})
    else:
        await send(_DENIED)
        await send({"type": "http.response.body", "body": b""})
