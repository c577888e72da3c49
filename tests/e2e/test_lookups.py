"""eMabler's lookups the other way round, on a generated tree (depth 4, three
branches), with the expected driver sets computed independently: top-down, from each
grant to every site below it."""

from __future__ import annotations

import random
from typing import Any

from tests.conftest import Api
from tests.e2e.helpers import charger, driver, site


def build(api: Api, seed: int = 7) -> dict[str, Any]:
    rng = random.Random(seed)
    parents: dict[int, int | None] = {}
    root = site(api, "Root")["id"]
    parents[root] = None
    level = [root]
    for depth in range(3):  # root + 3 levels below: depth 4
        nxt = []
        for parent in level:
            for n in range(3 if depth == 0 else 2):
                child = site(api, f"S{depth}-{parent}-{n}", parent)["id"]
                parents[child] = parent
                nxt.append(child)
        level = nxt
    other_root = site(api, "Elsewhere")["id"]
    parents[other_root] = None
    all_sites = list(parents)
    chargers = {}
    for n, site_id in enumerate(rng.sample(all_sites, 10)):
        chargers[f"CP-{n}"] = site_id
        charger(api, f"CP-{n}", site_id, sockets=1)
    grants: dict[int, tuple[set[int], set[str]]] = {}
    for n in range(24):
        d = driver(api, f"Driver {n}", f"TAG{n:03d}", externalId=f"EXT-{n}")["id"]
        granted_sites = set(rng.sample(all_sites, rng.choice([0, 0, 1, 1, 2])))
        granted_chargers = set(rng.sample(sorted(chargers), rng.choice([0, 0, 1])))
        for s in granted_sites:
            api.ok("PUT", f"/api/v1/drivers/{d}/sites/{s}", 204)
        for c in granted_chargers:
            api.ok("PUT", f"/api/v1/drivers/{d}/chargers/{c}", 204)
        grants[d] = (granted_sites, granted_chargers)
    return {"parents": parents, "chargers": chargers, "grants": grants}


def below(parents: dict[int, int | None], site_id: int) -> set[int]:
    """The site and every site under it, walking children (not ancestors)."""
    found, frontier = {site_id}, [site_id]
    while frontier:
        current = frontier.pop()
        kids = [s for s, p in parents.items() if p == current]
        found.update(kids)
        frontier.extend(kids)
    return found


def expected_at_site(world: dict[str, Any], site_id: int) -> list[int]:
    parents = world["parents"]
    return sorted(
        d
        for d, (sites_, _) in world["grants"].items()
        if any(site_id in below(parents, s) for s in sites_)
    )


def expected_at_charger(world: dict[str, Any], charger_id: str) -> list[int]:
    at_site = set(expected_at_site(world, world["chargers"][charger_id]))
    direct = {d for d, (_, chargers) in world["grants"].items() if charger_id in chargers}
    return sorted(at_site | direct)


def all_pages(api: Api, path: str, limit: int = 5) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    page = 1
    while True:
        body = api.ok("GET", path, params={"page": page, "limit": limit})
        assert body["page"] == page and body["limit"] == limit
        items.extend(body["items"])
        assert len(body["items"]) <= limit
        if not body["hasNextPage"]:
            assert body["totalRecords"] == len(items)
            return items
        page += 1


def test_drivers_at_every_charger_and_site(api: Api) -> None:
    world = build(api)
    assert any(expected_at_charger(world, c) for c in world["chargers"])
    for charger_id in world["chargers"]:
        found = all_pages(api, f"/api/v1/chargers/{charger_id}/drivers")
        assert [d["id"] for d in found] == expected_at_charger(world, charger_id), charger_id
        for document in found:  # whole driver documents
            assert document["tags"][0]["idTag"].startswith("TAG")
            assert set(document) >= {"chargerGroups", "chargers", "homeGroupId"}
    for site_id in world["parents"]:
        found = all_pages(api, f"/api/v1/sites/{site_id}/drivers")
        assert [d["id"] for d in found] == expected_at_site(world, site_id), site_id


