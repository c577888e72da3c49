"""Whatever text a client sends, the answer is a 2xx or a clear 400, never a 5xx, on
both databases; what is accepted reads back exactly."""

from __future__ import annotations

from urllib.parse import quote

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import Api, Server, new_customer

ANY_TEXT = st.text(st.characters(codec="utf-8"), max_size=60)
_SETTINGS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@_SETTINGS
@given(name=ANY_TEXT, external_id=ANY_TEXT, search=ANY_TEXT)
def test_any_text_in_names_and_searches(
    server: Server, name: str, external_id: str, search: str
) -> None:
    api = new_customer(server)
    try:
        response = api.post("/api/v1/drivers", json={"name": name, "externalId": external_id})
        assert response.status_code in (201, 400), response.text
        if response.status_code == 201:
            doc = api.ok("GET", f"/api/v1/drivers/{response.json()['id']}")
            assert (doc["name"], doc["externalId"]) == (name, external_id)
        else:
            assert response.json()["detail"] == "Errors in the body request"
            assert api.ok("GET", "/api/v1/drivers")["totalRecords"] == 0
        listed = api.get("/api/v1/drivers", params={"search": search})
        assert listed.status_code in (200, 400), listed.text
        if listed.status_code == 400:
            assert listed.json()["detail"] == "Errors in the route parameters"
        else:
            found = listed.json()
            assert found["totalRecords"] == len(found["items"]) <= 1
    finally:
        api.close()


@_SETTINGS
@given(id_tag=ANY_TEXT, config=ANY_TEXT)
def test_any_text_in_tags_and_charger_fields(server: Server, id_tag: str, config: str) -> None:
    api: Api = new_customer(server)
    try:
        site = api.ok("POST", "/api/v1/sites", 201, json={"name": "S"})
        response = api.post(
            "/api/v1/chargers",
            json={
                "chargerId": "C1",
                "groupId": site["id"],
                "customProperties": {"k": config},
                "chargerConfigurations": [{"configName": "X", "configValue": config}],
            },
        )
        assert response.status_code in (201, 400), response.text
        if response.status_code == 201:
            assert response.json()["customProperties"] == {"k": config}
        driver = api.ok("POST", "/api/v1/drivers", 201, json={"name": "D"})
        tag = api.post(f"/api/v1/drivers/{driver['id']}/tags", json={"idTag": id_tag})
        assert tag.status_code in (201, 400), tag.text
        lookup = api.get("/api/v1/drivers/by-idtag/" + quote(id_tag, safe=""))
        assert lookup.status_code in (200, 400, 404), lookup.text
        if tag.status_code == 201 and lookup.status_code == 200:
            assert lookup.json()["id"] == driver["id"]
    finally:
        api.close()
