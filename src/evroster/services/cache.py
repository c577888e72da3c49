"""The process's cache of document pieces and decision facts, bounded in bytes.

What it keeps (all in one LRU, so one setting bounds it):

* ``("k", customer, key)``: which driver holds a canonical idTag (or alias);
* ``("d", driver)``, ``("s", site)``, ``("c", charger)``: document pieces
  (``services/pieces.py``);
* ``("p", customer, chargerId)``: where a charger stands (its key and site path);
* ``("t", customer, key)``: a tag as the decision engine needs it, with its driver's
  grants;
* API keys, in a small map of their own.

How a change reaches it (``apply``, from the change feed of ``storage``):

* a driver change drops the driver's piece and, by bumping the driver's version, every
  idTag and decision entry that leads to it;
* a charger change drops the charger's piece and marks the bodies of the sites above it
  for splicing again (their structure stays): a heartbeat costs a few microseconds of
  work on the next read, not a database read per document;
* a structural change (sites, new, moved or deleted chargers, imports) bumps the
  customer's generation, which every entry of the customer carries: all of them go;
* a reset empties everything.

Fills race with changes: a reader notes :attr:`epoch` before reading the database and
its pieces are kept only if no change arrived in between (``put_*``). Entries that
are not valid any more are simply not served; the LRU evicts them in time.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from cachetools import LRUCache

from evroster.services.pieces import ChargerPiece, DriverPiece, SitePiece
from evroster.storage.base import CHARGER, CUSTOMER, DRIVER, KEYS, RESET, Change, TokenFacts

__all__ = ["DocumentCache"]

# What a Python object, its tuple key and the LRU's bookkeeping cost on top of the
# bytes an entry holds (measured with tracemalloc on the bench data: 330-420 bytes).
_OVERHEAD = 400
_MAX_PRINCIPALS = 10_000
Place = tuple[int, list[int]]


@dataclass(slots=True)
class _Entry:
    customer: int
    generation: int
    value: Any
    size: int
    driver: int = 0
    version: int = 0


class DocumentCache:
    """Thread-safe: the event loop, the thread pool and the change listener share it."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._lru: LRUCache[tuple[Any, ...], _Entry] = LRUCache(max_bytes, getsizeof=_size)
        self._lock = threading.Lock()
        self._generations: dict[int, int] = {}
        self._versions: dict[int, int] = {}
        # Where sites and chargers stand, to find the sites above a changed charger. Not
        # evicted: a site's body must never outlive a change below it because the piece
        # that knew the way up was evicted first.
        self._parents: dict[int, int | None] = {}
        self._site_of: dict[int, int] = {}
        self._principals: dict[str, tuple[Any, ...]] = {}
        self.epoch = 0
        self.hits = 0
        self.misses = 0

    # -- reading --------------------------------------------------------------------

    def driver_of(self, customer_id: int, key: str) -> int | None:
        entry = self._get(("k", customer_id, key), customer_id)
        return None if entry is None else int(entry.value)

    def driver(self, customer_id: int, driver_id: int) -> DriverPiece | None:
        entry = self._get(("d", driver_id), customer_id)
        return None if entry is None else entry.value

    def site(self, customer_id: int, site_id: int) -> SitePiece | None:
        entry = self._get(("s", site_id), customer_id)
        return None if entry is None else entry.value

    def charger(self, customer_id: int, pk: int) -> ChargerPiece | None:
        entry = self._get(("c", pk), customer_id)
        return None if entry is None else entry.value

    def place(self, customer_id: int, charger_id: str) -> Place | None:
        entry = self._get(("p", customer_id, charger_id), customer_id)
        return None if entry is None else entry.value

    def token(self, customer_id: int, key: str) -> TokenFacts | None:
        entry = self._get(("t", customer_id, key), customer_id)
        return None if entry is None else entry.value

    def principal(self, key_id: str) -> tuple[Any, ...] | None:
        return self._principals.get(key_id)

    def _get(self, key: tuple[Any, ...], customer_id: int) -> _Entry | None:
        with self._lock:
            entry = self._lru.get(key)
            if entry is None:
                return None
            # Ids are global: a piece of another customer is never this one's.
            if entry.customer != customer_id:
                return None
            if entry.generation != self._generations.get(customer_id, 0) or (
                entry.driver and entry.version != self._versions.get(entry.driver, 0)
            ):
                return None
            return entry

    # -- filling (each with the epoch noted before the database was read) -------------

    def put_key(self, customer_id: int, key: str, driver_id: int, epoch: int) -> None:
        self._put(epoch, [(("k", customer_id, key), customer_id, driver_id, len(key), driver_id)])

    def put_driver(self, customer_id: int, piece: DriverPiece, epoch: int) -> None:
        size = len(piece.head) + len(piece.tail) + 8 * (len(piece.sites) + len(piece.chargers))
        self._put(epoch, [(("d", piece.id), customer_id, piece, size, 0)])

    def put_sites(self, customer_id: int, pieces: Iterable[SitePiece], epoch: int) -> None:
        items = []
        for p in pieces:
            size = len(p.tail) + len(p.body or b"") + 8 * (len(p.children) + len(p.chargers))
            items.append((("s", p.id), customer_id, p, size, 0))
        with self._lock:
            if self._put_locked(epoch, items):
                for item in items:
                    self._parents[item[2].id] = item[2].parent_id

    def put_chargers(self, customer_id: int, pieces: Iterable[ChargerPiece], epoch: int) -> None:
        items = [(("c", p.pk), customer_id, p, len(p.body), 0) for p in pieces]
        with self._lock:
            if self._put_locked(epoch, items):
                for item in items:
                    self._site_of[item[2].pk] = item[2].site_id

    def put_place(self, customer_id: int, charger_id: str, place: Place, epoch: int) -> None:
        size = len(charger_id) + 8 * len(place[1])
        self._put(epoch, [(("p", customer_id, charger_id), customer_id, place, size, 0)])

    def put_token(self, customer_id: int, key: str, facts: TokenFacts, epoch: int) -> None:
        size = 200 + 8 * (len(facts.sites) + len(facts.chargers))
        driver_id = int(facts.token["driver_id"])
        self._put(epoch, [(("t", customer_id, key), customer_id, facts, size, driver_id)])

    def put_principal(self, key_id: str, row: tuple[Any, ...], epoch: int) -> None:
        with self._lock:
            if epoch != self.epoch:
                return
            if len(self._principals) >= _MAX_PRINCIPALS:
                self._principals.clear()
            self._principals[key_id] = row

    def _put(self, epoch: int, items: list[tuple[Any, ...]]) -> None:
        with self._lock:
            self._put_locked(epoch, items)

    def _put_locked(self, epoch: int, items: list[tuple[Any, ...]]) -> bool:
        if epoch != self.epoch or self.max_bytes <= 0:
            return False
        for key, customer_id, value, size, driver_id in items:
            entry = _Entry(
                customer_id,
                self._generations.get(customer_id, 0),
                value,
                size + _OVERHEAD,
                driver_id,
                self._versions.get(driver_id, 0) if driver_id else 0,
            )
            if entry.size <= self.max_bytes:
                self._lru[key] = entry
        return True

    # -- changes ----------------------------------------------------------------------

    def apply(self, changes: Sequence[Change]) -> None:
        with self._lock:
            self.epoch += 1
            for kind, ref in changes:
                if kind == DRIVER:
                    self._versions[ref] = self._versions.get(ref, 0) + 1
                    self._lru.pop(("d", ref), None)
                elif kind == CHARGER:
                    self._lru.pop(("c", ref), None)
                    self._stale_above(self._site_of.get(ref))
                elif kind == CUSTOMER:
                    self._generations[ref] = self._generations.get(ref, 0) + 1
                elif kind == KEYS:
                    self._principals.clear()
                elif kind == RESET:
                    self._lru.clear()
                    self._principals.clear()
                    self._parents.clear()
                    self._site_of.clear()

    def _stale_above(self, site_id: int | None) -> None:
        seen = 0
        while site_id is not None and seen < 64:  # the depth bound guards a damaged tree
            entry = self._lru.get(("s", site_id))
            if entry is not None and entry.value.body is not None:
                entry.value = _stale(entry.value)
            site_id = self._parents.get(site_id)
            seen += 1

    # -- reporting --------------------------------------------------------------------

    def count(self, *, hit: bool) -> None:
        with self._lock:
            if hit:
                self.hits += 1
            else:
                self.misses += 1

    def stats(self) -> dict[str, int]:
        with self._lock:
            return {
                "hits": self.hits,
                "misses": self.misses,
                "entries": len(self._lru),
                "bytes": int(self._lru.currsize),
                "maxBytes": self.max_bytes,
            }


def _stale(piece: SitePiece) -> SitePiece:
    # A copy, not a change in place: a reader may hold the old piece and splice it.
    return replace(piece, body=None)


def _size(entry: _Entry) -> int:
    return entry.size
