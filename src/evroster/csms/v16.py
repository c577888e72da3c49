"""OCPP 1.6J: the messages a charger sends, and the decision in 1.6's words."""

from __future__ import annotations

from typing import Any, ClassVar

from ocpp.routing import on
from ocpp.v16 import call_result
from ocpp.v16.enums import Action, AuthorizationStatus, RegistrationStatus

from evroster.csms.meters import energy_register, parse_time
from evroster.csms.station import Station
from evroster.domain.decisions import Decision, Outcome
from evroster.domain.times import format_timestamp, utcnow
from evroster.services.authorization import OCPP16_MAX_ID_TAG
from evroster.services.charging import (
    SessionStart,
    SocketStatus,
    record_meter,
    start_transaction,
    stop_transaction,
)

__all__ = ["Station16", "id_tag_info"]

# protocols.md §5. "Not yet valid" and "not at this charger" have no 1.6 status: both
# are Invalid, and "not yet valid" tells the charger when to ask again (expiryDate).
_STATUS = {
    Outcome.ACCEPTED: AuthorizationStatus.accepted,
    Outcome.BLOCKED: AuthorizationStatus.blocked,
    Outcome.EXPIRED: AuthorizationStatus.expired,
    Outcome.NOT_YET_VALID: AuthorizationStatus.invalid,
    Outcome.NOT_AT_THIS_CHARGER: AuthorizationStatus.invalid,
    Outcome.UNKNOWN_TOKEN: AuthorizationStatus.invalid,
    Outcome.UNKNOWN_CHARGER: AuthorizationStatus.invalid,
    Outcome.CONCURRENT_TX: AuthorizationStatus.concurrent_tx,
}

_IDENTITY = {
    "firmware_version": "firmware_version",
    "charge_point_vendor": "manufacturer",
    "charge_point_model": "charger_model",
    "iccid": "iccid",
    "imsi": "imsi",
    "meter_type": "meter_type",
    "meter_serial_number": "meter_serial_number",
}


def id_tag_info(decision: Decision) -> dict[str, Any]:
    """IdTagInfo: status, expiryDate when something ends, parentIdTag when it fits 1.6."""
    info: dict[str, Any] = {"status": _STATUS[decision.outcome].value}
    if decision.expiry is not None:
        info["expiry_date"] = format_timestamp(decision.expiry)
    group = decision.group_id
    if group is not None and len(group) <= OCPP16_MAX_ID_TAG and decision.token is not None:
        info["parent_id_tag"] = group
    return info


class Station16(Station):
    _ocpp_version = "1.6"
    NOT_JSON = "FormationViolation"
    NOT_RPC = "ProtocolError"
    BAD_MESSAGE_TYPE = "ProtocolError"
    SPELLING: ClassVar[dict[str, str]] = {
        "FormatViolation": "FormationViolation",
        "OccurrenceConstraintViolation": "OccurenceConstraintViolation",  # sic, OCPP 1.6
    }

    @on(Action.boot_notification)
    async def on_boot(self, **payload: Any) -> call_result.BootNotification:
        identity = {col: payload.get(field) for field, col in _IDENTITY.items()}
        identity["serial_number"] = payload.get("charge_point_serial_number") or payload.get(
            "charge_box_serial_number"
        )
        await self.seen("BootNotification", identity=identity)
        return call_result.BootNotification(
            current_time=format_timestamp(utcnow()),
            interval=self.context.heartbeat_interval,
            status=RegistrationStatus.accepted,
        )

    @on(Action.heartbeat)
    async def on_heartbeat(self, **_: Any) -> call_result.Heartbeat:
        await self.seen("Heartbeat")
        return call_result.Heartbeat(current_time=format_timestamp(utcnow()))

    @on(Action.status_notification)
    async def on_status(self, connector_id: int, status: str, **_: Any) -> Any:
        # Connector 0 is the charger itself.
        if connector_id == 0:
            await self.seen("StatusNotification", charger_status=status)
        else:
            await self.seen("StatusNotification", socket=SocketStatus(None, connector_id, status))
        return call_result.StatusNotification()

    @on(Action.authorize, skip_schema_validation=True)
    async def on_authorize(self, **payload: Any) -> call_result.Authorize:
        await self.validate_opaque_tags("Authorize", payload)
        await self.seen("Authorize")
        decision = await self.decision(payload["id_tag"], max_length=OCPP16_MAX_ID_TAG)
        # ConcurrentTx belongs to StartTransaction only: a tag already charging may
        # still authorize, to stop its transaction (protocols.md §1).
        return call_result.Authorize(id_tag_info=id_tag_info(decision))

    @on(Action.start_transaction, skip_schema_validation=True)
    async def on_start(self, **payload: Any) -> call_result.StartTransaction:
        await self.validate_opaque_tags("StartTransaction", payload)
        await self.seen("StartTransaction")
        ctx = self.context
        start = SessionStart(
            charger_id=ctx.charger_id,
            id_tag=payload["id_tag"],
            at=parse_time(payload["timestamp"]) or utcnow(),
            connector_id=payload["connector_id"],
            meter_start=payload["meter_start"],
            max_length=OCPP16_MAX_ID_TAG,
        )
        decision, row = await self.db(
            start_transaction, ctx.store, ctx.customer_id, ctx.charger_pk, start
        )
        # Always a transactionId, even for a refusal: the charger has started and
        # stops on its own when StopTransactionOnInvalidId is set.
        return call_result.StartTransaction(
            transaction_id=row["id"], id_tag_info=id_tag_info(decision)
        )

    @on(Action.stop_transaction, skip_schema_validation=True)
    async def on_stop(self, **payload: Any) -> call_result.StopTransaction:
        await self.validate_opaque_tags("StopTransaction", payload)
        await self.seen("StopTransaction")
        ctx = self.context
        at = parse_time(payload["timestamp"]) or utcnow()
        await self.db(
            stop_transaction,
            ctx.store,
            ctx.customer_id,
            payload["transaction_id"],
            at=at,
            meter_stop=payload["meter_stop"],
            reason=payload.get("reason") or "Local",
        )
        if payload.get("id_tag") is None:
            return call_result.StopTransaction()
        decision = await self.decision(
            payload["id_tag"], max_length=OCPP16_MAX_ID_TAG, with_horizon=False
        )
        return call_result.StopTransaction(id_tag_info=id_tag_info(decision))

    @on(Action.meter_values)
    async def on_meter_values(
        self, connector_id: int, meter_value: Any, transaction_id: int | None = None, **_: Any
    ) -> call_result.MeterValues:
        await self.seen("MeterValues")
        reading = energy_register(meter_value)
        if transaction_id is not None and reading is not None:
            ctx = self.context
            await self.db(record_meter, ctx.store, ctx.customer_id, transaction_id, *reading)
        return call_result.MeterValues()
