"""The process's cache of document pieces and decision facts, bounded in bytes.

What it keeps (all in one LRU, so one setting bounds it):

* ``("D", customer, key or driver id)``: whole documents, each with the versions of
  the chargers it shows, served while none of those changed;
* ``("k", customer, key)``: which driver holds a canonical idTag (or alias);
* ``("d", driver)``, ``("s", site)``, ``("c", charger)``: document pieces
  (``services/pieces.py``);
* ``("p", customer, chargerId)``: where a charger stands (its key and site path);
* ``("t", customer, key)``: a tag as the decision engine needs it, with its driver's
  grants;
* API keys, in a small map of their own; and the keys presented and found good, so
  that a key's secret is hashed once, not on every request (the key check was 2.4 of
  the 8.7 µs of a cached document read, measured in-process).

How a change reaches it (``apply``, from the change feed of ``storage``):

* a driver change drops the driver's piece and, by bumping the driver's version, every
  idTag and decision entry that leads to it;
* a charger change drops the charger's piece and bumps its version, which retires the
  whole documents that show it: site pieces hold no charger bytes (their bodies are
  spliced per read), so a heartbeat costs one charger read and a splice on the next
  document that shows it, not a database read per document;
* a structural change (sites, new, moved or deleted chargers, imports) bumps the
  customer's generation, which every entry of the customer carries: all of them go;
* a reset empties everything.

Fills race with changes: a reader notes :attr:`epoch` before reading the database, and
each entry it puts is kept only if nothing that entry depends on changed since (its
driver, its charger, its customer's structure, a reset): every change records the
epoch it arrived at. A change elsewhere no longer throws the fill away; one epoch for
everything had dropped 16,126 fills in a PostgreSQL mixed benchmark, where reads wait
on the network. Entries that are not valid any more are simply not served; the LRU
evicts them in time.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from lru import LRU

from evroster.services.pieces import ChargerPiece, DriverPiece, SitePiece
from evroster.storage.base import CHARGER, CUSTOMER, DRIVER, KEYS, RESET, Change, TokenFacts

__all__ = ["DocumentCache"]

# What a Python object, its tuple key and the LRU's bookkeeping cost on top of the
# bytes an entry holds (tracemalloc on the bench data: 330-420 bytes).
_OVERHEAD = 400
_MAX_PRINCIPALS = 10_000
# lru-dict bounds entries by count; the bound that matters here is bytes (below).
_NO_COUNT_BOUND = 1 << 40
# The version maps hold a number per driver and charger changed since the last reset,
# outside the byte bound (about 100 bytes each): past this many, the cache starts over.
_MAX_VERSIONS = 1_000_000
Place = tuple[int, list[int]]


# An entry: (customer, generation, value, size, driver, version), a plain tuple for the
# reason given in services/pieces.py; ``driver`` (0: none) ties it to a driver's version.
_CUSTOMER, _GENERATION, _VALUE, _SIZE, _DRIVER, _VERSION = range(6)
# What ``_put_locked`` is given for each entry: its key, customer, value, size, the
# driver it is tied to (0: none), and what it was read from: a driver (0: none) and
# chargers, none of which may have changed since the fill's epoch.
Item = tuple[tuple[Any, ...], int, Any, int, int, int, tuple[int, ...]]


class DocumentCache:
    """Thread-safe: the event loop, the thread pool and the change listener share it.

    Reads take no lock (a lookup in lru-dict, a C extension, is one step under the
    GIL); fills and changes do, since they keep the byte count with the entries.
    """

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._lru: Any = LRU(_NO_COUNT_BOUND)
        self._bytes = 0
        self._lock = threading.Lock()
        # The epoch of the last change of each customer's structure, driver and charger:
        # versions that only grow, so a fill can tell whether they moved since it began.
        self._generations: dict[int, int] = {}
        self._versions: dict[int, int] = {}
        self._charger_versions: dict[int, int] = {}
        self._principals: dict[str, tuple[Any, ...]] = {}
        # Whole API keys whose secret matched, each with who it makes the caller.
        self._verified: dict[str, Any] = {}
        self._keys_changed = 0
        self._reset_at = 0
        self.epoch = 0
        self.counts: Counter[str] = Counter()

    # -- reading --------------------------------------------------------------------

    def document(self, customer_id: int, ref: str | int) -> bytes | None:
        """A whole document by idTag key (str) or driver id (int), if nothing it shows
        has changed since it was spliced."""
        entry: tuple[Any, ...] | None = self._lru.get(("D", customer_id, ref))
        if (
            entry is None
            or entry[_CUSTOMER] != customer_id
            or entry[_GENERATION] != self._generations.get(customer_id, 0)
            or entry[_VERSION] != self._versions.get(entry[_DRIVER], 0)
        ):
            return None
        body, shown = entry[_VALUE]
        versions = self._charger_versions
        for i in range(0, len(shown), 2):
            if versions.get(shown[i], 0) != shown[i + 1]:
                return None
        found: bytes = body
        return found

    def driver_of(self, customer_id: int, key: str) -> int | None:
        found: int | None = self._value(("k", customer_id, key), customer_id)
        return found

    def driver(self, customer_id: int, driver_id: int) -> DriverPiece | None:
        found: DriverPiece | None = self._value(("d", driver_id), customer_id)
        return found

    def site(self, customer_id: int, site_id: int) -> SitePiece | None:
        found: SitePiece | None = self._value(("s", site_id), customer_id)
        return found

    def chargers(self, customer_id: int, pks: Iterable[int]) -> list[ChargerPiece | None]:
        """The pieces of these chargers, None for each one not held."""
        return [self._value(("c", pk), customer_id) for pk in pks]

    def place(self, customer_id: int, charger_id: str) -> Place | None:
        found = self._value(("p", customer_id, charger_id), customer_id)
        return None if found is None else (found[0], list(found[1]))

    def token(self, customer_id: int, key: str) -> TokenFacts | None:
        found = self._value(("t", customer_id, key), customer_id)
        if found is None:
            return None
        row, sites, chargers = found
        return TokenFacts(dict(row), frozenset(sites), frozenset(chargers))

    def principal(self, key_id: str) -> tuple[Any, ...] | None:
        return self._principals.get(key_id)

    def verified(self, api_key: str) -> Any:
        """Who a key presented before makes the caller, if it was good and no key of
        any customer changed since (a revocation clears this)."""
        return self._verified.get(api_key)

    def _value(self, key: tuple[Any, ...], customer_id: int) -> Any:
        entry: tuple[Any, ...] | None = self._lru.get(key)
        # Ids are global: a piece of another customer is never this one's.
        if (
            entry is None
            or entry[_CUSTOMER] != customer_id
            or entry[_GENERATION] != self._generations.get(customer_id, 0)
            or (entry[_DRIVER] and entry[_VERSION] != self._versions.get(entry[_DRIVER], 0))
        ):
            return None
        return entry[_VALUE]

    # -- filling (each with the epoch noted before the database was read) -------------

    def put_key(self, customer_id: int, key: str, driver_id: int, epoch: int) -> None:
        item = (("k", customer_id, key), customer_id, driver_id, len(key), driver_id, driver_id, ())
        self._put(epoch, [item])

    def put_driver(self, customer_id: int, piece: DriverPiece, epoch: int) -> None:
        size = len(piece[1]) + len(piece[4]) + 8 * (len(piece[2]) + len(piece[3]))
        self._put(epoch, [(("d", piece[0]), customer_id, piece, size, 0, piece[0], ())])

    def put_sites(self, customer_id: int, pieces: Iterable[SitePiece], epoch: int) -> None:
        items: list[Item] = [
            (("s", p[0]), customer_id, p, len(p[3]) + 8 * (len(p[1]) + len(p[2])), 0, 0, ())
            for p in pieces
        ]
        self._put(epoch, items)

    def put_chargers(self, customer_id: int, pieces: Iterable[ChargerPiece], epoch: int) -> None:
        items: list[Item] = [
            (("c", p[0]), customer_id, p, len(p[1]), 0, 0, (p[0],)) for p in pieces
        ]
        self._put(epoch, items)

    def put_place(self, customer_id: int, charger_id: str, place: Place, epoch: int) -> None:
        size = len(charger_id) + 8 * len(place[1])
        value = (place[0], tuple(place[1]))
        self._put(epoch, [(("p", customer_id, charger_id), customer_id, value, size, 0, 0, ())])

    def put_token(self, customer_id: int, key: str, facts: TokenFacts, epoch: int) -> None:
        size = 200 + 8 * (len(facts.sites) + len(facts.chargers))
        driver_id = int(facts.token["driver_id"])
        value = (tuple(facts.token.items()), tuple(facts.sites), tuple(facts.chargers))
        item = (("t", customer_id, key), customer_id, value, size, driver_id, driver_id, ())
        self._put(epoch, [item])

    def put_document(
        self,
        customer_id: int,
        refs: Iterable[str | int],
        driver_id: int,
        body: bytes,
        chargers: Iterable[int],
        epoch: int,
    ) -> None:
        """Keep a spliced document, under each of ``refs`` (idTag keys or the driver id),
        with the versions of the chargers it shows (none of which may have changed since
        ``epoch``)."""
        with self._lock:
            versions = self._charger_versions
            pks = tuple(set(chargers))
            shown = tuple(x for pk in pks for x in (pk, versions.get(pk, 0)))
            value = (body, shown)
            size = len(body) + 16 * len(shown)
            items: list[Item] = [
                (("D", customer_id, ref), customer_id, value, size, driver_id, driver_id, pks)
                for ref in refs
            ]
            self._put_locked(epoch, items)

    def put_principal(self, key_id: str, row: tuple[Any, ...], epoch: int) -> None:
        self._put_key(self._principals, key_id, row, epoch)

    def put_verified(self, api_key: str, principal: Any, epoch: int) -> None:
        """Remember a key found good by reads begun at ``epoch``. Only good keys come
        here, so the map holds at most as many as customers issued."""
        self._put_key(self._verified, api_key, principal, epoch)

    def _put_key(self, found: dict[str, Any], key: str, value: Any, epoch: int) -> None:
        """Into one of the keys' maps, unless a key changed since ``epoch``."""
        with self._lock:
            if self._keys_changed > epoch or self._reset_at > epoch:
                self.counts["discarded"] += 1
                return
            if len(found) >= _MAX_PRINCIPALS:
                found.clear()
            found[key] = value

    def _put(self, epoch: int, items: list[Item]) -> None:
        with self._lock:
            self._put_locked(epoch, items)

    def _unchanged_since(
        self, epoch: int, customer_id: int, driver_id: int, chargers: tuple[int, ...]
    ) -> bool:
        """Whether nothing an entry was read from changed after ``epoch``."""
        if self._reset_at > epoch or self._generations.get(customer_id, 0) > epoch:
            return False
        if driver_id and self._versions.get(driver_id, 0) > epoch:
            return False
        versions = self._charger_versions
        return all(versions.get(pk, 0) <= epoch for pk in chargers)

    def _put_locked(self, epoch: int, items: list[Item]) -> None:
        if self.max_bytes <= 0:
            return
        for key, customer_id, value, size, driver_id, read_driver, read_chargers in items:
            if not self._unchanged_since(epoch, customer_id, read_driver, read_chargers):
                self.counts["discarded"] += 1
                continue
            entry = (
                customer_id,
                self._generations.get(customer_id, 0),
                value,
                size + _OVERHEAD,
                driver_id,
                self._versions.get(driver_id, 0) if driver_id else 0,
            )
            if entry[_SIZE] > self.max_bytes:
                continue
            self._drop(key)
            self._lru[key] = entry
            self._bytes += entry[_SIZE]
        while self._bytes > self.max_bytes:
            # Not popitem(): in lru-dict 1.4.1 it leaks the value it returns
            # (github.com/amitdev/lru-dict/issues/64); peek and pop do not.
            oldest, _ = self._lru.peek_last_item()
            self._drop(oldest)

    def _drop(self, key: tuple[Any, ...]) -> None:
        gone = self._lru.pop(key, None)
        if gone is not None:
            self._bytes -= gone[_SIZE]

    # -- changes ----------------------------------------------------------------------

    def apply(self, changes: Sequence[Change]) -> None:
        with self._lock:
            self.epoch += 1
            epoch = self.epoch
            for kind, ref in changes:
                if kind == DRIVER:
                    self._versions[ref] = epoch
                    self._drop(("d", ref))
                elif kind == CHARGER:
                    self._charger_versions[ref] = epoch
                    self._drop(("c", ref))
                elif kind == CUSTOMER:
                    self._generations[ref] = epoch
                elif kind == KEYS:
                    self._principals.clear()
                    self._verified.clear()
                    self._keys_changed = epoch
                elif kind == RESET:
                    self._reset_locked()
            if len(self._versions) + len(self._charger_versions) > _MAX_VERSIONS:
                self._reset_locked()

    def _reset_locked(self) -> None:
        # Everything goes, the version maps too: no entry is left that they could match,
        # and no fill begun before now may put one (``_reset_at``).
        self._reset_at = self.epoch
        self._lru.clear()
        self._bytes = 0
        self._principals.clear()
        self._verified.clear()
        self._versions.clear()
        self._charger_versions.clear()
        self._generations.clear()
        self.counts["resets"] += 1

    # -- reporting --------------------------------------------------------------------

    def count(self, outcome: str) -> None:
        # Unlocked: a counter for reports may miss a beat under threads, a read may not wait.
        self.counts[outcome] += 1

    def stats(self) -> dict[str, int]:
        with self._lock:
            return {
                "hits": self.counts["hits"],
                "spliced": self.counts["spliced"],
                "misses": self.counts["misses"],
                # Reads that went to the database because the change feed could not
                # vouch for the cache (PostgreSQL: listener down or late).
                "bypassed": self.counts["bypassed"],
                "resets": self.counts["resets"],
                # Fills dropped because a change arrived while they read the database.
                "discarded": self.counts["discarded"],
                "entries": len(self._lru),
                "bytes": self._bytes,
                "maxBytes": self.max_bytes,
            }
