"""Tenant isolation as a property: for random trees, grants and tags, customer B's key
reaches none of A's objects (404, nothing changed), and A's documents hold exactly the
sites and chargers that the grants imply, computed here independently."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import Api, Server, new_customer

_HEX = st.text("0123456789ABCDEF", min_size=4, max_size=8)


@st.composite
def operators(draw: st.DrawFn) -> dict[str, Any]:
    n_sites = draw(st.integers(1, 8))
    parents = [None] + [
        draw(st.one_of(st.none(), st.integers(0, i - 1))) for i in range(1, n_sites)
    ]
    chargers = draw(st.lists(st.integers(0, n_sites - 1), max_size=6))
    drivers = []
    tags = draw(st.lists(_HEX, min_size=1, max_size=6, unique_by=str.upper))
    for n, tag in enumerate(tags):
        drivers.append(
            {
                "tag": tag,
                "sites": sorted(set(draw(st.lists(st.integers(0, n_sites - 1), max_size=3)))),
                "chargers": sorted(
                    set(draw(st.lists(st.integers(0, len(chargers) - 1), max_size=2)))
                )
                if chargers
                else [],
                "index": n,
            }
        )
    return {"parents": parents, "chargers": chargers, "drivers": drivers}


def _build(api: Api, plan: dict[str, Any], prefix: str) -> dict[str, Any]:
    site_ids: list[int] = []
    for n, parent in enumerate(plan["parents"]):
        body = {"name": f"{prefix}-site-{n}"}
        if parent is not None:
            body["parentId"] = site_ids[parent]
        site_ids.append(api.ok("POST", "/api/v1/sites", 201, json=body)["id"])
    charger_ids = []
    for n, where in enumerate(plan["chargers"]):
        cid = f"{prefix}-C{n}"
        api.ok(
            "POST",
            "/api/v1/chargers",
            201,
            json={"chargerId": cid, "groupId": site_ids[where], "sockets": [{"id": 1}]},
        )
        charger_ids.append(cid)
    drivers = []
    for d in plan["drivers"]:
        doc = api.ok("POST", "/api/v1/drivers", 201, json={"name": f"{prefix}-{d['index']}"})
        tag = api.ok(
            "POST", f"/api/v1/drivers/{doc['id']}/tags", 201, json={"idTag": f"{prefix}{d['tag']}"}
        )
        for s in d["sites"]:
            api.ok("PUT", f"/api/v1/drivers/{doc['id']}/sites/{site_ids[s]}", 204)
        for c in d["chargers"]:
            api.ok("PUT", f"/api/v1/drivers/{doc['id']}/chargers/{charger_ids[c]}", 204)
        drivers.append({**d, "id": doc["id"], "tag": f"{prefix}{d['tag']}", "tag_id": tag["id"]})
    return {"sites": site_ids, "chargers": charger_ids, "drivers": drivers}


def _expected_subtree(parents: list[int | None], root: int) -> set[int]:
    """Indexes of ``root`` and every site below it, by walking parents up from each site."""
    found = set()
    for n in range(len(parents)):
        node: int | None = n
        while node is not None:
            if node == root:
                found.add(n)
                break
            node = parents[node]
    return found


def _flatten(site: dict[str, Any]) -> list[dict[str, Any]]:
    return [site, *(s for sub in site["subgroups"] for s in _flatten(sub))]


def _check_documents(api: Api, plan: dict[str, Any], built: dict[str, Any]) -> None:
    index_of = {site_id: n for n, site_id in enumerate(built["sites"])}
    for d in built["drivers"]:
        doc = api.ok("GET", f"/api/v1/drivers/by-idtag/{d['tag'].lower()}")
        assert doc["id"] == d["id"]
        assert [g["id"] for g in doc["chargerGroups"]] == [built["sites"][s] for s in d["sites"]]
        for group in doc["chargerGroups"]:
            root = index_of[group["id"]]
            seen = _flatten(group)
            assert {index_of[s["id"]] for s in seen} == _expected_subtree(plan["parents"], root)
            for s in seen:
                here = index_of[s["id"]]
                expected = [
                    built["chargers"][c]
                    for c, where in enumerate(plan["chargers"])
                    if where == here
                ]
                assert [c["chargerId"] for c in s["chargers"]] == expected
                assert [g["id"] for g in s["subgroups"]] == sorted(
                    built["sites"][n] for n, p in enumerate(plan["parents"]) if p == here
                )
        assert [c["chargerId"] for c in doc["chargers"]] == [
            built["chargers"][c] for c in d["chargers"]
        ]


def _snapshot(api: Api, built: dict[str, Any]) -> list[Any]:
    return [api.ok("GET", f"/api/v1/drivers/{d['id']}") for d in built["drivers"]] + [
        api.ok("GET", "/api/v1/sites"),
        api.ok("GET", "/api/v1/chargers"),
    ]


def _intrusions(a: dict[str, Any], b_driver: int) -> list[tuple[str, str, Any]]:
    calls: list[tuple[str, str, Any]] = []
    for d in a["drivers"]:
        calls += [
            ("GET", f"/api/v1/drivers/{d['id']}", None),
            ("GET", f"/api/v1/drivers/by-idtag/{d['tag']}", None),
            ("PATCH", f"/api/v1/drivers/{d['id']}", {"name": "stolen"}),
            ("DELETE", f"/api/v1/drivers/{d['id']}", None),
            ("POST", f"/api/v1/drivers/{d['id']}/tags", {"idTag": "B-STEAL"}),
            ("GET", f"/api/v1/tags/{d['tag_id']}", None),
            ("PATCH", f"/api/v1/tags/{d['tag_id']}", {"blocked": True}),
            ("DELETE", f"/api/v1/tags/{d['tag_id']}", None),
        ]
    for s in a["sites"]:
        calls += [
            ("GET", f"/api/v1/sites/{s}", None),
            ("GET", f"/api/v1/sites/{s}/tree", None),
            ("PATCH", f"/api/v1/sites/{s}", {"name": "stolen"}),
            ("DELETE", f"/api/v1/sites/{s}", None),
            ("PUT", f"/api/v1/drivers/{b_driver}/sites/{s}", None),
        ]
    for c in a["chargers"]:
        calls += [
            ("GET", f"/api/v1/chargers/{c}", None),
            ("PATCH", f"/api/v1/chargers/{c}", {"chargerName": "stolen"}),
            ("DELETE", f"/api/v1/chargers/{c}", None),
            ("PUT", f"/api/v1/drivers/{b_driver}/chargers/{c}", None),
        ]
    return calls


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(plan_a=operators(), plan_b=operators())
def test_tenant_isolation(server: Server, plan_a: dict[str, Any], plan_b: dict[str, Any]) -> None:
    a, b = new_customer(server, "A"), new_customer(server, "B")
    try:
        built_a = _build(a, plan_a, "A")
        built_b = _build(b, plan_b, "B")
        _check_documents(a, plan_a, built_a)
        _check_documents(b, plan_b, built_b)
        before = _snapshot(a, built_a)
        b_driver = built_b["drivers"][0]["id"]
        for method, path, body in _intrusions(built_a, b_driver):
            response = b.request(method, path, json=body)
            assert response.status_code == 404, (method, path, response.text)
        assert _snapshot(a, built_a) == before
        # B's lists show only B's objects.
        assert b.ok("GET", "/api/v1/sites")["totalRecords"] == len(built_b["sites"])
        assert b.ok("GET", "/api/v1/drivers")["totalRecords"] == len(built_b["drivers"])
        b_doc = b.ok("GET", f"/api/v1/drivers/{b_driver}")
        assert all(g["groupName"].startswith("B-") for g in b_doc["chargerGroups"])
    finally:
        a.close()
        b.close()
