"""The reads of the hot path: API keys, driver documents and decision facts.

:class:`Documents` serves them from the process's :class:`DocumentCache` when one is
configured and the change feed says it is fresh, and straight from the database
otherwise (the cache set to 0 bytes, or a PostgreSQL listener that is down). Either way
the bytes are the same: both paths build them from the same pieces
(``services/pieces.py``).
"""

from __future__ import annotations

import logging
import time
from contextlib import AbstractContextManager
from typing import Any

import orjson

from evroster.domain.idtags import canonical_key
from evroster.errors import InvalidInput, NotFound
from evroster.services.cache import DocumentCache
from evroster.services.drivers import DRIVER_NOT_FOUND
from evroster.services.pieces import (
    ChargerPiece,
    DriverPiece,
    SitePiece,
    charger_pieces,
    compose,
    driver_piece,
    recompose_site,
    render_driver,
    site_pieces,
)
from evroster.storage.base import AccessFacts, ChangeFeed, DocumentRows, DocumentSource

__all__ = ["ROUTE_ERRORS", "Documents", "charger_objects", "driver_by_id", "site_objects"]

log = logging.getLogger(__name__)

ROUTE_ERRORS = "Errors in the route parameters"
_STATS_SECONDS = 60.0


def site_objects(rows: DocumentRows) -> list[dict[str, Any]]:
    """The granted sites (flag 1) of the rows, each with its whole subtree, in id order."""
    sites = site_pieces(rows, charger_pieces(rows))
    granted = sorted({s[1] for s in rows.sites if s[0]})
    return [orjson.loads(sites[i].body or b"{}") for i in granted]


def charger_objects(rows: DocumentRows) -> list[orjson.Fragment]:
    """The chargers flagged direct, as charger objects (JSON fragments), in id order."""
    pieces = charger_pieces(rows)
    return [
        orjson.Fragment(pieces[pk].body) for pk in sorted({c[1] for c in rows.chargers if c[0]})
    ]


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
        if self.cache is not None:
            feed.subscribe(self.cache.apply)

    def batch(self) -> AbstractContextManager[None]:
        return self.source.batch()

    def _usable(self) -> DocumentCache | None:
        cache = self.cache
        if cache is None:
            return None
        self._feed.sync()
        return cache if self._feed.fresh() else None

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

    # -- driver documents ------------------------------------------------------------------

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
        epoch = cache.epoch
        reads = _Reads()
        driver_id = cache.driver_of(customer_id, key)
        piece = None if driver_id is None else cache.driver(customer_id, driver_id)
        if piece is None:
            reads.count += 1
            found = self.source.driver_of_key(customer_id, key)
            if found is None:
                raise NotFound(DRIVER_NOT_FOUND)
            piece = driver_piece(*found)
            cache.put_key(customer_id, key, piece.id, epoch)
            cache.put_driver(customer_id, piece, epoch)
        return self._compose(cache, customer_id, piece, epoch, reads)

    def by_id(self, customer_id: int, driver_id: int) -> bytes:
        """The document of the driver with this id."""
        cache = self._usable()
        if cache is None:
            return driver_by_id(self.source, customer_id, driver_id)
        epoch = cache.epoch
        reads = _Reads()
        piece = cache.driver(customer_id, driver_id)
        if piece is None:
            reads.count += 1
            found = self.source.driver_of_id(customer_id, driver_id)
            if found is None:
                raise NotFound(DRIVER_NOT_FOUND)
            piece = driver_piece(*found)
            cache.put_driver(customer_id, piece, epoch)
        return self._compose(cache, customer_id, piece, epoch, reads)

    def _compose(
        self, cache: DocumentCache, customer_id: int, piece: DriverPiece, epoch: int, reads: _Reads
    ) -> bytes:
        sites = [self._site(cache, customer_id, s, epoch, reads) for s in piece.sites]
        chargers = self._chargers(cache, customer_id, piece.chargers, epoch, reads)
        # A site or charger deleted since the driver's piece was read is left out: the
        # deletion's own change drops that piece, and the next read has neither.
        body = compose(piece, [s.body or b"" for s in sites if s], [c.body for c in chargers])
        cache.count(hit=not reads.count)
        self._log_stats(cache)
        return body

    def _site(
        self, cache: DocumentCache, customer_id: int, site_id: int, epoch: int, reads: _Reads
    ) -> SitePiece | None:
        piece = cache.site(customer_id, site_id)
        if piece is None:
            reads.count += 1
            rows = self.source.site_tree(customer_id, site_id)
            chargers = charger_pieces(rows)
            built = site_pieces(rows, chargers)
            cache.put_chargers(customer_id, chargers.values(), epoch)
            cache.put_sites(customer_id, built.values(), epoch)
            return built.get(site_id)
        if piece.body is not None:
            return piece
        # Something below changed: splice the current pieces again.
        below = [self._site(cache, customer_id, c, epoch, reads) for c in piece.children]
        chargers_below = self._chargers(cache, customer_id, piece.chargers, epoch, reads)
        fresh = recompose_site(piece, [s for s in below if s], chargers_below)
        cache.put_sites(customer_id, [fresh], epoch)
        return fresh

    def _chargers(
        self,
        cache: DocumentCache,
        customer_id: int,
        pks: tuple[int, ...],
        epoch: int,
        reads: _Reads,
    ) -> list[ChargerPiece]:
        found = {pk: cache.charger(customer_id, pk) for pk in pks}
        missing = [pk for pk, piece in found.items() if piece is None]
        if missing:
            reads.count += 1
            fresh = charger_pieces(self.source.chargers(customer_id, missing))
            cache.put_chargers(customer_id, fresh.values(), epoch)
            found.update(fresh)
        return [p for p in (found[pk] for pk in pks) if p is not None]

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


class _Reads:
    """How many database reads one document took (0: a hit)."""

    __slots__ = ("count",)

    def __init__(self) -> None:
        self.count = 0
