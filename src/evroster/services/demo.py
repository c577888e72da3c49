"""A believable demo operator, loaded into an empty database by ``evroster demo``.

Two cities, parking garages with floors, a few dozen chargers in mixed states, a few
hundred drivers with one to three tags each, and grants at every level of the tree.
Deterministic: the same data on every machine, so the printed idTags always work.
"""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from evroster.domain.sites import GroupType
from evroster.domain.times import utcnow
from evroster.services import chargers, drivers, keys, sites
from evroster.services.audit import Actor
from evroster.storage.base import Store

__all__ = ["load_demo"]

_FIRST = (
    "Ingrid", "Ola", "Kari", "Lars", "Sofie", "Jonas", "Emma", "Henrik", "Nora", "Magnus",
    "Sara", "Erik", "Aisha", "Mehmet", "Chen", "Priya", "Lukas", "Elena",
)  # fmt: skip
_LAST = (
    "Hansen", "Johansen", "Olsen", "Larsen", "Andersen", "Pedersen", "Nilsen", "Berg",
    "Haugen", "Bakke", "Dahl", "Strand", "Solberg", "Ali", "Nguyen", "Kowalski",
)  # fmt: skip
_STATUSES = (
    "Available",
    "Available",
    "Available",
    "Charging",
    "Preparing",
    "Faulted",
    "Unavailable",
    "SuspendedEV",
)
_MODELS = (
    ("Alfen", "Eve Single Pro-line"),
    ("Zaptec", "Go"),
    ("Easee", "Charge"),
    ("ABB", "Terra AC"),
    ("Kempower", "Satellite"),
)
_TREE: dict[str, dict[str, list[str]]] = {
    "Oslo": {
        "Aker Brygge P-hus": ["Level -1", "Level -2", "Level -3"],
        "Grünerløkka Garage": ["Ground floor", "Level 1"],
        "Majorstuen Park": ["Level 1", "Level 2"],
    },
    "Bergen": {
        "Bryggen Parking": ["Level 1", "Level 2"],
        "Kronstad Office Park": ["North wing", "South wing"],
    },
}


def _uid(rng: random.Random, pairs: int, sep: str) -> str:
    return sep.join(f"{rng.randrange(256):02X}" for _ in range(pairs))


