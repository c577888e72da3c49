"""The document cache never serves what a write has changed, on SQLite and PostgreSQL.

Random sequences of every kind of write (drivers, tags, aliases, grants, sites, charger
fields, sockets, moves, deletions, live status and lastSeen), each followed by every
document and decision of the customer read twice: over HTTP from the server's cache,
and in-process straight from the database. They must be the same bytes and the same
decisions, and an idTag that is gone must be gone.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evroster.errors import NotFound
from evroster.services.audit import Actor
from evroster.services.authorization import authorize
from evroster.services.cache import DocumentCache
from evroster.services.charging import SocketStatus, Traffic, record_live, record_traffic
from evroster.services.documents import Documents, charger_objects
from evroster.services.keys import issue_key, revoke_key
from tests.conftest import Api, Server, new_customer
from tests.e2e.helpers import charger, driver, site

NOW = datetime(2026, 11, 26, 12, tzinfo=UTC)


class World:
    """One customer's sites, chargers, drivers and tags, as the test last wrote them."""

    def __init__(self, server: Server, api: Api) -> None:
        self.server = server
        self.api = api
        self.uncached = Documents(server.store.documents, server.store.changes)
        root = site(api, "Root")["id"]
        a = site(api, "A", root)["id"]
        b = site(api, "B", root)["id"]
        c = site(api, "C", a)["id"]
        self.sites = [root, a, b, c]
        self.chargers: dict[str, int] = {}
        for name, where in (("CP1", a), ("CP2", c), ("CP3", b)):
            self.chargers[name] = charger(api, name, where)["id"]
        self.drivers = [
            driver(api, "D1", "04:a2:3b:1c", "AA-01")["id"],
            driver(api, "D2", "BB02")["id"],
            driver(api, "D3", "CC03")["id"],
        ]
        self.id_tags = {"04:a2:3b:1c", "AA-01", "BB02", "CC03"}
        api.ok("PUT", f"/api/v1/drivers/{self.drivers[0]}/sites/{a}", 204)
        api.ok("PUT", f"/api/v1/drivers/{self.drivers[1]}/chargers/CP3", 204)
        api.ok("PUT", f"/api/v1/drivers/{self.drivers[2]}/sites/{root}", 204)
        api.ok("PUT", f"/api/v1/drivers/{self.drivers[2]}/chargers/CP1", 204)
        self.counter = 0

    def tags(self) -> list[dict[str, Any]]:
        found = []
        for driver_id in self.drivers:
            response = self.api.get(f"/api/v1/drivers/{driver_id}")
            if response.status_code == 200:
                found.extend(response.json()["tags"])
        return found

    def check(self) -> None:
        """Every document and decision from the cache equals the database's."""
        customer = self.api.customer_id
        for id_tag in sorted(self.id_tags):
            cached = self.api.get(f"/api/v1/drivers/by-idtag/{id_tag}")
            try:
                expected = self.uncached.by_idtag(customer, id_tag)
            except Exception:
                assert cached.status_code == 404, (id_tag, cached.text)
                continue
            assert cached.status_code == 200, cached.text
            assert cached.content == expected, id_tag
            for charger_id in self.chargers:
                got = authorize(self.server.documents, customer, charger_id, id_tag, now=NOW)
                want = authorize(self.uncached, customer, charger_id, id_tag, now=NOW)
                assert got == want, (id_tag, charger_id)
        for driver_id in self.drivers:
            cached = self.api.get(f"/api/v1/drivers/{driver_id}")
            if cached.status_code == 404:
                continue
            assert cached.content == self.uncached.by_id(customer, driver_id)
        # Charger objects come from the cache's pieces too.
        for charger_id, pk in self.chargers.items():
            cached = self.api.get(f"/api/v1/chargers/{charger_id}")
            assert cached.status_code == 200, cached.text
            stored = charger_objects(self.server.store.documents.chargers(customer, [pk]))
            assert cached.content == orjson.dumps(stored[0]), charger_id

    def name(self) -> str:
        self.counter += 1
        return f"n{self.counter}"


