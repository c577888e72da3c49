"""Who may connect, and what a charger gets for frames that are not valid OCPP."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from ocpp.v16 import call
from websockets.exceptions import ConnectionClosed, InvalidStatus

from tests.conftest import Api
from tests.e2e.helpers import charger, site
from tests.e2e.ocpp_clients import basic, exchange, raw_socket
from tests.e2e.ocpp_clients import charger as connect
from tests.e2e.test_ocpp16 import charger_doc, wait_for


def refused(api: Api, charger_id: str, **kw: Any) -> int:
    async def attempt() -> int:
        with pytest.raises(InvalidStatus) as caught:
            async with raw_socket(api, charger_id, **kw):
                pass
        return int(caught.value.response.status_code)

    return asyncio.run(attempt())


def test_unknown_and_foreign_chargers_are_refused(api: Api, other: Api) -> None:
    charger(api, "CP-MINE", site(api, "Mine")["id"])
    charger(other, "CP-THEIRS", site(other, "Theirs")["id"])
    assert refused(api, "CP-NOBODY") == 403
    # Another customer's charger, reached through our customer id, and the other way.
    assert refused(api, "CP-THEIRS") == 403
    assert refused(api, "CP-MINE", customer_id=other.customer_id) == 403
    assert refused(api, "CP-MINE", customer_id=999_999_999) == 403
    # No subprotocol we speak.
    assert refused(api, "CP-MINE", subprotocols=["ocpp1.5"]) == 403
    # Odd paths: not a customer id, an identity longer than any charger's.
    for customer in ("abc", "-1", "1" * 30):
        assert refused(api, "CP-MINE", customer_id=customer) == 403
    assert refused(api, "C" * 49) == 403
    assert charger_doc(api, "CP-MINE")["activeConnection"] is False

    async def both_versions() -> list[str | None]:
        chosen = []
        for offered in (["ocpp1.6"], ["ocpp2.0.1"], ["ocpp1.6", "ocpp2.0.1"]):
            async with raw_socket(api, "CP-MINE", subprotocols=offered) as ws:
                chosen.append(ws.subprotocol)
        return chosen

    assert asyncio.run(both_versions()) == ["ocpp1.6", "ocpp2.0.1", "ocpp2.0.1"]


def test_password_protected_charger(api: Api) -> None:
    charger(api, "CP-LOCKED", site(api, "Locked")["id"])
    password = "correct horse battery"
    bad = api.put("/api/v1/chargers/CP-LOCKED/ocpp-password", json={"password": "short"})
    assert bad.status_code == 400 and "16-40" in bad.text
    api.ok("PUT", "/api/v1/chargers/CP-LOCKED/ocpp-password", 204, json={"password": password})
    assert "ocppPasswordHash" not in charger_doc(api, "CP-LOCKED")
    assert refused(api, "CP-LOCKED") == 403
    assert refused(api, "CP-LOCKED", headers=basic("CP-LOCKED", "wrong password here")) == 403
    assert refused(api, "CP-LOCKED", headers=basic("CP-OTHER", password)) == 403
    assert refused(api, "CP-LOCKED", headers={"Authorization": "Basic !!!"}) == 403

    async def accepted() -> str:
        for _ in range(2):  # the second time from the verified-password memory
            async with connect(api, "CP-LOCKED", headers=basic("CP-LOCKED", password)) as cp:
                status = (await cp.call(call.Heartbeat())).current_time
        return str(status)

    assert asyncio.run(accepted()).endswith("Z")
    # Removing the password opens the charger again.
    api.ok("PUT", "/api/v1/chargers/CP-LOCKED/ocpp-password", 204, json={"password": None})

    async def open_again() -> None:
        async with connect(api, "CP-LOCKED") as cp:
            await cp.call(call.Heartbeat())

    asyncio.run(open_again())
    # A read key may not set passwords.
    reader = api.read_key()
    body = {"password": password}
    assert reader.put("/api/v1/chargers/CP-LOCKED/ocpp-password", json=body).status_code == 403


@pytest.mark.parametrize("version", ["1.6", "2.0.1"])
def test_malformed_frames_get_callerrors_and_the_connection_lives(api: Api, version: str) -> None:
    charger(api, "CP-FUZZ", site(api, "Fuzz")["id"])
    charger(api, "CP-BYSTANDER", site(api, "Bystander")["id"])
    v16 = version == "1.6"

    async def scenario() -> dict[str, list[Any]]:
        replies: dict[str, list[Any]] = {}
        async with (
            raw_socket(api, "CP-BYSTANDER", version) as bystander,
            raw_socket(api, "CP-FUZZ", version) as ws,
        ):
            frames = {
                "not json": "{not json",
                "not a list": '{"a": 1}',
                "too short": '[2, "s1", "Heartbeat"]',
                "unknown type": '[9, "s2", "Heartbeat", {}]',
                "id not a string": '[2, 17, "Heartbeat", {}]',
                "payload not an object": '[2, "s3", "Heartbeat", [1]]',
                "unknown action": '[2, "s4", "Teleport", {}]',
                "extra field": '[2, "s5", "Heartbeat", {"x": 1}]',
                "wrong type": (
                    '[2, "s6", "Authorize", {"idTag": 12}]'
                    if v16
                    else '[2, "s6", "Authorize", {"idToken": {"idToken": 12, "type": "Local"}}]'
                ),
                "missing field": (
                    '[2, "s7", "StartTransaction", {"connectorId": 1}]'
                    if v16
                    else '[2, "s7", "StatusNotification", {"evseId": 1}]'
                ),
            }
            for name, frame in frames.items():
                replies[name] = await exchange(ws, frame)
            replies["still alive"] = await exchange(ws, '[2, "ok", "Heartbeat", {}]')
            replies["bystander"] = await exchange(bystander, '[2, "b", "Heartbeat", {}]')
        return replies

    r = asyncio.run(scenario())
    for name, reply in r.items():
        if name not in ("still alive", "bystander"):
            assert reply[0] == 4 and isinstance(reply[3], str), (name, reply)
    code = {k: (v[1], v[2]) for k, v in r.items() if v[0] == 4}
    framework = "ProtocolError" if v16 else "RpcFrameworkError"
    assert code["not json"] == ("-1", "FormationViolation" if v16 else "RpcFrameworkError")
    assert code["not a list"] == ("-1", framework)
    assert code["too short"] == ("s1", framework)
    assert code["unknown type"] == ("s2", "ProtocolError" if v16 else "MessageTypeNotSupported")
    assert code["id not a string"] == ("-1", framework)
    assert code["payload not an object"] == ("s3", framework)
    assert code["unknown action"] == ("s4", "NotSupported")
    assert code["extra field"] == ("s5", "FormationViolation" if v16 else "FormatViolation")
    assert code["wrong type"] == ("s6", "TypeConstraintViolation")
    # Both versions' ProtocolError: "payload for action is incomplete".
    assert code["missing field"] == ("s7", "ProtocolError")
    assert r["still alive"][:2] == [3, "ok"] and r["still alive"][2]["currentTime"]
    assert r["bystander"][:2] == [3, "b"]


def test_an_oversized_frame_closes_only_that_connection(api: Api) -> None:
    charger(api, "CP-BIG", site(api, "Big")["id"])
    charger(api, "CP-SMALL", site(api, "Small")["id"])

    async def scenario() -> tuple[int | None, list[Any]]:
        async with (
            raw_socket(api, "CP-SMALL") as small,
            raw_socket(api, "CP-BIG") as big,
        ):
            payload = {"idTag": "A" * 70_000}
            await big.send(json.dumps([2, "huge", "Authorize", payload]))
            with pytest.raises(ConnectionClosed) as closed:
                await asyncio.wait_for(big.recv(), 10)
            assert closed.value.rcvd is not None
            return closed.value.rcvd.code, await exchange(small, '[2, "s", "Heartbeat", {}]')

    code, reply = asyncio.run(scenario())
    assert code == 1009
    assert reply[:2] == [3, "s"]


def test_reconnect_after_a_dropped_connection(api: Api) -> None:
    charger(api, "CP-FLAKY", site(api, "Flaky")["id"])

    async def drop() -> None:
        async with connect(api, "CP-FLAKY") as cp:
            await cp.call(call.Heartbeat())
            assert charger_doc(api, "CP-FLAKY")["activeConnection"] is True
            # The network goes away: no closing handshake.
            cp._connection.transport.abort()

    asyncio.run(drop())
    wait_for(lambda: charger_doc(api, "CP-FLAKY")["activeConnection"] is False)

    async def back() -> str:
        async with connect(api, "CP-FLAKY") as cp:
            boot = await cp.call(call.BootNotification("Model", "Vendor"))
            assert charger_doc(api, "CP-FLAKY")["activeConnection"] is True
            return str(boot.status)

    assert asyncio.run(back()) == "Accepted"
    wait_for(lambda: charger_doc(api, "CP-FLAKY")["activeConnection"] is False)


def test_a_late_close_of_an_old_socket_keeps_the_new_one_online(api: Api) -> None:
    """A charger reconnects before the server has seen its old socket drop."""
    charger(api, "CP-TWICE", site(api, "Twice")["id"])

    async def scenario() -> None:
        old_socket = raw_socket(api, "CP-TWICE")
        old = await old_socket.__aenter__()
        await exchange(old, '[2, "o", "Heartbeat", {}]')
        async with raw_socket(api, "CP-TWICE") as new:
            # The old socket's close is recorded after the new one connected...
            await old_socket.__aexit__(None, None, None)
            await exchange(new, '[2, "n", "Heartbeat", {}]')
            await asyncio.sleep(0.3)
            assert charger_doc(api, "CP-TWICE")["activeConnection"] is True
        # ...and only the current socket's close takes the charger offline.

    asyncio.run(scenario())
    wait_for(lambda: charger_doc(api, "CP-TWICE")["activeConnection"] is False)
