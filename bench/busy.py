"""A raw ASGI app that keeps the event loop busy for ``BUSY_MS`` (default 1) per request,
as a write on the loop does: to tell the tail latency that comes from handling
millisecond requests on one loop from anything of evroster's.

    taskset -c 0 python -m uvicorn bench.busy:app --port 8124 --no-access-log &
    taskset -c 1 wrk -t1 -c64 -d10s --latency http://127.0.0.1:8124/
"""

from __future__ import annotations

import os
import time
from typing import Any

_SECONDS = float(os.environ.get("BUSY_MS", "1")) / 1000
_OK = {"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"2")]}
_BODY = {"type": "http.response.body", "body": b"ok"}


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    end = time.perf_counter() + _SECONDS
    while time.perf_counter() < end:  # CPU, as a write's is: not a sleep, which yields
        pass
    await send(_OK)
    await send(_BODY)