def _op(world: World, data: st.DataObject) -> None:
    api = world.api
    store = world.server.store
    pick = data.draw
    d = pick(st.sampled_from(world.drivers))
    s = pick(st.sampled_from(world.sites))
    cp = pick(st.sampled_from(sorted(world.chargers)))
    op = pick(
        st.sampled_from(
            [
                "rename driver", "home site", "add tag", "block tag", "rename tag",
                "delete tag", "add alias", "delete alias", "grant site", "revoke site",
                "grant charger", "revoke charger", "rename site", "move site", "new site",
                "delete site", "rename charger", "sockets", "move charger", "new charger",
                "delete charger", "live status", "last seen", "delete driver",
            ]
        )
    )  # fmt: skip
    if op == "rename driver":
        api.patch(f"/api/v1/drivers/{d}", json={"name": world.name()})
    elif op == "home site":
        api.patch(f"/api/v1/drivers/{d}", json={"homeGroupId": s})
    elif op == "add tag":
        id_tag = f"T-{world.name()}"
        if api.post(f"/api/v1/drivers/{d}/tags", json={"idTag": id_tag}).status_code == 201:
            world.id_tags.add(id_tag)
    elif op in ("block tag", "rename tag", "delete tag", "add alias", "delete alias"):
        tags = world.tags()
        if not tags:
            return
        tag = pick(st.sampled_from(tags))
        path = f"/api/v1/tags/{tag['id']}"
        if op == "block tag":
            api.patch(path, json={"blocked": pick(st.booleans())})
        elif op == "rename tag":
            id_tag = f"R-{world.name()}"
            if api.patch(path, json={"idTag": id_tag}).status_code == 200:
                world.id_tags.add(id_tag)
        elif op == "delete tag":
            api.delete(path)
        elif op == "add alias":
            alias = f"AL-{world.name()}"
            if api.post(f"{path}/aliases", json={"alias": alias}).status_code == 201:
                world.id_tags.add(alias)
        else:
            aliases = api.get(f"{path}/aliases").json()
            if aliases:
                api.delete(f"{path}/aliases/{aliases[0]['id']}")
    elif op in ("grant site", "revoke site"):
        api.request("PUT" if op == "grant site" else "DELETE", f"/api/v1/drivers/{d}/sites/{s}")
    elif op in ("grant charger", "revoke charger"):
        method = "PUT" if op == "grant charger" else "DELETE"
        api.request(method, f"/api/v1/drivers/{d}/chargers/{cp}")
    elif op == "rename site":
        api.patch(f"/api/v1/sites/{s}", json={"name": world.name()})
    elif op == "move site":
        parent = pick(st.sampled_from([None, *world.sites]))
        api.patch(f"/api/v1/sites/{s}", json={"parentId": parent})  # a loop is a 4xx
    elif op == "new site":
        world.sites.append(site(api, world.name(), s)["id"])
    elif op == "delete site":
        if api.delete(f"/api/v1/sites/{s}").status_code == 204 and len(world.sites) > 1:
            world.sites.remove(s)
    elif op == "rename charger":
        api.patch(f"/api/v1/chargers/{cp}", json={"chargerName": world.name()})
    elif op == "sockets":
        count = pick(st.integers(1, 3))
        sockets = [{"id": n, "name": world.name(), "type": "CCS"} for n in range(1, count + 1)]
        api.patch(f"/api/v1/chargers/{cp}", json={"sockets": sockets})
    elif op == "move charger":
        api.patch(f"/api/v1/chargers/{cp}", json={"groupId": s})
    elif op == "new charger":
        name = f"CP-{world.name()}"
        world.chargers[name] = charger(api, name, s)["id"]
    elif op == "delete charger":
        if len(world.chargers) > 1 and api.delete(f"/api/v1/chargers/{cp}").status_code == 204:
            del world.chargers[cp]
    elif op == "live status":
        status = pick(st.sampled_from(["Available", "Charging", "Faulted"]))
        record_live(
            store, api.customer_id, world.chargers[cp], NOW, "StatusNotification",
            connected=pick(st.booleans()), charger_status=status,
            socket=SocketStatus(None, 1, status),
        )  # fmt: skip
    elif op == "last seen":
        at = NOW + timedelta(seconds=world.counter)
        world.counter += 1
        record_traffic(store, [Traffic(api.customer_id, world.chargers[cp], at, "Heartbeat")])
    elif op == "delete driver" and len(world.drivers) > 1:
        api.delete(f"/api/v1/drivers/{d}")
        world.drivers.remove(d)


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_cached_documents_and_decisions_follow_every_write(
    server: Server, data: st.DataObject
) -> None:
    api = new_customer(server, "cache")
    try:
        world = World(server, api)
        world.check()  # fills the caches
        for _ in range(data.draw(st.integers(3, 12))):
            _op(world, data)
            world.check()
    finally:
        api.close()


