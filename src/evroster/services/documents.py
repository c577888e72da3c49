"""The driver document (eMabler's get-authorised-user-by-tag) and its parts.

Built straight from the tuples of ``DocumentSource`` into dicts and serialised with
orjson: no models, no validation, on the most called read of the system. JSON columns
are spliced in as ``orjson.Fragment`` without being parsed.
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
_FAULTED = "faulted"
_EMPTY_LIST = orjson.Fragment(b"[]")

Doc = dict[str, Any]


def _json(text: str | None, default: Any = None) -> Any:
    return default if text is None else orjson.Fragment(text)


def _sockets(rows: list[tuple[Any, ...]]) -> dict[int, list[Doc]]:
    by_charger: dict[int, list[Doc]] = defaultdict(list)
    for s in rows:
        by_charger[s[0]].append(
            {
                "type": s[1],
                "maxPower": s[2],
                "status": s[3],
                "id": s[4],
                "name": s[5],
                "deviceEvseId": s[6],
                "deviceConnectorId": s[7],
                "format": s[8],
                "socketPowerType": s[9],
                "maxWatts": s[10],
                "maxVoltage": s[11],
                "maxAmperage": s[12],
                "phaseRotation": s[13],
                "termsAndConditions": s[14],
                "lastUpdated": s[15],
                "chargingStationEvseId": s[16],
            }
        )
    return by_charger


def _charger(c: tuple[Any, ...], sockets: list[Doc]) -> Doc:
    return {
        "id": c[1],
        "chargerId": c[2],
        "chargerName": c[3],
        "groupId": c[4],
        "groupName": c[5],
        "firmwareVersion": c[6],
        "publicGroupName": c[7],
        "manufacturer": c[8],
        "serialNumber": c[9],
        "chargerModel": c[10],
        "amountOfSockets": len(sockets),
        "lastSeen": c[11],
        "lastMessage": c[12],
        "activeConnection": bool(c[13]),
        "chargerStatus": c[14],
        "locationInfo": {
            "latitude": c[15],
            "longitude": c[16],
            "streetAddress": c[17],
            "streetNumber": c[18],
            "houseLetter": c[19],
            "postalNumber": c[20],
            "city": c[21],
            "area": c[22],
            "country": c[23],
        },
        "pushIntegrationEnabled": bool(c[24]),
        "chargerSpecificMessageStructure": bool(c[25]),
        "chargerConfigurations": _json(c[26]),
        "sockets": sockets,
        "evseId": c[27],
        "splitEvseBySocket": bool(c[28]),
        "capabilities": _json(c[29], _EMPTY_LIST),
        "physicalReference": c[30],
        "integrationRelays": _json(c[31]),
        "iccid": c[32],
        "imsi": c[33],
        "meterSerialNumber": c[34],
        "meterType": c[35],
        "customProperties": _json(c[36]),
    }


def _counts(c: tuple[Any, ...], sockets: list[Doc]) -> tuple[int, int, int]:
    """(online, offline, error) sockets of one charger, as api.md defines them."""
    if not c[13]:
        return 0, len(sockets), 0
    error = sum(1 for s in sockets if (s["status"] or "").lower() == _FAULTED)
    return len(sockets) - error, 0, error


class _Parts:
    """Charger objects and per-site charger lists, each charger built once."""

    def __init__(self, rows: DocumentRows) -> None:
        sockets = _sockets(rows.sockets)
        self.objects: dict[int, Doc] = {}
        self.counts: dict[int, tuple[int, int, int]] = {}
        self.in_site: dict[int, list[int]] = defaultdict(list)
        self.direct: list[int] = []
        for c in rows.chargers:
            pk = c[1]
            if pk not in self.objects:
                own = sockets.get(pk, [])
                self.objects[pk] = _charger(c, own)
                self.counts[pk] = _counts(c, own)
            (self.direct if c[0] else self.in_site[c[4]]).append(pk)


def site_objects(rows: DocumentRows, parts: _Parts | None = None) -> list[Doc]:
    """The granted sites (flag 1), each with its whole subtree, in id order."""
    parts = parts or _Parts(rows)
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
        own = sorted(parts.in_site.get(site_id, ()))
        online = offline = error = 0
        for pk in own:
            on, off, err = parts.counts[pk]
            online, offline, error = online + on, offline + off, error + err
        for sub in subgroups:
            online += sub["onlineSocket"]
            offline += sub["offlineSocket"]
            error += sub["errorSocket"]
        doc = {
            "onlineSocket": online,
            "offlineSocket": offline,
            "errorSocket": error,
            "subgroups": subgroups,
            "chargers": [parts.objects[pk] for pk in own],
            "payerId": s[6],
            "costId": s[7],
            "costName": s[8],
            "paymentRecipientId": s[9],
            "id": s[1],
            "groupName": s[3],
            "groupType": s[4],
            "externalId": s[5],
        }
        built[site_id] = doc
        return doc

    return [build(site_id) for site_id in sorted(granted)]


def charger_objects(rows: DocumentRows) -> list[Doc]:
    """The chargers flagged direct, as full charger objects, in id order."""
    parts = _Parts(rows)
    return [parts.objects[pk] for pk in sorted(parts.direct)]


def render_driver(rows: DocumentRows) -> bytes:
    """The driver document as JSON bytes, field by field as the seed page."""
    d = rows.driver
    assert d is not None
    parts = _Parts(rows)
    doc = {
        "id": d[0],
        "name": d[1],
        "homeGroupId": d[2],
        "homeGroupName": d[3],
        "externalId": d[4],
        "tags": [
            {
                "id": t[0],
                "idTag": t[1],
                "expiringDate": t[2],
                "startDate": t[3],
                "lastUpdated": t[4],
                "tokenName": t[5],
                "invoicable": bool(t[6]),
            }
            for t in rows.tags
        ],
        "chargerGroups": site_objects(rows, parts),
        "chargers": [parts.objects[pk] for pk in sorted(parts.direct)],
        "payerId": d[5],
        "integratedExternalIds": _json(d[6], _EMPTY_LIST),
    }
    return orjson.dumps(doc)


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
