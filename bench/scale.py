"""Issue #6's benchmarks at a million tags: the driver document with a warm cache, with
no cache, under 95 % reads and 5 % writes, p99 against connections, and a worker's
memory with its cache full. Every rate is a ratio to the ceiling measured in the same
run (bench/ceiling.py returning a document of the mean size).

    python -m bench.scale [--duration 15] [--rounds 2] [--reuse] [--postgres URL]

Data (bench/dataset.py, bulk-loaded): ``MILLION``, 500,000 drivers with 1,000,000 tags,
20,125 sites five levels deep, 100,000 chargers; and for the cold comparison the same
shape at a tenth (50,000 drivers, 100,000 tags, 4,025 sites, 20,000 chargers: the same
documents, ten times fewer). ``--reuse`` keeps the databases of a
previous run on the same database (their keys are in bench/data/scale-*.json).

Phases, each against its own ``evroster serve`` (one worker, pinned to CPU 0; wrk on
CPU 1), alternating with the ceiling round by round:

* warm: 64 connections over a hot set of 100,000 idTags (a tenth of all), after one
  pass that fills the cache; then 16, 64 and 256 connections for the p99 plot;
* cold: the cache off (``EVROSTER_CACHE_MB=0``), every idTag of the database, at 1M and
  at 100k tags, after one unmeasured run of the same length; then one run of each at 16
  connections, whose p99 is the requests' own tail rather than the queue behind a stall
  of the machine;
* mixed: the hot set, 95 % document reads and 5 % writes (half renaming a driver, half
  renaming a charger that appears in many documents), through the same server;
* live: the hot set with a warm cache on a server of its own, first alone, then while
  another process (bench/live.py) writes chargers' live fields as an OCPP worker would:
  333 Heartbeats a second in one batch, 100 status changes a second one by one (100,000
  chargers at the default 300 s heartbeat); what the churn costs the cache;
* memory: every idTag of the database for 60 s, the default cache size; resident
  memory of the worker and the cache's own count of its bytes, read at the end;
* costs (only when asked for, ``--phases costs``): no ceiling, but one server with a
  warm cache loaded in turn with reads alone, the mixed load and writes alone, round by
  round, and the server's CPU time per request of each (from /proc, all its threads):
  what a write costs among reads against alone, which the mixed ratio hangs on.

Writes bench/results/scale[-postgresql].json and docs/benchmarks-p99.png. A run of only
some phases writes bench/results/scale-<phases>[-postgresql].json instead (for example
``scale-cold-mixed.json``) and leaves the full run's file and plot as they were: a
partial run used to overwrite them, losing the other phases' figures.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

from bench.common import (
    DATA,
    RESULTS,
    ROOT,
    Served,
    add_postgres_option,
    free_port,
    fresh_database,
    pin,
    serving,
    uvicorn_argv,
    wrk,
)
from bench.dataset import MILLION, Shape, load
from evroster.storage.migrations import upgrade
from evroster.storage.sql.store import SqlStore

DOCS = ROOT.parent / "docs"
# A tenth of everything, one region instead of five: the same documents (5.3 chargers
# a floor, 19 floors a garage), ten times fewer of them.
TENTH = Shape(drivers=50_000, levels=(1, 4, 5, 10, 19), chargers=20_000)
HOT_SET = 50_000
CONNECTIONS = (16, 64, 256)


def _dataset(name: str, shape: Shape, postgres: str | None, reuse: bool) -> dict[str, Any]:
    """Load ``shape`` (or find the last run's) and write the files wrk reads."""
    backend = "postgresql" if postgres else "sqlite"
    # One file per backend, so that --reuse finds each one's database after a run of
    # the other.
    meta = DATA / (f"scale-{name}.json" if backend == "sqlite" else f"scale-{name}-{backend}.json")
    found: dict[str, Any] | None = None
    if reuse and meta.exists():
        found = json.loads(meta.read_text())
        if found is not None and found["backend"] == backend:
            print(f"reusing {name}: {found['counts']}")
        else:
            found = None
    if found is None:
        url = fresh_database(f"scale-{name}", postgres, f"evroster_bench_{name}")
        upgrade(url)
        store = SqlStore(url)
        data = load(store, shape)
        store.close()
        found = {
            "backend": backend,
            "url": url,
            "customer_id": data.customer_id,
            "key": data.api_key,
            "counts": data.counts,
            "load_seconds": round(data.seconds, 1),
        }
        meta.write_text(json.dumps(found, indent=2) + "\n")
        print(f"loaded {name}: {data.counts} in {data.seconds:.1f} s")
    _files(name, found)
    return found


def _files(name: str, data: dict[str, Any]) -> None:
    """Every idTag; a random hot set of them; and for the mixed load each hot idTag with
    its driver and a random charger of the customer."""
    store = SqlStore(data["url"])
    with store.engine.connect() as conn:
        customer = {"c": data["customer_id"]}
        chargers = list(
            conn.execute(
                sa.text("SELECT charger_id FROM chargers WHERE customer_id = :c"), customer
            ).scalars()
        )
        owners: dict[str, int] = dict(
            conn.execute(
                sa.text(
                    "SELECT id_tag_key, driver_id FROM tags WHERE customer_id = :c ORDER BY id"
                ),
                customer,
            ).all()
        )
    store.close()
    rng = random.Random(6)
    every = list(owners)
    (DATA / f"scale-{name}-tags.txt").write_text("\n".join(every) + "\n")
    hot = rng.sample(every, min(HOT_SET, len(every)))
    (DATA / f"scale-{name}-hot.txt").write_text("\n".join(hot) + "\n")
    mixed = [f"{t} {owners[t]} {rng.choice(chargers)}" for t in hot]
    (DATA / f"scale-{name}-mixed.txt").write_text("\n".join(mixed) + "\n")


_wrk = wrk


_CACHE_ENV: dict[str, str] = {}
# The phases of a full run: only such a run writes scale.json and the plot.
_FULL_RUN = ("warm", "cold", "mixed", "live", "memory")


def _server(url: str, port: int, name: str, **env: str) -> Any:
    argv = [sys.executable, "-m", "evroster", "serve", "--port", str(port)]
    settings = {
        "EVROSTER_DATABASE_URL": url,
        "EVROSTER_ACCESS_LOG": "false",
        "EVROSTER_LOG_LEVEL": "info",  # for the cache's statistics at shutdown
        **_CACHE_ENV,
        **env,
    }
    return serving(argv, settings, port, f"scale-{name}")


def _cache_stats(log: Path) -> dict[str, Any] | None:
    found = re.findall(r"document cache at shutdown: (\{.*\})", log.read_text())
    return json.loads(found[-1].replace("'", '"')) if found else None


def _rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    match = re.search(r"VmRSS:\s+(\d+) kB", status)
    assert match
    return int(match.group(1)) / 1024


def _alternate(
    rounds: int, seconds: int, ceiling: str, app: str, script: str, data: Path, key: str
) -> dict[str, Any]:
    runs: dict[str, list[dict[str, Any]]] = {"ceiling": [], "evroster": []}
    for n in range(rounds):
        for name, base in (("ceiling", ceiling), ("evroster", app)):
            _wrk(base, 2, 64, script, data, key)
            result = _wrk(base, seconds, 64, script, data, key)
            runs[name].append(result)
            print(
                f"  round {n + 1} {name:9s} {result['rps']:9.0f} req/s  p50 "
                f"{result['p50_ms']:6.2f} ms  p99 {result['p99_ms']:6.2f} ms  "
                f"non-2xx {result['non_2xx']}"
            )
    median = {
        name: {f: statistics.median(r[f] for r in rs) for f in ("rps", "p50_ms", "p99_ms")}
        for name, rs in runs.items()
    }
    # Each evroster round against the ceiling round just before it (12-17 s apart): on a
    # shared machine whose speed drifts by a third within minutes, the spread of these
    # says how far one ratio can be trusted.
    paired = [
        round(e["rps"] / c["rps"], 3)
        for c, e in zip(runs["ceiling"], runs["evroster"], strict=True)
    ]
    return {
        "runs": runs,
        **median,
        "ratio": round(median["evroster"]["rps"] / median["ceiling"]["rps"], 3),
        "paired_ratios": paired,
        "non_2xx": sum(r["non_2xx"] for rs in runs.values() for r in rs),
    }


def _fill(base: str, tags: Path, key: str) -> None:
    """Every idTag of the file once, in order (at a few thousand a second when cold)."""
    count = len(tags.read_text().split())
    started = time.monotonic()
    done = 0
    while done < count:  # wrk runs for a time, not a count: go on where it stopped
        result = _wrk(base, 10, 64, "idtags.lua", tags, key, "seq", str(done))
        done += result["requests"]
    print(f"  filled in {time.monotonic() - started:.0f} s")


def _mean_document(base: str, key: str, tags: Path) -> Path:
    sample = random.Random(5).sample(tags.read_text().split(), 2000)
    with httpx.Client(base_url=base, headers={"X-API-Key": key}) as client:
        bodies = [client.get(f"/api/v1/drivers/by-idtag/{t}").content for t in sample]
    mean = round(statistics.mean(len(b) for b in bodies))
    near = max((b for b in bodies if len(b) <= mean), key=len)
    body = DATA / "scale-mean-document.json"
    body.write_bytes(near + b" " * (mean - len(near)))
    return body


def _plot(sweep: dict[str, list[dict[str, Any]]], out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 3.6), dpi=120)
    for name, style in (("ceiling", "o--"), ("evroster", "s-")):
        points = sweep[name]
        ax.plot([p["connections"] for p in points], [p["p99_ms"] for p in points], style,
                label=name if name == "ceiling" else "evroster, warm cache")  # fmt: skip
    ax.set_xscale("log", base=2)
    ax.set_xticks(list(CONNECTIONS), [str(c) for c in CONNECTIONS])
    ax.set_xlabel("connections (wrk, one thread)")
    ax.set_ylabel("p99 latency (ms)")
    ax.set_title("Driver document by idTag, 1,000,000 tags, one worker")
    ax.grid(True, alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=15, help="seconds per measured run")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--reuse", action="store_true", help="keep the last run's databases")
    parser.add_argument(
        "--cache-mb", help="EVROSTER_CACHE_MB of the cached servers (default: the default)"
    )
    parser.add_argument(
        "--phases",
        default=",".join(_FULL_RUN),
        help="which phases to run (comma-separated); the report holds those only",
    )
    add_postgres_option(parser)
    args = parser.parse_args(argv)
    if not shutil.which("wrk"):
        sys.exit("wrk is missing: `make bench` installs it (apt-get install wrk)")
    DATA.mkdir(exist_ok=True)
    if args.cache_mb:
        _CACHE_ENV["EVROSTER_CACHE_MB"] = args.cache_mb
    million = _dataset("1m", MILLION, args.postgres, args.reuse)
    tenth = _dataset("100k", TENTH, args.postgres, args.reuse)
    key = million["key"]
    every = DATA / "scale-1m-tags.txt"
    report: dict[str, Any] = {
        "benchmark": "driver document by idTag at 1,000,000 tags",
        "backend": million["backend"],
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "dataset": million["counts"],
        "load_seconds": million["load_seconds"],
        "dataset_100k": tenth["counts"],
        "load_seconds_100k": tenth["load_seconds"],
        "settings": {
            "duration_s": args.duration,
            "rounds": args.rounds,
            "hot_set": HOT_SET,
            "server": "evroster serve: uvicorn (uvloop, httptools), 1 worker",
            "pinning": "server CPU 0, wrk CPU 1" if pin(0) else "none",
        },
    }
    ceiling_port = free_port()
    with _server(million["url"], free_port(), "warm") as app:
        body = _mean_document(app.base, key, every)
        report["ceiling_body_bytes"] = body.stat().st_size
        ceiling_env = {"CEILING_KEY": f"{key},{tenth['key']}", "CEILING_BODY": str(body)}
        argv = uvicorn_argv("bench.ceiling:app", ceiling_port)
        with serving(argv, ceiling_env, ceiling_port, "scale-ceiling") as ceiling:
            report.update(_run_phases(args, million, tenth, app, ceiling.base))
    if "warm" in report:
        report["warm"]["cache"] = _cache_stats(app.log)
    suffix = "" if million["backend"] == "sqlite" else "-postgresql"
    phases = args.phases.split(",")
    full = set(phases) >= set(_FULL_RUN)
    out = RESULTS / (f"scale{suffix}.json" if full else f"scale-{'-'.join(phases)}{suffix}.json")
    costs = report.pop("costs", None)
    if costs:  # a diagnosis, not one of the figures: a file of its own
        costs_out = RESULTS / f"scale-costs{suffix}.json"
        costs_out.write_text(json.dumps({**report, "costs": costs}, indent=2) + "\n")
        print(f"costs written to {costs_out}")
    if set(phases) != {"costs"}:
        out.write_text(json.dumps(report, indent=2) + "\n")
        print(f"written to {out}")
    if full and million["backend"] == "sqlite" and "p99_by_connections" in report:
        _plot(report["p99_by_connections"], DOCS / "benchmarks-p99.png")
    _summary(report, costs)
    bad = sum(
        report[p]["non_2xx"] for p in ("warm", "cold_1m", "cold_100k", "mixed") if p in report
    ) + (costs["non_2xx"] if costs else 0)
    if "live" in report:
        bad += report["live"]["quiet"]["non_2xx"] + report["live"]["live"]["non_2xx"]
    return 1 if bad else 0


