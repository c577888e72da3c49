"""The cache's own rules, without a database: fills that raced a change are dropped,
changes reach exactly what they touch, and the byte bound holds."""

from __future__ import annotations

from evroster.services.cache import DocumentCache
from evroster.services.pieces import ChargerPiece, DriverPiece, SitePiece
from evroster.storage.base import CHARGER, CUSTOMER, DRIVER, KEYS, RESET, Change, TokenFacts


def _site(site_id: int, parent: int | None, chargers: tuple[int, ...] = ()) -> SitePiece:
    return SitePiece(site_id, parent, (), chargers, b"}", b"{}", (0, 0, 0))


def _driver(driver_id: int) -> DriverPiece:
    return DriverPiece(driver_id, b"{", (), (), b"}")


def test_a_fill_that_raced_a_change_is_dropped() -> None:
    cache = DocumentCache(1 << 20)
    epoch = cache.epoch
    cache.apply([Change(DRIVER, 7)])  # arrives while the reader reads the database
    cache.put_driver(1, _driver(7), epoch)
    cache.put_key(1, "AA", 7, epoch)
    assert cache.driver(1, 7) is None and cache.driver_of(1, "AA") is None
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


def test_a_charger_change_drops_the_charger_and_marks_the_sites_above() -> None:
    cache = DocumentCache(1 << 20)
    epoch = cache.epoch
    cache.put_sites(1, [_site(1, None), _site(2, 1, (50,)), _site(3, None)], epoch)
    cache.put_chargers(1, [ChargerPiece(50, 2, b"{}", (1, 0, 0))], epoch)
    cache.apply([Change(CHARGER, 50)])
    assert cache.charger(1, 50) is None
    for site_id in (1, 2):  # kept for splicing, without a body
        piece = cache.site(1, site_id)
        assert piece is not None and piece.body is None
    other = cache.site(1, 3)
    assert other is not None and other.body == b"{}"


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
        piece = DriverPiece(n, b"{" + b" " * 500, (), (), b"}")
        cache.put_driver(1, piece, cache.epoch)
    stats = cache.stats()
    assert stats["bytes"] <= 64 * 1024 and 0 < stats["entries"] < 1000
    assert cache.driver(1, 999) is not None  # the most recent are kept
    assert cache.driver(1, 0) is None
