"""``lastSeen`` and ``lastMessage`` for messages that carry no state, written in batches.

Every Heartbeat or Authorize moves a charger's ``lastSeen``. Written one by one, that
is a write transaction per message, and SQLite has one writer: a thousand chargers
would spend the writer on bookkeeping. Instead each connection notes its latest
message here and one transaction per ``interval`` writes them all, so ``lastSeen``
and ``lastMessage`` lag the traffic by at most ``interval`` (one second by default).
Messages that change state (boot, status, connection, transactions) are written at
once by the station and drop any older note.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime

from starlette.concurrency import run_in_threadpool

from evroster.domain.times import utcnow
from evroster.services.charging import Traffic, record_traffic
from evroster.storage.base import Store

__all__ = ["TrafficRecorder"]

log = logging.getLogger(__name__)


class TrafficRecorder:
    def __init__(self, store: Store, interval: float = 1.0) -> None:
        self.store = store
        self.interval = interval
        self._pending: dict[int, tuple[int, datetime, str]] = {}
        self._task: asyncio.Task[None] | None = None

    def note(self, customer_id: int, charger_pk: int, action: str) -> None:
        self._pending[charger_pk] = (customer_id, utcnow(), action)
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run())

    def forget(self, charger_pk: int) -> None:
        """The station is writing a newer state itself."""
        self._pending.pop(charger_pk, None)

    async def flush(self) -> None:
        batch, self._pending = self._pending, {}
        if batch:
            rows = [Traffic(c, pk, at, action) for pk, (c, at, action) in batch.items()]
            await run_in_threadpool(record_traffic, self.store, rows)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self.flush()

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                await self.flush()
            except Exception:
                # Bookkeeping only: the next round writes newer values anyway.
                log.exception("could not record charger traffic")
