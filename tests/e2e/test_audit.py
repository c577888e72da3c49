"""The audit trail: a scripted sequence of changes through the API gives exactly the
expected entries; refused writes leave none; each customer sees only its own."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from evroster.services.keys import list_keys
from tests.conftest import Api


def _trail(api: Api, query: str = "") -> list[dict[str, Any]]:
    body = api.ok("GET", f"/api/v1/audit?limit=100{query}")
    assert body["totalRecords"] == len(body["items"])
    return [
        {k: e[k] for k in ("keyId", "via", "object", "objectId", "action", "changes")}
        for e in body["items"]
    ]


def test_scripted_changes_give_exactly_these_entries(api: Api, other: Api) -> None:
    admin_key = list_keys(api.server.store, api.customer_id)[0]["id"]
    reader = api.read_key()
    # The customer, its first key and the read key, all made by the CLI.
    assert [(e["object"], e["action"], e["via"], e["keyId"]) for e in _trail(api)] == [
        ("customer", "create", "cli", None),
        ("api_key", "create", "cli", None),
        ("api_key", "create", "cli", None),
    ]
    started = 3
    site = api.ok("POST", "/api/v1/sites", 201, json={"name": "Garage", "externalId": "G1"})["id"]
    api.ok(
        "POST",
        "/api/v1/chargers",
        201,
        json={"chargerId": "CP-1", "groupId": site, "sockets": [{"id": 1, "type": "Type2"}]},
    )
    driver = api.ok("POST", "/api/v1/drivers", 201, json={"name": "Ola", "externalId": "E1"})
    driver_id = driver["id"]
    tag = api.ok("POST", f"/api/v1/drivers/{driver_id}/tags", 201, json={"idTag": "04a23b1c"})
    api.ok("PATCH", f"/api/v1/tags/{tag['id']}", json={"blocked": True})
    api.ok("PATCH", f"/api/v1/drivers/{driver_id}", json={"name": "Ola"})  # no change
    for _ in range(2):  # granting twice is one grant, one entry
        api.ok("PUT", f"/api/v1/drivers/{driver_id}/sites/{site}", 204)
    api.ok("PUT", f"/api/v1/drivers/{driver_id}/chargers/CP-1", 204)
    api.ok("POST", f"/api/v1/tags/{tag['id']}/aliases", 201, json={"alias": "1C3BA204"})
    for password in ("a-password-of-16+", "another-password-17"):
        api.ok("PUT", "/api/v1/chargers/CP-1/ocpp-password", 204, json={"password": password})
    # Refused writes leave nothing.
    api.ok("POST", f"/api/v1/drivers/{driver_id}/tags", 409, json={"idTag": "04:A2:3B:1C"})
    api.ok("PATCH", f"/api/v1/drivers/{driver_id}", 400, json={"homeSiteId": 999999})
    reader.ok("PATCH", f"/api/v1/drivers/{driver_id}", 403, json={"name": "X"})
    other.ok("DELETE", f"/api/v1/tags/{tag['id']}", 404)
    api.ok("DELETE", f"/api/v1/drivers/{driver_id}/sites/{site}", 204)
    api.ok("DELETE", f"/api/v1/tags/{tag['id']}", 204)

    d, t = str(driver_id), str(tag["id"])
    tag_fields = {
        "blocked": [False, None],
        "driverId": [driver_id, None],
        "idTag": ["04a23b1c", None],
        "invoicable": [False, None],
    }
    expected = [
        ("site", str(site), "create", {
            "externalId": [None, "G1"], "groupType": [None, 1], "name": [None, "Garage"],
        }),
        ("charger", "CP-1", "create", {
            "activeConnection": [None, False],
            "chargerId": [None, "CP-1"],
            "chargerSpecificMessageStructure": [None, False],
            "groupId": [None, site],
            "pushIntegrationEnabled": [None, False],
            "sockets": [None, [{"id": 1, "type": "Type2"}]],
            "splitEvseBySocket": [None, False],
        }),
        ("driver", d, "create", {
            "externalId": [None, "E1"], "integratedExternalIds": [None, []], "name": [None, "Ola"],
        }),
        ("tag", t, "create", {k: [v[1], v[0]] for k, v in tag_fields.items()}),
        ("tag", t, "update", {"blocked": [False, True]}),
        ("driver", d, "grant_site", {"groupId": [None, site]}),
        ("driver", d, "grant_charger", {"chargerId": [None, "CP-1"]}),
        ("tag", t, "add_alias", {"alias": [None, "1C3BA204"]}),
        ("charger", "CP-1", "update", {"ocppPassword": [None, "set"]}),
        ("charger", "CP-1", "update", {"ocppPassword": ["set", "replaced"]}),
        ("driver", d, "revoke_site", {"groupId": [site, None]}),
        ("tag", t, "delete", {**tag_fields, "blocked": [True, None]}),
    ]  # fmt: skip
    trail = _trail(api)[started:]
    assert trail == [
        {"keyId": admin_key, "via": "api", "object": o, "objectId": i, "action": a, "changes": c}
        for o, i, a, c in expected
    ]
    # Filters: one object, and a time window.
    assert [e["action"] for e in _trail(api, f"&object=driver&objectId={d}")] == [
        "create",
        "grant_site",
        "grant_charger",
        "revoke_site",
    ]
    later = (datetime.now(UTC) + timedelta(minutes=1)).isoformat().replace("+00:00", "Z")
    assert _trail(api, f"&from={later}") == []
    assert len(_trail(api, f"&to={later}")) == started + len(expected)
    # B sees its own two entries (created by the CLI), none of A's, by any filter.
    assert [(e["object"], e["via"]) for e in _trail(other)] == [
        ("customer", "cli"),
        ("api_key", "cli"),
    ]
    assert _trail(other, f"&object=driver&objectId={d}") == []


def test_audit_query_is_validated(api: Api) -> None:
    for query in ("object=planet", "from=yesterday", "objectId=a%20b", "limit=0"):
        problem = api.ok("GET", f"/api/v1/audit?{query}", 400)
        assert problem["status"] == 400 and problem["errors"], query
    api.read_key().ok("GET", "/api/v1/audit")


def test_a_charger_patch_records_its_sockets_only_when_it_changes_them(api: Api) -> None:
    site = api.ok("POST", "/api/v1/sites", 201, json={"name": "Depot"})["id"]
    sockets = [{"id": 1, "type": "Type2"}, {"id": 2, "type": "CCS"}]
    api.ok("POST", "/api/v1/chargers", 201, json={
        "chargerId": "AUD-1", "groupId": site, "sockets": sockets,
    })  # fmt: skip
    query = "&object=charger&objectId=AUD-1"
    renamed = api.ok("PATCH", "/api/v1/chargers/AUD-1", json={"chargerName": "Gate"})
    assert [s["id"] for s in renamed["sockets"]] == [1, 2]
    api.ok("PATCH", "/api/v1/chargers/AUD-1", json={"sockets": sockets})  # the same list
    api.ok("PATCH", "/api/v1/chargers/AUD-1", json={"sockets": sockets[:1], "chargerName": "G"})
    entries = [(e["action"], e["changes"]) for e in _trail(api, query)]
    assert entries == [
        ("create", entries[0][1]),
        ("update", {"chargerName": [None, "Gate"]}),
        ("update", {
            "chargerName": ["Gate", "G"],
            "sockets": [[{"id": 1, "type": "Type2"}, {"id": 2, "type": "CCS"}],
                        [{"id": 1, "type": "Type2"}]],
        }),
    ]  # fmt: skip
    assert entries[0][1]["sockets"] == [None, sockets]
