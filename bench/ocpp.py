"""Benchmark of OCPP 1.6 Authorize: 1,000 chargers on real WebSockets, against a ceiling.

    python -m bench.ocpp [--chargers 1000] [--drivers 20000] [--interval 2] [--rounds 1]

Loads a fresh SQLite file (by default 20,000 drivers, ~40,000 tags, 4,000 chargers),
serves it with ``evroster serve`` pinned to CPU 0, and runs the fleet
(``bench/ocpp_load.py``) pinned to CPU 1: all chargers connect at once and boot,
then a paced phase (an Authorize per charger every ``--interval`` seconds, a
Heartbeat every fifth time) and a saturated phase (Authorize back to back). Half of
the idTags presented are granted at that charger, half are any tag of the customer.
In the same run the same fleet drives the ceiling (``bench/ocpp_ceiling.py``), a raw
ASGI WebSocket app that answers every call with a fixed result.

Prints and writes to bench/results/ocpp-authorize.json: chargers that failed to
connect, Authorize p50/p99 and the server's CPU share per phase, and the ratios to
the ceiling.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bench.common import (
    DATA,
    RESULTS,
    add_postgres_option,
    free_port,
    fresh_database,
    pin,
    serving,
    uvicorn_argv,
)
from bench.dataset import Shape, load
from evroster.storage.migrations import upgrade
from evroster.storage.sql.store import SqlStore


def _fleet(prefix: str, pid: int, args: argparse.Namespace) -> dict[str, Any]:
    done = subprocess.run(
        [
            *pin(1),
            sys.executable,
            "-m",
            "bench.ocpp_load",
            prefix,
            str(DATA / "ocpp-chargers.txt"),
            str(DATA / "ocpp-idtags.txt"),
            "--server-pid",
            str(pid),
            "--chargers-count",
            str(args.chargers),
            "--interval",
            str(args.interval),
            "--duration",
            str(args.duration),
            "--saturate",
            str(args.saturate),
            *(["--storm"] if args.storm else []),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(done.stderr)
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def _errors(log: Path) -> int:
    return sum(1 for line in log.read_text().splitlines() if "ERROR" in line or "Traceback" in line)


def _line(name: str, r: dict[str, Any]) -> str:
    paced, sat = r["paced"], r["saturated"]
    storm = r.get("storm")
    tail = (
        f" | storm {storm['reconnected_and_authorized']}/{storm['chargers']} in"
        f" {storm['seconds']:.1f} s, {storm['failures']} failures"
        if storm
        else ""
    )
    return (
        f"{name:9s} connected {r['connected']}/{r['chargers']} in "
        f"{r['connect_and_boot_seconds']:5.1f} s | paced {paced['per_second']:7.0f}/s "
        f"p50 {paced['p50_ms']:6.2f} p99 {paced['p99_ms']:7.2f} ms "
        f"cpu {paced['server_cpu_share']:.2f} | saturated {sat['per_second']:7.0f}/s "
        f"p50 {sat['p50_ms']:7.2f} p99 {sat['p99_ms']:7.2f} ms{tail}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chargers", type=int, default=1000)
    parser.add_argument("--drivers", type=int, default=20_000)
    parser.add_argument("--interval", type=float, default=2.0, help="seconds between Authorize")
    parser.add_argument("--duration", type=float, default=20.0, help="paced phase, seconds")
    parser.add_argument("--saturate", type=float, default=10.0, help="saturated phase, seconds")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument(
        "--storm", action="store_true", help="end each run with a reconnect storm of the fleet"
    )
    add_postgres_option(parser)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)

    url = fresh_database("ocpp", args.postgres)
    backend = "postgresql" if args.postgres else "sqlite"
    suffix = f"-{args.chargers}" if args.chargers != 1000 else ""
    out: Path = args.out or RESULTS / (
        f"ocpp-authorize{suffix}.json"
        if backend == "sqlite"
        else f"ocpp-authorize{suffix}-{backend}.json"
    )
    upgrade(url)
    store = SqlStore(url)
    shape = Shape(drivers=args.drivers, chargers=max(args.drivers // 5, args.chargers))
    dataset = load(store, shape)
    with store.engine.connect() as conn:
        # Each charger with the tags of the drivers granted it directly: the fleet
        # presents one of those half of the time, so that accepted decisions are
        # measured as well as refusals.
        picked = conn.execute(
            sa.text("SELECT id, charger_id FROM chargers ORDER BY random() LIMIT :n"),
            {"n": args.chargers},
        ).all()
        allowed: dict[int, list[str]] = {pk: [] for pk, _ in picked}
        for pk, id_tag in conn.execute(
            sa.text(
                "SELECT g.charger_pk, t.id_tag FROM charger_grants g"
                " JOIN tags t ON t.driver_id = g.driver_id"
            )
        ):
            if pk in allowed:
                allowed[pk].append(id_tag)
        lines = [" ".join([charger_id, *allowed[pk]]) for pk, charger_id in picked]
        (DATA / "ocpp-chargers.txt").write_text("\n".join(lines) + "\n")
    store.close()
    (DATA / "ocpp-idtags.txt").write_text("\n".join(dataset.id_tags) + "\n")
    print(f"loaded {dataset.counts} in {dataset.seconds:.1f} s")

    app_port, ceiling_port = free_port(), free_port()
    app_env = {
        "EVROSTER_DATABASE_URL": url,
        "EVROSTER_ACCESS_LOG": "false",
        "EVROSTER_LOG_LEVEL": "warning",
    }
    app_argv = [sys.executable, "-m", "evroster", "serve", "--port", str(app_port)]
    runs: dict[str, list[dict[str, Any]]] = {"ceiling": [], "evroster": []}
    for n in range(args.rounds):
        ceiling_argv = uvicorn_argv("bench.ocpp_ceiling:app", ceiling_port)
        with serving(ceiling_argv, {}, ceiling_port, "ocpp-ceiling") as c:
            runs["ceiling"].append(_fleet(c.base.replace("http", "ws") + "/ocpp/0", c.pid, args))
        print(f"round {n + 1} " + _line("ceiling", runs["ceiling"][-1]))
        with serving(app_argv, app_env, app_port, "ocpp-evroster") as app:
            prefix = app.base.replace("http", "ws") + f"/ocpp/{dataset.customer_id}"
            runs["evroster"].append(_fleet(prefix, app.pid, args))
        # Read after the server stopped: everything it logged, shutdown included.
        runs["evroster"][-1]["server_log_errors"] = _errors(app.log)
        print(f"round {n + 1} " + _line("evroster", runs["evroster"][-1]))

    def median(name: str, phase: str, field: str) -> float:
        return float(statistics.median(r[phase][field] for r in runs[name]))

    ratios = {
        "saturated_throughput": round(
            median("evroster", "saturated", "per_second")
            / median("ceiling", "saturated", "per_second"),
            3,
        ),
        "paced_p99": round(
            median("evroster", "paced", "p99_ms") / median("ceiling", "paced", "p99_ms"), 2
        ),
        "paced_server_cpu": round(
            median("evroster", "paced", "server_cpu_share")
            / median("ceiling", "paced", "server_cpu_share"),
            2,
        ),
    }
    failures = sum(r["connect_failures"] for rs in runs.values() for r in rs)
    storms = [r["storm"] for r in runs["evroster"] if "storm" in r]
    failures += sum(s["failures"] + s["chargers"] - s["reconnected_and_authorized"] for s in storms)
    report = {
        "benchmark": f"OCPP 1.6 Authorize over WebSocket, {backend}, decision cache on",
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "dataset": dataset.counts,
        "settings": {
            "chargers": args.chargers,
            "interval_s": args.interval,
            "paced_s": args.duration,
            "saturated_s": args.saturate,
            "rounds": args.rounds,
            "server": "evroster serve: uvicorn (uvloop, websockets), 1 worker",
            "pinning": "server CPU 0, fleet CPU 1" if pin(0) else "none",
        },
        "runs": runs,
        "ratios": ratios,
        "connect_failures": failures,
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(
        f"ratios to the ceiling: saturated throughput {ratios['saturated_throughput']}, "
        f"paced p99 x{ratios['paced_p99']}, paced server CPU x{ratios['paced_server_cpu']}; "
        f"chargers that failed to connect: {failures}; written to {out}"
    )
    logged = sum(r["server_log_errors"] for r in runs["evroster"])
    if logged:
        print(f"FAILED: the server logged {logged} errors (bench/data/ocpp-evroster.log)")
    return 1 if failures or logged else 0


if __name__ == "__main__":
    sys.exit(main())
