"""Hypothesis-made OCPP frames over a real WebSocket to the real server, both versions:
garbage, wrong message types, unknown actions, wrong field types, random payloads of
real actions. Every CALL gets one answer with its id (a CALLRESULT, or a CALLERROR whose
code the version's specification lists, never InternalError); frames that are not
CALLs get nothing or a CALLERROR; the connection answers a Heartbeat after each frame,
and a bystander charger keeps working. ``make fuzz`` runs many more examples."""

from __future__ import annotations

import asyncio
import json
import os
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.conftest import Api
from tests.e2e.helpers import charger, site
from tests.e2e.ocpp_clients import exchange, raw_socket

EXAMPLES = int(os.environ.get("EVROSTER_FUZZ_EXAMPLES", "4")) * 10

ERROR_CODES = {
    "1.6": {
        "NotImplemented",
        "NotSupported",
        "ProtocolError",
        "SecurityError",
        "FormationViolation",
        "PropertyConstraintViolation",
        "OccurenceConstraintViolation",
        "TypeConstraintViolation",
        "GenericError",
    },
    "2.0.1": {
        "FormatViolation",
        "GenericError",
        "MessageTypeNotSupported",
        "NotImplemented",
        "NotSupported",
        "OccurrenceConstraintViolation",
        "PropertyConstraintViolation",
        "ProtocolError",
        "RpcFrameworkError",
        "SecurityError",
        "TypeConstraintViolation",
    },
}
ACTIONS = [
    "BootNotification",
    "Heartbeat",
    "StatusNotification",
    "Authorize",
    "StartTransaction",
    "StopTransaction",
    "MeterValues",
    "TransactionEvent",
    "DataTransfer",
]
FIELDS = [
    "idTag",
    "idToken",
    "type",
    "connectorId",
    "evseId",
    "status",
    "errorCode",
    "timestamp",
    "meterStart",
    "meterStop",
    "transactionId",
    "transactionInfo",
    "eventType",
    "triggerReason",
    "seqNo",
    "meterValue",
    "chargePointVendor",
    "chargePointModel",
    "chargingStation",
    "reason",
    "connectorStatus",
]
_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**40), 2**40),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=30),
    st.sampled_from(["Available", "Accepted", "2026-01-01T00:00:00Z", "ISO14443", "Started"]),
)
_JSON = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.one_of(st.sampled_from(FIELDS), st.text(max_size=8)), inner, max_size=4),
    ),
    max_leaves=12,
)
_ID = st.one_of(st.text(min_size=1, max_size=36), st.integers(), st.none())
_CALL = st.builds(
    lambda uid, action, payload: [2, uid, action, payload],
    _ID,
    st.one_of(st.sampled_from(ACTIONS), st.text(max_size=20)),
    st.one_of(st.dictionaries(st.sampled_from(FIELDS), _JSON, max_size=6), _JSON),
)
FRAMES = st.one_of(
    st.text(max_size=200),
    _JSON.map(json.dumps),
    _CALL.map(json.dumps),
    st.builds(
        lambda t, rest: json.dumps([t, *rest]), st.integers(-3, 9), st.lists(_JSON, max_size=4)
    ),
)


def _is_call(frame: str) -> str | None:
    """The id of a frame that is a CALL with a string id, else None."""
    try:
        value = json.loads(frame)
    except ValueError:
        return None
    if isinstance(value, list) and len(value) == 4 and value[0] == 2 and isinstance(value[1], str):
        return value[1]
    return None


async def _replies_until_probe(ws: Any, probe: str) -> tuple[list[Any], Any]:
    await ws.send(json.dumps([2, probe, "Heartbeat", {}]))
    before: list[Any] = []
    while True:
        reply = json.loads(await asyncio.wait_for(ws.recv(), 10))
        if reply[:2] == [3, probe]:
            return before, reply
        before.append(reply)


@pytest.mark.parametrize("version", ["1.6", "2.0.1"])
def test_any_frame_gets_a_lawful_answer_and_the_connection_lives(api: Api, version: str) -> None:
    charger(api, "CP-HYPO", site(api, "Hypo")["id"])
    charger(api, "CP-NEAR", site(api, "Near")["id"])
    checked = 0

    @given(frames=st.lists(FRAMES, min_size=1, max_size=5))
    # Once closed the connection with 1011: an action that is not a string.
    @example(frames=['[2, "x", {"a": 1}, {}]', '[2, "y", null, {}]', '[2, "z", ["A"], {}]'])
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    def exercise(frames: list[str]) -> None:
        nonlocal checked

        async def scenario() -> None:
            async with raw_socket(api, "CP-HYPO", version) as ws:
                for n, frame in enumerate(frames):
                    before, probe = await _replies_until_probe(ws, f"probe-{n}")
                    assert before == [], before  # nothing left over from earlier frames
                    assert probe[2].get("currentTime"), probe
                    await ws.send(frame)
                    replies, _ = await _replies_until_probe(ws, f"after-{n}")
                    call_id = _is_call(frame)
                    assert len(replies) <= 1, (frame, replies)
                    if call_id is not None:
                        assert len(replies) == 1, (frame, replies)
                        assert replies[0][1] in (call_id, "-1"), (frame, replies)
                    for reply in replies:
                        if reply[0] == 4:
                            assert reply[2] in ERROR_CODES[version], (frame, reply)
                            assert isinstance(reply[3], str) and isinstance(reply[4], dict)
                        else:
                            assert reply[0] == 3 and call_id is not None, (frame, reply)

        asyncio.run(scenario())
        checked += 1

    exercise()

    async def bystander() -> list[Any]:
        async with raw_socket(api, "CP-NEAR", version) as near:
            return await exchange(near, '[2, "b", "Heartbeat", {}]')

    assert asyncio.run(bystander())[:2] == [3, "b"]
    assert api.get("/api/v1/chargers/CP-HYPO").status_code == 200
    assert checked >= min(EXAMPLES, 10)
