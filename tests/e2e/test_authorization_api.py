"""The REST check, eMabler's real-time auth webhook, and token aliases over HTTP."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.conftest import Api
from tests.e2e.test_ocpp16 import NOW, build_world, iso


def check(api: Api, charger_id: str, id_tag: str, **params: str) -> dict[str, Any]:
    result: dict[str, Any] = api.ok(
        "GET", f"/api/v1/chargers/{charger_id}/authorize/{id_tag}", params=params
    )
    return result


def realtime(api: Api, charger_id: str, rfid: str) -> dict[str, Any]:
    body = {"charger_id": charger_id, "rfid_tag_id": rfid}
    result: dict[str, Any] = api.ok("POST", "/api/v1/realtime-auth", json=body)
    return result


def test_why_was_this_card_refused(api: Api) -> None:
    world = build_world(api)
    ok = check(api, "CP-FLOOR", "04:a2:3b:1c")
    assert ok["decision"] == "accepted" and ok["accepted"] is True
    assert ok["grantedBy"] == {"siteId": world["city"]}
    assert (ok["idTag"], ok["groupId"], ok["expiry"]) == ("04:a2:3b:1c", "FLEET-1", None)
    assert ok["driverId"] == api.ok("GET", "/api/v1/drivers/by-idtag/04A23B1C")["id"]
    cases = {
        "BLOCKED1": ("blocked", "The tag is blocked."),
        "EXPIRED1": ("expired", "The tag's validity has ended (expiringDate)."),
        "LATER1": ("not_yet_valid", "The tag is not valid yet (startDate)."),
        "OUTSIDER1": ("not_at_this_charger", None),
        "NOBODY": ("unknown_token", "No tag has this idTag or alias."),
    }
    for id_tag, (decision, reason) in cases.items():
        answer = check(api, "CP-FLOOR", id_tag)
        assert (answer["decision"], answer["accepted"], answer["grantedBy"]) == (
            decision,
            False,
            None,
        ), id_tag
        if reason:
            assert answer["reason"] == reason
    assert check(api, "CP-FLOOR", "OUTSIDER1")["reason"].startswith("The driver holds no grant")
    assert check(api, "CP-ELSE", "OUTSIDER1")["grantedBy"] == {"chargerId": "CP-ELSE"}
    assert check(api, "CP-NOWHERE", "04A23B1C")["decision"] == "unknown_charger"
    # As of a time: the later tag becomes valid, the expired one was valid.
    later = iso(world["later"] + timedelta(hours=1))
    assert check(api, "CP-FLOOR", "LATER1", at=later)["decision"] == "accepted"
    earlier = iso(NOW - timedelta(days=2))
    assert check(api, "CP-FLOOR", "EXPIRED1", at=earlier)["decision"] == "accepted"
    bad = api.get("/api/v1/chargers/CP-FLOOR/authorize/X", params={"at": "yesterday"})
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "query.at"
    # A read key may ask.
    assert check(api.read_key(), "CP-FLOOR", "04A23B1C")["accepted"] is True


def test_realtime_auth_speaks_emabler(api: Api) -> None:
    build_world(api)
    assert realtime(api, "CP-FLOOR", "04A23B1C") == {"charging_allowed": True, "reason": None}
    expected = {
        "BLOCKED1": "UNAUTHORIZED_RFID_TAG_ID",
        "EXPIRED1": "EXPIRED_RFID_TAG_ID",
        "LATER1": "UNAUTHORIZED_RFID_TAG_ID",
        "OUTSIDER1": "UNAUTHORIZED_RFID_TAG_ID",
        "NOBODY": "UNKNOWN_RFID_TAG_ID",
    }
    for rfid, reason in expected.items():
        assert realtime(api, "CP-FLOOR", rfid) == {"charging_allowed": False, "reason": reason}
    assert realtime(api, "CP-NOWHERE", "04A23B1C") == {
        "charging_allowed": False,
        "reason": "UNKNOWN_CHARGER_ID",
    }
    # eMabler's own auth: code and clientId in the query.
    response = api.raw.post(
        "/api/v1/realtime-auth",
        params={"code": api.key, "clientId": str(api.customer_id)},
        json={"charger_id": "CP-FLOOR", "rfid_tag_id": "04a23b1c", "extra": "ignored"},
    )
    assert response.json() == {"charging_allowed": True, "reason": None}
    for body in ({}, {"charger_id": "CP-FLOOR"}, {"charger_id": "", "rfid_tag_id": "A"}, []):
        bad = api.post("/api/v1/realtime-auth", json=body)
        assert bad.status_code == 400 and bad.json()["detail"] == "Errors in the body request"
    unauthenticated = api.raw.post("/api/v1/realtime-auth", json={})
    assert unauthenticated.status_code == 401


def test_aliases_through_the_api(api: Api) -> None:
    build_world(api)
    document = api.ok("GET", "/api/v1/drivers/by-idtag/04A23B1C")
    tag_id = document["tags"][0]["id"]
    # A byte-reversed UID is not the same card until an operator says so.
    assert check(api, "CP-FLOOR", "1C3BA204")["decision"] == "unknown_token"
    assert api.get("/api/v1/drivers/by-idtag/1C3BA204").status_code == 404
    alias = api.ok("POST", f"/api/v1/tags/{tag_id}/aliases", 201, json={"alias": "1c:3b:a2:04"})
    assert (alias["alias"], alias["tagId"]) == ("1c:3b:a2:04", tag_id)
    assert api.ok("GET", f"/api/v1/tags/{tag_id}/aliases") == [alias]
    answer = check(api, "CP-FLOOR", "1C3BA204")
    assert (answer["decision"], answer["tagId"]) == ("accepted", tag_id)
    assert realtime(api, "CP-FLOOR", "1c3ba204")["charging_allowed"] is True
    assert api.ok("GET", "/api/v1/drivers/by-idtag/1C-3B-A2-04")["id"] == document["id"]
    # The namespace is shared: no alias or tag may take a spelling in use.
    conflicts = [
        api.post(f"/api/v1/tags/{tag_id}/aliases", json={"alias": "1C3BA204"}),
        api.post(f"/api/v1/tags/{tag_id}/aliases", json={"alias": "BLOCKED1"}),
        api.post(f"/api/v1/tags/{tag_id}/aliases", json={"alias": "04A23B1C"}),
        api.post(f"/api/v1/drivers/{document['id']}/tags", json={"idTag": "1C3BA204"}),
    ]
    assert [c.status_code for c in conflicts] == [409, 409, 409, 409]
    for bad in ({"alias": ""}, {"alias": "a b"}, {"alias": "x" * 37}, {"alias": 5}, {}):
        response = api.post(f"/api/v1/tags/{tag_id}/aliases", json=bad)
        assert response.status_code == 400, bad
    assert len(api.ok("GET", f"/api/v1/tags/{tag_id}/aliases")) == 1
    reader = api.read_key()
    assert reader.post(f"/api/v1/tags/{tag_id}/aliases", json={"alias": "NEW1"}).status_code == 403
    assert reader.ok("GET", f"/api/v1/tags/{tag_id}/aliases") == [alias]
    api.ok("DELETE", f"/api/v1/tags/{tag_id}/aliases/{alias['id']}", 204)
    assert api.delete(f"/api/v1/tags/{tag_id}/aliases/{alias['id']}").status_code == 404
    assert check(api, "CP-FLOOR", "1C3BA204")["decision"] == "unknown_token"


def test_tenants_never_meet(api: Api, other: Api) -> None:
    build_world(api)
    tag_id = api.ok("GET", "/api/v1/drivers/by-idtag/04A23B1C")["tags"][0]["id"]
    alias = api.ok("POST", f"/api/v1/tags/{tag_id}/aliases", 201, json={"alias": "ALIAS-A"})
    # B sees no charger, no tag and no alias of A's.
    assert check(other, "CP-FLOOR", "04A23B1C")["decision"] == "unknown_charger"
    assert realtime(other, "CP-FLOOR", "04A23B1C")["reason"] == "UNKNOWN_CHARGER_ID"
    assert other.get(f"/api/v1/tags/{tag_id}/aliases").status_code == 404
    assert other.post(f"/api/v1/tags/{tag_id}/aliases", json={"alias": "X1"}).status_code == 404
    path = f"/api/v1/tags/{tag_id}/aliases/{alias['id']}"
    assert other.delete(path).status_code == 404
    assert other.ok("GET", "/api/v1/transactions")["items"] == []
    body = {"password": "x" * 20}
    assert other.put("/api/v1/chargers/CP-FLOOR/ocpp-password", json=body).status_code == 404
    # B's own charger and tag with A's spellings decide on B's data only.
    build_world(other)
    mine = check(other, "CP-FLOOR", "04A23B1C")
    assert mine["accepted"] is True and mine["tagId"] != tag_id
    assert check(other, "CP-FLOOR", "ALIAS-A")["decision"] == "unknown_token"
    assert api.ok("GET", f"/api/v1/tags/{tag_id}/aliases") == [alias]
