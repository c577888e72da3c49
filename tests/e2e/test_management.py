"""The management API: sites, chargers, drivers, tags, grants and paging."""

from __future__ import annotations

from datetime import UTC, datetime

from evroster.services.chargers import record_live_state
from tests.conftest import Api
from tests.e2e.helpers import charger, driver, site


def test_create_answers_201_with_location(api: Api) -> None:
    response = api.post("/api/v1/sites", json={"name": "Depot", "groupType": "circuit"})
    assert response.status_code == 201
    body = response.json()
    assert response.headers["location"] == f"/api/v1/sites/{body['id']}"
    assert body == {
        "id": body["id"],
        "name": "Depot",
        "parentId": None,
        "groupType": 3,
        "externalId": None,
        "payerId": None,
        "costId": None,
        "costName": None,
        "paymentRecipientId": None,
    }
    assert api.ok("GET", response.headers["location"]) == body

    response = api.post("/api/v1/chargers", json={"chargerId": "CP-1", "groupId": body["id"]})
    assert response.status_code == 201
    assert response.headers["location"] == "/api/v1/chargers/CP-1"
    assert api.ok("GET", "/api/v1/chargers/CP-1") == response.json()

    response = api.post("/api/v1/drivers", json={"name": "Eve"})
    assert response.status_code == 201
    assert response.headers["location"] == f"/api/v1/drivers/{response.json()['id']}"

    response = api.post(f"/api/v1/drivers/{response.json()['id']}/tags", json={"idTag": "T"})
    assert response.status_code == 201
    assert response.headers["location"] == f"/api/v1/tags/{response.json()['id']}"
    assert response.json()["blocked"] is False and response.json()["idTag"] == "T"


def test_site_tree_and_no_cycles(api: Api) -> None:
    root = site(api, "Root")
    a = site(api, "A", root["id"])
    b = site(api, "B", a["id"])
    c = site(api, "C", b["id"])
    charger(api, "IN-C", c["id"], 2)
    tree = api.ok("GET", f"/api/v1/sites/{root['id']}/tree")
    names = []
    node = tree
    while node:
        names.append(node["groupName"])
        node = node["subgroups"][0] if node["subgroups"] else None
    assert names == ["Root", "A", "B", "C"]
    assert tree["offlineSocket"] == 2

    for parent in (root["id"], a["id"], c["id"]):
        response = api.patch(f"/api/v1/sites/{root['id']}", json={"parentId": parent})
        assert response.status_code == 400
        assert response.json()["errors"][0]["field"] == "parentId"
    assert api.ok("GET", f"/api/v1/sites/{root['id']}")["parentId"] is None

    # A legal move: C goes up under Root; detach A to make it a root.
    assert (
        api.ok("PATCH", f"/api/v1/sites/{c['id']}", json={"parentId": root["id"]})["parentId"]
        == root["id"]
    )
    assert api.ok("PATCH", f"/api/v1/sites/{a['id']}", json={"parentId": None})["parentId"] is None
    tree = api.ok("GET", f"/api/v1/sites/{root['id']}/tree")
    assert [s["groupName"] for s in tree["subgroups"]] == ["C"]
    api.ok("GET", "/api/v1/sites/999999999/tree", 404)


def test_site_patch_and_delete(api: Api) -> None:
    s = site(api, "Old", externalId="e1")
    patched = api.ok(
        "PATCH",
        f"/api/v1/sites/{s['id']}",
        json={"name": "New", "externalId": "e1", "costName": "Night"},
    )
    assert (patched["name"], patched["externalId"], patched["costName"]) == ("New", "e1", "Night")
    assert api.ok("PATCH", f"/api/v1/sites/{s['id']}", json={}) == patched
    d = driver(api, "Homed", homeSiteId=s["id"])
    api.ok("PUT", f"/api/v1/drivers/{d['id']}/sites/{s['id']}", 204)
    api.ok("DELETE", f"/api/v1/sites/{s['id']}", 204)
    api.ok("GET", f"/api/v1/sites/{s['id']}", 404)
    doc = api.ok("GET", f"/api/v1/drivers/{d['id']}")
    assert doc["homeGroupId"] is None and doc["chargerGroups"] == []


