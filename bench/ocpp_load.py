"""The charger fleet of the OCPP benchmark: N simulated OCPP 1.6 chargers on real
WebSockets, run as its own process (pinned to the other core by bench/ocpp.py).

    python -m bench.ocpp_load URL_PREFIX CHARGERS_FILE TAGS_FILE --server-pid PID

Phases: all chargers connect at once, then BootNotification; a paced phase in which
every charger sends an Authorize each ``--interval`` seconds and a Heartbeat every
fifth time; a saturated phase in which every charger sends Authorize back to back; a
reconnect storm, in which every connection drops at once (TCP aborted, no closing
handshake, as when a site's uplink fails) and every charger reconnects at once and
sends BootNotification, StatusNotification and Authorize with a tag granted there.
Prints one JSON object: connection failures, Authorize round trips (p50/p99) and the
server's CPU share per phase, and how long the storm took.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICKS


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))] if ordered else float("nan")


class Fleet:
    def __init__(self, prefix: str, chargers: dict[str, list[str]], tags: list[str]) -> None:
        self.prefix = prefix
        self.chargers = chargers  # charger id -> idTags granted there directly
        self.tags = tags
        self.sockets: dict[str, ClientConnection] = {}
        self.failures: Counter[str] = Counter()
        self.statuses: Counter[str] = Counter()
        self._ids = 0

    async def call(self, ws: ClientConnection, action: str, payload: dict[str, Any]) -> Any:
        self._ids += 1
        unique_id = str(self._ids)
        await ws.send(json.dumps([2, unique_id, action, payload]))
        reply = json.loads(await asyncio.wait_for(ws.recv(), 30))
        if reply[0] != 3 or reply[1] != unique_id:
            self.failures[f"{action}: {reply[0]} {reply[2] if reply[0] == 4 else ''}"] += 1
            return None
        return reply[2]

    async def open(self, charger_id: str) -> None:
        try:
            ws = await connect(
                f"{self.prefix}/{charger_id}",
                subprotocols=["ocpp1.6"],  # type: ignore[list-item]
                open_timeout=60,
                ping_interval=None,
                max_size=None,
                # Chargers' embedded stacks rarely offer permessage-deflate.
                compression=None,
            )
            await self.call(
                ws, "BootNotification", {"chargePointModel": "B", "chargePointVendor": "V"}
            )
            self.sockets[charger_id] = ws
        except Exception as exc:  # counted, not raised: the report says how many failed
            self.failures[f"connect: {type(exc).__name__}"] += 1

    async def authorize(
        self, ws: ClientConnection, charger_id: str, rng: random.Random
    ) -> float | None:
        # Half the time a tag granted here, else any tag of the customer.
        granted = self.chargers[charger_id]
        id_tag = rng.choice(granted if granted and rng.random() < 0.5 else self.tags)
        started = time.perf_counter()
        result = await self.call(ws, "Authorize", {"idTag": id_tag})
        if result is None:
            return None
        self.statuses[result["idTagInfo"]["status"]] += 1
        return (time.perf_counter() - started) * 1000

    async def paced(self, charger_id: str, interval: float, until: float, out: list[float]) -> None:
        ws = self.sockets[charger_id]
        rng = random.Random(charger_id)
        await asyncio.sleep(rng.uniform(0, interval))
        beat = 0
        while time.monotonic() < until:
            tick = time.monotonic()
            if beat % 5 == 0:
                await self.call(ws, "Heartbeat", {})
            beat += 1
            latency = await self.authorize(ws, charger_id, rng)
            if latency is not None:
                out.append(latency)
            await asyncio.sleep(max(0.0, interval - (time.monotonic() - tick)))

    async def saturated(self, charger_id: str, until: float, out: list[float]) -> None:
        ws = self.sockets[charger_id]
        rng = random.Random(charger_id + "s")
        while time.monotonic() < until:
            latency = await self.authorize(ws, charger_id, rng)
            if latency is not None:
                out.append(latency)

    async def storm_one(self, charger_id: str, done: list[str]) -> None:
        """Reconnect, boot, report a status and authorize; the tag is one granted here
        when there is one (then the answer must be Accepted)."""
        self.sockets.pop(charger_id, None)
        await self.open(charger_id)
        ws = self.sockets.get(charger_id)
        if ws is None:
            return
        status = {"connectorId": 1, "errorCode": "NoError", "status": "Available"}
        if await self.call(ws, "StatusNotification", status) is None:
            return
        granted = self.chargers[charger_id]
        id_tag = granted[0] if granted else self.tags[0]
        result = await self.call(ws, "Authorize", {"idTag": id_tag})
        if result is None:
            return
        answer = result["idTagInfo"]["status"]
        if granted and answer != "Accepted":
            self.failures[f"storm: {answer} for a granted tag"] += 1
            return
        done.append(charger_id)


def _phase(latencies: list[float], seconds: float, cpu: float) -> dict[str, Any]:
    return {
        "authorizes": len(latencies),
        "per_second": round(len(latencies) / seconds, 1),
        "p50_ms": round(statistics.median(latencies), 2) if latencies else None,
        "p99_ms": round(percentile(latencies, 0.99), 2) if latencies else None,
        "server_cpu_share": round(cpu / seconds, 3),
    }


async def _storm(fleet: Fleet, live: list[str], server_pid: int) -> dict[str, Any]:
    for ws in list(fleet.sockets.values()):
        ws.transport.abort()
    fleet.sockets.clear()
    await asyncio.sleep(1)  # the server notices the drops
    done: list[str] = []
    failed_before = sum(fleet.failures.values())
    cpu_before, started = cpu_seconds(server_pid), time.monotonic()
    await asyncio.gather(*(fleet.storm_one(c, done) for c in live))
    seconds = time.monotonic() - started
    return {
        "chargers": len(live),
        "reconnected_and_authorized": len(done),
        "failures": sum(fleet.failures.values()) - failed_before,
        "seconds": round(seconds, 2),
        "server_cpu_share": round((cpu_seconds(server_pid) - cpu_before) / seconds, 3),
    }


async def run(args: argparse.Namespace) -> dict[str, Any]:
    lines = Path(args.chargers).read_text().splitlines()[: args.chargers_count]
    chargers = {line.split()[0]: line.split()[1:] for line in lines}
    tags = Path(args.tags).read_text().split()
    fleet = Fleet(args.prefix, chargers, tags)
    started = time.monotonic()
    await asyncio.gather(*(fleet.open(c) for c in chargers))
    connect_seconds = time.monotonic() - started
    report: dict[str, Any] = {
        "chargers": len(chargers),
        "connected": len(fleet.sockets),
        "connect_failures": sum(v for k, v in fleet.failures.items() if k.startswith("connect")),
        "connect_and_boot_seconds": round(connect_seconds, 2),
    }
    live = list(fleet.sockets)
    for name, seconds in (("paced", args.duration), ("saturated", args.saturate)):
        latencies: list[float] = []
        cpu_before, wall_before = cpu_seconds(args.server_pid), time.monotonic()
        until = time.monotonic() + seconds
        if name == "paced":
            work = [fleet.paced(c, args.interval, until, latencies) for c in live]
        else:
            work = [fleet.saturated(c, until, latencies) for c in live]
        await asyncio.gather(*work)
        wall = time.monotonic() - wall_before
        report[name] = _phase(latencies, wall, cpu_seconds(args.server_pid) - cpu_before)
    if args.storm:
        report["storm"] = await _storm(fleet, live, args.server_pid)
    report["statuses"] = dict(fleet.statuses)
    report["failures"] = dict(fleet.failures)
    await asyncio.gather(*(ws.close() for ws in fleet.sockets.values()))
    return report


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("prefix", help="ws://host:port/ocpp/<customerId>")
    parser.add_argument(
        "chargers", help="file of charger ids, one per line, each followed by its granted idTags"
    )
    parser.add_argument("tags", help="file of idTags, one per line")
    parser.add_argument("--server-pid", type=int, required=True)
    parser.add_argument("--chargers-count", type=int, default=1000)
    parser.add_argument("--interval", type=float, default=2.0)
    parser.add_argument("--duration", type=float, default=20.0)
    parser.add_argument("--saturate", type=float, default=10.0)
    parser.add_argument("--storm", action="store_true", help="end with a reconnect storm")
    args = parser.parse_args()
    print(json.dumps(asyncio.run(run(args))))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
