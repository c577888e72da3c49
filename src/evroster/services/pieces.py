"""The driver document in pieces: a driver, each site subtree, each charger.

A document is its driver's piece with the bodies of its granted sites and direct
chargers spliced in, and a site's body is spliced from its own fields and the pieces
below it. So a changed charger (a status, a lastSeen) costs reading that one charger
again, not every document it appears in, and each charger's bytes are kept once.

Bodies are the exact bytes orjson writes for the whole document at once (orjson puts
no whitespace between tokens): each piece serialises its own fields and leaves a gap
where the nested lists go. ``render_driver`` builds every piece from one snapshot's
rows; the cache (``services/documents.py``) keeps them and reads only what changed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

import orjson

from evroster.domain.idtags import canonical_key
from evroster.domain.sites import Counts, socket_counts
from evroster.storage.base import DocumentRows

__all__ = [
    "ChargerPiece",
    "Counts",
    "DriverPiece",
    "SitePiece",
    "charger_pieces",
    "compose",
    "driver_piece",
    "render_driver",
    "render_site",
    "site_body",
    "site_pieces",
    "tag_keys",
]


# Pieces are plain tuples, not classes, because hundreds of thousands of them live in
# the cache: the garbage collector stops tracking a tuple that holds only numbers,
# bytes and such tuples, while every class instance is scanned on each full collection
# (pauses of 250-540 ms at 300,000 cached entries, measured).

# A charger object and what its sockets count for the sites above it:
# (primary key, body, counts), counted by ``domain.sites.socket_counts``.
ChargerPiece = tuple[int, bytes, Counts]
# A site's own fields and what is directly below it: (id, subsite ids, charger keys,
# tail), the tail being its own fields from ``"payerId"`` to the closing
# brace. Its body is spliced per read from the current pieces below, so a charger's
# bytes are kept once, not once per level above it.
SitePiece = tuple[int, tuple[int, ...], tuple[int, ...], bytes]
# The driver's own fields around the gaps for its granted sites and chargers:
# (id, head, granted site ids, direct charger keys, tail).
DriverPiece = tuple[int, bytes, tuple[int, ...], tuple[int, ...], bytes]

_EMPTY_LIST = orjson.Fragment(b"[]")


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
    return (
        driver[0],
        head[:-1] + b',"chargerGroups":[',
        tuple(sorted(set(sites))),
        tuple(sorted(set(chargers))),
        b"]," + tail[1:],
    )


def tag_keys(driver: tuple[Any, ...]) -> list[str]:
    """The canonical keys of a driver row's idTags: each finds this driver's document."""
    return [key for tag in orjson.loads(driver[7]) if (key := canonical_key(tag["idTag"]))]


def compose(driver: DriverPiece, sites: Sequence[bytes], chargers: Sequence[bytes]) -> bytes:
    """The document: the driver's piece with its site and charger bodies, in id order."""
    return b"".join(
        (driver[1], b",".join(sites), b'],"chargers":[', b",".join(chargers), driver[4])
    )


def charger_pieces(rows: DocumentRows) -> dict[int, ChargerPiece]:
    """Each charger of the rows once, by primary key."""
    pieces: dict[int, ChargerPiece] = {}
    for _direct, pk, _site_id, connected, sockets, faulted, obj in rows.chargers:
        if pk not in pieces:
            pieces[pk] = (pk, obj.encode(), socket_counts(connected, sockets, faulted))
    return pieces


def site_body(
    tail: bytes, subgroups: Sequence[tuple[bytes, Counts]], chargers: Sequence[ChargerPiece]
) -> tuple[bytes, Counts]:
    """A site object from its own fields and the bodies and counts of what is below."""
    online = offline = error = 0
    for counts in [s[1] for s in subgroups] + [c[2] for c in chargers]:
        online, offline, error = online + counts[0], offline + counts[1], error + counts[2]
    body = b"".join((
        b'{"onlineSocket":%d,"offlineSocket":%d,"errorSocket":%d,"subgroups":['
        % (online, offline, error),
        b",".join([s[0] for s in subgroups]), b'],"chargers":[',
        b",".join([c[1] for c in chargers]), b"],", tail,
    ))  # fmt: skip
    return body, (online, offline, error)


def site_pieces(rows: DocumentRows) -> dict[int, SitePiece]:
    """Every site of the rows, by id (a site under two granted sites comes once)."""
    sites: dict[int, tuple[Any, ...]] = {s[1]: s for s in rows.sites}
    children: dict[int, list[int]] = defaultdict(list)
    for site_id, s in sites.items():
        if s[2] in sites:
            children[s[2]].append(site_id)
    in_site: dict[int, set[int]] = defaultdict(set)
    for direct, pk, site_id, *_ in rows.chargers:
        if not direct:
            in_site[site_id].add(pk)
    pieces = {}
    for site_id, s in sites.items():
        tail = orjson.dumps({
            "payerId": s[6], "costId": s[7], "costName": s[8], "paymentRecipientId": s[9],
            "id": s[1], "groupName": s[3], "groupType": s[4], "externalId": s[5],
        })[1:]  # fmt: skip
        pieces[site_id] = (
            site_id,
            tuple(sorted(children.get(site_id, ()))),
            tuple(sorted(in_site.get(site_id, ()))),
            tail,
        )
    return pieces


def render_site(
    site_id: int, sites: dict[int, SitePiece], chargers: dict[int, ChargerPiece]
) -> tuple[bytes, Counts]:
    """The body and counts of one site of ``sites``, with its subtree."""
    _, children, own, tail = sites[site_id]
    below = [render_site(child, sites, chargers) for child in children]
    return site_body(tail, below, [chargers[pk] for pk in own])


def render_driver(rows: DocumentRows) -> bytes:
    """The document from one snapshot's rows, field by field as the seed page."""
    assert rows.driver is not None
    chargers = charger_pieces(rows)
    sites = site_pieces(rows)
    granted = sorted({s[1] for s in rows.sites if s[0]})
    direct = sorted({c[1] for c in rows.chargers if c[0]})
    driver = driver_piece(rows.driver, granted, direct)
    return compose(
        driver,
        [render_site(i, sites, chargers)[0] for i in granted],
        [chargers[pk][1] for pk in direct],
    )
