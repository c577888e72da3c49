"""The OCPP ceiling: a raw ASGI WebSocket app that accepts any charger and answers each
CALL at once with a fixed CALLRESULT, reading nothing but the message id. Nothing can
answer an OCPP 1.6 Authorize faster on the same server; evroster is reported as a
ratio to it."""

from __future__ import annotations

import json
from typing import Any

_RESULTS = {
    "Authorize": {"idTagInfo": {"status": "Accepted"}},
    "Heartbeat": {"currentTime": "2026-01-01T00:00:00.000Z"},
    "StatusNotification": {},
    "BootNotification": {
        "currentTime": "2026-01-01T00:00:00.000Z",
        "interval": 300,
        "status": "Accepted",
    },
}


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "websocket":
        if scope["type"] == "http":
            await send({"type": "http.response.start", "status": 404, "headers": []})
            await send({"type": "http.response.body", "body": b""})
        return
    await receive()  # websocket.connect
    await send({"type": "websocket.accept", "subprotocol": "ocpp1.6"})
    while True:
        message = await receive()
        if message["type"] != "websocket.receive":
            return
        _, unique_id, action, _payload = json.loads(message["text"])
        reply = json.dumps([3, unique_id, _RESULTS.get(action, {})])
        await send({"type": "websocket.send", "text": reply})
