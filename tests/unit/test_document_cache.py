"""The cache's own rules, without a database: fills that raced a change are dropped,
changes reach exactly what they touch, and the byte bound holds."""

from __future__ import annotations

import tracemalloc

import pytest

from evroster.services import cache as cache_module
from evroster.services.cache import DocumentCache
from evroster.services.pieces import DriverPiece, SitePiece
from evroster.storage.base import CHARGER, CUSTOMER, DRIVER, KEYS, RESET, Change, TokenFacts


def _site(site_id: int, chargers: tuple[int, ...] = ()) -> SitePiece:
    return (site_id, (), chargers, b"}")


def _driver(driver_id: int) -> DriverPiece:
    return (driver_id, b"{", (), (), b"}")


def test_a_fill_that_raced_a_change_is_dropped() -> None:
    cache = DocumentCache(1 << 20)
    epoch = cache.epoch
    cache.apply([Change(DRIVER, 7)])  # arrives while the reader reads the database
    cache.put_driver(1, _driver(7), epoch)
    cache.put_key(1, "AA", 7, epoch)
    assert cache.driver(1, 7) is None and cache.driver_of(1, "AA") is None
    assert cache.stats()["discarded"] == 2  # each fill, counted for the statistics
    cache.put_driver(1, _driver(7), cache.epoch)
    assert cache.driver(1, 7) is not None
    assert cache.stats()["discarded"] == 2


def test_a_fill_is_kept_when_the_change_that_raced_it_touched_something_else() -> None:
    """Only what an entry was read from can make it stale: a change to another driver,
    charger or customer arriving meanwhile keeps the fill."""
    cache = DocumentCache(1 << 20)
    epoch = cache.epoch
    cache.apply([Change(DRIVER, 8), Change(CHARGER, 51), Change(CUSTOMER, 2)])
    cache.put_driver(1, _driver(7), epoch)
    cache.put_key(1, "AA", 7, epoch)
    cache.put_sites(1, [_site(3)], epoch)
    cache.put_chargers(1, [(50, b"{}", (1, 0, 0))], epoch)
    cache.put_document(1, ["AA"], 7, b"{doc}", [50], epoch)
    cache.put_principal("abc", (1, 1, "admin", "", "", True), epoch)
    assert cache.driver(1, 7) is not None and cache.driver_of(1, "AA") == 7
    assert cache.site(1, 3) is not None and cache.chargers(1, [50]) != [None]
    assert cache.document(1, "AA") == b"{doc}" and cache.principal("abc") is not None
    assert cache.stats()["discarded"] == 0


def test_what_a_fill_was_read_from_changing_meanwhile_drops_just_that_entry() -> None:
    cache = DocumentCache(1 << 20)
    epoch = cache.epoch
    cache.apply([Change(CHARGER, 51)])
    pieces = [(50, b"{}", (1, 0, 0)), (51, b"{}", (1, 0, 0))]
    cache.put_chargers(1, pieces, epoch)  # one read of both, one of them changed since
    kept, gone = cache.chargers(1, [50, 51])
    assert kept is not None and gone is None
    cache.put_document(1, ["AA"], 7, b"{doc}", [50, 51], epoch)  # shows the changed one
    assert cache.document(1, "AA") is None
    cache.apply([Change(CUSTOMER, 1)])
    cache.put_sites(1, [_site(3)], epoch + 1)  # began before the structure changed
    cache.put_place(1, "CP-1", (50, [3]), epoch + 1)
    cache.put_sites(2, [_site(4)], epoch + 1)  # another customer's
    assert cache.site(1, 3) is None and cache.place(1, "CP-1") is None
    assert cache.site(2, 4) is not None
    cache.apply([Change(KEYS, 1)])
    cache.put_principal("abc", (1, 1, "admin", "", "", True), epoch + 2)
    assert cache.principal("abc") is None
    assert cache.stats()["discarded"] == 5


def test_a_reset_drops_every_fill_begun_before_it() -> None:
    """A reset empties the version maps too, so only its epoch can tell a fill begun
    before it (reading what a bulk import then replaced) from one begun after."""
    cache = DocumentCache(1 << 20)
    before = cache.epoch
    cache.apply([Change(RESET, 0)])
    cache.put_driver(1, _driver(7), before)
    cache.put_principal("abc", (1, 1, "admin", "", "", True), before)
    assert cache.driver(1, 7) is None and cache.principal("abc") is None
    cache.put_driver(1, _driver(7), cache.epoch)
    assert cache.driver(1, 7) is not None


def test_a_driver_change_drops_its_piece_its_idtags_and_its_decisions() -> None:
    cache = DocumentCache(1 << 20)
    epoch = cache.epoch
    cache.put_driver(1, _driver(7), epoch)
    cache.put_key(1, "AA", 7, epoch)
    token = TokenFacts({"driver_id": 7}, frozenset({3}), frozenset())
    cache.put_token(1, "AA", token, epoch)
    cache.put_driver(1, _driver(8), epoch)
    cache.apply([Change(DRIVER, 7)])
    assert cache.driver(1, 7) is None
    assert cache.driver_of(1, "AA") is None and cache.token(1, "AA") is None
    assert cache.driver(1, 8) is not None  # another driver is untouched


