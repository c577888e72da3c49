"""Chargers, their sockets, location and configuration, as in eMabler's charger object."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from evroster.api.schemas.common import Id, Input, Int32, LongText, NotNull, ShortText, Text

__all__ = [
    "ChargerConfigurationIn",
    "ChargerIn",
    "ChargerPatch",
    "LocationInfoIn",
    "SocketIn",
    "charger_values",
]


class LocationInfoIn(Input):
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    street_address: Text | None = None
    street_number: ShortText | None = None
    house_letter: ShortText | None = None
    postal_number: ShortText | None = None
    city: Text | None = None
    area: Text | None = None
    country: Text | None = None


class ChargerConfigurationIn(Input):
    config_name: Text
    config_value: LongText | None = None
    can_be_changed: bool = False


class SocketIn(Input):
    """A socket (connector). ``status`` and ``lastUpdated`` are set by the charger."""

    id: Int32
    type: ShortText | None = None
    max_power: ShortText | None = None
    name: Text | None = None
    device_evse_id: Int32 | None = None
    device_connector_id: Int32 | None = None
    format: ShortText | None = None
    socket_power_type: ShortText | None = None
    max_watts: Int32 | None = None
    max_voltage: Int32 | None = None
    max_amperage: Int32 | None = None
    phase_rotation: ShortText | None = None
    terms_and_conditions: LongText | None = None
    charging_station_evse_id: Int32 | None = None


class ChargerPatch(Input):
    """Every writable field of the seed's charger; the live ones belong to OCPP."""

    charger_id: Annotated[str | None, NotNull] = Field(
        default=None,
        min_length=1,
        max_length=48,
        pattern=r"^[\x21-\x7e]+$",
        description="The OCPP identity: 1-48 printable ASCII characters, unique per customer",
    )
    charger_name: Text | None = None
    group_id: Annotated[Id | None, NotNull] = Field(
        default=None, description="The site the charger stands in"
    )
    firmware_version: Text | None = None
    public_group_name: Text | None = None
    manufacturer: Text | None = None
    serial_number: Text | None = None
    charger_model: Text | None = None
    location_info: LocationInfoIn | None = None
    push_integration_enabled: Annotated[bool | None, NotNull] = None
    charger_specific_message_structure: Annotated[bool | None, NotNull] = None
    charger_configurations: list[ChargerConfigurationIn] | None = Field(
        default=None, max_length=500
    )
    sockets: Annotated[list[SocketIn] | None, NotNull] = Field(default=None, max_length=100)
    evse_id: Text | None = None
    split_evse_by_socket: Annotated[bool | None, NotNull] = None
    capabilities: list[Text] | None = Field(default=None, max_length=100)
    physical_reference: Text | None = None
    integration_relays: list[Text] | None = Field(default=None, max_length=100)
    iccid: ShortText | None = None
    imsi: ShortText | None = None
    meter_serial_number: Text | None = None
    meter_type: Text | None = None
    custom_properties: dict[Text, LongText] | None = Field(default=None, max_length=100)


class ChargerIn(ChargerPatch):
    charger_id: str = Field(
        min_length=1,
        max_length=48,
        pattern=r"^[\x21-\x7e]+$",
        description="The OCPP identity: 1-48 printable ASCII characters, unique per customer",
    )
    group_id: Id = Field(description="The site the charger stands in")
    push_integration_enabled: bool = False
    charger_specific_message_structure: bool = False
    sockets: list[SocketIn] = Field(default_factory=list, max_length=100)
    split_evse_by_socket: bool = False


_LOCATION = tuple(LocationInfoIn.model_fields)


def charger_values(body: ChargerPatch) -> dict[str, Any]:
    """Column values for the fields the client sent (``locationInfo`` flattened)."""
    values = body.model_dump(exclude_unset=True, exclude={"location_info", "sockets", "group_id"})
    if "group_id" in body.model_fields_set:
        values["site_id"] = body.group_id
    if "location_info" in body.model_fields_set:
        location = body.location_info
        for name in _LOCATION:
            values[name] = getattr(location, name) if location is not None else None
    if body.charger_configurations is not None:
        # Stored as the document shows it, so the hot path can splice it in unchanged.
        values["charger_configurations"] = [
            c.model_dump(by_alias=True) for c in body.charger_configurations
        ]
    if "sockets" in body.model_fields_set:
        values["sockets"] = [s.model_dump() for s in body.sockets or []]
    return values