def load_demo(store: Store) -> dict[str, Any] | None:
    """Load the demo operator, unless the database already has customers."""
    with store.transaction(write=False) as uow:
        if uow.customers.get(1) is not None:
            return None
    rng = random.Random(20261125)
    now = utcnow()
    account = keys.create_customer(store, "Nordlys Charging (demo)")
    customer = account["id"]
    # Demo data is written as the CLI would: its audit trail shows how it began.
    actor = Actor(customer, None, "cli")
    read_key = keys.issue_key(store, actor, "read", "demo read-only key")

    floors: list[int] = []
    garages: list[int] = []
    cities: list[int] = []
    for city, garage_map in _TREE.items():
        city_id = sites.create_site(
            store,
            actor,
            {
                "name": city,
                "group_type": GroupType.SUB_CPO,
                "external_id": f"city-{city.lower()}",
            },
        )["id"]
        cities.append(city_id)
        for g, (garage, levels) in enumerate(garage_map.items(), 1):
            garage_id = sites.create_site(
                store,
                actor,
                {
                    "name": garage,
                    "parent_id": city_id,
                    "group_type": GroupType.SITE,
                    "external_id": f"{city[:3].upper()}-G{g}",
                    "cost_id": f"tariff-{g}",
                    "cost_name": "Standard AC tariff",
                },
            )["id"]
            garages.append(garage_id)
            for n, level in enumerate(levels, 1):
                floors.append(
                    sites.create_site(
                        store,
                        actor,
                        {
                            "name": level,
                            "parent_id": garage_id,
                            "group_type": GroupType.SUB_SITE,
                            "external_id": f"{city[:3].upper()}-G{g}-L{n}",
                        },
                    )["id"]
                )

    charger_ids: list[str] = []
    for n in range(40):
        site_id = floors[n % len(floors)]
        maker, model = _MODELS[n % len(_MODELS)]
        connected = rng.random() < 0.8
        charger_id = f"NOR{n + 1:04d}"
        chargers.create_charger(
            store,
            actor,
            {
                "charger_id": charger_id,
                "charger_name": f"{maker} {n + 1:02d}",
                "site_id": site_id,
                "manufacturer": maker,
                "charger_model": model,
                "firmware_version": "5.3.1",
                "serial_number": f"SN{rng.randrange(10**8):08d}",
                "active_connection": connected,
                "charger_status": "Available" if connected else None,
                "last_seen": now - timedelta(seconds=rng.randrange(30 if connected else 86400 * 3)),
                "latitude": 59.9 + rng.random() / 10,
                "longitude": 10.7 + rng.random() / 10,
                "street_address": "Stranden",
                "street_number": str(n + 1),
                "postal_number": "0250",
                "city": "Oslo",
                "country": "NO",
                "evse_id": f"NO*NOR*E{n + 1:04d}",
                "capabilities": ["RFID", "RemoteStart"],
                "charger_configurations": [
                    {"configName": "HeartbeatInterval", "configValue": "300", "canBeChanged": True}
                ],
                "sockets": [
                    {
                        "id": s,
                        "name": f"Socket {s}",
                        "type": "Type2",
                        "max_power": "22kW",
                        "max_watts": 22000,
                        "max_voltage": 400,
                        "max_amperage": 32,
                        "status": rng.choice(_STATUSES),
                        "device_evse_id": s,
                        "device_connector_id": 1,
                    }
                    for s in range(1, rng.randint(1, 4) + 1)
                ],
            },
        )
        charger_ids.append(charger_id)

    # The driver the printed curl line finds: a garage with floors, one direct charger,
    # a card written with colons in lower case, looked up without them.
    showcase = drivers.create_driver(
        store,
        actor,
        {
            "name": "Ingrid Hansen",
            "external_id": "crm-00001",
            "home_site_id": garages[0],
            "integrated_external_ids": [],
        },
    )["id"]
    drivers.add_tag(
        store,
        actor,
        showcase,
        {
            "id_tag": "04:a2:3b:1c",
            "token_name": "Company card",
            "invoicable": True,
            "expiring_date": now + timedelta(days=365),
        },
    )
    drivers.add_tag(store, actor, showcase, {"id_tag": "APP-ingrid", "token_name": "App"})
    drivers.grant_site(store, actor, showcase, garages[0])
    drivers.grant_charger(store, actor, showcase, charger_ids[-1])

    samples: dict[str, str] = {"showcase (lower case, colons)": "04:a2:3b:1c"}
    for n in range(300):
        name = f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"
        driver_id = drivers.create_driver(
            store,
            actor,
            {
                "name": name,
                "external_id": f"crm-{10000 + n}",
                "home_site_id": rng.choice(garages) if rng.random() < 0.7 else None,
                "integrated_external_ids": [],
            },
        )["id"]
        for t in range(rng.randint(1, 3)):
            kind = rng.random()
            tag: dict[str, Any] = {"token_name": f"Card {t + 1}", "invoicable": rng.random() < 0.3}
            if kind < 0.25:
                tag["id_tag"] = (
                    _uid(rng, 7, ":").lower() if rng.random() < 0.5 else _uid(rng, 4, ":")
                )
            elif kind < 0.35:
                tag["id_tag"] = f"APP-{rng.randrange(16**8):08x}"
                tag["token_name"] = "Mobile app"
            else:
                tag["id_tag"] = _uid(rng, 4, "")
            if rng.random() < 0.08:
                tag["expiring_date"] = now - timedelta(days=rng.randint(1, 400))
                samples.setdefault("expired", tag["id_tag"])
            elif rng.random() < 0.05:
                tag["start_date"] = now + timedelta(days=rng.randint(1, 60))
                samples.setdefault("not yet valid", tag["id_tag"])
            elif rng.random() < 0.08:
                tag["blocked"] = True
                samples.setdefault("blocked", tag["id_tag"])
            else:
                tag["expiring_date"] = now + timedelta(days=rng.randint(30, 900))
            drivers.add_tag(store, actor, driver_id, tag)
        roll = rng.random()
        if roll < 0.1:
            drivers.grant_site(store, actor, driver_id, rng.choice(cities))
        elif roll < 0.6:
            drivers.grant_site(store, actor, driver_id, rng.choice(garages))
        elif roll < 0.8:
            drivers.grant_site(store, actor, driver_id, rng.choice(floors))
        if rng.random() < 0.2:
            drivers.grant_charger(store, actor, driver_id, rng.choice(charger_ids))

    return {
        "customerId": customer,
        "apiKey": account["apiKey"],
        "readOnlyApiKey": read_key["apiKey"],
        "idTagsToTry": samples,
        "curl": f"curl -s -H 'X-API-Key: {account['apiKey']}' "
        "http://127.0.0.1:8000/api/v1/drivers/by-idtag/04A23B1C",
    }
