"""``/ocpp/{customerId}/{chargerId}``: accept a charger's WebSocket, or refuse it.

Refused before the upgrade (HTTP 403 from the server): an unknown charger or one of
another customer, no subprotocol we speak, or a wrong password when the charger has
one (OCPP security profile 1, HTTP Basic). While the socket is open the charger's
``activeConnection`` is true.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import logging
from datetime import timedelta

from starlette.concurrency import run_in_threadpool
from starlette.websockets import WebSocket, WebSocketDisconnect

from evroster.csms.connection import FrameTooLarge, WebSocketConnection
from evroster.csms.station import Station, StationContext
from evroster.csms.traffic import TrafficRecorder
from evroster.csms.v16 import Station16
from evroster.csms.v201 import Station201
from evroster.domain.passwords import verify_password
from evroster.services.charging import find_station
from evroster.services.documents import Documents
from evroster.storage.base import Row, Store

__all__ = ["SUBPROTOCOLS", "OcppEndpoint"]

log = logging.getLogger(__name__)

# Preferred first when a charger offers both.
SUBPROTOCOLS: dict[str, type[Station]] = {"ocpp2.0.1": Station201, "ocpp1.6": Station16}

_POLICY_VIOLATION = 1008
_TOO_BIG = 1009
_GOING_AWAY = 1001
_INTERNAL_ERROR = 1011


class OcppEndpoint:
    def __init__(
        self,
        store: Store,
        documents: Documents,
        *,
        heartbeat_interval: int,
        max_frame_bytes: int,
        cache_horizon: timedelta | None,
    ) -> None:
        self.store = store
        self.documents = documents
        self.heartbeat_interval = heartbeat_interval
        self.max_frame_bytes = max_frame_bytes
        self.cache_horizon = cache_horizon
        # Reconnecting chargers would pay the slow password hash every time: remember
        # a fast digest of a password that was verified, keyed by the stored hash, so
        # that a changed password is checked afresh.
        self._verified: dict[tuple[int, str], bytes] = {}
        self.stations: set[Station] = set()
        self.traffic = TrafficRecorder(store)

    async def close(self) -> None:
        """At shutdown: write the traffic not yet recorded."""
        await self.traffic.close()

    async def __call__(self, websocket: WebSocket) -> None:
        customer_id = websocket.path_params["customer_id"]
        charger_id = websocket.path_params["charger_id"]
        offered = websocket.scope.get("subprotocols") or []
        subprotocol = next((p for p in SUBPROTOCOLS if p in offered), None)
        charger = await self._charger(customer_id, charger_id)
        if (
            subprotocol is None
            or charger is None
            or not await self._password_ok(websocket, charger)
        ):
            await websocket.close(_POLICY_VIOLATION)
            return
        await websocket.accept(subprotocol=subprotocol)
        context = StationContext(
            self.store,
            self.documents,
            charger["customer_id"],
            charger["id"],
            charger["charger_id"],
            self.heartbeat_interval,
            self.cache_horizon,
            self.traffic,
        )
        station = SUBPROTOCOLS[subprotocol](
            context, WebSocketConnection(websocket, self.max_frame_bytes)
        )
        self.stations.add(station)
        try:
            await station.seen("", connected=True)
            await station.start()
        except WebSocketDisconnect:
            pass
        except FrameTooLarge:
            await websocket.close(_TOO_BIG)
        except asyncio.CancelledError:
            await _close_quietly(websocket, _GOING_AWAY)
            raise
        except Exception:
            # One charger's failure must not reach the others: close its socket only.
            log.exception("OCPP connection of charger %s failed", context.charger_pk)
            await _close_quietly(websocket, _INTERNAL_ERROR)
        finally:
            self.stations.discard(station)
            await _disconnected(station)

    async def _charger(self, customer_id: str, charger_id: str) -> Row | None:
        if not (customer_id.isascii() and customer_id.isdigit()) or len(customer_id) > 18:
            return None
        if not 0 < len(charger_id) <= 48:
            return None
        return await run_in_threadpool(find_station, self.store, int(customer_id), charger_id)

    async def _password_ok(self, websocket: WebSocket, charger: Row) -> bool:
        stored: str | None = charger["ocpp_password_hash"]
        if stored is None:
            return True
        given = _basic_auth(websocket.headers.get("authorization"), charger["charger_id"])
        if given is None:
            return False
        fast = hashlib.sha256(given.encode()).digest()
        key = (int(charger["id"]), stored)
        if self._verified.get(key) == fast:
            return True
        if not await run_in_threadpool(verify_password, given, stored):
            return False
        self._verified[key] = fast
        return True


def _basic_auth(header: str | None, charger_id: str) -> str | None:
    """The password of ``Basic base64(chargerId:password)``, if the user is the charger."""
    if header is None or not header.startswith("Basic "):
        return None
    try:
        decoded = base64.b64decode(header[6:], validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    user, sep, password = decoded.partition(":")
    return password if sep and user == charger_id else None


async def _disconnected(station: Station) -> None:
    try:
        await asyncio.shield(station.seen("", connected=False))
    except Exception:
        log.exception(
            "could not record the disconnection of charger %s", station.context.charger_pk
        )


async def _close_quietly(websocket: WebSocket, code: int) -> None:
    try:
        await websocket.close(code)
    except Exception:  # already closed by the other side
        return
