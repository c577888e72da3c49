"""What chargers tell the central system: who they are, their state, their sessions.

The OCPP adapters (``evroster.csms``) translate each protocol version into these
calls; everything here is version-neutral. Transactions re-check the tag with the one
decision engine, because a charger may start from a stale cache or while offline.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from evroster.domain.decisions import Decision, Outcome
from evroster.services.authorization import decide_start
from evroster.storage.base import Page, Row, Store, UnitOfWork

__all__ = [
    "IDENTITY_FIELDS",
    "SessionStart",
    "SocketStatus",
    "Traffic",
    "find_station",
    "list_transactions",
    "record_live",
    "record_meter",
    "record_traffic",
    "start_transaction",
    "stop_transaction",
    "update_transaction",
]

log = logging.getLogger(__name__)

# What a BootNotification may fill in, as charger columns.
IDENTITY_FIELDS = (
    "firmware_version",
    "manufacturer",
    "charger_model",
    "serial_number",
    "iccid",
    "imsi",
    "meter_type",
    "meter_serial_number",
)


@dataclass(frozen=True, slots=True)
class SocketStatus:
    """A connector's status; ``evse_id`` is None for OCPP 1.6."""

    evse_id: int | None
    connector_id: int
    status: str


@dataclass(frozen=True, slots=True)
class SessionStart:
    """A transaction start as a charger reports it."""

    charger_id: str
    id_tag: str | None
    at: datetime
    connector_id: int | None = None
    evse_id: int | None = None
    meter_start: int | None = None
    station_transaction_id: str | None = None
    token_type: str | None = None
    max_length: int | None = None


class Traffic(NamedTuple):
    """A charger's latest message that carried no state."""

    customer_id: int
    charger_pk: int
    at: datetime
    action: str


def record_traffic(store: Store, seen: list[Traffic]) -> None:
    """Move ``lastSeen``/``lastMessage`` of many chargers in one transaction.

    A value older than what a charger already has (written meanwhile by a message that
    carried state) is left alone.
    """
    with store.transaction() as uow:
        uow.chargers.touch_many([t._asdict() for t in seen])


def find_station(store: Store, customer_id: int, charger_id: str) -> Row | None:
    """The charger that connects as ``charger_id``, or None."""
    with store.transaction(write=False) as uow:
        return uow.chargers.get(customer_id, charger_id)


def record_live(
    store: Store,
    customer_id: int,
    charger_pk: int,
    at: datetime,
    message: str,
    *,
    connected: bool | None = None,
    connection_id: str | None = None,
    identity: dict[str, Any] | None = None,
    charger_status: str | None = None,
    socket: SocketStatus | None = None,
) -> None:
    """Note traffic from a charger: when, which message, and any state it carried.

    ``connected=True`` makes ``connection_id`` the charger's current connection;
    ``connected=False`` marks the charger offline only if that connection is still
    the current one, so that a late close of an old socket (in any worker) cannot
    mark a charger that has already reconnected as offline.

    A status for a connector the operator has not configured is logged and dropped:
    a charger's message never fails because the registry knows less than it does.
    """
    values: dict[str, Any] = {"last_seen": at}
    if message:  # the name of the OCPP action; empty for the connection itself
        values["last_message"] = message[:200]
    only_if = None
    if connected is True:
        values.update(active_connection=True, connection_id=connection_id)
    elif connected is False:
        values = {"active_connection": False, "connection_id": None}
        only_if = connection_id
    if charger_status is not None:
        values["charger_status"] = charger_status[:50]
    for field, value in (identity or {}).items():
        if field in IDENTITY_FIELDS and value is not None:
            values[field] = str(value)[:100]
    with store.transaction() as uow:
        uow.chargers.set_live(customer_id, charger_pk, values, only_if)
        if socket is not None:
            socket_id = uow.chargers.socket_at(charger_pk, socket.evse_id, socket.connector_id)
            if socket_id is None:
                log.info(
                    "status for an unconfigured connector (evse %s, connector %s) of charger %s",
                    socket.evse_id,
                    socket.connector_id,
                    charger_pk,
                )
            else:
                uow.chargers.set_socket_status(charger_pk, socket_id, socket.status[:50])


def _decide_start(uow: UnitOfWork, customer_id: int, start: SessionStart) -> Decision:
    return decide_start(
        uow,
        customer_id,
        start.charger_id,
        start.id_tag,
        start.at,
        token_type=start.token_type,
        max_length=start.max_length,
    )


