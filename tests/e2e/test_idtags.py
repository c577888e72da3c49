"""idTag matching over HTTP: case, separators, duplicates, two customers."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from tests.conftest import Api
from tests.e2e.helpers import driver


@pytest.mark.parametrize(
    "spelling",
    [
        "04:a2:3b:1c",
        "04A23B1C",
        "04-A2-3B-1C",
        "04a23b1c",
        "04 a2 3b 1c",
        "04:A2:3B:1C",
        " 04a23b1c ",
    ],
)
def test_spellings_find_the_same_driver(api: Api, spelling: str) -> None:
    d = driver(api, "Hex", "04:a2:3b:1c")
    doc = api.ok("GET", f"/api/v1/drivers/by-idtag/{quote(spelling)}")
    assert doc["id"] == d["id"]
    assert [t["idTag"] for t in doc["tags"]] == ["04:a2:3b:1c"]  # as written


def test_case_variants_and_odd_characters(api: Api) -> None:
    d = driver(api, "Odd", "#FreeCharging", "VID:ab_12", "a/b")
    for spelling in ("#freecharging", "vid:AB_12", "A/B"):
        assert (
            api.ok("GET", f"/api/v1/drivers/by-idtag/{quote(spelling, safe='')}")["id"] == d["id"]
        )
    # Separators are dropped only when the whole value is hex pairs with one separator.
    api.ok("GET", "/api/v1/drivers/by-idtag/VIDAB12", 404)


@pytest.mark.parametrize("duplicate", ["04A23B1C", "04-a2-3b-1c", "04:A2:3B:1C"])
def test_duplicates_within_a_customer_conflict(api: Api, duplicate: str) -> None:
    first = driver(api, "First", "04:a2:3b:1c")
    second = driver(api, "Second")
    response = api.post(f"/api/v1/drivers/{second['id']}/tags", json={"idTag": duplicate})
    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    assert "already in use" in response.json()["detail"]
    assert api.ok("GET", f"/api/v1/drivers/{second['id']}")["tags"] == []
    assert api.ok("GET", "/api/v1/drivers/by-idtag/04A23B1C")["id"] == first["id"]


def test_renaming_a_tag_onto_another_conflicts(api: Api) -> None:
    d = driver(api, "Two tags", "AAAA", "BBBB")
    tag_b = api.ok("GET", f"/api/v1/drivers/{d['id']}")["tags"][1]["id"]
    response = api.patch(f"/api/v1/tags/{tag_b}", json={"idTag": "aaaa"})
    assert response.status_code == 409
    assert api.ok("GET", f"/api/v1/tags/{tag_b}")["idTag"] == "BBBB"
    # Re-spelling a tag's own value is not a conflict with itself.
    assert api.ok("PATCH", f"/api/v1/tags/{tag_b}", json={"idTag": "bbbb"})["idTag"] == "bbbb"


def test_same_idtag_in_two_customers(api: Api, other: Api) -> None:
    mine = driver(api, "Mine", "SHARED-1")
    theirs = driver(other, "Theirs", "shared-1")
    assert api.ok("GET", "/api/v1/drivers/by-idtag/shared-1")["id"] == mine["id"]
    assert other.ok("GET", "/api/v1/drivers/by-idtag/SHARED-1")["id"] == theirs["id"]
    assert api.ok("GET", "/api/v1/drivers/by-idtag/SHARED-1")["name"] == "Mine"


@pytest.mark.parametrize("bad", ["x" * 37, "caf%C3%A9", "a%20b", "%09", "tab%09in"])
def test_invalid_idtags_in_the_path(api: Api, bad: str) -> None:
    response = api.get(f"/api/v1/drivers/by-idtag/{bad}")
    assert response.status_code == 400
    assert response.json()["detail"] == "Errors in the route parameters"


@pytest.mark.parametrize("bad", ["", "   ", "x" * 37, "café", "a b", "04:a2-3b:1c d"])
def test_invalid_idtags_in_a_body(api: Api, bad: str) -> None:
    d = driver(api, "Strict")
    response = api.post(f"/api/v1/drivers/{d['id']}/tags", json={"idTag": bad})
    assert response.status_code == 400
    body = response.json()
    assert body["detail"] == "Errors in the body request"
    assert body["errors"][0]["field"] == "idTag"
    assert api.ok("GET", f"/api/v1/drivers/{d['id']}")["tags"] == []
