"""OCPP 2.0.1 end to end: the ``ocpp`` library as the charging station."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from ocpp.v201 import call

from tests.conftest import Api
from tests.e2e.ocpp_clients import charger as connect
from tests.e2e.test_ocpp16 import NOW, build_world, charger_doc, iso, wait_for


def token(id_token: str, kind: str = "ISO14443") -> dict[str, str]:
    return {"id_token": id_token, "type": kind}


def event(kind: str, seq: int, tx: str, **extra: Any) -> call.TransactionEvent:
    return call.TransactionEvent(
        event_type=kind,
        timestamp=iso(NOW + timedelta(minutes=seq)),
        trigger_reason="Authorized" if kind == "Started" else "MeterValuePeriodic",
        seq_no=seq,
        transaction_info={"transaction_id": tx, **extra.pop("info", {})},
        **extra,
    )


def test_boot_status_and_authorize(api: Api) -> None:
    world = build_world(api)
    tag_id = api.ok("GET", "/api/v1/drivers/by-idtag/ENDS1")["tags"][-1]["id"]
    api.ok("PATCH", f"/api/v1/tags/{tag_id}", json={"tokenType": "ISO14443"})

    async def scenario() -> dict[str, Any]:
        answers: dict[str, Any] = {}
        async with connect(api, "CP-FLOOR", "2.0.1") as cs:
            boot = await cs.call(
                call.BootNotification(
                    charging_station={
                        "model": "Station 2",
                        "vendor_name": "ACME",
                        "serial_number": "SN-2",
                        "firmware_version": "2.0.0",
                        "modem": {"iccid": "8932", "imsi": "2041"},
                    },
                    reason="PowerUp",
                )
            )
            answers["boot"] = boot
            await cs.call(call.Heartbeat())
            await cs.call(call.StatusNotification(iso(NOW), "Occupied", 2, 1))
            await cs.call(call.StatusNotification(iso(NOW), "Unavailable", 0, 0))
            answers["doc"] = charger_doc(api, "CP-FLOOR")
            for id_tag in ("04A23B1C", "BLOCKED1", "EXPIRED1", "LATER1", "OUTSIDER1", "NOBODY"):
                answers[id_tag] = (await cs.call(call.Authorize(token(id_tag)))).id_token_info
            answers["right type"] = (await cs.call(call.Authorize(token("ENDS1")))).id_token_info
            answers["wrong type"] = (
                await cs.call(call.Authorize(token("ENDS1", "eMAID")))
            ).id_token_info
        return answers

    answers = asyncio.run(scenario())
    assert (answers["boot"].status, answers["boot"].interval) == ("Accepted", 300)
    doc = answers["doc"]
    assert (doc["manufacturer"], doc["chargerModel"], doc["serialNumber"]) == (
        "ACME",
        "Station 2",
        "SN-2",
    )
    assert (doc["firmwareVersion"], doc["iccid"], doc["imsi"]) == ("2.0.0", "8932", "2041")
    assert doc["activeConnection"] is True
    assert doc["chargerStatus"] == "Unavailable"
    # EVSE 2 (no device ids configured) is socket 2.
    assert [s["status"] for s in doc["sockets"]] == [None, "Occupied"]
    assert answers["04A23B1C"] == {
        "status": "Accepted",
        "group_id_token": {"id_token": "FLEET-1", "type": "Central"},
    }
    assert answers["BLOCKED1"] == {"status": "Blocked"}
    assert answers["EXPIRED1"] == {"status": "Expired"}
    assert answers["LATER1"]["status"] == "NotAtThisTime"
    later = datetime.fromisoformat(answers["LATER1"]["cache_expiry_date_time"])
    assert abs(later - world["later"]) < timedelta(seconds=1)
    assert answers["OUTSIDER1"] == {"status": "NotAtThisLocation"}
    assert answers["NOBODY"] == {"status": "Unknown"}
    assert answers["right type"]["status"] == "Accepted"
    assert answers["wrong type"] == {"status": "Unknown"}
    wait_for(lambda: charger_doc(api, "CP-FLOOR")["activeConnection"] is False)


def test_transaction_events(api: Api) -> None:
    build_world(api)
    meter = [
        {
            "timestamp": iso(NOW + timedelta(minutes=9)),
            "sampled_value": [{"value": 4.5, "unit_of_measure": {"unit": "kWh"}}],
        }
    ]

    async def scenario() -> list[Any]:
        async with connect(api, "CP-FLOOR", "2.0.1") as cs:
            evse = {"id": 1, "connector_id": 1}
            return [
                # Plugged in first: no token yet, nothing to check.
                await cs.call(event("Started", 0, "TX-1", evse=evse)),
                # The driver presents the card: the start is checked now.
                await cs.call(event("Updated", 1, "TX-1", id_token=token("04a23b1c"))),
                # A second session of a tag allowed one at a time.
                await cs.call(event("Started", 2, "TX-2", id_token=token("04A23B1C"))),
                await cs.call(event("Started", 3, "TX-3", id_token=token("OUTSIDER1"))),
                await cs.call(
                    event(
                        "Ended",
                        4,
                        "TX-1",
                        id_token=token("04A23B1C"),
                        meter_value=meter,
                        info={"stopped_reason": "EVDisconnected"},
                    )
                ),
                # Resent after a lost reply: changes nothing.
                await cs.call(event("Ended", 4, "TX-1", info={"stopped_reason": "Other"})),
            ]

    plugged, presented, second, outsider, ended, resent = asyncio.run(scenario())
    assert plugged.id_token_info is None
    assert presented.id_token_info["status"] == "Accepted"
    assert second.id_token_info["status"] == "ConcurrentTx"
    assert outsider.id_token_info == {"status": "NotAtThisLocation"}
    assert ended.id_token_info["status"] == "Accepted"
    assert resent.id_token_info is None
    sessions = {
        t["stationTransactionId"]: t
        for t in api.ok("GET", "/api/v1/transactions?chargerId=CP-FLOOR")["items"]
    }
    assert set(sessions) == {"TX-1", "TX-2", "TX-3"}
    tx1 = sessions["TX-1"]
    assert (tx1["evseId"], tx1["connectorId"], tx1["idTag"]) == (1, 1, "04a23b1c")
    assert (tx1["startDecision"], tx1["stopReason"], tx1["meterStop"]) == (
        "accepted",
        "EVDisconnected",
        4500,
    )
    assert tx1["stoppedAt"] == iso(NOW + timedelta(minutes=4))
    assert sessions["TX-2"]["startDecision"] == "concurrent_tx"
    assert sessions["TX-3"]["startDecision"] == "not_at_this_charger"
    assert sessions["TX-3"]["driverId"] is not None and sessions["TX-3"]["stoppedAt"] is None
    assert datetime.fromisoformat(tx1["startedAt"]) < datetime.now(UTC)