def test_a_live_change_splices_pieces_and_keeps_other_documents_hot(api: Api) -> None:
    """A status on one charger: its driver's document changes at once, and the
    documents that do not show that charger stay hits."""
    server = api.server
    cache = DocumentCache(16 * 1024 * 1024)
    documents = Documents(server.store.documents, server.store.changes, cache)
    floor = site(api, "Floor")["id"]
    other = site(api, "Other")["id"]
    pk = charger(api, "LIVE-1", floor)["id"]
    charger(api, "LIVE-2", other)
    driver(api, "On the floor", "F100")
    driver(api, "Elsewhere", "E200")
    drivers = api.get("/api/v1/drivers").json()["items"]
    by_name = {d["name"]: d["id"] for d in drivers}
    api.ok("PUT", f"/api/v1/drivers/{by_name['On the floor']}/sites/{floor}", 204)
    api.ok("PUT", f"/api/v1/drivers/{by_name['Elsewhere']}/sites/{other}", 204)
    customer = api.customer_id
    for tag in ("F100", "E200"):
        documents.by_idtag(customer, tag)
    before = dict(cache.counts)
    record_live(
        server.store, customer, pk, NOW, "StatusNotification",
        connected=True, socket=SocketStatus(None, 1, "Faulted"),
    )  # fmt: skip
    doc = documents.by_idtag(customer, "F100")
    uncached = Documents(server.store.documents, server.store.changes)
    assert doc == uncached.by_idtag(customer, "F100")
    floor_doc = orjson.loads(doc)["chargerGroups"][0]
    assert floor_doc["errorSocket"] == 1 and floor_doc["onlineSocket"] == 1
    assert floor_doc["chargers"][0]["sockets"][0]["status"] == "Faulted"
    # That document was spliced again with the one charger read afresh: a miss.
    assert cache.counts["misses"] == before.get("misses", 0) + 1
    documents.by_idtag(customer, "E200")
    documents.by_idtag(customer, "F100")
    # The other document was untouched, and this one is whole again: two hits.
    assert cache.counts["hits"] == before.get("hits", 0) + 2
    # A heartbeat of a charger in the other site: its document is spliced from cached
    # pieces but that charger, and the first document stays whole.
    other_pk = api.get("/api/v1/chargers/LIVE-2").json()["id"]
    record_traffic(server.store, [Traffic(customer, other_pk, NOW, "Heartbeat")])
    assert documents.by_idtag(customer, "E200") == uncached.by_idtag(customer, "E200")
    documents.by_idtag(customer, "F100")
    assert cache.counts["hits"] == before.get("hits", 0) + 3


def test_a_document_read_by_id_is_kept_under_its_idtags(api: Api) -> None:
    """The answer to a write (read by id) serves the next reads by idTag from memory,
    until one of its tags changes."""
    server = api.server
    cache = DocumentCache(16 * 1024 * 1024)
    documents = Documents(server.store.documents, server.store.changes, cache)
    uncached = Documents(server.store.documents, server.store.changes)
    customer = api.customer_id
    d = driver(api, "Two tags", "04:a2:3b:1d", "TT-02")["id"]
    api.ok("PATCH", f"/api/v1/drivers/{d}", 200, json={"name": "Renamed"})
    body = documents.by_id(customer, d)
    assert orjson.loads(body)["name"] == "Renamed"
    before = dict(cache.counts)
    # Any spelling of the idTag, and the other tag: the same document, both hits.
    assert documents.by_idtag(customer, "04a23b1d") == body
    assert documents.by_idtag(customer, "tt-02") == body
    assert cache.counts["hits"] == before.get("hits", 0) + 2
    assert cache.counts["misses"] == before.get("misses", 0)
    tag = next(t for t in orjson.loads(body)["tags"] if t["idTag"] == "TT-02")
    api.ok("DELETE", f"/api/v1/tags/{tag['id']}", 204)
    with pytest.raises(NotFound):
        documents.by_idtag(customer, "TT-02")
    kept = documents.by_idtag(customer, "04:A2:3B:1D")
    assert kept == uncached.by_idtag(customer, "04:A2:3B:1D")
    assert [t["idTag"] for t in orjson.loads(kept)["tags"]] == ["04:a2:3b:1d"]


