"""Building blocks for end-to-end tests: small trees of sites, chargers and drivers."""

from __future__ import annotations

from typing import Any

from tests.conftest import Api


def site(api: Api, name: str, parent: int | None = None, **extra: Any) -> dict[str, Any]:
    body = {"name": name, **({"parentId": parent} if parent else {}), **extra}
    result: dict[str, Any] = api.ok("POST", "/api/v1/sites", 201, json=body)
    return result


def charger(
    api: Api, charger_id: str, site_id: int, sockets: int = 2, **extra: Any
) -> dict[str, Any]:
    body = {
        "chargerId": charger_id,
        "chargerName": f"Charger {charger_id}",
        "groupId": site_id,
        "sockets": [{"id": n, "name": f"S{n}", "type": "Type2"} for n in range(1, sockets + 1)],
        **extra,
    }
    result: dict[str, Any] = api.ok("POST", "/api/v1/chargers", 201, json=body)
    return result


def driver(api: Api, name: str, *id_tags: str, **extra: Any) -> dict[str, Any]:
    doc: dict[str, Any] = api.ok("POST", "/api/v1/drivers", 201, json={"name": name, **extra})
    for id_tag in id_tags:
        api.ok("POST", f"/api/v1/drivers/{doc['id']}/tags", 201, json={"idTag": id_tag})
    return doc
