"""The reads of the hot path: API keys, driver documents and decision facts.

:class:`Documents` serves them from the process's :class:`DocumentCache` when one is
configured and the change feed says it is fresh, and straight from the database
otherwise (the cache set to 0 bytes, or a PostgreSQL listener that is down). Either way
the bytes are the same: both paths build them from the same pieces
(``services/pieces.py``).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from types import TracebackType
from typing import Any

import orjson

from evroster.domain.idtags import canonical_key
from evroster.errors import InvalidInput, NotFound
from evroster.services.cache import DocumentCache
from evroster.services.drivers import DRIVER_NOT_FOUND
from evroster.services.keys import (
    Principal,
    authenticate,
    check_client,
    client_matches,
    verify_key,
)
from evroster.services.pieces import (
    ChargerPiece,
    Counts,
    DriverPiece,
    charger_pieces,
    compose,
    driver_piece,
    render_driver,
    render_site,
    site_body,
    site_pieces,
    tag_keys,
)
from evroster.storage.base import (
    AccessFacts,
    ChangeFeed,
    DocumentRows,
    DocumentSource,
    DriverRows,
)

__all__ = ["ROUTE_ERRORS", "Documents", "charger_objects", "driver_by_id", "site_objects"]

log = logging.getLogger(__name__)

ROUTE_ERRORS = "Errors in the route parameters"
# How a cached read went: the document itself, spliced from cached pieces, or with
# at least one database read.
_HIT, _SPLICED, _MISS = "hits", "spliced", "misses"
_STATS_SECONDS = 60.0


def site_objects(rows: DocumentRows) -> list[dict[str, Any]]:
    """The granted sites (flag 1) of the rows, each with its whole subtree, in id order."""
    sites, chargers = site_pieces(rows), charger_pieces(rows)
    granted = sorted({s[1] for s in rows.sites if s[0]})
    return [orjson.loads(render_site(i, sites, chargers)[0]) for i in granted]


def charger_objects(rows: DocumentRows) -> list[orjson.Fragment]:
    """The chargers flagged direct, as charger objects (JSON fragments), in id order."""
    pieces = charger_pieces(rows)
    return [orjson.Fragment(pieces[pk][1]) for pk in sorted({c[1] for c in rows.chargers if c[0]})]


def driver_by_id(source: DocumentSource, customer_id: int, driver_id: int) -> bytes:
    """The document of the driver with this id, read from the database."""
    rows = source.by_driver_id(customer_id, driver_id)
    if rows is None:
        raise NotFound(DRIVER_NOT_FOUND)
    return render_driver(rows)


class Documents:
    """The hot path's reads, through the cache when it may be used."""

    def __init__(
        self, source: DocumentSource, feed: ChangeFeed, cache: DocumentCache | None = None
    ) -> None:
        self.source = source
        self.cache = cache if cache is not None and cache.max_bytes > 0 else None
        self._feed = feed
        self._logged = time.monotonic()
        self._local = threading.local()
        if self.cache is not None:
            feed.subscribe(self.cache.apply)

    def batch(self) -> AbstractContextManager[None]:
        """The reads of one request: one connection, and one look at the change feed."""
        return _Batch(self)

    def cache_state(self) -> str:
        """``off`` (no cache), ``on``, or ``bypassed``: the change feed cannot vouch for
        the cache (a PostgreSQL listener down or late), so reads go to the database."""
        if self.cache is None:
            return "off"
        return "on" if self._feed.fresh() else "bypassed"

    def _usable(self) -> DocumentCache | None:
        cache = self.cache
        if cache is None:
            return None
        if not getattr(self._local, "synced", False):
            self._feed.sync()
        if self._feed.fresh():
            return cache
        cache.count("bypassed")
        return None

    # -- API keys ------------------------------------------------------------------------

    def principal(self, key_id: str) -> tuple[Any, ...] | None:
        cache = self._usable()
        if cache is None:
            return self.source.principal(key_id)
        found = cache.principal(key_id)
        if found is None:
            epoch = cache.epoch
            found = self.source.principal(key_id)
            if found is not None:
                cache.put_principal(key_id, found, epoch)
        return found

    def authenticate(self, api_key: str | None, client: str | None) -> Principal:
        """:func:`~evroster.services.keys.authenticate`, hashing a key's secret only the
        first time it is presented while the cache may be used."""
        cache = self._usable()
        if cache is None or api_key is None:
            return authenticate(self, api_key, client)
        principal: Principal | None = cache.verified(api_key)
        if principal is None:
            epoch = cache.epoch
            principal = verify_key(self, api_key)
            cache.put_verified(api_key, principal, epoch)
        return check_client(principal, client)

    # -- driver documents ------------------------------------------------------------------

    def cached_by_idtag(self, api_key: str | None, client: str | None, id_tag: str) -> bytes | None:
        """The whole request from memory, or None if any of it needs more than a lookup
        (then :meth:`authenticate` and :meth:`by_idtag` answer it, errors included).

        The hot path asks this first, on the event loop: on PostgreSQL a hit saves the
        hop to a thread and back; on both, the fewest steps for the commonest request
        (each Python call costs two to three times more in the server, between the
        socket's work, than in a loop: docs/benchmarks.md). It looks at the change feed
        as every read does: on SQLite, whether the database changed since the last
        read; on PostgreSQL, only whether the listener is fresh.
        """
        cache = self.cache
        if cache is None or api_key is None:
            return None
        feed = self._feed
        feed.sync()
        if not feed.fresh():
            return None
        principal: Principal | None = cache.verified(api_key)
        if principal is None:
            principal = self.principal_in_memory(api_key, client)
            if principal is None:
                return None
        elif not client_matches(principal, client):
            return None
        key = canonical_key(id_tag)
        if key is None:
            return None
        body = cache.document(principal.customer_id, key)
        if body is not None:
            cache.count(_HIT)
        return body

    def principal_in_memory(self, api_key: str | None, client: str | None) -> Principal | None:
        """The caller, authenticated from the cache alone; None when its key is not held
        there or the cache may not be used (then authenticate through the database).

        Like :meth:`cached_by_idtag`, for callers whose reads go to a thread pool: only
        the change feed's freshness is looked at, never the database.
        """
        cache = self.cache
        if cache is None or not self._feed.fresh():
            return None
        if api_key is not None:
            principal: Principal | None = cache.verified(api_key)
            if principal is not None:
                return check_client(principal, client)
        try:
            return authenticate(_KeysInMemory(cache), api_key, client)
        except _NotInMemory:
            return None

    def by_idtag(self, customer_id: int, id_tag: str) -> bytes:
        """The document of the driver holding ``id_tag`` (any accepted spelling)."""
        key = canonical_key(id_tag)
        if key is None:
            raise InvalidInput(ROUTE_ERRORS, location="path")
        cache = self._usable()
        if cache is None:
            rows = self.source.by_tag_key(customer_id, key)
            if rows is None:
                raise NotFound(DRIVER_NOT_FOUND)
            return render_driver(rows)
        return self._document(
            cache,
            customer_id,
            key,
            lambda: self._held_driver(cache, customer_id, key),
            lambda: self.source.driver_of_key(customer_id, key),
        )

    def by_id(self, customer_id: int, driver_id: int) -> bytes:
        """The document of the driver with this id."""
        cache = self._usable()
        if cache is None:
            return driver_by_id(self.source, customer_id, driver_id)
        return self._document(
            cache,
            customer_id,
            driver_id,
            lambda: cache.driver(customer_id, driver_id),
            lambda: self.source.driver_of_id(customer_id, driver_id),
        )

    def chargers(self, customer_id: int, pks: list[int]) -> list[orjson.Fragment]:
        """These chargers' objects in key order, leaving out any that is gone: from the
        cache's pieces, reading only those it lacks (and keeping them for documents)."""
        cache = self._usable()
        if cache is None:
            return charger_objects(self.source.chargers(customer_id, pks))
        wanted = tuple(sorted(set(pks)))
        pieces = self._chargers(cache, customer_id, wanted, cache.epoch, _Reads())
        return [orjson.Fragment(p[1]) for p in pieces]

    @staticmethod
    def _held_driver(cache: DocumentCache, customer_id: int, key: str) -> DriverPiece | None:
        driver_id = cache.driver_of(customer_id, key)
        return None if driver_id is None else cache.driver(customer_id, driver_id)

    def _document(
        self,
        cache: DocumentCache,
        customer_id: int,
        ref: str | int,
        held: Callable[[], DriverPiece | None],
        read: Callable[[], DriverRows | None],
    ) -> bytes:
        """The whole document if held; else spliced from held pieces, reading the rest.
        ``ref`` is an idTag key (str) or a driver id (int)."""
        body = cache.document(customer_id, ref)
        if body is not None:
            cache.count(_HIT)
            return body
        epoch = cache.epoch
        reads = _Reads()
        piece = held()
        refs: list[str | int] = [ref]
        if piece is None:
            reads.count += 1
            found = read()
            if found is None:
                raise NotFound(DRIVER_NOT_FOUND)
            piece = driver_piece(*found)
            cache.put_driver(customer_id, piece, epoch)
            keys = [ref] if isinstance(ref, str) else tag_keys(found.driver)
            for key in keys:
                cache.put_key(customer_id, key, piece[0], epoch)
            if isinstance(ref, int):
                # Read by id: mostly the answer to a write through the API. The driver's
                # idTags are what chargers and apps ask for next, so the fresh document
                # is kept under them too: a hit then, not a second database read.
                refs.extend(keys)
        body = self._compose(cache, customer_id, piece, epoch, reads)
        cache.put_document(customer_id, refs, piece[0], body, reads.chargers, epoch)
        return body

    def _compose(
        self, cache: DocumentCache, customer_id: int, piece: DriverPiece, epoch: int, reads: _Reads
    ) -> bytes:
        sites = [self._site(cache, customer_id, s, epoch, reads) for s in piece[2]]
        chargers = self._chargers(cache, customer_id, piece[3], epoch, reads)
        # A site or charger deleted since the driver's piece was read is left out: the
        # deletion's own change drops that piece, and the next read has neither.
        body = compose(piece, [s[0] for s in sites if s], [c[1] for c in chargers])
        cache.count(_MISS if reads.count else _SPLICED)
        self._log_stats(cache)
        return body

    def _site(
        self, cache: DocumentCache, customer_id: int, site_id: int, epoch: int, reads: _Reads
    ) -> tuple[bytes, Counts] | None:
        """The site's body and counts, spliced from the cache; a missing site piece is
        read with its whole subtree, a missing charger alone."""
        piece = cache.site(customer_id, site_id)
        if piece is None:
            reads.count += 1
            rows = self.source.site_tree(customer_id, site_id)
            chargers = charger_pieces(rows)
            sites = site_pieces(rows)
            cache.put_chargers(customer_id, chargers.values(), epoch)
            cache.put_sites(customer_id, sites.values(), epoch)
            reads.chargers.extend(chargers)
            return render_site(site_id, sites, chargers) if site_id in sites else None
        _, children, own, tail = piece
        below = [self._site(cache, customer_id, c, epoch, reads) for c in children]
        chargers_below = self._chargers(cache, customer_id, own, epoch, reads)
        return site_body(tail, [s for s in below if s], chargers_below)

    def _chargers(
        self,
        cache: DocumentCache,
        customer_id: int,
        pks: tuple[int, ...],
        epoch: int,
        reads: _Reads,
    ) -> list[ChargerPiece]:
        reads.chargers.extend(pks)
        found = cache.chargers(customer_id, pks)
        if None not in found:
            return found  # type: ignore[return-value]
        missing = [pk for pk, piece in zip(pks, found, strict=True) if piece is None]
        reads.count += 1
        fresh = charger_pieces(self.source.chargers(customer_id, missing))
        cache.put_chargers(customer_id, fresh.values(), epoch)
        pieces = [p if p is not None else fresh.get(pk) for pk, p in zip(pks, found, strict=True)]
        return [p for p in pieces if p is not None]

    def _log_stats(self, cache: DocumentCache) -> None:
        now = time.monotonic()
        if now - self._logged >= _STATS_SECONDS:
            self._logged = now
            log.info("document cache: %s", cache.stats())

    # -- decision facts --------------------------------------------------------------------

    def access_facts(self, customer_id: int, charger_id: str, key: str | None) -> AccessFacts:
        """What the decision engine needs for ``key`` at this charger."""
        cache = self._usable()
        if cache is None:
            return self.source.access_facts(customer_id, charger_id, key)
        epoch = cache.epoch
        place = cache.place(customer_id, charger_id)
        if place is None:
            place = self.source.place(customer_id, charger_id)
            if place is None:
                return AccessFacts(None, None, False, set())
            cache.put_place(customer_id, charger_id, place, epoch)
        if key is None:
            return AccessFacts(place, None, False, set())
        token = cache.token(customer_id, key)
        if token is None:
            token = self.source.token(customer_id, key)
            if token is None:
                return AccessFacts(place, None, False, set())
            cache.put_token(customer_id, key, token, epoch)
        return AccessFacts(
            place, token.token, place[0] in token.chargers, set(token.sites.intersection(place[1]))
        )


class _NotInMemory(Exception):
    """The key is not in the cache: answer from the database instead."""


class _KeysInMemory:
    """API keys from the cache only."""

    def __init__(self, cache: DocumentCache) -> None:
        self._cache = cache

    def principal(self, key_id: str) -> tuple[Any, ...] | None:
        found = self._cache.principal(key_id)
        if found is None:
            raise _NotInMemory
        return found


class _Batch:
    """``Documents.batch``: a class, not a generator, since every request enters one."""

    __slots__ = ("_documents", "_inner", "_outer")

    def __init__(self, documents: Documents) -> None:
        self._documents = documents
        self._inner = documents.source.batch()
        self._outer = False

    def __enter__(self) -> None:
        self._inner.__enter__()
        documents = self._documents
        local = documents._local
        if documents.cache is not None and not getattr(local, "synced", False):
            documents._feed.sync()
            local.synced = self._outer = True

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self._outer:
            self._documents._local.synced = False
        self._inner.__exit__(kind, error, trace)


class _Reads:
    """How many database reads one document took, and the chargers it shows (the
    document is kept only while none of them changes)."""

    __slots__ = ("chargers", "count")

    def __init__(self) -> None:
        self.count = 0
        self.chargers: list[int] = []