# A session started without a token (2.0.1 allows plugging in first).
_NO_TOKEN = Decision(Outcome.UNKNOWN_TOKEN)


def _session_values(start: SessionStart, charger_pk: int | None, decision: Decision) -> Row:
    token = decision.token if decision.outcome is not Outcome.UNKNOWN_TOKEN else None
    return {
        "charger_pk": charger_pk,
        "charger_id": start.charger_id,
        "station_transaction_id": start.station_transaction_id,
        "connector_id": start.connector_id,
        "evse_id": start.evse_id,
        "id_tag": start.id_tag[:64] if start.id_tag else None,
        "tag_id": token.tag_id if token else None,
        "driver_id": token.driver_id if token else None,
        "start_decision": decision.outcome.value,
        "started_at": start.at,
        "meter_start": start.meter_start,
    }


def start_transaction(
    store: Store, customer_id: int, charger_pk: int, start: SessionStart
) -> tuple[Decision, Row]:
    """Record a transaction start and re-check its tag, in one write transaction.

    The transaction is recorded whatever the decision: the charger has started it
    (perhaps offline) and needs an id; a refusal tells it to stop.
    """
    with store.transaction() as uow:
        decision = _decide_start(uow, customer_id, start)
        row = uow.transactions.create(customer_id, _session_values(start, charger_pk, decision))
        return decision, row


def update_transaction(
    store: Store,
    customer_id: int,
    charger_pk: int,
    start: SessionStart,
    *,
    ended: bool = False,
    meter: tuple[int, datetime] | None = None,
    stop_reason: str | None = None,
) -> tuple[Decision | None, Row]:
    """OCPP 2.0.1 TransactionEvent: one call for Started, Updated and Ended.

    The station names the transaction; a first event other than Started (missed while
    the connection was down) creates it. The token is checked when the event carries
    one that the transaction did not have yet, as a start.
    """
    assert start.station_transaction_id is not None
    with store.transaction() as uow:
        row = uow.transactions.by_station_id(
            customer_id, start.charger_id, start.station_transaction_id
        )
        decision = None
        if row is None or (start.id_tag is not None and row["id_tag"] is None):
            decision = _decide_start(uow, customer_id, start) if start.id_tag is not None else None
        if row is None:
            values = _session_values(start, charger_pk, decision or _NO_TOKEN)
            row = uow.transactions.create(customer_id, values)
        elif decision is not None:
            fresh = _session_values(start, charger_pk, decision)
            update = {k: fresh[k] for k in ("id_tag", "tag_id", "driver_id", "start_decision")}
            row = uow.transactions.update(customer_id, row["id"], update)
        changes: dict[str, Any] = {}
        if meter is not None:
            changes.update(meter_last=meter[0], meter_last_at=meter[1])
            if row["meter_start"] is None:
                changes["meter_start"] = meter[0]
        if ended and row["stopped_at"] is None:
            changes.update(stopped_at=start.at, stop_reason=stop_reason)
            if meter is not None:
                changes["meter_stop"] = meter[0]
        if changes:
            row = uow.transactions.update(customer_id, row["id"], changes)
        return decision, row


def stop_transaction(
    store: Store,
    customer_id: int,
    transaction_id: int,
    *,
    at: datetime,
    meter_stop: int | None,
    reason: str | None,
) -> Row | None:
    """OCPP 1.6 StopTransaction: close the transaction; None if it is not this customer's.

    A repeated stop (the charger resends after a lost reply) changes nothing.
    """
    with store.transaction() as uow:
        row = uow.transactions.get(customer_id, transaction_id)
        if row is None or row["stopped_at"] is not None:
            return row
        values = {"stopped_at": at, "meter_stop": meter_stop, "stop_reason": reason}
        if meter_stop is not None:
            values.update(meter_last=meter_stop, meter_last_at=at)
        return uow.transactions.update(customer_id, transaction_id, values)


def record_meter(
    store: Store, customer_id: int, transaction_id: int, value: int, at: datetime
) -> bool:
    """The latest energy register reading of a running transaction (1.6 MeterValues)."""
    with store.transaction() as uow:
        row = uow.transactions.get(customer_id, transaction_id)
        if row is None:
            return False
        uow.transactions.update(
            customer_id, transaction_id, {"meter_last": value, "meter_last_at": at}
        )
        return True


def list_transactions(
    store: Store, customer_id: int, offset: int, limit: int, charger_id: str | None
) -> Page:
    with store.transaction(write=False) as uow:
        return uow.transactions.page(customer_id, offset, limit, charger_id)