def test_drivers_for_several_sites(api: Api) -> None:
    world = build(api, seed=11)
    site_ids = list(world["parents"])[:20]
    body = api.ok("POST", "/api/v1/sites/drivers", json={"groupIds": site_ids})
    assert [g["groupId"] for g in body] == site_ids
    for group in body:
        expected = expected_at_site(world, group["groupId"])
        assert group["totalRecords"] == len(expected)
        assert [u["id"] for u in group["users"]] == expected[:100]
    # Paging applies to each site's list; repeated ids are answered once.
    paged = api.ok(
        "POST",
        "/api/v1/sites/drivers",
        params={"limit": 1, "page": 2},
        json={"groupIds": [site_ids[0], site_ids[0]]},
    )
    expected = expected_at_site(world, site_ids[0])
    assert paged == [
        {"groupId": site_ids[0], "users": paged[0]["users"], "totalRecords": len(expected)}
    ]
    assert [u["id"] for u in paged[0]["users"]] == expected[1:2]
    # A read key may ask.
    asked = {"groupIds": site_ids[:1]}
    assert api.read_key().ok("POST", "/api/v1/sites/drivers", json=asked) == body[:1]
    for bad in (
        {"groupIds": list(range(1, 22))},  # more than 20
        {"groupIds": []},
        {"groupIds": ["x"]},
        {"groupIds": [0]},
        {},
        {"groupIds": [site_ids[0]], "extra": 1},
        {"groupIds": [site_ids[0], 999_999_999]},  # no such site
    ):
        response = api.post("/api/v1/sites/drivers", json=bad)
        assert response.status_code == 400, bad
        assert response.json()["detail"] == "Errors in the body request"


def test_driver_by_external_id(api: Api) -> None:
    created = driver(api, "Erik", "04:a2:3b:1c", externalId="CRM 42/ä")
    found = api.ok("GET", "/api/v1/drivers/by-external-id/CRM 42%2F%C3%A4")
    assert found == api.ok("GET", f"/api/v1/drivers/{created['id']}")
    missing = api.get("/api/v1/drivers/by-external-id/nobody")
    assert missing.status_code == 404
    assert missing.json()["detail"] == "Driver not found in the list of drivers of the customer"


def test_lookups_stay_within_the_customer(api: Api, other: Api) -> None:
    world = build(api, seed=3)
    charger_id = next(c for c in world["chargers"] if expected_at_charger(world, c))
    site_id = next(iter(world["parents"]))
    assert other.get(f"/api/v1/chargers/{charger_id}/drivers").status_code == 404
    assert other.get(f"/api/v1/sites/{site_id}/drivers").status_code == 404
    refused = other.post("/api/v1/sites/drivers", json={"groupIds": [site_id]})
    assert refused.status_code == 400 and f"no site with id {site_id}" in refused.text
    assert other.get("/api/v1/drivers/by-external-id/EXT-1").status_code == 404
    # B's own data, with A's names, shows only B's drivers.
    mine = site(other, "Mine")["id"]
    charger(other, charger_id, mine)
    own = driver(other, "B's driver", "TAG000", externalId="EXT-1")["id"]
    other.ok("PUT", f"/api/v1/drivers/{own}/sites/{mine}", 204)
    assert [d["id"] for d in all_pages(other, f"/api/v1/chargers/{charger_id}/drivers")] == [own]
    assert other.ok("GET", "/api/v1/drivers/by-external-id/EXT-1")["id"] == own
    assert api.ok("GET", "/api/v1/drivers/by-external-id/EXT-1")["id"] != own
    unauthenticated = api.raw.get(f"/api/v1/chargers/{charger_id}/drivers")
    assert unauthenticated.status_code == 401


def _walk(site: dict[str, Any], parent: int | None, seen: dict[int, int | None]) -> None:
    seen[site["id"]] = parent
    assert [s["id"] for s in site["subgroups"]] == sorted(s["id"] for s in site["subgroups"])
    for sub in site["subgroups"]:
        _walk(sub, site["id"], seen)


def test_the_site_tree_with_and_without_details(api: Api) -> None:
    world = build(api, seed=5)
    trees = api.ok("GET", "/api/v1/site-tree")
    roots = sorted(s for s, p in world["parents"].items() if p is None)
    assert [t["id"] for t in trees] == roots
    seen: dict[int, int | None] = {}
    placed: dict[str, int] = {}

    def chargers_of(site: dict[str, Any]) -> None:
        for c in site["chargers"]:
            placed[c["chargerId"]] = site["id"]
        for sub in site["subgroups"]:
            chargers_of(sub)

    for tree in trees:
        _walk(tree, None, seen)
        chargers_of(tree)
        assert tree == api.ok("GET", f"/api/v1/sites/{tree['id']}/tree")
    assert seen == world["parents"]  # every site, under its own parent
    assert placed == world["chargers"]  # every charger, in its own site
    outline = api.ok("GET", "/api/v1/site-tree", params={"excludeDetails": "true"})
    outlined: dict[int, int | None] = {}
    for tree in outline:
        _walk(tree, None, outlined)
    assert outlined == world["parents"]
    assert set(outline[0]) == {"id", "groupName", "groupType", "subgroups"}
    assert outline[0]["groupName"] == "Root" and outline[0]["groupType"] == 1
    bad = api.get("/api/v1/site-tree", params={"excludeDetails": "maybe"})
    assert bad.status_code == 400


