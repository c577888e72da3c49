"""The driver document in pieces: a driver, each site subtree, each charger.

A document is its driver's piece with the bodies of its granted sites and direct
chargers spliced in. A site's body holds its subsites' and chargers' bodies, so a
changed charger (a status, a lastSeen) costs rebuilding that charger and splicing the
sites above it again, not reading every document it appears in.

Bodies are the exact bytes orjson writes for the whole document at once (orjson puts
no whitespace between tokens): each piece serialises its own fields and leaves a gap
where the nested lists go. ``render_driver`` builds every piece from one snapshot's
rows; the cache (``services/documents.py``) keeps them and rebuilds only what changed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import orjson

from evroster.storage.base import DocumentRows

__all__ = [
    "ChargerPiece",
    "Counts",
    "DriverPiece",
    "SitePiece",
    "charger_pieces",
    "compose",
    "driver_piece",
    "recompose_site",
    "render_driver",
    "site_pieces",
]

Counts = tuple[int, int, int]  # sockets online, offline, in error
_EMPTY_LIST = orjson.Fragment(b"[]")


@dataclass(slots=True)
class ChargerPiece:
    """A charger object and what its sockets count for the sites above it.

    Socket counts follow api.md: every socket of an unconnected charger is offline; on
    a connected one, Faulted sockets are errors and the others online.
    """

    pk: int
    site_id: int
    body: bytes
    counts: Counts


@dataclass(slots=True)
class SitePiece:
    """A site with its whole subtree; ``body`` is None once something below changed."""

    id: int
    parent_id: int | None
    children: tuple[int, ...]
    chargers: tuple[int, ...]
    tail: bytes  # the site's own fields, from ``"payerId"`` to the closing brace
    body: bytes | None
    counts: Counts


@dataclass(slots=True)
class DriverPiece:
    """The driver's own fields around the gaps for its granted sites and chargers."""

    id: int
    head: bytes
    sites: tuple[int, ...]
    chargers: tuple[int, ...]
    tail: bytes


def _json(text: str | None, default: Any = None) -> Any:
    return default if text is None else orjson.Fragment(text)


def driver_piece(
    driver: tuple[Any, ...], sites: Iterable[int], chargers: Iterable[int]
) -> DriverPiece:
    """From a driver row (column order in ``storage/sql/document_sql.py``)."""
    head = orjson.dumps({
        "id": driver[0], "name": driver[1], "homeGroupId": driver[2],
        "homeGroupName": driver[3], "externalId": driver[4],
        "tags": orjson.Fragment(driver[7]),
    })  # fmt: skip
    tail = orjson.dumps(
        {"payerId": driver[5], "integratedExternalIds": _json(driver[6], _EMPTY_LIST)}
    )
    return DriverPiece(
        driver[0],
        head[:-1] + b',"chargerGroups":[',
        tuple(sorted(set(sites))),
        tuple(sorted(set(chargers))),
        b"]," + tail[1:],
    )


def compose(driver: DriverPiece, sites: Sequence[bytes], chargers: Sequence[bytes]) -> bytes:
    """The document: the driver's piece with its site and charger bodies, in id order."""
    return b"".join(
        (driver.head, b",".join(sites), b'],"chargers":[', b",".join(chargers), driver.tail)
    )


def charger_pieces(rows: DocumentRows) -> dict[int, ChargerPiece]:
    """Each charger of the rows once, by primary key."""
    pieces: dict[int, ChargerPiece] = {}
    for _direct, pk, site_id, connected, sockets, faulted, obj in rows.chargers:
        if pk not in pieces:
            counts = (sockets - faulted, 0, faulted) if connected else (0, sockets, 0)
            pieces[pk] = ChargerPiece(pk, site_id, obj.encode(), counts)
    return pieces


def _site_body(
    tail: bytes, subgroups: Sequence[SitePiece], chargers: Sequence[ChargerPiece]
) -> tuple[bytes, Counts]:
    online = offline = error = 0
    for counts in [s.counts for s in subgroups] + [c.counts for c in chargers]:
        online, offline, error = online + counts[0], offline + counts[1], error + counts[2]
    body = b"".join((
        b'{"onlineSocket":%d,"offlineSocket":%d,"errorSocket":%d,"subgroups":['
        % (online, offline, error),
        b",".join(s.body or b"" for s in subgroups), b'],"chargers":[',
        b",".join(c.body for c in chargers), b"],", tail,
    ))  # fmt: skip
    return body, (online, offline, error)


def site_pieces(rows: DocumentRows, chargers: dict[int, ChargerPiece]) -> dict[int, SitePiece]:
    """Every site of the rows with its subtree, built bottom-up."""
    sites: dict[int, tuple[Any, ...]] = {s[1]: s for s in rows.sites}
    children: dict[int, list[int]] = defaultdict(list)
    for site_id, s in sites.items():
        if s[2] in sites:
            children[s[2]].append(site_id)
    in_site: dict[int, set[int]] = defaultdict(set)
    for direct, pk, site_id, *_ in rows.chargers:
        if not direct:
            in_site[site_id].add(pk)
    built: dict[int, SitePiece] = {}

    def build(site_id: int) -> SitePiece:
        if site_id in built:
            return built[site_id]
        s = sites[site_id]
        subgroups = [build(child) for child in sorted(children.get(site_id, ()))]
        own = [chargers[pk] for pk in sorted(in_site.get(site_id, ()))]
        tail = orjson.dumps({
            "payerId": s[6], "costId": s[7], "costName": s[8], "paymentRecipientId": s[9],
            "id": s[1], "groupName": s[3], "groupType": s[4], "externalId": s[5],
        })[1:]  # fmt: skip
        body, counts = _site_body(tail, subgroups, own)
        piece = SitePiece(
            site_id, s[2], tuple(p.id for p in subgroups), tuple(c.pk for c in own), tail,
            body, counts,
        )  # fmt: skip
        built[site_id] = piece
        return piece

    for site_id in sorted(sites):
        build(site_id)
    return built


def recompose_site(
    site: SitePiece, subgroups: Sequence[SitePiece], chargers: Sequence[ChargerPiece]
) -> SitePiece:
    """The site again, from the current pieces of what is below it."""
    body, counts = _site_body(site.tail, subgroups, chargers)
    return replace(site, body=body, counts=counts)


def render_driver(rows: DocumentRows) -> bytes:
    """The document from one snapshot's rows, field by field as the seed page."""
    assert rows.driver is not None
    chargers = charger_pieces(rows)
    sites = site_pieces(rows, chargers)
    granted = sorted({s[1] for s in rows.sites if s[0]})
    direct = sorted({c[1] for c in rows.chargers if c[0]})
    driver = driver_piece(rows.driver, granted, direct)
    return compose(
        driver, [sites[i].body or b"" for i in granted], [chargers[pk].body for pk in direct]
    )
