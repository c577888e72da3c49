"""The garbage collector's full passes, kept short while thousands of chargers stay
connected.

A full pass scans every object the collector tracks. Each connected charger holds a few
hundred (its WebSocket, its OCPP session, their tasks and buffers), so with 5,000
chargers a pass took 0.5-0.7 s, every few seconds under traffic: the whole process
stood still, and that was the p99 of Authorize (docs/benchmarks.md). What lives long
(connections, the cache) is therefore moved out of the passes' sight every
``FREEZE_SECONDS`` with ``gc.freeze()``, as the process's own start-up state already is.

Each freeze is preceded by a full pass, which then scans only what came since the last
freeze (frozen objects are out of its sight): a request's cycles that are already
garbage are freed, not frozen. Frozen objects are still freed by reference counting;
only a cycle among objects that were alive when frozen and died later (a charger that
disconnected) waits, until every ``SWEEP_SECONDS`` everything is unfrozen, collected
in one full pass and frozen again: one long pause every ten minutes, not every few
seconds.
"""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import Callable

__all__ = ["FREEZE_SECONDS", "SWEEP_SECONDS", "HeapKeeper"]

FREEZE_SECONDS = 10.0
SWEEP_SECONDS = 600.0


class HeapKeeper:
    def __init__(
        self,
        freeze_seconds: float = FREEZE_SECONDS,
        sweep_seconds: float = SWEEP_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._freeze_every = freeze_seconds
        self._sweep_every = sweep_seconds
        self._clock = clock
        self._frozen = self._swept = clock()
        self.sweeps = 0

    def tick(self) -> None:
        """Freeze, or sweep, if it is time to."""
        now = self._clock()
        if now - self._swept >= self._sweep_every:
            gc.unfreeze()
            gc.collect()
            gc.freeze()
            self._swept = self._frozen = now
            self.sweeps += 1
        elif now - self._frozen >= self._freeze_every:
            gc.collect()
            gc.freeze()
            self._frozen = now

    async def run(self) -> None:
        while True:
            await asyncio.sleep(self._freeze_every)
            self.tick()
