"""Soak: mixed REST reads and writes plus OCPP chargers against one server, for minutes.

    python -m bench.soak [--minutes 10] [--chargers 500] [--postgres SERVER_URL]

Serves a fresh database (the demo-sized operator of ``bench/dataset.py``, 5,000
drivers) with ``evroster serve`` and runs, all at once: REST readers (driver document
by idTag, drivers of a site, the audit trail), REST writers (create a driver, add a
tag, block it, delete the driver), and ``--chargers`` OCPP 1.6 chargers that connect,
boot, and then send Heartbeat, StatusNotification and Authorize in turn. Every
response that is not what was asked for counts as an error (the run must end with 0).
Before the clock starts, every idTag is read once as a document and authorized once
at a charger, so that the document cache starts full: it is bounded by a setting, and
its filling up is not growth that a soak is looking for (unwarmed, it filled for the
whole ten minutes and the heap grew 17-24 %). Every 30 s it samples p99 latency per
kind and the server's resident memory; the growth of its heap (anonymous resident
memory) from the first sample after warm-up to the last must stay under 10 %. The
cache's own count of its bytes at the end is reported with it. Total resident memory
is reported too: it also counts the pages of the memory-mapped SQLite file, which
grows with the writes.

Prints and writes to bench/results/soak[-postgresql].json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import re
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa
from websockets.asyncio.client import connect
from websockets.typing import Subprotocol

from bench.common import RESULTS, add_postgres_option, free_port, fresh_database, serving
from bench.dataset import Shape, load
from evroster.storage.migrations import upgrade
from evroster.storage.sql import tables as t
from evroster.storage.sql.store import SqlStore

_SAMPLE_S = 30


def _memory_kb(pid: int) -> dict[str, int]:
    """Resident memory: all of it, the heap's (anonymous) and mapped files'.

    SQLite's database file is memory-mapped for reads (storage/sql/documents.py), so
    resident file pages grow as the soak's writes grow the file; a leak shows in the
    anonymous part.
    """
    wanted = {"VmRSS:": "rss_kb", "RssAnon:": "rss_anon_kb", "RssFile:": "rss_file_kb"}
    found = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name = line.split(maxsplit=1)[0] if line else ""
        if name in wanted:
            found[wanted[name]] = int(line.split()[1])
    return found


class Soak:
    def __init__(
        self,
        base: str,
        key: str,
        customer: int,
        tags: list[str],
        chargers: list[str],
        site: int,
    ) -> None:
        self.site = site
        self.base = base
        self.key = key
        self.customer = customer
        self.tags = tags
        self.chargers = chargers
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.errors: list[str] = []
        self.counts: dict[str, int] = defaultdict(int)
        self.stop = False

    def _ok(self, kind: str, started: float, good: bool, detail: str) -> None:
        self.latencies[kind].append(time.perf_counter() - started)
        self.counts[kind] += 1
        if not good:
            self.errors.append(f"{kind}: {detail}"[:300])

    async def reader(self, client: httpx.AsyncClient, rng: random.Random) -> None:
        headers = {"X-API-Key": self.key}
        while not self.stop:
            kind = rng.choice(["document", "document", "document", "site-drivers", "audit"])
            path = {
                "document": f"/api/v1/drivers/by-idtag/{rng.choice(self.tags)}",
                "site-drivers": "/api/v1/sites/drivers",
                "audit": "/api/v1/audit?limit=20",
            }[kind]
            started = time.perf_counter()
            if kind == "site-drivers":
                r = await client.post(path, json={"groupIds": [self.site]}, headers=headers)
                good = r.status_code == 200
            else:
                r = await client.get(path, headers=headers)
                good = r.status_code == 200
            self._ok(kind, started, good, f"{r.status_code} {r.text[:100]}")

    async def writer(self, client: httpx.AsyncClient, n: int) -> None:
        headers = {"X-API-Key": self.key}
        i = 0
        while not self.stop:
            i += 1
            started = time.perf_counter()
            r = await client.post(
                "/api/v1/drivers", json={"name": f"soak {n}.{i}"}, headers=headers
            )
            if r.status_code != 201:
                self._ok("write", started, False, f"create {r.status_code} {r.text[:100]}")
                continue
            driver = r.json()["id"]
            tag = await client.post(
                f"/api/v1/drivers/{driver}/tags",
                json={"idTag": f"SOAK{n:02d}{i:08d}"},
                headers=headers,
            )
            block = await client.patch(
                f"/api/v1/tags/{tag.json().get('id', 0)}", json={"blocked": True}, headers=headers
            )
            gone = await client.delete(f"/api/v1/drivers/{driver}", headers=headers)
            good = (tag.status_code, block.status_code, gone.status_code) == (201, 200, 204)
            self._ok(
                "write", started, good, f"{tag.status_code} {block.status_code} {gone.status_code}"
            )
            await asyncio.sleep(0.05)

    async def charger(self, charger_id: str, rng: random.Random) -> None:
        url = self.base.replace("http", "ws") + f"/ocpp/{self.customer}/{charger_id}"
        await asyncio.sleep(rng.random() * 5)
        async with connect(url, subprotocols=[Subprotocol("ocpp1.6")], open_timeout=30) as ws:
            n = 0

            async def call(action: str, payload: dict[str, Any]) -> Any:
                nonlocal n
                n += 1
                started = time.perf_counter()
                await ws.send(json.dumps([2, str(n), action, payload]))
                reply = json.loads(await asyncio.wait_for(ws.recv(), 30))
                good = reply[0] == 3 and reply[1] == str(n)
                self._ok(f"ocpp-{action}", started, good, str(reply)[:150])
                return reply

            await call("BootNotification", {"chargePointVendor": "Soak", "chargePointModel": "S"})
            while not self.stop:
                await asyncio.sleep(2 + rng.random())
                step = rng.choice(["Heartbeat", "StatusNotification", "Authorize"])
                payload: dict[str, Any] = {}
                if step == "StatusNotification":
                    status = rng.choice(["Available", "Charging"])
                    payload = {"connectorId": 1, "errorCode": "NoError", "status": status}
                elif step == "Authorize":
                    payload = {"idTag": rng.choice(self.tags)}
                await call(step, payload)


def _p99(values: list[float]) -> float:
    return round(statistics.quantiles(values, n=100)[98] * 1000, 1) if len(values) > 1 else 0.0


async def _warm(soak: Soak, client: httpx.AsyncClient) -> None:
    """Every idTag's document, and its authorization at one of the chargers, once."""
    headers = {"X-API-Key": soak.key}
    queue = list(enumerate(soak.tags))

    async def worker() -> None:
        while queue:
            n, tag = queue.pop()
            charger = soak.chargers[n % len(soak.chargers)]
            for path in (
                f"/api/v1/drivers/by-idtag/{tag}",
                f"/api/v1/chargers/{charger}/authorize/{tag}",
            ):
                r = await client.get(path, headers=headers)
                if r.status_code != 200:
                    soak.errors.append(f"warm {path}: {r.status_code} {r.text[:100]}")

    started = time.monotonic()
    await asyncio.gather(*(worker() for _ in range(16)))
    print(f"warmed {len(soak.tags)} idTags in {time.monotonic() - started:.0f} s", flush=True)


