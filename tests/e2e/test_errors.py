"""Every error path of api.md with its exact body, as problem+json and as text/plain;
a refused request changes nothing."""

from __future__ import annotations

from typing import Any

import pytest

from evroster.services.audit import Actor
from evroster.services.keys import revoke_key
from tests.conftest import Api
from tests.e2e.helpers import charger, driver, site

UNAUTHORIZED = "Customer not found or not authorised"
ROUTE = "Errors in the route parameters"
BODY = "Errors in the body request"
NO_DRIVER = "Driver not found in the list of drivers of the customer"


def _problem(response: Any, status: int, detail: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["status"] == status and body["detail"] == detail
    assert body["type"] == "about:blank" and body["title"]
    return body


@pytest.mark.parametrize(
    "path",
    ["/api/v1/drivers/by-idtag/ABC", "/api/v1/drivers/1", "/api/v1/sites", "/api/v1/chargers"],
)
def test_401_without_or_with_bad_credentials(api: Api, path: str) -> None:
    raw = api.raw
    _problem(raw.get(path), 401, UNAUTHORIZED)
    _problem(raw.get(path, headers={"X-API-Key": "nonsense"}), 401, UNAUTHORIZED)
    _problem(raw.get(path, headers={"X-API-Key": api.key + "x"}), 401, UNAUTHORIZED)
    key_id = api.key.split("_")[1]
    _problem(raw.get(path, headers={"X-API-Key": f"evr_{key_id}_guess"}), 401, UNAUTHORIZED)
    _problem(
        raw.get(path, params={"code": api.key, "clientId": api.customer_id + 1000}),
        401,
        UNAUTHORIZED,
    )
    plain = raw.get(path, headers={"Accept": "text/plain"})
    assert plain.status_code == 401
    assert plain.headers["content-type"].startswith("text/plain")
    assert plain.text == UNAUTHORIZED


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/api/v1/sites/abc", None),
        ("GET", "/api/v1/drivers/by-idtag/" + "x" * 40, None),
        ("GET", "/api/v1/drivers/-5", None),
        ("GET", "/api/v1/sites?page=0", None),
        ("POST", "/api/v1/sites", {"unknown": 1}),
        ("PATCH", "/api/v1/chargers/a%20b", {}),
    ],
)
def test_authentication_comes_first(api: Api, method: str, path: str, body: Any) -> None:
    _problem(api.raw.request(method, path, json=body), 401, UNAUTHORIZED)


def test_emabler_query_credentials(api: Api) -> None:
    d = driver(api, "Query", "Q-1")
    raw = api.raw
    for params in ({"code": api.key, "clientId": str(api.customer_id)}, {"code": api.key}):
        response = raw.get("/api/v1/drivers/by-idtag/q-1", params=params)
        assert response.status_code == 200 and response.json()["id"] == d["id"]
    response = raw.get("/api/v1/sites", params={"code": api.key, "clientId": api.customer_id})
    assert response.status_code == 200 and response.json()["totalRecords"] == 0


def test_revoked_key_is_refused(api: Api) -> None:
    read = api.read_key()
    assert read.get("/api/v1/sites").status_code == 200
    keys = api.server.store
    from evroster.services.keys import list_keys

    key_pk = next(k["id"] for k in list_keys(keys, api.customer_id) if k["role"] == "read")
    revoke_key(keys, Actor(api.customer_id, None, "cli"), key_pk)
    _problem(read.get("/api/v1/sites"), 401, UNAUTHORIZED)
    _problem(read.get("/api/v1/drivers/by-idtag/ANY"), 401, UNAUTHORIZED)


