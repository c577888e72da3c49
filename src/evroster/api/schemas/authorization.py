"""Authorization: the REST check, the eMabler real-time auth webhook, aliases, sessions."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from evroster.api.schemas.common import Input, Output, Timestamp
from evroster.domain.decisions import Decision, Outcome

__all__ = [
    "AliasIn",
    "AliasOut",
    "AuthorizationOut",
    "OcppPasswordIn",
    "RealtimeAuthIn",
    "RealtimeAuthOut",
    "TransactionOut",
    "authorization_out",
]


class AuthorizationOut(Output):
    """The decision of the engine that answers the chargers, for an operator to read."""

    decision: Outcome = Field(description="accepted, or why not")
    accepted: bool
    reason: str = Field(description="The decision in plain words")
    charger_id: str
    id_tag: str = Field(description="The idTag as asked")
    tag_id: int | None = Field(description="The tag that matched (by idTag or alias)")
    driver_id: int | None
    granted_by: dict[str, int | str] | None = Field(
        description='What let the tag in: {"siteId": n} or {"chargerId": "..."}'
    )
    expiry: Timestamp | None = Field(
        description="What a charger is told to cache the answer until (expiryDate)"
    )
    group_id: str | None = Field(description="parentIdTag / groupIdToken")


_REASONS = {
    Outcome.ACCEPTED: "The tag may charge at this charger.",
    Outcome.UNKNOWN_CHARGER: "No charger with this chargerId.",
    Outcome.UNKNOWN_TOKEN: "No tag has this idTag or alias.",
    Outcome.BLOCKED: "The tag is blocked.",
    Outcome.EXPIRED: "The tag's validity has ended (expiringDate).",
    Outcome.NOT_YET_VALID: "The tag is not valid yet (startDate).",
    Outcome.NOT_AT_THIS_CHARGER: "The driver holds no grant on this charger or on any site "
    "above it.",
    Outcome.CONCURRENT_TX: "The tag has as many running transactions as it may.",
}


def authorization_out(decision: Decision, charger_id: str, id_tag: str) -> AuthorizationOut:
    grant = decision.granted_by
    granted_by: dict[str, int | str] | None = None
    if grant is not None:
        granted_by = {"siteId": grant.id} if grant.kind == "site" else {"chargerId": charger_id}
    token = decision.token
    return AuthorizationOut(
        decision=decision.outcome,
        accepted=decision.accepted,
        reason=_REASONS[decision.outcome],
        charger_id=charger_id,
        id_tag=id_tag,
        tag_id=token.tag_id if token else None,
        driver_id=token.driver_id if token else None,
        granted_by=granted_by,
        expiry=decision.expiry,
        group_id=decision.group_id,
    )


class RealtimeAuthIn(BaseModel):
    """eMabler's webhook body, snake_case as eMabler sends it."""

    model_config = ConfigDict(extra="ignore")

    charger_id: Annotated[str, StringConstraints(min_length=1, max_length=48)]
    rfid_tag_id: Annotated[str, StringConstraints(min_length=1, max_length=200)]


class RealtimeAuthOut(BaseModel):
    charging_allowed: bool
    reason: (
        Literal[
            "UNKNOWN_CHARGER_ID",
            "UNKNOWN_RFID_TAG_ID",
            "EXPIRED_RFID_TAG_ID",
            "UNAUTHORIZED_RFID_TAG_ID",
        ]
        | None
    ) = None


class AliasIn(Input):
    alias: str = Field(
        description="Another spelling of the tag (a byte-reversed or zero-padded UID); "
        "normalised like an idTag and unique with the idTags of the customer",
        examples=["1C3BA204"],
    )


class AliasOut(Output):
    id: int
    tag_id: int
    alias: str
    created_at: Timestamp


class OcppPasswordIn(Input):
    password: str | None = Field(
        description="16-40 printable characters; null removes the password requirement"
    )


class TransactionOut(Output):
    id: int = Field(description="Also the OCPP 1.6 transactionId")
    charger_id: str
    station_transaction_id: str | None = Field(description="OCPP 2.0.1 transactionId")
    connector_id: int | None
    evse_id: int | None
    id_tag: str | None
    tag_id: int | None
    driver_id: int | None
    start_decision: Outcome
    started_at: Timestamp
    stopped_at: Timestamp | None
    meter_start: int | None = Field(description="Wh")
    meter_stop: int | None
    meter_last: int | None
    meter_last_at: Timestamp | None
    stop_reason: str | None