async def _run(soak: Soak, pid: int, minutes: float) -> list[dict[str, Any]]:
    samples: list[dict[str, Any]] = []
    rng = random.Random(7)
    limits = httpx.Limits(max_connections=16)
    async with httpx.AsyncClient(base_url=soak.base, timeout=30, limits=limits) as client:
        await _warm(soak, client)
        tasks = [asyncio.create_task(soak.reader(client, random.Random(n))) for n in range(4)]
        tasks += [asyncio.create_task(soak.writer(client, n)) for n in range(2)]
        tasks += [
            asyncio.create_task(soak.charger(c, random.Random(rng.random()))) for c in soak.chargers
        ]
        started = time.monotonic()
        while time.monotonic() - started < minutes * 60:
            await asyncio.sleep(_SAMPLE_S)
            window = {k: list(v) for k, v in soak.latencies.items()}
            soak.latencies.clear()
            samples.append(
                {
                    "at_s": round(time.monotonic() - started),
                    **_memory_kb(pid),
                    "errors": len(soak.errors),
                    "p99_ms": {k: _p99(v) for k, v in sorted(window.items())},
                    "requests": {k: len(v) for k, v in sorted(window.items())},
                }
            )
            print(json.dumps(samples[-1]), flush=True)
            for task in tasks:
                if task.done() and task.exception() is not None:
                    soak.errors.append(f"task failed: {task.exception()!r}"[:300])
                    tasks.remove(task)
        soak.stop = True
        await asyncio.gather(*tasks, return_exceptions=True)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--chargers", type=int, default=500)
    add_postgres_option(parser)
    args = parser.parse_args()
    url = fresh_database("soak", args.postgres)
    upgrade(url)
    store = SqlStore(url)
    data = load(store, Shape(drivers=5_000, chargers=max(args.chargers, 1_000), levels=(4, 5, 19)))
    with store.engine.connect() as conn:
        site = conn.execute(
            sa.select(sa.func.min(t.sites.c.id)).where(t.sites.c.customer_id == data.customer_id)
        ).scalar_one()
        chargers = list(
            conn.execute(
                sa.select(t.chargers.c.charger_id)
                .where(t.chargers.c.customer_id == data.customer_id)
                .order_by(t.chargers.c.id)
                .limit(args.chargers)
            ).scalars()
        )
    store.close()
    port = free_port()
    argv = [sys.executable, "-m", "evroster", "serve", "--port", str(port)]
    env = {
        "EVROSTER_DATABASE_URL": url,
        "EVROSTER_ACCESS_LOG": "false",
        "EVROSTER_LOG_LEVEL": "info",  # for the cache's statistics at shutdown
    }
    with serving(argv, env, port, "soak") as served:
        soak = Soak(served.base, data.api_key, data.customer_id, data.id_tags, chargers, site)
        samples = asyncio.run(_run(soak, served.pid, args.minutes))
    cache = re.findall(r"document cache at shutdown: (\{.*\})", served.log.read_text())
    warm = samples[1] if len(samples) > 1 else samples[0]
    last = samples[-1]
    result = {
        "database": "postgresql" if args.postgres else "sqlite",
        "minutes": args.minutes,
        "chargers": len(chargers),
        "requests": dict(soak.counts),
        "errors": len(soak.errors),
        "first_errors": soak.errors[:20],
        "rss_kb_after_warmup": warm["rss_kb"],
        "rss_kb_end": last["rss_kb"],
        "rss_growth": round(last["rss_kb"] / warm["rss_kb"] - 1, 4),
        "rss_anon_kb_after_warmup": warm["rss_anon_kb"],
        "rss_anon_kb_end": last["rss_anon_kb"],
        "rss_anon_growth": round(last["rss_anon_kb"] / warm["rss_anon_kb"] - 1, 4),
        "cache_at_end": json.loads(cache[-1].replace("'", '"')) if cache else None,
        "samples": samples,
    }
    RESULTS.mkdir(exist_ok=True)
    suffix = "-postgresql" if args.postgres else ""
    Path(RESULTS / f"soak{suffix}.json").write_text(json.dumps(result, indent=2) + "\n")
    summary = {k: v for k, v in result.items() if k != "samples"}
    print(json.dumps(summary, indent=2))
    if result["errors"] or result["rss_anon_growth"] >= 0.10:
        raise SystemExit("soak failed: errors, or the heap grew by 10 % or more")


if __name__ == "__main__":
    main()
