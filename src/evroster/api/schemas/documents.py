"""The driver document, field by field as eMabler's get-authorised-user-by-tag.

These models describe the hot path in OpenAPI (and let tests check real responses);
the hot path itself never builds them.
"""

from __future__ import annotations

from pydantic import ConfigDict, Field

from evroster.api.schemas.common import Output

__all__ = [
    "ChargerConfiguration",
    "ChargerDocument",
    "DriverDocument",
    "IntegratedExternalId",
    "LocationInfo",
    "SiteDocument",
    "SocketDocument",
    "TagDocument",
]

Ts = str  # RFC 3339, UTC, milliseconds: 2024-12-04T11:51:42.899Z


class Document(Output):
    """Strict: a response with a field too many or too few does not validate."""

    model_config = ConfigDict(extra="forbid")


class TagDocument(Document):
    id: int
    id_tag: str = Field(description="As written when the tag was registered")
    expiring_date: Ts | None = Field(description="null: never expires")
    start_date: Ts | None
    last_updated: Ts | None
    token_name: str | None
    invoicable: bool


class LocationInfo(Document):
    latitude: float | None
    longitude: float | None
    street_address: str | None
    street_number: str | None
    house_letter: str | None
    postal_number: str | None
    city: str | None
    area: str | None
    country: str | None


class ChargerConfiguration(Document):
    config_name: str
    config_value: str | None
    can_be_changed: bool


class SocketDocument(Document):
    type: str | None
    max_power: str | None
    status: str | None = Field(description="Last status reported by the charger")
    id: int
    name: str | None
    device_evse_id: int | None
    device_connector_id: int | None
    format: str | None
    socket_power_type: str | None
    max_watts: int | None
    max_voltage: int | None
    max_amperage: int | None
    phase_rotation: str | None
    terms_and_conditions: str | None
    last_updated: Ts | None
    charging_station_evse_id: int | None


class ChargerDocument(Document):
    id: int
    charger_id: str
    charger_name: str | None
    group_id: int = Field(description="The site the charger stands in")
    group_name: str
    firmware_version: str | None
    public_group_name: str | None
    manufacturer: str | None
    serial_number: str | None
    charger_model: str | None
    amount_of_sockets: int = Field(description="Deprecated in eMabler's API; kept for clients")
    last_seen: Ts | None
    last_message: str | None
    active_connection: bool
    charger_status: str | None
    location_info: LocationInfo
    push_integration_enabled: bool
    charger_specific_message_structure: bool
    charger_configurations: list[ChargerConfiguration] | None
    sockets: list[SocketDocument]
    evse_id: str | None
    split_evse_by_socket: bool
    capabilities: list[str]
    physical_reference: str | None
    integration_relays: list[str] | None
    iccid: str | None
    imsi: str | None
    meter_serial_number: str | None
    meter_type: str | None
    custom_properties: dict[str, str] | None


class SiteDocument(Document):
    online_socket: int = Field(description="Sockets of connected chargers, not Faulted, subtree")
    offline_socket: int = Field(description="Sockets of chargers without a connection, subtree")
    error_socket: int = Field(description="Faulted sockets of connected chargers, subtree")
    subgroups: list[SiteDocument] = Field(description="The subsites, recursively")
    chargers: list[ChargerDocument] = Field(description="Chargers placed directly in this site")
    payer_id: int | None
    cost_id: str | None
    cost_name: str | None
    payment_recipient_id: int | None
    id: int
    group_name: str
    group_type: int = Field(ge=0, le=4)
    external_id: str | None


class IntegratedExternalId(Document):
    reference_type: int
    reference_id: str | None
    external_id: str | None
    effective_from: Ts | None


class DriverDocument(Document):
    id: int
    name: str
    home_group_id: int | None = Field(description="Home site: visibility only, no access")
    home_group_name: str | None
    external_id: str | None
    tags: list[TagDocument] = Field(description="All tags, blocked and expired ones included")
    charger_groups: list[SiteDocument] = Field(description="Sites granted, with subtrees")
    chargers: list[ChargerDocument] = Field(description="Chargers granted directly")
    payer_id: int | None
    integrated_external_ids: list[IntegratedExternalId]
