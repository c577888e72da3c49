"""The decision as stored data makes it, on SQLite and PostgreSQL: random site trees,
grants and validity windows written through the services, decided by
``services.authorization`` (site path read by a recursive query), compared with the
same reference the engine's unit test uses."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings

from evroster.errors import Conflict
from evroster.services import aliases, chargers, charging, drivers, sites
from evroster.services.audit import Actor
from evroster.services.authorization import authorize
from evroster.services.keys import create_customer
from tests.conftest import Server
from tests.unit.test_decisions import HOUR, NOW, reference, worlds


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(world=worlds())
def test_stored_decisions_agree_with_reference(server: Server, world: dict[str, Any]) -> None:
    start, until = world["valid_from"], world["valid_until"]
    assume(start is None or until is None or start <= until)  # refused by the API
    store = server.store
    customer = create_customer(store, "property")["id"]
    ids: dict[int, int] = {}
    for index, parent in world["parents"].items():  # parents come before children
        values = {"name": f"S{index}", "parent_id": ids[parent] if parent is not None else None}
        ids[index] = sites.create_site(store, Actor(customer), values)["id"]
    charger = {"site_id": ids[world["charger_site"]], "charger_id": "CP-1"}
    chargers.create_charger(store, Actor(customer), charger)
    driver = drivers.create_driver(store, Actor(customer), {"name": "D"})["id"]
    if world["known"]:
        drivers.add_tag(
            store,
            Actor(customer),
            driver,
            {
                "id_tag": "04:a2:3b:1c",
                "blocked": world["blocked"],
                "start_date": world["valid_from"],
                "expiring_date": world["valid_until"],
                "max_transactions": world["limit"],
            },
        )
    for site in world["site_grants"]:
        drivers.grant_site(store, Actor(customer), driver, ids[site])
    if world["charger_granted"]:
        drivers.grant_charger(store, Actor(customer), driver, "CP-1")
    if world["starting"]:
        # Running transactions are real rows; the start is recorded like a charger's.
        charger_pk = charging.find_station(store, customer, "CP-1")["id"]
        for _ in range(world["running"] if world["known"] else 0):
            _force_running(server, customer, charger_pk)
        start = charging.SessionStart("CP-1", "04A23B1C", NOW)
        decision, row = charging.start_transaction(store, customer, charger_pk, start)
        assert row["start_decision"] == decision.outcome.value
    else:
        decision = authorize(server.documents, customer, "CP-1", "04A23B1C", now=NOW)
        # The cache answers as the database does, and the second time from memory.
        assert authorize(store.documents, customer, "CP-1", "04A23B1C", now=NOW) == decision
        assert authorize(server.documents, customer, "CP-1", "04A23B1C", now=NOW) == decision
    assert decision.outcome is reference(world)


def _force_running(server: Server, customer: int, charger_pk: int) -> None:
    """A running accepted transaction of the customer's tag, whatever its state now."""
    with server.store.transaction() as uow:
        tag = uow.access.facts(customer, "CP-1", "04A23B1C").token
        assert tag is not None
        uow.transactions.create(
            customer,
            {
                "charger_pk": charger_pk,
                "charger_id": "CP-1",
                "tag_id": tag["id"],
                "driver_id": tag["driver_id"],
                "start_decision": "accepted",
                "started_at": NOW - HOUR,
            },
        )