def test_a_site_by_external_id(api: Api, other: Api) -> None:
    garage = site(api, "Garage", externalId="GAR/5th street")["id"]
    floor = site(api, "Floor 1", garage, externalId="F1")["id"]
    charger(api, "CP-G", garage)
    charger(api, "CP-F", floor)
    full = api.ok("GET", "/api/v1/sites/by-external-id/GAR/5th street")
    assert full == api.ok("GET", f"/api/v1/sites/{garage}/tree")
    assert [s["id"] for s in full["subgroups"]] == [floor]
    alone = api.ok(
        "GET", "/api/v1/sites/by-external-id/GAR%2F5th street", params={"excludeSubgroups": 1}
    )
    assert alone["subgroups"] == [] and [c["chargerId"] for c in alone["chargers"]] == ["CP-G"]
    assert {k: v for k, v in alone.items() if k != "subgroups"} == {
        k: v for k, v in full.items() if k != "subgroups"
    }
    assert api.get("/api/v1/sites/by-external-id/nothing").status_code == 404
    # B has neither A's site nor its tree.
    assert other.get("/api/v1/sites/by-external-id/F1").status_code == 404
    assert other.ok("GET", "/api/v1/site-tree") == []


def _homes(api: Api, world: dict[str, Any], seed: int) -> dict[int | None, list[int]]:
    """Give every driver of the world a random home site or none; the expected lists."""
    rng = random.Random(seed)
    homes: dict[int | None, list[int]] = {}
    sites_ = [*world["parents"], None]
    for d in sorted(world["grants"]):
        home = rng.choice(sites_)
        if home is not None:
            api.ok("PATCH", f"/api/v1/drivers/{d}", json={"homeSiteId": home})
        homes.setdefault(home, []).append(d)
    return homes


def _collect(group: dict[str, Any], out: dict[int, tuple[list[int], int]]) -> None:
    assert group["isSpare"] is False
    out[group["id"]] = ([u["id"] for u in group["users"]], group["totalUsers"])
    for sub in group["subgroups"]:
        _collect(sub, out)


def test_home_sites_with_their_drivers(api: Api) -> None:
    world = build(api, seed=9)
    homes = _homes(api, world, seed=9)
    tree = api.ok("GET", "/api/v1/home-sites", params={"limit": 100})
    found: dict[int, tuple[list[int], int]] = {}
    for group in tree["userGroups"]:
        _collect(group, found)
    assert set(found) == set(world["parents"])  # every site, nested as the tree
    for site_id, (users, total) in found.items():
        assert users == homes.get(site_id, []) and total == len(users), site_id
    assert [u["id"] for u in tree["spareUsers"]] == homes.get(None, [])
    assert tree["totalSpareUsers"] == len(homes.get(None, []))
    user = tree["spareUsers"][0] if tree["spareUsers"] else None
    assert user is None or (user["homeGroupId"] is None and "tags" in user)
    # Paging applies to each list.
    busiest = max((s for s in homes if s is not None), key=lambda s: len(homes[s]))
    second = api.ok("GET", "/api/v1/home-sites", params={"limit": 1, "page": 2})
    paged: dict[int, tuple[list[int], int]] = {}
    for group in second["userGroups"]:
        _collect(group, paged)
    assert paged[busiest] == (homes[busiest][1:2], len(homes[busiest]))
    # One home site: its own drivers and its subsites' (the root holds them all).
    root = next(s for s, p in world["parents"].items() if p is None)
    one = api.ok("GET", f"/api/v1/home-sites/{root}")
    mine: dict[int, tuple[list[int], int]] = {}
    _collect(one, mine)
    assert mine == {s: found[s] for s in mine}
    assert set(mine) == below(world["parents"], root)
    assert api.get("/api/v1/home-sites/999999999").status_code == 404


def test_home_sites_stay_within_the_customer(api: Api, other: Api) -> None:
    world = build(api, seed=4)
    _homes(api, world, seed=4)
    root = next(iter(world["parents"]))
    assert other.get(f"/api/v1/home-sites/{root}").status_code == 404
    assert other.ok("GET", "/api/v1/home-sites") == {
        "userGroups": [],
        "spareUsers": [],
        "totalSpareUsers": 0,
    }
