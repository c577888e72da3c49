"""The OpenAPI document describes every route, the hot ones included, with their errors;
real responses validate against the schemas it publishes."""

from __future__ import annotations

from typing import Any

from tests.conftest import Api
from tests.e2e.helpers import charger, driver, site
from tests.e2e.test_driver_document import DRIVER_KEYS

# api.md's routes: the OpenAPI document must list exactly these.
API_MD = {
    ("/api/v1/drivers/by-idtag/{idTag}", "get"),
    ("/api/v1/drivers", "post"),
    ("/api/v1/drivers", "get"),
    ("/api/v1/drivers/{driver_id}", "get"),
    ("/api/v1/drivers/{driver_id}", "patch"),
    ("/api/v1/drivers/{driver_id}", "delete"),
    ("/api/v1/drivers/{driver_id}/tags", "post"),
    ("/api/v1/tags/{tag_id}", "get"),
    ("/api/v1/tags/{tag_id}", "patch"),
    ("/api/v1/tags/{tag_id}", "delete"),
    ("/api/v1/sites", "post"),
    ("/api/v1/sites", "get"),
    ("/api/v1/sites/{site_id}", "get"),
    ("/api/v1/sites/{site_id}", "patch"),
    ("/api/v1/sites/{site_id}", "delete"),
    ("/api/v1/sites/{site_id}/tree", "get"),
    ("/api/v1/chargers", "post"),
    ("/api/v1/chargers", "get"),
    ("/api/v1/chargers/{charger_id}", "get"),
    ("/api/v1/chargers/{charger_id}", "patch"),
    ("/api/v1/chargers/{charger_id}", "delete"),
    ("/api/v1/drivers/{driver_id}/sites/{site_id}", "put"),
    ("/api/v1/drivers/{driver_id}/sites/{site_id}", "delete"),
    ("/api/v1/drivers/{driver_id}/chargers/{charger_id}", "put"),
    ("/api/v1/drivers/{driver_id}/chargers/{charger_id}", "delete"),
}

# The authorization issue's routes (docs/api.md, "Authorization").
AUTHORIZATION = {
    ("/api/v1/chargers/{charger_id}/authorize/{id_tag}", "get"),
    ("/api/v1/realtime-auth", "post"),
    ("/api/v1/tags/{tag_id}/aliases", "get"),
    ("/api/v1/tags/{tag_id}/aliases", "post"),
    ("/api/v1/tags/{tag_id}/aliases/{alias_id}", "delete"),
    ("/api/v1/chargers/{charger_id}/ocpp-password", "put"),
    ("/api/v1/transactions", "get"),
}

# The operations issue's lookups, so far (docs/api.md, "Lookups").
LOOKUPS = {
    ("/api/v1/drivers/by-external-id/{external_id}", "get"),
    ("/api/v1/chargers/{charger_id}/drivers", "get"),
    ("/api/v1/sites/{site_id}/drivers", "get"),
    ("/api/v1/sites/drivers", "post"),
    ("/api/v1/site-tree", "get"),
    ("/api/v1/sites/by-external-id/{external_id}", "get"),
    ("/api/v1/home-sites", "get"),
    ("/api/v1/home-sites/{site_id}", "get"),
}
FLEET = {
    # What the console's driver page needs, offered to API clients too.
    ("/api/v1/drivers/{driver_id}/tags", "get"),
    ("/api/v1/audit", "get"),
    ("/api/v1/imports", "post"),
    ("/api/v1/exports/drivers.csv", "get"),
}

# An unknown charger or tag is the answer here (a decision), not a missing resource.
NEVER_404 = {"/api/v1/chargers/{charger_id}/authorize/{id_tag}"}
# A question asked with a body; a read key may ask it.
READ_BY_POST = {"/api/v1/realtime-auth", "/api/v1/sites/drivers"}


