"""OCPP 1.6J end to end: the ``ocpp`` library as the charger, over a real WebSocket,
against the real server, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from ocpp.v16 import call

from tests.conftest import Api
from tests.e2e.helpers import charger, driver, site
from tests.e2e.ocpp_clients import charger as connect

NOW = datetime.now(UTC)


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def tag(api: Api, driver_id: int, id_tag: str, **extra: Any) -> dict[str, Any]:
    body = {"idTag": id_tag, **extra}
    result: dict[str, Any] = api.ok("POST", f"/api/v1/drivers/{driver_id}/tags", 201, json=body)
    return result


def build_world(api: Api) -> dict[str, Any]:
    """City > garage > floor, CP-FLOOR on the floor; CP-ELSE in another city."""
    city = site(api, "City")["id"]
    garage = site(api, "Garage", city)["id"]
    floor = site(api, "Floor", garage)["id"]
    other = site(api, "Elsewhere")["id"]
    charger(api, "CP-FLOOR", floor, sockets=2)
    charger(api, "CP-ELSE", other, sockets=1)
    allowed = driver(api, "Allowed")["id"]
    api.ok("PUT", f"/api/v1/drivers/{allowed}/sites/{city}", 204)
    tag(api, allowed, "04:a2:3b:1c", groupId="FLEET-1", maxTransactions=1)
    tag(api, allowed, "BLOCKED1", blocked=True)
    tag(api, allowed, "EXPIRED1", expiringDate=iso(NOW - timedelta(days=1)))
    later = NOW + timedelta(days=2)
    tag(api, allowed, "LATER1", startDate=iso(later))
    tag(api, allowed, "ENDS1", expiringDate=iso(NOW + timedelta(days=30)))
    outsider = driver(api, "Outsider")["id"]
    api.ok("PUT", f"/api/v1/drivers/{outsider}/chargers/CP-ELSE", 204)
    tag(api, outsider, "OUTSIDER1")
    return {"city": city, "floor": floor, "later": later}


def charger_doc(api: Api, charger_id: str) -> dict[str, Any]:
    result: dict[str, Any] = api.ok("GET", f"/api/v1/chargers/{charger_id}")
    return result


def wait_for(predicate: Any, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


def test_boot_status_and_live_fields(api: Api) -> None:
    build_world(api)
    assert charger_doc(api, "CP-FLOOR")["activeConnection"] is False

    async def scenario() -> None:
        async with connect(api, "CP-FLOOR") as cp:
            boot = await cp.call(
                call.BootNotification(
                    charge_point_model="Wallbox X",
                    charge_point_vendor="ACME",
                    charge_point_serial_number="SN-1",
                    firmware_version="1.2.3",
                    iccid="8931",
                    imsi="2040",
                    meter_type="EM24",
                    meter_serial_number="M-9",
                )
            )
            assert (boot.status, boot.interval) == ("Accepted", 300)
            assert datetime.fromisoformat(boot.current_time) - datetime.now(UTC) < timedelta(
                seconds=5
            )
            beat = await cp.call(call.Heartbeat())
            assert beat.current_time.endswith("Z")
            await cp.call(call.StatusNotification(0, "NoError", "Unavailable"))
            await cp.call(call.StatusNotification(2, "NoError", "Charging"))
            # A connector the operator has not configured is answered, not failed.
            assert await cp.call(call.StatusNotification(9, "NoError", "Available")) is not None
            doc = charger_doc(api, "CP-FLOOR")
            assert doc["activeConnection"] is True
            assert doc["lastMessage"] == "StatusNotification"
            assert datetime.now(UTC) - datetime.fromisoformat(doc["lastSeen"]) < timedelta(
                seconds=10
            )
            assert (doc["firmwareVersion"], doc["manufacturer"], doc["chargerModel"]) == (
                "1.2.3",
                "ACME",
                "Wallbox X",
            )
            assert (doc["serialNumber"], doc["iccid"], doc["imsi"]) == ("SN-1", "8931", "2040")
            assert (doc["meterType"], doc["meterSerialNumber"]) == ("EM24", "M-9")
            assert doc["chargerStatus"] == "Unavailable"
            assert [s["status"] for s in doc["sockets"]] == [None, "Charging"]

    asyncio.run(scenario())
    wait_for(lambda: charger_doc(api, "CP-FLOOR")["activeConnection"] is False)


def test_authorize_answers_every_decision(api: Api) -> None:
    world = build_world(api)

    async def scenario() -> dict[str, dict[str, Any]]:
        answers = {}
        async with connect(api, "CP-FLOOR") as cp:
            for id_tag in (
                "04a23b1c",
                "BLOCKED1",
                "EXPIRED1",
                "LATER1",
                "OUTSIDER1",
                "NOBODY",
                "ENDS1",
                # Longer than a 1.6 CiString20: unknown, never a failed message.
                "X" * 25,
            ):
                # The charger side would refuse to send the long one: skip its check.
                reply = await cp.call(call.Authorize(id_tag), skip_schema_validation=True)
                answers[id_tag] = reply.id_tag_info
        return answers

    answers = asyncio.run(scenario())
    assert answers["04a23b1c"] == {"status": "Accepted", "parent_id_tag": "FLEET-1"}
    assert answers["BLOCKED1"] == {"status": "Blocked"}
    assert answers["EXPIRED1"] == {"status": "Expired"}
    later = answers["LATER1"]
    assert later["status"] == "Invalid"
    assert datetime.fromisoformat(later["expiry_date"]) - world["later"] < timedelta(seconds=1)
    assert answers["OUTSIDER1"] == {"status": "Invalid"}
    assert answers["NOBODY"] == {"status": "Invalid"}
    assert answers["X" * 25] == {"status": "Invalid"}
    assert answers["ENDS1"]["status"] == "Accepted"
    assert datetime.fromisoformat(answers["ENDS1"]["expiry_date"]) > NOW + timedelta(days=29)


def test_start_meter_stop_and_concurrency(api: Api) -> None:
    build_world(api)

    async def scenario() -> tuple[Any, ...]:
        async with connect(api, "CP-FLOOR") as cp:
            first = await cp.call(call.StartTransaction(1, "04A23B1C", 1000, iso(NOW)))
            # The tag allows one transaction at a time: a second start is refused...
            second = await cp.call(call.StartTransaction(2, "04:A2:3B:1C", 50, iso(NOW)))
            # ...but the tag still authorizes, so that it can stop its transaction.
            still = await cp.call(call.Authorize("04A23B1C"))
            meter = [
                {
                    "timestamp": iso(NOW + timedelta(minutes=5)),
                    "sampledValue": [{"value": "1.75", "unit": "kWh"}],
                }
            ]
            await cp.call(call.MeterValues(1, meter, first.transaction_id))
            stop = await cp.call(
                call.StopTransaction(
                    2500,
                    iso(NOW + timedelta(minutes=30)),
                    first.transaction_id,
                    "Local",
                    "04A23B1C",
                )
            )
            # A blocked tag's start still gets a transaction id, with the refusal.
            blocked = await cp.call(call.StartTransaction(2, "BLOCKED1", 7, iso(NOW)))
            return first, second, still, stop, blocked

    first, second, still, stop, blocked = asyncio.run(scenario())
    assert first.id_tag_info["status"] == "Accepted" and first.transaction_id > 0
    assert second.id_tag_info["status"] == "ConcurrentTx"
    assert second.transaction_id not in (None, first.transaction_id)
    assert still.id_tag_info["status"] == "Accepted"
    assert stop.id_tag_info["status"] == "Accepted"
    assert blocked.id_tag_info == {"status": "Blocked"}
    sessions = {
        t["id"]: t for t in api.ok("GET", "/api/v1/transactions?chargerId=CP-FLOOR")["items"]
    }
    done = sessions[first.transaction_id]
    assert (done["meterStart"], done["meterStop"], done["meterLast"]) == (1000, 2500, 2500)
    assert (done["connectorId"], done["idTag"], done["startDecision"]) == (
        1,
        "04A23B1C",
        "accepted",
    )
    assert (done["stopReason"], done["stoppedAt"] is not None) == ("Local", True)
    assert sessions[second.transaction_id]["startDecision"] == "concurrent_tx"
    assert sessions[blocked.transaction_id]["startDecision"] == "blocked"
    assert sessions[blocked.transaction_id]["stoppedAt"] is None

    async def again() -> Any:
        # With the first transaction stopped, the tag may start again.
        async with connect(api, "CP-FLOOR") as cp:
            return await cp.call(call.StartTransaction(1, "04A23B1C", 2500, iso(NOW)))

    assert asyncio.run(again()).id_tag_info["status"] == "Accepted"


def test_the_driver_document_shows_the_connection(api: Api) -> None:
    build_world(api)

    def floor_charger() -> dict[str, Any]:
        doc = api.ok("GET", "/api/v1/drivers/by-idtag/04A23B1C")
        floor = doc["chargerGroups"][0]["subgroups"][0]["subgroups"][0]
        result: dict[str, Any] = floor["chargers"][0]
        return result

    async def scenario() -> None:
        async with connect(api, "CP-FLOOR") as cp:
            await cp.call(call.StatusNotification(1, "NoError", "Preparing"))
            live = floor_charger()
            assert live["activeConnection"] is True
            assert live["lastMessage"] == "StatusNotification"
            assert live["sockets"][0]["status"] == "Preparing"

    asyncio.run(scenario())
    wait_for(lambda: floor_charger()["activeConnection"] is False)


def test_plain_traffic_moves_last_seen_within_a_second(api: Api) -> None:
    build_world(api)

    async def scenario() -> None:
        async with connect(api, "CP-FLOOR") as cp:
            await cp.call(call.StatusNotification(1, "NoError", "Available"))
            stated = charger_doc(api, "CP-FLOOR")
            assert stated["lastMessage"] == "StatusNotification"
            await asyncio.sleep(0.01)
            await cp.call(call.Authorize("04A23B1C"))
            # Batched (csms/traffic.py): visible within the one-second bound.
            await asyncio.to_thread(
                wait_for, lambda: charger_doc(api, "CP-FLOOR")["lastMessage"] == "Authorize", 3
            )
            moved = charger_doc(api, "CP-FLOOR")
            assert moved["lastSeen"] > stated["lastSeen"]
            # A status written at once wins over an older batched note.
            await cp.call(call.Heartbeat())
            await cp.call(call.StatusNotification(1, "NoError", "Preparing"))
            await asyncio.sleep(1.5)
            assert charger_doc(api, "CP-FLOOR")["lastMessage"] == "StatusNotification"

    asyncio.run(scenario())