def test_charger_fields_and_sockets(api: Api) -> None:
    s1, s2 = site(api, "S1"), site(api, "S2")
    created = charger(
        api,
        "CP-9",
        s1["id"],
        2,
        evseId="NO*ABC*E1",
        iccid="8947",
        splitEvseBySocket=True,
        pushIntegrationEnabled=True,
    )
    assert (created["evseId"], created["iccid"], created["splitEvseBySocket"]) == (
        "NO*ABC*E1",
        "8947",
        True,
    )
    assert created["activeConnection"] is False and created["lastSeen"] is None
    assert created["capabilities"] == [] and created["chargerConfigurations"] is None

    record_live_state(
        api.server.store,
        api.customer_id,
        "CP-9",
        connected=True,
        seen_at=datetime.now(UTC),
        socket_status={1: "Charging", 2: "Faulted"},
    )
    patched = api.ok(
        "PATCH",
        "/api/v1/chargers/CP-9",
        json={
            "groupId": s2["id"],
            "chargerName": "Renamed",
            "locationInfo": {"city": "Bergen"},
            "sockets": [{"id": 2, "name": "Left", "maxWatts": 11000}, {"id": 3, "name": "New"}],
        },
    )
    assert (patched["groupId"], patched["groupName"], patched["chargerName"]) == (
        s2["id"],
        "S2",
        "Renamed",
    )
    assert patched["locationInfo"]["city"] == "Bergen"
    # Socket 2 keeps the status the charger reported; socket 3 has none yet; 1 is gone.
    assert [(s["id"], s["name"], s["status"]) for s in patched["sockets"]] == [
        (2, "Left", "Faulted"),
        (3, "New", None),
    ]
    assert patched["evseId"] == "NO*ABC*E1"  # untouched fields stay
    assert patched["activeConnection"] is True

    dup = api.patch("/api/v1/chargers/CP-9", json={"sockets": [{"id": 1}, {"id": 1}]})
    assert dup.status_code == 400
    renamed = api.ok("PATCH", "/api/v1/chargers/CP-9", json={"chargerId": "CP-10"})
    assert renamed["chargerId"] == "CP-10"
    api.ok("GET", "/api/v1/chargers/CP-9", 404)


def test_deleting_a_charger_removes_its_grants(api: Api) -> None:
    s = site(api, "S")
    charger(api, "GONE", s["id"])
    d = driver(api, "Granted", "G-1")
    api.ok("PUT", f"/api/v1/drivers/{d['id']}/chargers/GONE", 204)
    assert len(api.ok("GET", "/api/v1/drivers/by-idtag/G-1")["chargers"]) == 1
    api.ok("DELETE", "/api/v1/chargers/GONE", 204)
    assert api.ok("GET", "/api/v1/drivers/by-idtag/G-1")["chargers"] == []
    api.ok("DELETE", "/api/v1/chargers/GONE", 404)


def test_grants_are_idempotent(api: Api) -> None:
    s = site(api, "S")
    charger(api, "CP", s["id"])
    d = driver(api, "Twice", "TW")
    for _ in range(2):
        api.ok("PUT", f"/api/v1/drivers/{d['id']}/sites/{s['id']}", 204)
        api.ok("PUT", f"/api/v1/drivers/{d['id']}/chargers/CP", 204)
    doc = api.ok("GET", "/api/v1/drivers/by-idtag/TW")
    assert len(doc["chargerGroups"]) == 1 and len(doc["chargers"]) == 1
    for _ in range(2):
        api.ok("DELETE", f"/api/v1/drivers/{d['id']}/sites/{s['id']}", 204)
        api.ok("DELETE", f"/api/v1/drivers/{d['id']}/chargers/CP", 204)
    doc = api.ok("GET", "/api/v1/drivers/by-idtag/TW")
    assert doc["chargerGroups"] == [] and doc["chargers"] == []
    api.ok("PUT", f"/api/v1/drivers/{d['id']}/sites/999999999", 404)
    api.ok("PUT", f"/api/v1/drivers/{d['id']}/chargers/NOPE", 404)