def test_a_revoked_key_is_refused_at_once(api: Api) -> None:
    """Keys are cached too: revoking one reaches the cache before the revoke returns."""
    server = api.server
    key = issue_key(server.store, Actor(api.customer_id), "read")
    reader = {"X-API-Key": key["apiKey"]}
    d = driver(api, "Reader's view", "RV01")["id"]
    # The hot path and a management route, each the second time from the cache.
    paths = ["/api/v1/drivers/by-idtag/RV01", f"/api/v1/drivers/{d}/tags"]
    for path in paths * 2:
        response = api.raw.get(path, headers=reader)
        assert response.status_code == 200, response.text
    revoke_key(server.store, Actor(api.customer_id), key["id"])
    for path in paths:
        response = api.raw.get(path, headers=reader)
        assert response.status_code == 401, response.text
        assert response.json()["detail"] == "Customer not found or not authorised"


def test_a_key_found_good_once_still_checks_its_secret_and_client(api: Api) -> None:
    """A good key's secret is hashed once: the memo must not let a key id with another
    secret through, nor skip eMabler's clientId check."""
    server = api.server
    documents = server.app.app.documents
    key = issue_key(server.store, Actor(api.customer_id), "read")["apiKey"]
    driver(api, "Memo", "MEMO01")
    path = "/api/v1/drivers/by-idtag/MEMO01"
    for _ in range(2):
        response = api.raw.get(path, headers={"X-API-Key": key})
        assert response.status_code == 200, response.text
        assert response.json()["name"] == "Memo"
    assert documents.cache.verified(key).customer_id == api.customer_id
    forged = key[:-4] + ("AAAA" if not key.endswith("AAAA") else "BBBB")
    for headers, query in (
        ({"X-API-Key": forged}, {}),
        ({}, {"code": forged}),
        ({"X-API-Key": key}, {"clientId": str(api.customer_id + 1)}),
        ({}, {"code": key, "clientId": "not-a-customer"}),
    ):
        response = api.raw.get(path, headers=headers, params=query)
        assert response.status_code == 401, (headers, query, response.text)
        assert response.json()["detail"] == "Customer not found or not authorised"
    assert documents.cache.verified(forged) is None
    response = api.raw.get(path, params={"code": key, "clientId": str(api.customer_id)})
    assert response.status_code == 200, response.text
    assert response.json()["name"] == "Memo"


@pytest.mark.parametrize("size", [0, 2048])
def test_a_small_or_no_cache_serves_the_same_documents(api: Api, size: int) -> None:
    """At 0 bytes the cache is off; at 2 KB almost nothing fits and pieces are evicted
    between reads: the documents are the same either way."""
    server = api.server
    documents = Documents(server.store.documents, server.store.changes, DocumentCache(size))
    uncached = Documents(server.store.documents, server.store.changes)
    top = site(api, "Top")["id"]
    for n in range(3):
        charger(api, f"SMALL-{n}", site(api, f"Sub {n}", top)["id"])
    d = driver(api, "Small", "SM01")["id"]
    api.ok("PUT", f"/api/v1/drivers/{d}/sites/{top}", 204)
    for _ in range(3):
        body = documents.by_idtag(api.customer_id, "SM01")
        assert body == uncached.by_idtag(api.customer_id, "SM01")
    if size:
        assert documents.cache is not None
        assert documents.cache.stats()["bytes"] <= size
    else:
        assert documents.cache is None
