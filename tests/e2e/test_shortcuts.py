"""The shortcuts (``api/shortcuts.py``): ``PATCH`` of a driver and of a charger, served
past FastAPI, on both databases. What FastAPI did for them is what they do: the order of
the checks, every problem field by field, nothing changed by a refused request; and on
SQLite, a write that meets another process's lock waits in a thread, not on the event
loop."""

from __future__ import annotations

import sqlite3
import threading
import time
from typing import Any

import httpx
import pytest

from tests.conftest import Api, Server, new_customer
from tests.e2e.helpers import charger, driver, site

BODY = "Errors in the body request"
ROUTE = "Errors in the route parameters"
NOT_AN_OBJECT = "Input should be a valid dictionary or object to extract fields from"


def _problem(response: httpx.Response, status: int, detail: str) -> list[dict[str, str]]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert (body["status"], body["detail"]) == (status, detail)
    errors: list[dict[str, str]] = body.get("errors", [])
    return errors


@pytest.fixture
def targets(api: Api) -> dict[str, Any]:
    s = site(api, "Shortcut site")
    return {
        "driver": driver(api, "Before", "SC-1", externalId="SC-EXT"),
        "charger": charger(api, "SC-CP", s["id"], chargerName="Before"),
    }


def _paths(targets: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        (f"/api/v1/drivers/{targets['driver']['id']}", "name"),
        ("/api/v1/chargers/SC-CP", "chargerName"),
    ]


def _unchanged(api: Api, targets: dict[str, Any]) -> None:
    assert api.ok("GET", f"/api/v1/drivers/{targets['driver']['id']}")["name"] == "Before"
    assert api.ok("GET", "/api/v1/chargers/SC-CP")["chargerName"] == "Before"


def test_a_patch_answers_the_document_and_reads_back(api: Api, targets: dict[str, Any]) -> None:
    d = targets["driver"]
    answer = api.ok("PATCH", f"/api/v1/drivers/{d['id']}", json={"name": "After"})
    assert answer == {**api.ok("GET", "/api/v1/drivers/by-idtag/sc-1"), "name": "After"}
    assert [t["idTag"] for t in answer["tags"]] == ["SC-1"]
    found = api.ok("PATCH", "/api/v1/chargers/SC-CP", json={"chargerName": "After"})
    assert found == api.ok("GET", "/api/v1/chargers/SC-CP")
    assert (found["chargerName"], found["chargerId"], len(found["sockets"])) == (
        "After",
        "SC-CP",
        2,
    )


def test_bodies_that_are_not_a_json_object(api: Api, targets: dict[str, Any]) -> None:
    for path, _ in _paths(targets):
        cases = [
            (b"", "application/json", "body", "Field required"),
            (b'{"name": "x"', "application/json", "body", "Invalid JSON: "),
            (b"null", "application/json", "body", "Input should be an object"),
            (b"[]", "application/json", "body", "Input should be an object"),
            (b'{"name": "x"}', "text/plain", "body", NOT_AN_OBJECT),
            (b'{"name": "\xff"}', "application/json", "body", "Invalid JSON: "),
            ('{"name": "x"}'.encode("utf-16"), "application/json", "body", "Invalid JSON: "),
        ]
        for content, content_type, field, message in cases:
            response = api.patch(path, content=content, headers={"Content-Type": content_type})
            [error] = _problem(response, 400, BODY)
            assert error["field"] == field and error["message"].startswith(message), error
        no_type = api.raw.patch(path, content=b'{"name": "x"}', headers={"X-API-Key": api.key})
        assert _problem(no_type, 400, BODY) == [{"field": "body", "message": NOT_AN_OBJECT}]
    _unchanged(api, targets)


def test_fields_are_checked_by_the_same_models(api: Api, targets: dict[str, Any]) -> None:
    driver_path, charger_path = (p for p, _ in _paths(targets))
    errors = _problem(api.patch(driver_path, json={"name": None, "zzz": 1}), 400, BODY)
    assert errors == [
        {"field": "body.name", "message": "Value error, may be left out, but not null"},
        {"field": "body.zzz", "message": "Extra inputs are not permitted"},
    ]
    errors = _problem(api.patch(charger_path, json={"chargerName": 5}), 400, BODY)
    assert errors == [{"field": "body.chargerName", "message": "Input should be a valid string"}]
    # JSON's own type marks are accepted, and the media type's parameters are ignored.
    for content_type in ("application/merge-patch+json", "application/json; charset=utf-8"):
        response = api.patch(
            charger_path,
            content=b'{"chargerName": "Before"}',
            headers={"Content-Type": content_type},
        )
        assert response.status_code == 200 and response.json()["chargerName"] == "Before"
    _unchanged(api, targets)


def test_path_and_body_errors_come_together(api: Api, targets: dict[str, Any]) -> None:
    errors = _problem(api.patch("/api/v1/drivers/+4", json={"zzz": 1}), 400, BODY)
    assert errors == [
        {"field": "path.driver_id", "message": "Value error, digits only"},
        {"field": "body.zzz", "message": "Extra inputs are not permitted"},
    ]
    errors = _problem(api.patch("/api/v1/drivers/0", json={"name": "x"}), 400, ROUTE)
    assert errors == [
        {"field": "path.driver_id", "message": "Input should be greater than or equal to 1"}
    ]
    errors = _problem(api.patch("/api/v1/chargers/a%20b", json={}), 400, ROUTE)
    assert [e["field"] for e in errors] == ["path.charger_id"]
    _unchanged(api, targets)


