"""Where a warm document hit's time goes, in-process: no HTTP, no server, the same ASGI
calls uvicorn makes, alternated round by round against the ceiling app.

    python -m bench.layers [--rounds 5] [--requests 20000]

It needs the million-tag database of ``python -m bench.scale`` (bench/data/scale-1m.*)
and serves the first ``--requests`` idTags of its hot set, after one pass that fills the
cache and a ``gc.freeze()``, as the server's start-up and heap keeper do. Each line is
the median over rounds of microseconds a request:

* ceiling: bench/ceiling.py, the key checked against a dict, one pre-built body;
* framing: the hot path's routing, credentials and response messages around a fixed
  body, without the cache (what the ceiling also does, written as ``hot.py`` does it);
* hot path: ``HotPath`` with its work (the key checked, the cache's document);
* app: the whole application as served, ``Guard`` and its headers included;
* work: the hot path's work alone, called as a function.

What it leaves out is what the server adds to every app alike: uvicorn's parsing and
writing (its loop over the response headers costs each header), the socket, and the
memory traffic of sending a different 8 kB document each time instead of one.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

from bench.common import DATA

Asgi = Callable[[dict[str, Any], Any, Any], Awaitable[None]]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=20000)
    args = parser.parse_args(argv)
    meta = DATA / "scale-1m.json"
    if not meta.exists():
        sys.exit("no million-tag database: run python -m bench.scale first")
    data = json.loads(meta.read_text())
    os.environ["EVROSTER_DATABASE_URL"] = data["url"]
    os.environ["CEILING_KEY"] = data["key"]
    os.environ["CEILING_BODY"] = str(DATA / "scale-mean-document.json")
    tags = (DATA / "scale-1m-hot.txt").read_text().split()[: args.requests]
    found = asyncio.run(_measure(data["key"], tags, args.rounds))
    for name, value in found.items():
        print(f"{name:9s} {value:6.2f} us a request")
    return 0


async def _measure(key: str, tags: list[str], rounds: int) -> dict[str, float]:
    # Imported here: both read their settings from the environment set in main().
    from bench.ceiling import app as ceiling
    from evroster.api.app import create_app
    from evroster.api.credentials import credentials
    from evroster.api.hot import _JSON, HotPath, _by_idtag, _route

    app = create_app()
    hot = app.app
    assert isinstance(hot, HotPath), "the guard is expected to wrap the hot path"
    documents = hot.documents
    body = (DATA / "scale-mean-document.json").read_bytes()
    headers = [(b"host", b"bench"), (b"x-api-key", key.encode())]

    def scope(tag: str) -> dict[str, Any]:
        return {
            "type": "http", "method": "GET", "path": f"/api/v1/drivers/by-idtag/{tag}",
            "raw_path": b"", "query_string": b"", "headers": headers, "scheme": "http",
            "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8000),
            "http_version": "1.1", "root_path": "",
        }  # fmt: skip

    statuses: list[int] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    async def framing(scope: dict[str, Any], receive: Any, send: Any) -> None:
        route = _route(scope)
        assert route is not None
        credentials(scope)
        start = {
            "type": "http.response.start",
            "status": 200,
            "headers": [*_JSON, (b"content-length", str(len(body)).encode())],
        }
        await send(start)
        await send({"type": "http.response.body", "body": body})

    async def through(asgi: Asgi) -> float:
        started = time.perf_counter()
        for tag in tags:
            await asgi(scope(tag), receive, send)
        return (time.perf_counter() - started) / len(tags) * 1e6

    def work() -> float:
        started = time.perf_counter()
        for tag in tags:
            _by_idtag(documents, key, None, tag)
        return (time.perf_counter() - started) / len(tags) * 1e6

    await through(app)  # the fill
    if set(statuses) != {200}:
        sys.exit(f"the fill was answered {sorted(set(statuses))}, not only 200")
    gc.collect()
    gc.freeze()
    runs: dict[str, list[float]] = {
        name: [] for name in ("ceiling", "framing", "hot path", "app", "work")
    }
    for _ in range(rounds):
        runs["ceiling"].append(await through(ceiling))
        runs["framing"].append(await through(framing))
        runs["hot path"].append(await through(hot))
        runs["app"].append(await through(app))
        runs["work"].append(work())
    if set(statuses) != {200}:
        sys.exit(f"answered {sorted(set(statuses))}, not only 200")
    return {name: statistics.median(values) for name, values in runs.items()}


if __name__ == "__main__":
    sys.exit(main())