def test_sites_and_chargers_are_searched_by_name_or_key(api: Api, other: Api) -> None:
    garage = site(api, "Garage on 5th", externalId="g-5")
    site(api, "Harbour 100%_lot", garage["id"])
    charger(api, "NOR-77", garage["id"], chargerName="Left of the door")
    charger(api, "SWE-78", garage["id"], chargerName="Right")
    site(other, "Garage of B")

    def found(path: str, field: str, search: str) -> list[str]:
        body = api.ok("GET", path, params={"search": search})
        assert body["totalRecords"] == len(body["items"])
        return [i[field] for i in body["items"]]

    assert found("/api/v1/sites", "name", "GARAGE") == ["Garage on 5th"]
    assert found("/api/v1/sites", "name", "g-5") == ["Garage on 5th"]
    assert found("/api/v1/sites", "name", "%_") == ["Harbour 100%_lot"]
    assert found("/api/v1/chargers", "chargerId", "nor-") == ["NOR-77"]
    assert found("/api/v1/chargers", "chargerId", "door") == ["NOR-77"]
    assert found("/api/v1/chargers", "chargerId", "_") == []
    assert len(found("/api/v1/chargers", "chargerId", "")) == 2
    tags = api.ok("GET", f"/api/v1/drivers/{driver(api, 'Ann', 'A-1', 'A-2')['id']}/tags")
    assert [(t["idTag"], t["blocked"]) for t in tags] == [("A-1", False), ("A-2", False)]
    api.ok("GET", f"/api/v1/drivers/{driver(other, 'Bob')['id']}/tags", 404)


def test_driver_patch_delete_and_search(api: Api) -> None:
    home = site(api, "Home")
    d = driver(api, "Ann Smith", "ANN-1", externalId="crm-1")
    driver(api, "Bob Jones", externalId="crm-2")
    driver(api, "Carl 100%_done", externalId="x")
    patched = api.ok(
        "PATCH", f"/api/v1/drivers/{d['id']}", json={"homeSiteId": home["id"], "payerId": 3}
    )
    assert (patched["homeGroupId"], patched["homeGroupName"], patched["payerId"]) == (
        home["id"],
        "Home",
        3,
    )
    assert patched["name"] == "Ann Smith"

    def names(**params: object) -> list[str]:
        return [i["name"] for i in api.ok("GET", "/api/v1/drivers", params=params)["items"]]

    assert names(search="smith") == ["Ann Smith"]
    assert names(search="CRM-") == ["Ann Smith", "Bob Jones"]
    assert names(search="%_") == ["Carl 100%_done"]
    assert names(search="nobody") == []

    api.ok("DELETE", f"/api/v1/drivers/{d['id']}", 204)
    api.ok("GET", "/api/v1/drivers/by-idtag/ANN-1", 404)
    api.ok("DELETE", f"/api/v1/drivers/{d['id']}", 404)
    # The tag's idTag is free again.
    e = driver(api, "Reuse", "ann-1")
    assert api.ok("GET", "/api/v1/drivers/by-idtag/ANN-1")["id"] == e["id"]


def test_paging(api: Api) -> None:
    for n in range(7):
        site(api, f"S{n}")
    first = api.ok("GET", "/api/v1/sites", params={"limit": 3})
    assert (first["page"], first["limit"], first["totalRecords"]) == (1, 3, 7)
    assert (first["hasNextPage"], first["hasPreviousPage"]) == (True, False)
    last = api.ok("GET", "/api/v1/sites", params={"limit": 3, "page": 3})
    assert [s["name"] for s in last["items"]] == ["S6"]
    assert (last["hasNextPage"], last["hasPreviousPage"]) == (False, True)
    beyond = api.ok("GET", "/api/v1/sites", params={"limit": 3, "page": 9})
    assert beyond["items"] == [] and beyond["totalRecords"] == 7
    assert api.ok("GET", "/api/v1/sites")["limit"] == 100
    every = [
        s["name"]
        for p in (1, 2, 3)
        for s in api.ok("GET", "/api/v1/sites", params={"limit": 3, "page": p})["items"]
    ]
    assert every == [f"S{n}" for n in range(7)]