def test_the_caller_is_checked_before_the_request(api: Api, targets: dict[str, Any]) -> None:
    read = api.read_key()
    for path, field in _paths(targets):
        assert api.raw.patch(path, json={"zzz": 1}).status_code == 401
        response = read.patch(path.replace("SC-CP", "a%20b"), json={"zzz": 1})
        assert response.status_code == 403
        assert response.json()["detail"] == "This API key may read but not write"
        assert read.patch(path, json={field: "x"}).status_code == 403
    # eMabler's credentials in the query string work here as everywhere.
    driver_path = _paths(targets)[0][0]
    response = api.raw.patch(
        driver_path, params={"code": api.key, "clientId": api.customer_id}, json={"name": "Q"}
    )
    assert response.status_code == 200 and response.json()["name"] == "Q"


def test_service_errors_and_other_customers(api: Api, other: Api, targets: dict[str, Any]) -> None:
    driver(api, "Taken", externalId="TAKEN")
    for path, _ in _paths(targets):
        assert other.patch(path, json={"name": "x", "chargerName": "x"}).status_code in (400, 404)
    d = targets["driver"]["id"]
    assert other.patch(f"/api/v1/drivers/{d}", json={"name": "Theirs"}).status_code == 404
    assert other.patch("/api/v1/chargers/SC-CP", json={"chargerName": "Theirs"}).status_code == 404
    conflict = api.patch(f"/api/v1/drivers/{d}", json={"externalId": "TAKEN"})
    assert _problem(conflict, 409, "A driver with externalId 'TAKEN' already exists") == []
    plain = api.patch(f"/api/v1/drivers/{d}", json={"zzz": 1}, headers={"Accept": "text/plain"})
    assert (plain.status_code, plain.text) == (400, BODY)
    _unchanged(api, targets)


def test_other_methods_on_these_paths_reach_their_routes(api: Api, targets: dict[str, Any]) -> None:
    d = targets["driver"]["id"]
    assert api.ok("GET", f"/api/v1/drivers/{d}")["id"] == d
    assert api.ok("GET", "/api/v1/chargers/SC-CP")["chargerId"] == "SC-CP"
    assert api.delete("/api/v1/chargers/SC-CP").status_code == 204
    assert api.delete(f"/api/v1/drivers/{d}").status_code == 204
    assert api.get(f"/api/v1/drivers/{d}").status_code == 404
    assert api.patch(f"/api/v1/drivers/{d}", json={"name": "Gone"}).status_code == 404


def test_a_locked_sqlite_database_does_not_stop_the_event_loop(
    servers: dict[str, Server],
) -> None:
    """Another process holds the write lock for a second: the PATCH waits in a thread
    and succeeds once it is free, while the event loop goes on answering reads."""
    server = servers["sqlite"]
    api = new_customer(server, "lock")
    try:
        d = driver(api, "Before", "LOCK-1")
        reader = driver(api, "Reader", "LOCK-2")
        database = server.store.engine.url.database
        assert database
        other = sqlite3.connect(database, isolation_level=None, check_same_thread=False)
        other.execute("BEGIN IMMEDIATE")
        done: dict[str, Any] = {}

        def patch() -> None:
            done["response"] = api.patch(f"/api/v1/drivers/{d['id']}", json={"name": "After"})
            done["at"] = time.monotonic()

        writer = threading.Thread(target=patch)
        writer.start()
        time.sleep(0.2)
        started = time.monotonic()
        assert api.ok("GET", f"/api/v1/drivers/{reader['id']}")["name"] == "Reader"
        assert time.monotonic() - started < 0.5  # not behind the waiting write
        assert "response" not in done
        released = time.monotonic()
        other.rollback()
        other.close()
        writer.join(10)
        assert done["at"] >= released
        assert done["response"].status_code == 200 and done["response"].json()["name"] == "After"
        assert api.ok("GET", "/api/v1/drivers/by-idtag/LOCK-1")["name"] == "After"
    finally:
        api.close()


def test_openapi_describes_them_as_fastapi_did(api: Api) -> None:
    spec = api.raw.get("/openapi.json").json()
    schemas = spec["components"]["schemas"]
    for path, body, answer, param in (
        ("/api/v1/drivers/{driver_id}", "DriverPatch", "DriverDocument", "driver_id"),
        ("/api/v1/chargers/{charger_id}", "ChargerPatch", "ChargerDocument", "charger_id"),
    ):
        operation = spec["paths"][path]["patch"]
        assert operation["requestBody"] == {
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{body}"}}},
            "required": True,
        }
        assert body in schemas and schemas[body]["additionalProperties"] is False
        ok = operation["responses"]["200"]["content"]["application/json"]["schema"]
        assert ok == {"$ref": f"#/components/schemas/{answer}"} and answer in schemas
        codes = {"200", "400", "401", "403", "404", "409", "413", "429", "503"}
        assert set(operation["responses"]) == codes
        names = [(p["name"], p["in"]) for p in operation["parameters"]]
        assert names == [(param, "path"), ("x-api-key", "header"), ("code", "query"),
                         ("clientId", "query")]  # fmt: skip
        assert (
            operation["operationId"] == f"update_{param[:-3]}_api_v1_{param[:-3]}s__{param}__patch"
        )
    driver_id = spec["paths"]["/api/v1/drivers/{driver_id}"]["patch"]["parameters"][0]["schema"]
    assert (driver_id["type"], driver_id["minimum"]) == ("integer", 1)
    charger_id = spec["paths"]["/api/v1/chargers/{charger_id}"]["patch"]["parameters"][0]
    assert charger_id["schema"]["maxLength"] == 48 and charger_id["description"] == "OCPP identity"