def test_aliases_share_the_idtag_namespace(server: Server) -> None:
    store = server.store
    customer = create_customer(store, "aliases")["id"]
    other = create_customer(store, "other")["id"]
    driver = drivers.create_driver(store, Actor(customer), {"name": "D"})["id"]
    tag = drivers.add_tag(store, Actor(customer), driver, {"id_tag": "04A23B1C"})
    second = drivers.add_tag(store, Actor(customer), driver, {"id_tag": "AABBCCDD"})
    alias = aliases.add_alias(store, Actor(customer), tag["id"], "1c:3b:a2:04")
    assert (alias["alias"], alias["alias_key"]) == ("1c:3b:a2:04", "1C3BA204")
    with pytest.raises(Conflict):  # the alias is taken
        aliases.add_alias(store, Actor(customer), second["id"], "1C3BA204")
    with pytest.raises(Conflict):  # an idTag of another tag
        aliases.add_alias(store, Actor(customer), tag["id"], "aa:bb:cc:dd")
    with pytest.raises(Conflict):  # a new tag may not take an alias's spelling
        drivers.add_tag(store, Actor(customer), driver, {"id_tag": "1C3BA204"})
    with pytest.raises(Conflict):  # nor may a renamed one
        drivers.update_tag(store, Actor(customer), second["id"], {"id_tag": "1C3BA204"})
    # Another customer's namespace is its own.
    other_driver = drivers.create_driver(store, Actor(other), {"name": "D"})["id"]
    drivers.add_tag(store, Actor(other), other_driver, {"id_tag": "1C3BA204"})
    charger = {"site_id": sites.create_site(store, Actor(customer), {"name": "S"})["id"]}
    chargers.create_charger(store, Actor(customer), {**charger, "charger_id": "CP-A"})
    other_site = sites.create_site(store, Actor(other), {"name": "S"})["id"]
    chargers.create_charger(store, Actor(other), {"site_id": other_site, "charger_id": "CP-A"})
    source = server.documents
    assert source.access_facts(customer, "CP-A", "1C3BA204").token["id"] == tag["id"]
    theirs = source.access_facts(other, "CP-A", "1C3BA204").token
    assert theirs is not None and theirs["id"] not in (tag["id"], second["id"])
    aliases.delete_alias(store, Actor(customer), tag["id"], alias["id"])
    assert aliases.list_aliases(store, customer, tag["id"]) == []
    assert source.access_facts(customer, "CP-A", "1C3BA204").token is None
    assert store.documents.access_facts(customer, "CP-A", "1C3BA204").token is None


def test_concurrent_writers_cannot_share_a_spelling_or_exceed_a_limit(server: Server) -> None:
    """Many threads at once, through the services, on both databases: one spelling is
    claimed once (alias or idTag), and a tag allowed one transaction gets one."""
    store = server.store
    customer = create_customer(store, "races")["id"]
    site = sites.create_site(store, Actor(customer), {"name": "S"})["id"]
    chargers.create_charger(store, Actor(customer), {"site_id": site, "charger_id": "CP-R"})
    driver = drivers.create_driver(store, Actor(customer), {"name": "D"})["id"]
    drivers.grant_site(store, Actor(customer), driver, site)
    tags = [
        drivers.add_tag(store, Actor(customer), driver, {"id_tag": f"TAG{n}"})["id"]
        for n in range(8)
    ]
    limited = drivers.add_tag(
        store, Actor(customer), driver, {"id_tag": "ONE", "max_transactions": 1}
    )
    barrier = threading.Barrier(9)

    def claim(n: int) -> str:
        barrier.wait()
        try:
            if n == 8:
                drivers.add_tag(store, Actor(customer), driver, {"id_tag": "SHARED"})
            else:
                aliases.add_alias(store, Actor(customer), tags[n], "shared")
        except Conflict:
            return "conflict"
        return "won"

    with ThreadPoolExecutor(9) as pool:
        outcomes = list(pool.map(claim, range(9)))
    assert sorted(outcomes) == ["conflict"] * 8 + ["won"]
    charger_pk = charging.find_station(store, customer, "CP-R")["id"]
    start_barrier = threading.Barrier(6)

    def start(n: int) -> str:
        start_barrier.wait()
        session = charging.SessionStart("CP-R", "one", NOW, connector_id=n)
        decision, _ = charging.start_transaction(store, customer, charger_pk, session)
        return decision.outcome.value

    with ThreadPoolExecutor(6) as pool:
        decisions = list(pool.map(start, range(6)))
    assert sorted(decisions) == ["accepted"] + ["concurrent_tx"] * 5
    assert limited["max_transactions"] == 1
