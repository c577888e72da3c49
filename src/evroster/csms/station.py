"""What both OCPP versions share: the charger's identity, database calls off the event
loop, traffic bookkeeping, and CALLERRORs for frames the ``ocpp`` library drops."""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, ClassVar, ParamSpec, TypeVar

from ocpp.charge_point import ChargePoint, snake_to_camel_case
from ocpp.exceptions import InternalError, OCPPError
from ocpp.messages import Call, MessageType, unpack, validate_payload
from starlette.concurrency import run_in_threadpool

from evroster.csms.traffic import TrafficRecorder
from evroster.domain.decisions import Decision
from evroster.domain.times import utcnow
from evroster.services.authorization import authorize
from evroster.services.charging import SocketStatus, record_live
from evroster.services.documents import Documents
from evroster.storage.base import Store

__all__ = ["Station", "StationContext"]

log = logging.getLogger(__name__)

P = ParamSpec("P")
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class StationContext:
    store: Store
    documents: Documents
    customer_id: int
    charger_pk: int
    charger_id: str
    heartbeat_interval: int
    cache_horizon: timedelta | None
    traffic: TrafficRecorder


class Station(ChargePoint):
    """One connected charger. Subclasses add the handlers of one OCPP version."""

    # CALLERROR codes for frames that are not a valid RPC message, per version.
    NOT_JSON = "FormationViolation"
    NOT_RPC = "ProtocolError"
    BAD_MESSAGE_TYPE = "ProtocolError"
    # The library raises 2.0.1's spelling of some codes on 1.6 connections (and the
    # reverse); each version's specification lists its own.
    SPELLING: ClassVar[dict[str, str]] = {}

    def __init__(self, context: StationContext, connection: Any) -> None:
        super().__init__(context.charger_id, connection, logger=_quiet)
        self.context = context
        self.connection_id = secrets.token_hex(16)

    @contextmanager
    def _internal_error(self, call: str) -> Iterator[None]:
        """A failure becomes the charger's InternalError CALLERROR; the log names the
        charger and the call, never the payload (it holds idTags)."""
        try:
            yield
        except Exception as exc:
            log.exception("%s failed for charger %s", call, self.context.charger_pk)
            raise InternalError() from exc

    async def db(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run a blocking service call in the thread pool."""
        with self._internal_error(fn.__name__):
            return await run_in_threadpool(fn, *args, **kwargs)

    async def decision(
        self,
        id_tag: str,
        *,
        token_type: str | None = None,
        max_length: int | None = None,
        with_horizon: bool = True,
    ) -> Decision:
        """The engine's answer for ``id_tag`` at this charger (Authorize, not a start).

        On SQLite the read runs on the event loop, as the driver document's does: its
        three indexed statements take less time than the hop to a worker thread and
        back, and 40 threads contending for the GIL took more than both.
        """
        ctx = self.context
        horizon = ctx.cache_horizon if with_horizon else None
        args = (ctx.documents, ctx.customer_id, ctx.charger_id, id_tag)
        kwargs: dict[str, Any] = {
            "token_type": token_type,
            "max_length": max_length,
            "cache_horizon": horizon,
        }
        if ctx.store.inline_reads:
            with self._internal_error("authorize"):
                return authorize(*args, **kwargs)
        return await self.db(authorize, *args, **kwargs)

    async def seen(
        self,
        action: str,
        *,
        identity: dict[str, Any] | None = None,
        charger_status: str | None = None,
        socket: SocketStatus | None = None,
        connected: bool | None = None,
    ) -> None:
        """Record traffic: lastSeen/lastMessage, plus any state the message carried.

        A message without state only updates the batch of ``csms/traffic.py``.
        """
        ctx = self.context
        if identity is None and charger_status is None and socket is None and connected is None:
            ctx.traffic.note(ctx.customer_id, ctx.charger_pk, action)
            return
        ctx.traffic.forget(ctx.charger_pk)
        await self.db(
            record_live,
            ctx.store,
            ctx.customer_id,
            ctx.charger_pk,
            utcnow(),
            action,
            connected=connected,
            connection_id=self.connection_id,
            identity=identity,
            charger_status=charger_status,
            socket=socket,
        )

    async def route_message(self, raw_msg: str) -> None:
        # The library logs and drops a frame it cannot parse; a charger waiting for an
        # answer would then time out. Answer with the CALLERROR the version prescribes.
        try:
            msg = unpack(raw_msg)
        except OCPPError as error:
            await self._send(self._frame_error(raw_msg, error))
            return
        if msg.message_type_id == MessageType.Call:
            # An action that is not a string once dropped the connection (1011): the
            # library looks it up in a dict. Found by tests/e2e/test_fuzz_ocpp.py.
            if not (
                isinstance(msg.unique_id, str)
                and isinstance(msg.action, str)
                and isinstance(msg.payload, dict)
            ):
                await self._send(self._error(_id_of(msg.unique_id), self.NOT_RPC, "Not a call"))
                return
            await self._handle(msg)
        else:
            self._response_queue.put_nowait(msg)

    async def _handle(self, msg: Call) -> None:
        try:
            await self._handle_call(msg)
        except OCPPError as error:
            await self._send(msg.create_call_error(error).to_json())

    async def _send(self, message: str) -> None:
        # Every CALLERROR passes here, the library's own (from a handler) included.
        if message.startswith("[4"):
            frame = json.loads(message)
            if frame[2] in self.SPELLING:
                frame[2] = self.SPELLING[frame[2]]
                message = json.dumps(frame)
        await super()._send(message)

    def _frame_error(self, raw: str, error: OCPPError) -> str:
        try:
            frame = json.loads(raw)
        except ValueError:
            return self._error("-1", self.NOT_JSON, "Not valid JSON")
        unique_id = frame[1] if isinstance(frame, list) and len(frame) > 1 else None
        code = (
            self.BAD_MESSAGE_TYPE if error.code == "PropertyConstraintViolation" else self.NOT_RPC
        )
        return self._error(_id_of(unique_id), code, str(error.description))

    async def validate_opaque_tags(self, action: str, payload: dict[str, Any]) -> None:
        """Check a payload against the version's schema, except the idTag strings.

        Handlers that take idTags skip the library's validation: a tag too long or odd
        for the schema must be refused as unknown, not fail the message (protocols.md
        §6). Every other field is still checked, with the schema's CALLERROR codes.
        """
        await validate_payload(
            Call("-", action, _opaque(snake_to_camel_case(payload))), self._ocpp_version
        )

    @staticmethod
    def _error(unique_id: str, code: str, description: str) -> str:
        return json.dumps([MessageType.CallError, unique_id, code, description, {}])


def _opaque(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            k: "X" if k in ("idTag", "idToken") and isinstance(v, str) else _opaque(v)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_opaque(v) for v in value]
    return value


def _id_of(value: Any) -> str:
    return value if isinstance(value, str) and 0 < len(value) <= 36 else "-1"


# The library logs every frame, idTags included, at INFO and again with any error:
# keep personal data out of the logs. Failures are logged by ``Station.db``.
_quiet = logging.getLogger("evroster.csms.frames")
_quiet.setLevel(logging.CRITICAL)