def test_read_key_cannot_write(api: Api) -> None:
    s = site(api, "Site")
    d = driver(api, "Reader's target", "R-1")
    read = api.read_key()
    assert read.ok("GET", f"/api/v1/sites/{s['id']}")["name"] == "Site"
    assert read.ok("GET", "/api/v1/drivers/by-idtag/R-1")["id"] == d["id"]
    attempts = [
        ("POST", "/api/v1/sites", {"name": "x"}),
        ("PATCH", f"/api/v1/sites/{s['id']}", {"name": "x"}),
        ("DELETE", f"/api/v1/sites/{s['id']}", None),
        ("POST", "/api/v1/drivers", {"name": "x"}),
        ("POST", f"/api/v1/drivers/{d['id']}/tags", {"idTag": "NEW"}),
        ("PUT", f"/api/v1/drivers/{d['id']}/sites/{s['id']}", None),
        ("DELETE", f"/api/v1/drivers/{d['id']}", None),
    ]
    for method, path, body in attempts:
        _problem(read.request(method, path, json=body), 403, "This API key may read but not write")
    assert api.ok("GET", f"/api/v1/sites/{s['id']}")["name"] == "Site"
    assert api.ok("GET", f"/api/v1/drivers/{d['id']}")["chargerGroups"] == []
    assert api.ok("GET", "/api/v1/sites")["totalRecords"] == 1


def test_404_texts(api: Api) -> None:
    _problem(api.get("/api/v1/drivers/by-idtag/NOBODY"), 404, NO_DRIVER)
    _problem(api.get("/api/v1/drivers/999999999"), 404, NO_DRIVER)
    _problem(api.patch("/api/v1/drivers/999999999", json={"name": "x"}), 404, NO_DRIVER)
    _problem(api.get("/api/v1/sites/999999999"), 404, "Site not found")
    _problem(api.get("/api/v1/chargers/NOPE"), 404, "Charger not found")
    _problem(api.get("/api/v1/tags/999999999"), 404, "Tag not found")
    plain = api.get("/api/v1/drivers/by-idtag/NOBODY", headers={"Accept": "text/plain"})
    assert (plain.status_code, plain.text) == (404, NO_DRIVER)
    assert plain.headers["content-type"].startswith("text/plain")
    _problem(api.get("/api/v1/no-such-route"), 404, "Not Found")


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/drivers/abc",
        "/api/v1/drivers/0",
        "/api/v1/drivers/-1",
        "/api/v1/drivers/99999999999999999999",
        "/api/v1/sites/abc",
        "/api/v1/sites/0",
        "/api/v1/tags/1.5",
        "/api/v1/sites?page=0",
        "/api/v1/sites?limit=101",
        "/api/v1/drivers?limit=abc",
        # int() takes these; a path or query number is ASCII digits only (schemathesis).
        "/api/v1/sites/4%C2%85",
        "/api/v1/sites/%204",
        "/api/v1/sites/+4",
        "/api/v1/sites/4_0",
        "/api/v1/sites?page=%2B1",
        "/api/v1/sites?limit=%D9%A4",
    ],
)
def test_400_route_parameters(api: Api, path: str) -> None:
    _problem(api.get(path), 400, ROUTE)
    plain = api.get(path, headers={"Accept": "text/plain"})
    assert (plain.status_code, plain.text) == (400, ROUTE)


BAD_BODIES = [
    ("POST", "/api/v1/sites", {}),  # name missing
    ("POST", "/api/v1/sites", {"name": ""}),
    ("POST", "/api/v1/sites", {"name": "x", "color": "red"}),  # unknown field
    ("POST", "/api/v1/sites", {"name": "x", "groupType": 7}),
    ("POST", "/api/v1/sites", {"name": "x", "groupType": "CASTLE"}),
    ("POST", "/api/v1/sites", {"name": "x", "groupType": {}}),  # a 500 once (schemathesis)
    ("POST", "/api/v1/sites", {"name": "x", "groupType": [1]}),
    ("POST", "/api/v1/sites", {"name": "x", "parentId": 999999999}),
    ("POST", "/api/v1/sites", {"name": "x", "payerId": 2**70}),
    ("POST", "/api/v1/sites", [1, 2]),
    ("POST", "/api/v1/drivers", {"name": None}),
    ("POST", "/api/v1/drivers", {"name": "x", "homeSiteId": 999999999}),
    ("POST", "/api/v1/drivers", {"name": "x", "integratedExternalIds": [{"referenceType": 9}]}),
    ("POST", "/api/v1/chargers", {"chargerId": "C", "groupId": 999999999}),
    ("POST", "/api/v1/chargers", {"chargerId": "has space", "groupId": 1}),
    ("POST", "/api/v1/chargers", {"chargerId": "C", "groupId": 1, "lastSeen": "2024-01-01"}),
    ("POST", "/api/v1/chargers", {"chargerId": "C", "groupId": 1, "activeConnection": True}),
]