def test_every_route_is_documented_with_errors(api: Api) -> None:
    spec = api.raw.get("/openapi.json").json()
    assert spec["openapi"].startswith("3.1")
    documented = {(p, m) for p, ops in spec["paths"].items() for m in ops}
    assert documented == API_MD | AUTHORIZATION | LOOKUPS | FLEET
    for path, method in documented:  # each one is served, behind authentication
        concrete = path.format(
            idTag="X",
            id_tag="X",
            driver_id=1,
            tag_id=1,
            site_id=1,
            charger_id="X",
            alias_id=1,
            external_id="X",
        )
        response = api.raw.request(method.upper(), concrete, json={})
        assert response.status_code == 401, (method, path, response.status_code)
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            codes = set(op["responses"])
            assert {"400", "401"} <= codes, (path, method)
            assert "422" not in codes, (path, method)  # bad input is a 400 here
            if "{" in path and path not in NEVER_404:
                assert "404" in codes, (path, method)
            if method != "get" and path not in READ_BY_POST:
                assert {"403"} <= codes, (path, method)
    hot = spec["paths"]["/api/v1/drivers/by-idtag/{idTag}"]["get"]
    assert hot["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/DriverDocument"
    }
    document = spec["components"]["schemas"]["DriverDocument"]
    assert list(document["properties"]) == DRIVER_KEYS
    assert document["additionalProperties"] is False
    assert spec["paths"]["/api/v1/sites"]["post"]["requestBody"]["content"]["application/json"]


# How a caller may present its key (api/credentials.py), on every operation.
CREDENTIALS = [("x-api-key", "header"), ("code", "query"), ("clientId", "query")]


def test_every_operation_lists_the_credentials_once(api: Api) -> None:
    spec = api.raw.get("/openapi.json").json()
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            listed = [(p["name"], p["in"]) for p in op["parameters"]]
            for credential in CREDENTIALS:
                assert listed.count(credential) == 1, (path, method, listed)


def test_every_way_of_presenting_the_key_works_on_a_management_route(api: Api) -> None:
    """The routes read the credentials as the hot path does: a header, or eMabler's
    ``code`` (with ``clientId`` checked when given), the header winning over ``code``."""
    made = site(api, name="Depot")
    key, client = api.key, str(api.customer_id)
    raw = api.raw

    def names(response: Any) -> list[str]:
        assert response.status_code == 200, response.text
        return [s["name"] for s in response.json()["items"]]

    assert names(raw.get("/api/v1/sites", headers={"X-API-Key": key})) == ["Depot"]
    assert names(raw.get("/api/v1/sites", params={"code": key})) == ["Depot"]
    assert names(raw.get("/api/v1/sites", params={"code": key, "clientId": client})) == ["Depot"]
    both = raw.get("/api/v1/sites", params={"code": "nonsense"}, headers={"X-API-Key": key})
    assert names(both) == ["Depot"]
    refused = [
        raw.get("/api/v1/sites"),
        raw.get("/api/v1/sites", params={"code": "nonsense"}),
        raw.get("/api/v1/sites", params={"code": key, "clientId": str(api.customer_id + 1)}),
        raw.patch(f"/api/v1/sites/{made['id']}", params={"code": "nonsense"}, json={"name": "X"}),
    ]
    assert [r.status_code for r in refused] == [401] * 4
    assert names(raw.get("/api/v1/sites", headers={"X-API-Key": key})) == ["Depot"]


def test_docs_page(api: Api) -> None:
    response = api.raw.get("/docs")
    assert response.status_code == 200
    assert "swagger-ui" in response.text and "/openapi.json" in response.text


def test_responses_match_the_published_schema(api: Api) -> None:
    import jsonschema

    spec = api.raw.get("/openapi.json").json()
    schemas = spec["components"]["schemas"]

    def validate(body: Any, name: str) -> None:
        jsonschema.validate(
            body, {"$ref": f"#/components/schemas/{name}", "components": {"schemas": schemas}}
        )

    s = site(api, "Root")
    sub = site(api, "Sub", s["id"])
    charger(api, "OA-1", sub["id"], 2)
    d = driver(api, "Schema", "OA-TAG")
    api.ok("PUT", f"/api/v1/drivers/{d['id']}/sites/{s['id']}", 204)
    api.ok("PUT", f"/api/v1/drivers/{d['id']}/chargers/OA-1", 204)
    validate(api.ok("GET", "/api/v1/drivers/by-idtag/oa-tag"), "DriverDocument")
    validate(api.ok("GET", "/api/v1/chargers/OA-1"), "ChargerDocument")
    validate(api.ok("GET", f"/api/v1/sites/{s['id']}/tree"), "SiteDocument")
    validate(api.ok("GET", f"/api/v1/sites/{s['id']}"), "SiteOut")
    validate(api.ok("GET", "/api/v1/drivers"), "Page_DriverSummary_")
    validate(api.raw.get("/api/v1/sites").json(), "Problem")
