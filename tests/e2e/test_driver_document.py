"""The driver document, field by field, on SQLite and PostgreSQL, over real HTTP."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from evroster.api.schemas.documents import DriverDocument
from evroster.services.chargers import record_live_state
from tests.conftest import Api
from tests.e2e.helpers import charger, driver, site

# Copied from the seed page's example (shared/seed): the fields and their order.
DRIVER_KEYS = [
    "id",
    "name",
    "homeGroupId",
    "homeGroupName",
    "externalId",
    "tags",
    "chargerGroups",
    "chargers",
    "payerId",
    "integratedExternalIds",
]
TAG_KEYS = ["id", "idTag", "expiringDate", "startDate", "lastUpdated", "tokenName", "invoicable"]
SITE_KEYS = [
    "onlineSocket",
    "offlineSocket",
    "errorSocket",
    "subgroups",
    "chargers",
    "payerId",
    "costId",
    "costName",
    "paymentRecipientId",
    "id",
    "groupName",
    "groupType",
    "externalId",
]
# The example omits amountOfSockets, which the seed's schema lists as deprecated.
CHARGER_KEYS = [
    "id",
    "chargerId",
    "chargerName",
    "groupId",
    "groupName",
    "firmwareVersion",
    "publicGroupName",
    "manufacturer",
    "serialNumber",
    "chargerModel",
    "amountOfSockets",
    "lastSeen",
    "lastMessage",
    "activeConnection",
    "chargerStatus",
    "locationInfo",
    "pushIntegrationEnabled",
    "chargerSpecificMessageStructure",
    "chargerConfigurations",
    "sockets",
    "evseId",
    "splitEvseBySocket",
    "capabilities",
    "physicalReference",
    "integrationRelays",
    "iccid",
    "imsi",
    "meterSerialNumber",
    "meterType",
    "customProperties",
]
LOCATION_KEYS = [
    "latitude",
    "longitude",
    "streetAddress",
    "streetNumber",
    "houseLetter",
    "postalNumber",
    "city",
    "area",
    "country",
]
SOCKET_KEYS = [
    "type",
    "maxPower",
    "status",
    "id",
    "name",
    "deviceEvseId",
    "deviceConnectorId",
    "format",
    "socketPowerType",
    "maxWatts",
    "maxVoltage",
    "maxAmperage",
    "phaseRotation",
    "termsAndConditions",
    "lastUpdated",
    "chargingStationEvseId",
]
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def _iso(dt: datetime) -> str:
    return dt.isoformat().replace("+00:00", "Z")


def _check_charger(c: dict[str, Any]) -> None:
    assert list(c) == CHARGER_KEYS
    assert list(c["locationInfo"]) == LOCATION_KEYS
    assert c["amountOfSockets"] == len(c["sockets"])
    for s in c["sockets"]:
        assert list(s) == SOCKET_KEYS
        assert TIMESTAMP.match(s["lastUpdated"])


def _check_site(s: dict[str, Any]) -> None:
    assert list(s) == SITE_KEYS
    for c in s["chargers"]:
        _check_charger(c)
    for sub in s["subgroups"]:
        _check_site(sub)


@pytest.fixture
def operator(api: Api) -> dict[str, Any]:
    """A three-level tree, chargers in several states, a driver with odd tags and grants."""
    now = datetime.now(UTC)
    city = site(api, "City", groupType="SUB_CPO", externalId="city-1")
    garage = site(
        api,
        "Garage",
        city["id"],
        groupType=1,
        costId="t1",
        costName="AC",
        payerId=77,
        paymentRecipientId=88,
        externalId="garage-1",
    )
    floor1 = site(api, "Floor 1", garage["id"], groupType="SUB_SITE")
    floor2 = site(api, "Floor 2", garage["id"], groupType=2)
    other_city = site(api, "Other City")
    remote = site(api, "Remote Garage", other_city["id"])

    charger(api, "C-CITY", city["id"], 2)
    charger(
        api,
        "C-GARAGE",
        garage["id"],
        1,
        manufacturer="Alfen",
        chargerModel="Eve",
        locationInfo={"latitude": 59.91, "longitude": 10.75, "city": "Oslo"},
        chargerConfigurations=[
            {"configName": "HeartbeatInterval", "configValue": "300", "canBeChanged": True}
        ],
        capabilities=["RFID"],
        customProperties={"bay": "A1"},
        integrationRelays=["r1"],
    )
    charger(api, "C-F1", floor1["id"], 3)
    charger(api, "C-F2", floor2["id"], 2)
    charger(api, "C-REMOTE", remote["id"], 4)
    charger(api, "C-UNRELATED", other_city["id"], 1)

    store = api.server.store
    live = lambda cid, on, sockets=None: record_live_state(  # noqa: E731
        store,
        api.customer_id,
        cid,
        connected=on,
        seen_at=now,
        message="Heartbeat",
        charger_status="Available" if on else None,
        socket_status=sockets,
    )
    live("C-GARAGE", True, {1: "Available"})
    live("C-F1", True, {1: "Available", 2: "Faulted", 3: "Charging"})
    live("C-F2", False, {1: "Faulted", 2: "Available"})  # offline wins over Faulted
    live("C-REMOTE", True, {1: "Charging", 2: "Faulted", 3: "Available", 4: "Available"})

    dora = driver(
        api,
        "Dora",
        externalId="crm-1",
        homeSiteId=other_city["id"],
        payerId=5,
        integratedExternalIds=[
            {
                "referenceType": 1,
                "referenceId": "r",
                "externalId": "x",
                "effectiveFrom": "2025-01-02T03:04:05.006+02:00",
            }
        ],
    )
    tags = {
        "valid": {
            "idTag": "04:a2:3b:1c",
            "tokenName": "Card",
            "invoicable": True,
            "expiringDate": _iso(now + timedelta(days=30)),
        },
        "expired": {"idTag": "EXPIRED-1", "expiringDate": _iso(now - timedelta(days=1))},
        "future": {"idTag": "future-1", "startDate": _iso(now + timedelta(days=3))},
        "blocked": {"idTag": "BLOCKED-1", "blocked": True},
    }
    tag_ids = {
        k: api.ok("POST", f"/api/v1/drivers/{dora['id']}/tags", 201, json=v)["id"]
        for k, v in tags.items()
    }
    api.ok("PUT", f"/api/v1/drivers/{dora['id']}/sites/{garage['id']}", 204)
    api.ok("PUT", f"/api/v1/drivers/{dora['id']}/chargers/C-REMOTE", 204)
    return {
        "driver": dora,
        "tags": tags,
        "tag_ids": tag_ids,
        "city": city,
        "garage": garage,
        "floor1": floor1,
        "floor2": floor2,
        "other_city": other_city,
    }


def test_document_field_by_field(api: Api, operator: dict[str, Any]) -> None:
    doc = api.ok("GET", "/api/v1/drivers/by-idtag/04A23B1C")
    DriverDocument.model_validate(doc)  # every field present, typed, nothing extra
    assert list(doc) == DRIVER_KEYS
    assert doc["id"] == operator["driver"]["id"]
    assert (doc["name"], doc["externalId"], doc["payerId"]) == ("Dora", "crm-1", 5)
    assert doc["homeGroupId"] == operator["other_city"]["id"]
    assert doc["homeGroupName"] == "Other City"
    assert doc["integratedExternalIds"] == [
        {
            "referenceType": 1,
            "referenceId": "r",
            "externalId": "x",
            "effectiveFrom": "2025-01-02T01:04:05.006Z",
        }
    ]

    # Every tag, blocked/expired/not-yet-valid included, written as registered.
    assert [t["idTag"] for t in doc["tags"]] == [
        "04:a2:3b:1c",
        "EXPIRED-1",
        "future-1",
        "BLOCKED-1",
    ]
    for t in doc["tags"]:
        assert list(t) == TAG_KEYS
        assert TIMESTAMP.match(t["lastUpdated"])
    valid, expired, future, blocked = doc["tags"]
    assert valid["tokenName"] == "Card" and valid["invoicable"] is True
    assert TIMESTAMP.match(valid["expiringDate"]) and valid["startDate"] is None
    assert expired["expiringDate"] < valid["expiringDate"]
    assert TIMESTAMP.match(future["startDate"]) and future["expiringDate"] is None
    assert blocked["invoicable"] is False and "blocked" not in blocked

    # The granted site with its whole subtree; each site holds only its own chargers.
    [garage] = doc["chargerGroups"]
    _check_site(garage)
    assert (garage["id"], garage["groupName"], garage["groupType"]) == (
        operator["garage"]["id"],
        "Garage",
        1,
    )
    assert (
        garage["costId"],
        garage["costName"],
        garage["payerId"],
        garage["paymentRecipientId"],
        garage["externalId"],
    ) == ("t1", "AC", 77, 88, "garage-1")
    assert [c["chargerId"] for c in garage["chargers"]] == ["C-GARAGE"]
    floor1, floor2 = garage["subgroups"]
    assert (floor1["groupName"], floor1["groupType"]) == ("Floor 1", 2)
    assert [c["chargerId"] for c in floor1["chargers"]] == ["C-F1"]
    assert [c["chargerId"] for c in floor2["chargers"]] == ["C-F2"]
    assert floor1["subgroups"] == floor2["subgroups"] == []

    # Socket counts over the subtree: offline = unconnected; error = Faulted on connected.
    assert (floor1["onlineSocket"], floor1["offlineSocket"], floor1["errorSocket"]) == (2, 0, 1)
    assert (floor2["onlineSocket"], floor2["offlineSocket"], floor2["errorSocket"]) == (0, 2, 0)
    assert (garage["onlineSocket"], garage["offlineSocket"], garage["errorSocket"]) == (3, 2, 1)

    c = garage["chargers"][0]
    assert (c["groupId"], c["groupName"], c["manufacturer"], c["chargerModel"]) == (
        operator["garage"]["id"],
        "Garage",
        "Alfen",
        "Eve",
    )
    assert c["activeConnection"] is True and c["chargerStatus"] == "Available"
    assert c["lastMessage"] == "Heartbeat" and TIMESTAMP.match(c["lastSeen"])
    assert c["locationInfo"]["latitude"] == 59.91 and c["locationInfo"]["city"] == "Oslo"
    assert c["locationInfo"]["streetAddress"] is None
    assert c["chargerConfigurations"] == [
        {"configName": "HeartbeatInterval", "configValue": "300", "canBeChanged": True}
    ]
    assert c["capabilities"] == ["RFID"] and c["integrationRelays"] == ["r1"]
    assert c["customProperties"] == {"bay": "A1"}
    assert [(s["id"], s["status"], s["type"]) for s in c["sockets"]] == [(1, "Available", "Type2")]

    # Directly granted chargers, outside any granted site.
    [remote] = doc["chargers"]
    _check_charger(remote)
    assert remote["chargerId"] == "C-REMOTE" and remote["groupName"] == "Remote Garage"
    assert [s["status"] for s in remote["sockets"]] == [
        "Charging",
        "Faulted",
        "Available",
        "Available",
    ]
    never_connected = next(c for c in floor2["chargers"])
    assert never_connected["activeConnection"] is False


def test_by_id_is_the_same_document(api: Api, operator: dict[str, Any]) -> None:
    by_tag = api.get("/api/v1/drivers/by-idtag/blocked-1")
    by_id = api.get(f"/api/v1/drivers/{operator['driver']['id']}")
    assert by_tag.status_code == by_id.status_code == 200
    assert by_tag.headers["content-type"] == "application/json"
    assert by_tag.json() == by_id.json()


def test_lookup_is_not_authorization(api: Api, operator: dict[str, Any]) -> None:
    for id_tag in ("EXPIRED-1", "FUTURE-1", "blocked-1"):
        assert api.ok("GET", f"/api/v1/drivers/by-idtag/{id_tag}")["name"] == "Dora"


def test_document_follows_writes(api: Api, operator: dict[str, Any]) -> None:
    dora = operator["driver"]["id"]
    api.ok("DELETE", f"/api/v1/drivers/{dora}/sites/{operator['garage']['id']}", 204)
    api.ok("PUT", f"/api/v1/drivers/{dora}/sites/{operator['city']['id']}", 204)
    doc = api.ok("GET", f"/api/v1/drivers/{dora}")
    [city] = doc["chargerGroups"]
    assert city["groupName"] == "City"
    assert [s["groupName"] for s in city["subgroups"]] == ["Garage"]
    assert [c["chargerId"] for c in city["chargers"]] == ["C-CITY"]
    # C-CITY has never connected: its two sockets count as offline, up to the root.
    assert (city["onlineSocket"], city["offlineSocket"], city["errorSocket"]) == (3, 4, 1)

    api.ok("PATCH", f"/api/v1/tags/{operator['tag_ids']['valid']}", json={"tokenName": "New"})
    api.ok("DELETE", f"/api/v1/tags/{operator['tag_ids']['expired']}", 204)
    api.ok("DELETE", f"/api/v1/drivers/{dora}/chargers/C-REMOTE", 204)
    doc = api.ok("GET", f"/api/v1/drivers/{dora}")
    assert doc["tags"][0]["tokenName"] == "New"
    assert "EXPIRED-1" not in [t["idTag"] for t in doc["tags"]]
    assert doc["chargers"] == []
    api.ok("GET", "/api/v1/drivers/by-idtag/EXPIRED-1", 404)


def test_site_granted_twice_through_its_parent(api: Api, operator: dict[str, Any]) -> None:
    dora = operator["driver"]["id"]
    api.ok("PUT", f"/api/v1/drivers/{dora}/sites/{operator['floor1']['id']}", 204)
    doc = api.ok("GET", f"/api/v1/drivers/{dora}")
    assert [g["groupName"] for g in doc["chargerGroups"]] == ["Garage", "Floor 1"]
    assert doc["chargerGroups"][1] == doc["chargerGroups"][0]["subgroups"][0]


def test_driver_without_access(api: Api) -> None:
    driver(api, "Nobody", "lonely")
    doc = api.ok("GET", "/api/v1/drivers/by-idtag/LONELY")
    DriverDocument.model_validate(doc)
    assert (doc["chargerGroups"], doc["chargers"], doc["integratedExternalIds"]) == ([], [], [])
    assert doc["homeGroupId"] is None and doc["homeGroupName"] is None
    assert doc["externalId"] is None and doc["payerId"] is None
