"""Benchmark of the hot path: GET /api/v1/drivers/by-idtag/{idTag} against the ceiling.

    python -m bench.lookup [--drivers 100000] [--duration 20] [--rounds 2]

Loads a fresh SQLite file (100,000 drivers, ~200,000 tags, ~2,000 sites, 20,000
chargers with 40,000 sockets), serves it with ``evroster serve`` as in production
(uvicorn with uvloop and httptools, no access log, one worker) pinned to CPU 0, and
drives it with wrk pinned to CPU 1 (64 connections) over random existing idTags. In
the same run and on the same server settings, it drives the raw ASGI ceiling
(bench/ceiling.py) returning a body of the mean document's size. Rounds alternate
ceiling and evroster, so drift on a shared machine hits both alike.

Prints requests/s, p50 and p99 of both and their ratio; writes the figures to
bench/results/lookup.json.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx

from bench.common import (
    DATA,
    RESULTS,
    add_postgres_option,
    free_port,
    fresh_database,
    pin,
    serving,
    uvicorn_argv,
    wrk,
)
from bench.dataset import HEAVY, Shape, load
from evroster.storage.migrations import upgrade
from evroster.storage.sql.store import SqlStore


def _wrk(base: str, duration: int, connections: int, tags: Path, key: str) -> dict[str, Any]:
    return wrk(base, duration, connections, "idtags.lua", tags, key)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--drivers", type=int, default=100_000)
    parser.add_argument("--duration", type=int, default=20, help="seconds per measured run")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument(
        "--mix",
        choices=["reference", "heavy"],
        default="reference",
        help="grant mix: median document ~5.5 KB (reference) or ~17 KB (heavy)",
    )
    add_postgres_option(parser)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    if not shutil.which("wrk"):
        sys.exit("wrk is missing: `make bench` installs it (apt-get install wrk)")

    DATA.mkdir(exist_ok=True)
    url = fresh_database("lookup", args.postgres)
    backend = "postgresql" if args.postgres else "sqlite"
    upgrade(url)
    store = SqlStore(url)
    mix = HEAVY if args.mix == "heavy" else Shape()
    shape = replace(mix, drivers=args.drivers, chargers=args.drivers // 5)
    suffix = "" if backend == "sqlite" else f"-{backend}"
    out = args.out or RESULTS / f"lookup-{args.mix}{suffix}.json"
    dataset = load(store, shape)
    store.close()
    print(f"loaded {dataset.counts} in {dataset.seconds:.1f} s")
    (DATA / "api-key.txt").write_text(dataset.api_key + "\n")
    tags = DATA / "idtags.txt"
    tags.write_text("\n".join(dataset.id_tags) + "\n")

    app_port, ceiling_port = free_port(), free_port()
    app_env = {
        "EVROSTER_DATABASE_URL": url,
        "EVROSTER_ACCESS_LOG": "false",
        "EVROSTER_LOG_LEVEL": "warning",
    }
    app_argv = [sys.executable, "-m", "evroster", "serve", "--port", str(app_port)]
    runs: dict[str, list[dict[str, Any]]] = {"ceiling": [], "evroster": []}
    with serving(app_argv, app_env, app_port, "lookup-evroster") as app:
        app_base = app.base
        # Document sizes over a random sample of the idTags. The ceiling returns a body
        # of the mean size, so both move the same bytes on average (the sizes are
        # bimodal, drivers with and without a floor grant, so a median is unstable).
        sample = random.Random(5).sample(dataset.id_tags, min(2000, len(dataset.id_tags)))
        bodies = []
        with httpx.Client(base_url=app_base, headers={"X-API-Key": dataset.api_key}) as c:
            for tag in sample:
                response = c.get(f"/api/v1/drivers/by-idtag/{tag}")
                assert response.status_code == 200, response.text
                bodies.append(response.content)
        bodies.sort(key=len)
        sizes = [len(b) for b in bodies]
        mean = round(statistics.mean(sizes))
        body_file = DATA / "mean-document.json"
        # The largest real document no longer than the mean, padded with JSON
        # whitespace to exactly the mean size.
        near = max((b for b in bodies if len(b) <= mean), key=len)
        body_file.write_bytes(near + b" " * (mean - len(near)))
        ceiling_env = {"CEILING_KEY": dataset.api_key, "CEILING_BODY": str(body_file)}
        ceiling_argv = uvicorn_argv("bench.ceiling:app", ceiling_port)
        with serving(ceiling_argv, ceiling_env, ceiling_port, "lookup-ceiling") as ceiling:
            ceiling_base = ceiling.base
            for n in range(args.rounds):
                for name, base in (("ceiling", ceiling_base), ("evroster", app_base)):
                    _wrk(base, args.warmup, args.connections, tags, dataset.api_key)
                    result = _wrk(base, args.duration, args.connections, tags, dataset.api_key)
                    runs[name].append(result)
                    print(
                        f"round {n + 1} {name:9s} {result['rps']:9.0f} req/s  "
                        f"p50 {result['p50_ms']:6.2f} ms  p99 {result['p99_ms']:6.2f} ms  "
                        f"non-2xx {result['non_2xx']}"
                    )

    def median(name: str, field: str) -> float:
        return float(statistics.median(r[field] for r in runs[name]))

    ratio = median("evroster", "rps") / median("ceiling", "rps")
    report = {
        "benchmark": f"GET /api/v1/drivers/by-idtag/{{idTag}}, uncached, {backend}",
        "mix": args.mix,
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "dataset": dataset.counts,
        "load_seconds": round(dataset.seconds, 1),
        "document_bytes": {
            "mean": round(mean),
            "median": statistics.median(sizes),
            "p90": sizes[len(sizes) * 9 // 10],
            "max": sizes[-1],
            "ceiling_body": body_file.stat().st_size,
        },
        "settings": {
            "connections": args.connections,
            "duration_s": args.duration,
            "rounds": args.rounds,
            "server": "uvicorn (uvloop, httptools), 1 worker",
            "pinning": "server CPU 0, wrk CPU 1" if pin(0) else "none",
        },
        "runs": runs,
        "ceiling": {
            "rps": median("ceiling", "rps"),
            "p50_ms": median("ceiling", "p50_ms"),
            "p99_ms": median("ceiling", "p99_ms"),
        },
        "evroster": {
            "rps": median("evroster", "rps"),
            "p50_ms": median("evroster", "p50_ms"),
            "p99_ms": median("evroster", "p99_ms"),
        },
        "ratio": round(ratio, 3),
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n")
    print()
    print(f"{'':10s} {'req/s':>9s} {'p50 ms':>8s} {'p99 ms':>8s}")
    for name in ("ceiling", "evroster"):
        r = report[name]
        print(f"{name:10s} {r['rps']:9.0f} {r['p50_ms']:8.2f} {r['p99_ms']:8.2f}")
    print(
        f"ratio evroster / ceiling: {ratio:.3f} (median of {args.rounds} rounds); "
        f"ceiling body {report['document_bytes']['ceiling_body']} bytes (mean document); "
        f"written to {out}"
    )
    if any(r["non_2xx"] for rs in runs.values() for r in rs):
        print("FAILED: some requests were not answered 200")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
