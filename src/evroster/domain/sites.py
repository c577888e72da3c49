"""The site tree: group types and the no-cycle rule."""

from __future__ import annotations

from collections.abc import Callable
from enum import IntEnum

__all__ = ["Counts", "GroupType", "creates_cycle", "parse_group_type", "socket_counts"]

Counts = tuple[int, int, int]  # sockets online, offline, in error


class GroupType(IntEnum):
    """eMabler's ``groupType``: what a node of the site tree stands for."""

    SUB_CPO = 0
    SITE = 1
    SUB_SITE = 2
    CIRCUIT = 3
    OTHER = 4


def parse_group_type(value: object) -> GroupType | None:
    """A group type from its number or its name (any case), or ``None`` if neither."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return GroupType(value) if 0 <= value <= 4 else None
    if not isinstance(value, str):  # a body may hold anything: an object, a list
        return None
    try:
        return GroupType[value.strip().upper()]
    except KeyError:
        return None


def creates_cycle(
    site_id: int, new_parent_id: int | None, parent_of: Callable[[int], int | None]
) -> bool:
    """Whether moving ``site_id`` under ``new_parent_id`` would make the tree a loop.

    ``parent_of`` walks the current tree upwards; the walk is bounded so that a tree
    already damaged elsewhere cannot hang the check.
    """
    seen: set[int] = set()
    node = new_parent_id
    while node is not None and node not in seen:
        if node == site_id:
            return True
        seen.add(node)
        node = parent_of(node)
    return node is not None


def socket_counts(connected: bool, sockets: int, faulted: int) -> Counts:
    """How a charger's sockets count for the sites above it (api.md): every socket of an
    unconnected charger is offline; on a connected one, Faulted sockets are errors and
    the others online."""
    return (sockets - faulted, 0, faulted) if connected else (0, sockets, 0)
