"""The driver document (eMabler's get-authorised-user-by-tag) and its parts.

Assembled from the tuples of ``DocumentSource`` into dicts and serialised with orjson:
no models, no validation, on the most called read of the system. Tag and charger
objects and JSON columns arrive as JSON text and are spliced in as ``orjson.Fragment``
unparsed.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import orjson

from evroster.domain.idtags import canonical_key
from evroster.errors import InvalidInput, NotFound
from evroster.services.drivers import DRIVER_NOT_FOUND
from evroster.storage.base import DocumentRows, DocumentSource

__all__ = [
    "ROUTE_ERRORS",
    "charger_objects",
    "driver_by_id",
    "driver_by_idtag",
    "render_driver",
    "site_objects",
]

ROUTE_ERRORS = "Errors in the route parameters"
_EMPTY_LIST = orjson.Fragment(b"[]")

Doc = dict[str, Any]


def _json(text: str | None, default: Any = None) -> Any:
    return default if text is None else orjson.Fragment(text)


class _Chargers:
    """Charger objects and the sockets they count, each charger taken once.

    Socket counts follow api.md: every socket of an unconnected charger is offline;
    on a connected one, Faulted sockets are errors and the others online.
    """

    def __init__(self, rows: DocumentRows) -> None:
        self.objects: dict[int, orjson.Fragment] = {}
        self.counts: dict[int, tuple[int, int, int]] = {}
        self.in_site: dict[int, list[int]] = defaultdict(list)
        self.direct: list[int] = []
        for direct, pk, site_id, connected, sockets, faulted, obj in rows.chargers:
            if pk not in self.objects:
                self.objects[pk] = orjson.Fragment(obj)
                self.counts[pk] = (sockets - faulted, 0, faulted) if connected else (0, sockets, 0)
            (self.direct if direct else self.in_site[site_id]).append(pk)

    def direct_objects(self) -> list[orjson.Fragment]:
        return [self.objects[pk] for pk in sorted(self.direct)]


def site_objects(rows: DocumentRows, chargers: _Chargers | None = None) -> list[Doc]:
    """The granted sites (flag 1), each with its whole subtree, in id order."""
    chargers = chargers or _Chargers(rows)
    sites: dict[int, tuple[Any, ...]] = {}
    granted: set[int] = set()
    for s in rows.sites:
        sites[s[1]] = s
        if s[0]:
            granted.add(s[1])
    children: dict[int | None, list[int]] = defaultdict(list)
    for site_id, s in sites.items():
        children[s[2]].append(site_id)
    built: dict[int, Doc] = {}

    def build(site_id: int) -> Doc:
        if site_id in built:
            return built[site_id]
        s = sites[site_id]
        subgroups = [build(child) for child in sorted(children.get(site_id, ()))]
        own = sorted(chargers.in_site.get(site_id, ()))
        online = offline = error = 0
        for pk in own:
            on, off, err = chargers.counts[pk]
            online, offline, error = online + on, offline + off, error + err
        for sub in subgroups:
            online += sub["onlineSocket"]
            offline += sub["offlineSocket"]
            error += sub["errorSocket"]
        doc = {
            "onlineSocket": online, "offlineSocket": offline, "errorSocket": error,
            "subgroups": subgroups, "chargers": [chargers.objects[pk] for pk in own],
            "payerId": s[6], "costId": s[7], "costName": s[8], "paymentRecipientId": s[9],
            "id": s[1], "groupName": s[3], "groupType": s[4], "externalId": s[5],
        }  # fmt: skip
        built[site_id] = doc
        return doc

    return [build(site_id) for site_id in sorted(granted)]


def charger_objects(rows: DocumentRows) -> list[orjson.Fragment]:
    """The chargers flagged direct, as charger objects (JSON fragments), in id order."""
    return _Chargers(rows).direct_objects()


def render_driver(rows: DocumentRows) -> bytes:
    """The driver document as JSON bytes, field by field as the seed page."""
    d = rows.driver
    assert d is not None
    chargers = _Chargers(rows)
    return orjson.dumps({
        "id": d[0], "name": d[1], "homeGroupId": d[2], "homeGroupName": d[3],
        "externalId": d[4],
        "tags": orjson.Fragment(d[7]),
        "chargerGroups": site_objects(rows, chargers),
        "chargers": chargers.direct_objects(),
        "payerId": d[5],
        "integratedExternalIds": _json(d[6], _EMPTY_LIST),
    })  # fmt: skip


def driver_by_idtag(source: DocumentSource, customer_id: int, id_tag: str) -> bytes:
    """The document of the driver holding ``id_tag`` (any accepted spelling)."""
    key = canonical_key(id_tag)
    if key is None:
        raise InvalidInput(ROUTE_ERRORS, location="path")
    rows = source.by_tag_key(customer_id, key)
    if rows is None:
        raise NotFound(DRIVER_NOT_FOUND)
    return render_driver(rows)


def driver_by_id(source: DocumentSource, customer_id: int, driver_id: int) -> bytes:
    """The document of the driver with this id."""
    rows = source.by_driver_id(customer_id, driver_id)
    if rows is None:
        raise NotFound(DRIVER_NOT_FOUND)
    return render_driver(rows)
