"""The heap keeper freezes what lives long, frees what is already garbage first, and
sweeps what died frozen."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from evroster.api.heap import HeapKeeper


class _Cycle:
    def __init__(self) -> None:
        self.me = self


@pytest.fixture
def clock() -> Iterator[list[float]]:
    gc.unfreeze()
    now = [1000.0]
    yield now
    gc.unfreeze()  # leave the test process's collector as it found it


def _keeper(clock: list[float]) -> HeapKeeper:
    return HeapKeeper(freeze_seconds=10, sweep_seconds=600, clock=lambda: clock[0])


def test_frozen_objects_wait_for_the_sweep(clock: list[float]) -> None:
    keeper = _keeper(clock)
    cycle = _Cycle()
    alive = weakref.ref(cycle)
    clock[0] += 5
    keeper.tick()
    assert gc.get_freeze_count() == 0  # not yet time
    clock[0] += 5
    keeper.tick()
    assert gc.get_freeze_count() > 0  # the cycle is out of the passes' sight now
    del cycle
    gc.collect()
    assert alive() is not None  # a frozen cycle is not collected...
    clock[0] += 590
    keeper.tick()
    assert alive() is None  # ...until the sweep
    assert keeper.sweeps == 1 and gc.get_freeze_count() > 0  # and frozen again after it


def test_garbage_is_freed_before_a_freeze_not_frozen(clock: list[float]) -> None:
    keeper = _keeper(clock)
    gc.disable()  # only the keeper collects here
    try:
        cycle = _Cycle()
        dead = weakref.ref(cycle)
        del cycle  # garbage already, but only a pass can tell
        clock[0] += 10
        keeper.tick()
        assert gc.get_freeze_count() > 0
        assert dead() is None
    finally:
        gc.enable()
