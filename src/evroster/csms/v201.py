"""OCPP 2.0.1: the messages a charging station sends, and the decision in 2.0.1's words."""

from __future__ import annotations

from typing import Any, ClassVar

from ocpp.routing import on
from ocpp.v201 import call_result
from ocpp.v201.enums import Action, AuthorizationStatusEnumType, RegistrationStatusEnumType

from evroster.csms.meters import energy_register, parse_time
from evroster.csms.station import Station
from evroster.domain.decisions import Decision, Outcome
from evroster.domain.times import format_timestamp, utcnow
from evroster.services.charging import SessionStart, SocketStatus, update_transaction

__all__ = ["Station201", "id_token_info"]

_S = AuthorizationStatusEnumType
# protocols.md §5.
_STATUS = {
    Outcome.ACCEPTED: _S.accepted,
    Outcome.BLOCKED: _S.blocked,
    Outcome.EXPIRED: _S.expired,
    Outcome.NOT_YET_VALID: _S.not_at_this_time,
    Outcome.NOT_AT_THIS_CHARGER: _S.not_at_this_location,
    Outcome.UNKNOWN_TOKEN: _S.unknown,
    Outcome.UNKNOWN_CHARGER: _S.unknown,
    Outcome.CONCURRENT_TX: _S.concurrent_tx,
}


def id_token_info(decision: Decision) -> dict[str, Any]:
    """IdTokenInfo: status, cacheExpiryDateTime when something ends, the group token."""
    info: dict[str, Any] = {"status": _STATUS[decision.outcome].value}
    if decision.expiry is not None:
        info["cache_expiry_date_time"] = format_timestamp(decision.expiry)
    if decision.group_id is not None and decision.token is not None:
        info["group_id_token"] = {"id_token": decision.group_id, "type": "Central"}
    return info


def _token(id_token: Any) -> tuple[str | None, str | None]:
    if not isinstance(id_token, dict):
        return None, None
    return id_token.get("id_token"), id_token.get("type")


class Station201(Station):
    _ocpp_version = "2.0.1"
    NOT_JSON = "RpcFrameworkError"
    NOT_RPC = "RpcFrameworkError"
    BAD_MESSAGE_TYPE = "MessageTypeNotSupported"
    SPELLING: ClassVar[dict[str, str]] = {
        "FormationViolation": "FormatViolation",
        "OccurenceConstraintViolation": "OccurrenceConstraintViolation",
    }

    @on(Action.boot_notification)
    async def on_boot(self, charging_station: dict[str, Any], **_: Any) -> Any:
        modem = charging_station.get("modem") or {}
        identity = {
            "manufacturer": charging_station.get("vendor_name"),
            "charger_model": charging_station.get("model"),
            "serial_number": charging_station.get("serial_number"),
            "firmware_version": charging_station.get("firmware_version"),
            "iccid": modem.get("iccid"),
            "imsi": modem.get("imsi"),
        }
        await self.seen("BootNotification", identity=identity)
        return call_result.BootNotification(
            current_time=format_timestamp(utcnow()),
            interval=self.context.heartbeat_interval,
            status=RegistrationStatusEnumType.accepted,
        )

    @on(Action.heartbeat)
    async def on_heartbeat(self, **_: Any) -> call_result.Heartbeat:
        await self.seen("Heartbeat")
        return call_result.Heartbeat(current_time=format_timestamp(utcnow()))

    @on(Action.status_notification)
    async def on_status(
        self, evse_id: int, connector_id: int, connector_status: str, **_: Any
    ) -> call_result.StatusNotification:
        # EVSE 0 is the station as a whole.
        if evse_id == 0:
            await self.seen("StatusNotification", charger_status=connector_status)
        else:
            socket = SocketStatus(evse_id, connector_id, connector_status)
            await self.seen("StatusNotification", socket=socket)
        return call_result.StatusNotification()

    @on(Action.authorize, skip_schema_validation=True)
    async def on_authorize(self, **payload: Any) -> call_result.Authorize:
        await self.validate_opaque_tags("Authorize", payload)
        await self.seen("Authorize")
        id_token, token_type = _token(payload["id_token"])
        decision = await self.decision(id_token or "", token_type=token_type)
        return call_result.Authorize(id_token_info=id_token_info(decision))

    @on(Action.transaction_event, skip_schema_validation=True)
    async def on_transaction_event(self, **payload: Any) -> call_result.TransactionEvent:
        await self.validate_opaque_tags("TransactionEvent", payload)
        await self.seen("TransactionEvent")
        info = payload["transaction_info"]
        evse = payload.get("evse") or {}
        id_token, token_type = _token(payload.get("id_token"))
        ctx = self.context
        start = SessionStart(
            charger_id=ctx.charger_id,
            id_tag=id_token,
            at=parse_time(payload["timestamp"]) or utcnow(),
            connector_id=evse.get("connector_id"),
            evse_id=evse.get("id"),
            station_transaction_id=info["transaction_id"],
            token_type=token_type,
        )
        decision, _row = await self.db(
            update_transaction,
            ctx.store,
            ctx.customer_id,
            ctx.charger_pk,
            start,
            ended=payload["event_type"] == "Ended",
            meter=energy_register(payload.get("meter_value")),
            stop_reason=info.get("stopped_reason"),
        )
        if decision is None and id_token is not None:
            # Checked when the transaction first carried it; the answer still belongs
            # in every response to an event with a token.
            decision = await self.decision(id_token, token_type=token_type, with_horizon=False)
        if decision is None:
            return call_result.TransactionEvent()
        return call_result.TransactionEvent(id_token_info=id_token_info(decision))