def _run_phases(
    args: argparse.Namespace,
    million: dict[str, Any],
    tenth: dict[str, Any],
    app: Served,
    ceiling: str,
) -> dict[str, Any]:
    key = million["key"]
    found: dict[str, Any] = {}
    phases = set(args.phases.split(","))
    if "warm" in phases:
        found.update(_warm(args, key, app, ceiling))
    if "cold" in phases:
        found.update(_cold(args, million, tenth, ceiling))
    if "mixed" in phases:
        found.update(_mixed(args, million, ceiling))
    if "live" in phases:
        found.update(_live(args, million, ceiling))
    if "memory" in phases:
        found.update(_memory(million))
    if "costs" in phases:
        found.update(_costs(args, million))
    return found


def _warm(args: argparse.Namespace, key: str, app: Served, ceiling: str) -> dict[str, Any]:
    seconds, rounds = args.duration, args.rounds
    hot = DATA / "scale-1m-hot.txt"
    found: dict[str, Any] = {}
    print("warm: filling the cache with one pass over the hot set")
    _fill(app.base, hot, key)
    print("warm: 64 connections, hot set")
    found["warm"] = _alternate(rounds, seconds, ceiling, app.base, "idtags.lua", hot, key)
    sweep: dict[str, list[dict[str, Any]]] = {"ceiling": [], "evroster": []}
    for connections in CONNECTIONS:
        for name, base in (("ceiling", ceiling), ("evroster", app.base)):
            sweep[name].append(
                _wrk(base, max(5, seconds // 2), connections, "idtags.lua", hot, key)
            )
        print(
            f"  {connections:3d} connections: p99 ceiling {sweep['ceiling'][-1]['p99_ms']:.2f} ms,"
            f" evroster {sweep['evroster'][-1]['p99_ms']:.2f} ms"
        )
    found["p99_by_connections"] = sweep
    return found


def _cold(
    args: argparse.Namespace, million: dict[str, Any], tenth: dict[str, Any], ceiling: str
) -> dict[str, Any]:
    seconds, rounds = args.duration, args.rounds
    every = DATA / "scale-1m-tags.txt"
    found: dict[str, Any] = {}
    for name, data, tags in (("cold_1m", million, every), ("cold_100k", tenth, None)):
        tags = tags or DATA / "scale-100k-tags.txt"
        print(f"{name}: cache off, every idTag")
        with _server(data["url"], free_port(), name, EVROSTER_CACHE_MB="0") as cold:
            # A new process maps the database file as it reads it: at 1M the first 10 s
            # took about 5,800 page faults (some reading the disk, where the kernel had
            # dropped the idle file's pages) against about 1,000 at 100k. Measured
            # after one pass, what is compared is the uncached path, not a fresh start.
            _wrk(cold.base, seconds, 64, "idtags.lua", tags, data["key"])
            found[name] = _alternate(
                rounds, seconds, ceiling, cold.base, "idtags.lua", tags, data["key"]
            )
            # At 64 connections the p99 of a 4,000 req/s server is its queue behind any
            # stall of the machine (gaps of ~70 ms were seen at either size): 16
            # connections show the requests' own tail beside it.
            found[name]["at_16_connections"] = _wrk(
                cold.base, seconds, 16, "idtags.lua", tags, data["key"]
            )
    found["cold_p99_ratio_1m_to_100k"] = round(
        found["cold_1m"]["evroster"]["p99_ms"] / found["cold_100k"]["evroster"]["p99_ms"], 2
    )
    found["cold_p99_ratio_1m_to_100k_at_16"] = round(
        found["cold_1m"]["at_16_connections"]["p99_ms"]
        / found["cold_100k"]["at_16_connections"]["p99_ms"],
        2,
    )
    return found


def _mixed(args: argparse.Namespace, million: dict[str, Any], ceiling: str) -> dict[str, Any]:
    seconds, rounds, key = args.duration, args.rounds, million["key"]
    hot = DATA / "scale-1m-hot.txt"
    found: dict[str, Any] = {}
    print("mixed: 95 % reads, 5 % writes, hot set")
    mixed_data = DATA / "scale-1m-mixed.txt"
    with _server(million["url"], free_port(), "mixed") as mixed:
        _fill(mixed.base, hot, key)
        found["mixed"] = _alternate(
            rounds, seconds, ceiling, mixed.base, "mixed.lua", mixed_data, key
        )
    found["mixed"]["cache"] = _cache_stats(mixed.log)
    return found


def _live(args: argparse.Namespace, million: dict[str, Any], ceiling: str) -> dict[str, Any]:
    """Warm reads of the hot set, first alone, then while another process writes the
    chargers' live fields (bench/live.py): what the churn of lastSeen and statuses costs
    the cache, on the same server. The writer is another worker on the SQLite file, or
    another replica on the PostgreSQL database."""
    seconds, rounds, key = args.duration, args.rounds, million["key"]
    hot = DATA / "scale-1m-hot.txt"
    found: dict[str, Any] = {}
    print("live: warm reads of the hot set, alone, then beside live-field writes")
    with _server(million["url"], free_port(), "live") as app:
        _fill(app.base, hot, key)
        quiet = _alternate(rounds, seconds, ceiling, app.base, "idtags.lua", hot, key)
        argv = [sys.executable, "-m", "bench.live", million["url"], str(million["customer_id"])]
        writer = subprocess.Popen(
            [*pin(1), *argv], cwd=ROOT.parent, stdout=subprocess.PIPE, text=True
        )
        try:
            live = _alternate(rounds, seconds, ceiling, app.base, "idtags.lua", hot, key)
        finally:
            writer.send_signal(signal.SIGTERM)
            try:
                out, _ = writer.communicate(timeout=30)
            except subprocess.TimeoutExpired:
                writer.kill()
                raise
    if writer.returncode != 0 or not out.strip():
        sys.exit(f"live: the writer failed (exit {writer.returncode}); its error is above")
    written = json.loads(out.strip().splitlines()[-1])
    print(f"  written: {written}")
    found["live"] = {
        "quiet": quiet,
        "live": live,
        "ratio_quiet": quiet["ratio"],
        "ratio_live": live["ratio"],
        "live_over_quiet": round(live["evroster"]["rps"] / quiet["evroster"]["rps"], 3),
        "written": written,
        # The whole phase: the fill's misses (one per document of the hot set), then the
        # quiet rounds' hits; what was spliced or read again came from the live writes.
        "cache": _cache_stats(app.log),
    }
    return found


# (driver renames, charger renames) per 1,000 requests of mixed.lua
_LOADS = {"reads": ("0", "0"), "mixed": ("25", "25"), "writes": ("500", "500")}


def _cpu_seconds(pid: int) -> float:
    """User and system time of the process and all its threads so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _costs(args: argparse.Namespace, million: dict[str, Any]) -> dict[str, Any]:
    seconds, rounds, key = args.duration, args.rounds, million["key"]
    hot, data = DATA / "scale-1m-hot.txt", DATA / "scale-1m-mixed.txt"
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in _LOADS}
    print("costs: server CPU per request, reads alone, mixed, writes alone")
    with _server(million["url"], free_port(), "costs") as served:
        _fill(served.base, hot, key)
        for n in range(rounds):
            for name, mix in _LOADS.items():
                _wrk(served.base, 2, 64, "mixed.lua", data, key, *mix)
                before = _cpu_seconds(served.pid)
                result = _wrk(served.base, seconds, 64, "mixed.lua", data, key, *mix)
                result["cpu_us_per_request"] = round(
                    (_cpu_seconds(served.pid) - before) / result["requests"] * 1e6, 1
                )
                runs[name].append(result)
                print(
                    f"  round {n + 1} {name:6s} {result['rps']:8.0f} req/s "
                    f"{result['cpu_us_per_request']:7.1f} us CPU/request  "
                    f"p99 {result['p99_ms']:7.2f} ms  non-2xx {result['non_2xx']}"
                )
    # A round's three loads are under a minute apart: the machine's drift between them
    # is smaller than between rounds, so each round gives its own write cost.
    writes = sum(int(share) for share in _LOADS["mixed"]) / 1000
    in_mix = [
        round((m["cpu_us_per_request"] - (1 - writes) * r["cpu_us_per_request"]) / writes)
        for r, m in zip(runs["reads"], runs["mixed"], strict=True)
    ]
    return {
        "costs": {
            "runs": runs,
            "write_us_in_mix": in_mix,
            "write_us_alone": [round(w["cpu_us_per_request"]) for w in runs["writes"]],
            "non_2xx": sum(r["non_2xx"] for rs in runs.values() for r in rs),
        }
    }


def _memory(million: dict[str, Any]) -> dict[str, Any]:
    key, every = million["key"], DATA / "scale-1m-tags.txt"
    found: dict[str, Any] = {}
    print("memory: every idTag for 60 s at the default cache size")
    with _server(million["url"], free_port(), "memory") as filling:
        rss_before = _rss_mb(filling.pid)
        churn = _wrk(filling.base, 60, 64, "idtags.lua", every, key)
        rss_after = _rss_mb(filling.pid)
    found["memory"] = {
        "rss_mb_at_start": round(rss_before, 1),
        "rss_mb_cache_full": round(rss_after, 1),
        "every_idtag_60s": churn,
        "cache": _cache_stats(filling.log),
    }
    return found


def _summary(report: dict[str, Any], costs: dict[str, Any] | None) -> None:
    print()
    for phase in ("warm", "cold_1m", "cold_100k", "mixed"):
        if phase not in report:
            continue
        r = report[phase]
        print(
            f"{phase:10s} ratio {r['ratio']:.3f}  evroster {r['evroster']['rps']:8.0f} req/s "
            f"p99 {r['evroster']['p99_ms']:6.2f} ms | ceiling {r['ceiling']['rps']:8.0f} req/s"
            f" | per round {r['paired_ratios']}"
        )
    if "cold_1m" in report:
        print(
            f"cold p99 at 1M / at 100k: {report['cold_p99_ratio_1m_to_100k']} at 64"
            f" connections, {report['cold_p99_ratio_1m_to_100k_at_16']} at 16"
        )
    if "live" in report:
        live = report["live"]
        print(
            f"live       ratio {live['ratio_live']:.3f} beside live writes,"
            f" {live['ratio_quiet']:.3f} alone on the same server:"
            f" {live['live_over_quiet']} of its rate alone"
            f" | per round {live['live']['paired_ratios']} | cache {live['cache']}"
        )
    if "memory" in report:
        print(f"memory: {report['memory']}")
    if costs:
        print(f"costs: a write's CPU in the mix {costs['write_us_in_mix']} us, alone "
              f"{costs['write_us_alone']} us")  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