@pytest.mark.parametrize(("method", "path", "body"), BAD_BODIES)
def test_400_bodies_change_nothing(api: Api, method: str, path: str, body: Any) -> None:
    before = (
        api.ok("GET", "/api/v1/sites"),
        api.ok("GET", "/api/v1/drivers"),
        api.ok("GET", "/api/v1/chargers"),
    )
    problem = _problem(api.request(method, path, json=body), 400, BODY)
    assert problem["errors"] and all(e["field"] and e["message"] for e in problem["errors"])
    after = (
        api.ok("GET", "/api/v1/sites"),
        api.ok("GET", "/api/v1/drivers"),
        api.ok("GET", "/api/v1/chargers"),
    )
    assert after == before


def test_malformed_json_and_wrong_types(api: Api) -> None:
    deep = b"[" * 100_000 + b"]" * 100_000
    for content in (b"{", b"not json", b'{"name": 1}', b"\xff\xfe", deep):
        response = api.post(
            "/api/v1/sites", content=content, headers={"Content-Type": "application/json"}
        )
        _problem(response, 400, BODY)
    assert api.ok("GET", "/api/v1/sites")["totalRecords"] == 0


def test_tag_window_and_patch_rules(api: Api) -> None:
    d = driver(api, "Window")
    bad = {
        "idTag": "W-1",
        "startDate": "2030-01-02T00:00:00Z",
        "expiringDate": "2030-01-01T00:00:00Z",
    }
    body = _problem(api.post(f"/api/v1/drivers/{d['id']}/tags", json=bad), 400, BODY)
    assert body["errors"] == [{"field": "startDate", "message": "startDate is after expiringDate"}]
    naive = {"idTag": "W-1", "startDate": "2030-01-02T00:00:00"}
    _problem(api.post(f"/api/v1/drivers/{d['id']}/tags", json=naive), 400, BODY)
    tag = api.ok(
        "POST",
        f"/api/v1/drivers/{d['id']}/tags",
        201,
        json={"idTag": "W-1", "expiringDate": "2030-01-01T02:00:00+02:00"},
    )
    assert tag["expiringDate"] == "2030-01-01T00:00:00.000Z"
    late = {"startDate": "2031-01-01T00:00:00Z"}
    _problem(api.patch(f"/api/v1/tags/{tag['id']}", json=late), 400, BODY)
    _problem(api.patch(f"/api/v1/tags/{tag['id']}", json={"blocked": None}), 400, BODY)
    assert api.ok("GET", f"/api/v1/tags/{tag['id']}") == tag


def test_conflicts(api: Api) -> None:
    s = site(api, "Parent", externalId="ext-1")
    child = site(api, "Child", s["id"])
    charger(api, "C-1", child["id"])
    _problem(
        api.post("/api/v1/sites", json={"name": "Again", "externalId": "ext-1"}),
        409,
        "A site with externalId 'ext-1' already exists",
    )
    _problem(
        api.post("/api/v1/chargers", json={"chargerId": "C-1", "groupId": s["id"]}),
        409,
        "A charger with chargerId 'C-1' already exists",
    )
    _problem(api.delete(f"/api/v1/sites/{s['id']}"), 409, "The site still holds subsites")
    _problem(api.delete(f"/api/v1/sites/{child['id']}"), 409, "The site still holds chargers")
    driver(api, "One", externalId="crm-9")
    _problem(
        api.post("/api/v1/drivers", json={"name": "Two", "externalId": "crm-9"}),
        409,
        "A driver with externalId 'crm-9' already exists",
    )
    assert api.ok("GET", "/api/v1/sites")["totalRecords"] == 2
    assert api.ok("GET", "/api/v1/drivers")["totalRecords"] == 1
