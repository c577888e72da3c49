"""Chargers for the tests: the ``ocpp`` library's own ChargePoint on a real WebSocket."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from ocpp.v16 import ChargePoint as ChargePoint16
from ocpp.v201 import ChargePoint as ChargePoint201
from websockets.asyncio.client import ClientConnection, connect

from tests.conftest import Api

SUBPROTOCOL = {"1.6": "ocpp1.6", "2.0.1": "ocpp2.0.1"}


def ws_url(api: Api, charger_id: str, customer_id: int | str | None = None) -> str:
    base = api.server.base_url.replace("http://", "ws://")
    return f"{base}/ocpp/{customer_id or api.customer_id}/{charger_id}"


def basic(charger_id: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{charger_id}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


@asynccontextmanager
async def raw_socket(
    api: Api,
    charger_id: str,
    version: str = "1.6",
    *,
    customer_id: int | str | None = None,
    headers: dict[str, str] | None = None,
    subprotocols: list[str] | None = None,
) -> AsyncIterator[ClientConnection]:
    async with connect(
        ws_url(api, charger_id, customer_id),
        subprotocols=subprotocols or [SUBPROTOCOL[version]],  # type: ignore[list-item]
        additional_headers=headers,
        open_timeout=10,
        max_size=None,
    ) as ws:
        yield ws


@asynccontextmanager
async def charger(api: Api, charger_id: str, version: str = "1.6", **kw: Any) -> AsyncIterator[Any]:
    """A connected charger whose ``call`` sends a request and returns the response."""
    cls = ChargePoint16 if version == "1.6" else ChargePoint201
    async with raw_socket(api, charger_id, version, **kw) as ws:
        cp = cls(charger_id, ws, response_timeout=10)
        task = asyncio.create_task(cp.start())
        try:
            yield cp
        finally:
            task.cancel()


async def exchange(ws: ClientConnection, frame: str) -> list[Any]:
    """Send a raw frame and read the one frame that answers it."""
    await ws.send(frame)
    reply = await asyncio.wait_for(ws.recv(), 10)
    result: list[Any] = json.loads(reply)
    return result
