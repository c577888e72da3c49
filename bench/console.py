"""Server time of each admin console page with 100,000 drivers.

    python -m bench.console [--samples 40] [--reuse] [--postgres URL]

Loads issue #3's benchmark operator (100,000 drivers, ~200,000 tags, 2,100 sites,
20,000 chargers) into a fresh database, serves it with ``evroster serve`` pinned to
CPU 0 (one worker, as in production), signs in to the console and asks for each page
``--samples`` times, one request at a time, with random drivers, tags, sites and
chargers. Each page reports its own time in a ``Server-Timing`` header; the figures
are the median, p95 and worst of those. In the same run it asks the JSON driver
document (``GET /api/v1/drivers/{id}``) of the same drivers, the baseline each page's
median is divided by. Writes ``bench/results/console.json``.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import sys
from collections.abc import Callable
from typing import Any

import httpx

from bench.common import DATA, RESULTS, add_postgres_option, free_port, fresh_database, serving
from bench.dataset import Shape, load
from evroster.storage.migrations import upgrade
from evroster.storage.sql.store import SqlStore

_TIMING = re.compile(r"dur=([\d.]+)")
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def _dataset(args: argparse.Namespace) -> dict[str, Any]:
    meta = DATA / "console.json"
    if args.reuse and meta.exists() and not args.postgres:
        found: dict[str, Any] = json.loads(meta.read_text())
        return found
    url = fresh_database("console", args.postgres)
    upgrade(url)
    store = SqlStore(url)
    dataset = load(store, Shape())
    store.close()
    print(f"loaded {dataset.counts} in {dataset.seconds:.1f} s")
    found = {"url": url, "key": dataset.api_key, "id_tags": dataset.id_tags}
    found["counts"] = dataset.counts
    if not args.postgres:
        meta.write_text(json.dumps(found))
    return found


def _server_ms(response: httpx.Response) -> float:
    assert response.status_code == 200, (response.request.url, response.status_code)
    found = _TIMING.search(response.headers.get("server-timing", ""))
    assert found, response.request.url
    return float(found.group(1))


def _figures(times: list[float]) -> dict[str, float]:
    ordered = sorted(times)
    return {
        "median_ms": round(statistics.median(ordered), 2),
        "p95_ms": round(ordered[int(len(ordered) * 0.95) - 1], 2),
        "max_ms": round(ordered[-1], 2),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--samples", type=int, default=40)
    parser.add_argument("--reuse", action="store_true", help="reuse bench/data/console.db")
    add_postgres_option(parser)
    args = parser.parse_args(argv)
    data = _dataset(args)
    rng = random.Random(8)
    port = free_port()
    argv_ = [sys.executable, "-m", "evroster", "serve", "--port", str(port)]
    env = {"EVROSTER_DATABASE_URL": data["url"], "EVROSTER_ACCESS_LOG": "false"}
    with (
        serving(argv_, env, port, "console") as served,
        httpx.Client(base_url=served.base, timeout=60) as http,
    ):
        key = data["key"]
        api = {"X-API-Key": key}
        page = http.get("/admin/sign-in")
        csrf = _CSRF.search(page.text)
        assert csrf
        http.post("/admin/sign-in", data={"csrf": csrf.group(1), "key": key})

        def some(path: str, **params: Any) -> list[Any]:
            body = http.get(path, params={"limit": 100, **params}, headers=api).json()
            return list(body["items"])

        drivers = [d["id"] for d in some("/api/v1/drivers", page=rng.randint(1, 900))]
        sites = [s["id"] for s in some("/api/v1/sites", page=rng.randint(1, 20))]
        chargers = [c["chargerId"] for c in some("/api/v1/chargers", page=rng.randint(1, 190))]
        tags = rng.sample(data["id_tags"], args.samples)
        fragment = {"HX-Request": "true"}
        pages: dict[str, Callable[[int], httpx.Response]] = {
            "search by idTag (as you type)": lambda n: http.get(
                "/admin/search", params={"q": tags[n].lower()}, headers=fragment
            ),
            "search by name (as you type)": lambda n: http.get(
                "/admin/search", params={"q": f"Driver {rng.randint(1, 9999)}"}, headers=fragment
            ),
            "driver page": lambda n: http.get(f"/admin/drivers/{rng.choice(drivers)}"),
            "why refused?": lambda n: http.get(
                "/admin/why", params={"charger": rng.choice(chargers), "idTag": tags[n]}
            ),
            "sites, first page": lambda n: http.get("/admin/sites"),
            "sites, a later page": lambda n: http.get(
                "/admin/sites", params={"page": rng.randint(2, 4)}
            ),
            "site page": lambda n: http.get(f"/admin/sites/{rng.choice(sites)}"),
            "audit trail": lambda n: http.get("/admin/audit"),
            "import form": lambda n: http.get("/admin/import"),
            "charger picker": lambda n: http.get(
                "/admin/pick/chargers", params={"charger": f"{rng.randint(0, 99)}"}
            ),
            "site picker": lambda n: http.get(
                "/admin/pick/sites", params={"site": f"Level {rng.randint(1, 19)}"}
            ),
        }
        baseline: list[float] = []
        found: dict[str, Any] = {}
        for _ in range(args.samples):  # the baseline: the same server, the JSON document
            started = http.get(f"/api/v1/drivers/{rng.choice(drivers)}", headers=api)
            baseline.append(started.elapsed.total_seconds() * 1000)
        for name, ask in pages.items():
            times = [_server_ms(ask(n)) for n in range(args.samples)]
            found[name] = _figures(times)
        base = _figures(baseline)
        for name, figures in found.items():
            figures["ratio_to_baseline"] = round(figures["median_ms"] / base["median_ms"], 1)
            print(
                f"{name:32s} median {figures['median_ms']:7.1f} ms  p95 {figures['p95_ms']:7.1f}"
                f" ms  max {figures['max_ms']:7.1f} ms  ({figures['ratio_to_baseline']}x)"
            )
    slowest = max(found, key=lambda k: found[k]["p95_ms"])
    print(f"baseline (JSON driver document, client-side) median {base['median_ms']} ms")
    print(f"slowest page by p95: {slowest} ({found[slowest]['p95_ms']} ms)")
    backend = "postgresql" if args.postgres else "sqlite"
    out = RESULTS / ("console.json" if backend == "sqlite" else f"console-{backend}.json")
    report = {
        "backend": backend,
        "dataset": data["counts"],
        "samples": args.samples,
        "baseline_json_document": base,
        "pages": found,
        "slowest_by_p95": slowest,
    }
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"written to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