def test_a_charger_change_drops_only_the_charger() -> None:
    cache = DocumentCache(1 << 20)
    epoch = cache.epoch
    cache.put_sites(1, [_site(1), _site(2, (50,))], epoch)
    cache.put_chargers(1, [(50, b"{}", (1, 0, 0)), (51, b"{}", (1, 0, 0))], epoch)
    cache.apply([Change(CHARGER, 50)])
    gone, kept = cache.chargers(1, [50, 51])
    assert gone is None and kept is not None
    assert cache.site(1, 2) is not None  # the site's structure did not change


def test_a_customer_change_invalidates_only_that_customer() -> None:
    cache = DocumentCache(1 << 20)
    epoch = cache.epoch
    cache.put_driver(1, _driver(7), epoch)
    cache.put_driver(2, _driver(8), epoch)
    cache.put_place(1, "CP-1", (5, [1]), epoch)
    cache.apply([Change(CUSTOMER, 1)])
    assert cache.driver(1, 7) is None and cache.place(1, "CP-1") is None
    assert cache.driver(2, 8) is not None


def test_pieces_of_another_customer_are_never_served() -> None:
    cache = DocumentCache(1 << 20)
    cache.put_driver(1, _driver(7), cache.epoch)
    assert cache.driver(2, 7) is None


def test_keys_and_reset() -> None:
    cache = DocumentCache(1 << 20)
    cache.put_principal("abc", (1, 1, "admin", "", "", True), cache.epoch)
    cache.put_driver(1, _driver(7), cache.epoch)
    cache.apply([Change(KEYS, 3)])
    assert cache.principal("abc") is None and cache.driver(1, 7) is not None
    cache.apply([Change(RESET, 0)])
    assert cache.driver(1, 7) is None and cache.stats()["entries"] == 0


def test_the_byte_bound_holds() -> None:
    cache = DocumentCache(64 * 1024)
    for n in range(1000):
        piece: DriverPiece = (n, b"{" + b" " * 500, (), (), b"}")
        cache.put_driver(1, piece, cache.epoch)
    stats = cache.stats()
    assert stats["bytes"] <= 64 * 1024 and 0 < stats["entries"] < 1000
    assert cache.driver(1, 999) is not None  # the most recent are kept
    assert cache.driver(1, 0) is None


def test_a_whole_document_is_served_until_a_charger_it_shows_changes() -> None:
    cache = DocumentCache(1 << 20)
    cache.put_document(1, ["AA"], 7, b"{doc}", [50, 51], cache.epoch)
    assert cache.document(1, "AA") == b"{doc}"
    assert cache.document(2, "AA") is None  # another customer's namespace
    cache.apply([Change(CHARGER, 52)])  # not shown in it
    assert cache.document(1, "AA") == b"{doc}"
    cache.apply([Change(CHARGER, 51)])
    assert cache.document(1, "AA") is None
    cache.put_document(1, ["AA"], 7, b"{doc2}", [50, 51], cache.epoch)
    cache.apply([Change(DRIVER, 7)])
    assert cache.document(1, "AA") is None
    cache.put_document(1, ["AA"], 7, b"{doc3}", [], cache.epoch)
    cache.apply([Change(CUSTOMER, 1)])
    assert cache.document(1, "AA") is None


def test_evicted_entries_are_freed() -> None:
    """Memory stays near the bound however much passes through (lru-dict's popitem
    leaked every value it evicted)."""
    cache = DocumentCache(256 * 1024)
    tracemalloc.start()
    try:
        for n in range(5000):
            cache.put_document(1, [f"K{n}"], n, bytes(2000) + str(n).encode(), [], cache.epoch)
        live, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert cache.stats()["bytes"] <= 256 * 1024
    assert live < 2 * 256 * 1024, live  # 10 MB passed through


def test_the_version_maps_stay_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cache_module, "_MAX_VERSIONS", 100)
    cache = DocumentCache(1 << 20)
    cache.put_driver(1, _driver(7), cache.epoch)
    cache.apply([Change(CHARGER, n) for n in range(60)])
    cache.apply([Change(DRIVER, n) for n in range(1000, 1040)])
    assert cache.driver(1, 7) is not None and cache.stats()["resets"] == 0
    cache.apply([Change(DRIVER, n) for n in range(2000, 2001)])  # the 101st
    stats = cache.stats()
    assert stats["resets"] == 1 and stats["entries"] == 0 and stats["bytes"] == 0
    assert cache.driver(1, 7) is None
    assert len(cache._versions) + len(cache._charger_versions) == 0
    cache.put_driver(1, _driver(7), cache.epoch)  # and it fills again
    assert cache.driver(1, 7) is not None
