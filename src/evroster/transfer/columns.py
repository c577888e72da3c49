"""The columns of an import/export file, per kind of row (``docs/import-export.md``)."""

from __future__ import annotations

from evroster.services.imports import KINDS, Kind

__all__ = [
    "COLUMNS",
    "HEADER",
    "JSON_COLUMNS",
    "KEEP_WHEN_EMPTY",
    "KEYS",
    "LIST_REFS",
    "LOCATION",
    "REFS",
]

# The key of each kind: upserts match on it.
KEYS: dict[Kind, str] = {
    "site": "externalId",
    "charger": "chargerId",
    "driver": "externalId",
    "tag": "idTag",
}
# References to other rows, by their keys: column -> the record's ref name.
REFS: dict[Kind, dict[str, str]] = {
    "site": {"parent": "parent"},
    "charger": {"site": "site"},
    "driver": {"homeSite": "home_site", "sites": "sites", "chargers": "chargers"},
    "tag": {"driver": "driver"},
}
LIST_REFS = frozenset({"sites", "chargers"})
LOCATION = (
    "latitude",
    "longitude",
    "streetAddress",
    "streetNumber",
    "houseLetter",
    "postalNumber",
    "city",
    "area",
    "country",
)
# Fields of each kind's API model, as the file names them.
_FIELDS: dict[Kind, tuple[str, ...]] = {
    "site": ("name", "groupType", "payerId", "costId", "costName", "paymentRecipientId"),
    "charger": (
        "chargerName",
        "publicGroupName",
        "manufacturer",
        "chargerModel",
        "serialNumber",
        "firmwareVersion",
        "evseId",
        "physicalReference",
        "iccid",
        "imsi",
        "meterSerialNumber",
        "meterType",
        "pushIntegrationEnabled",
        "chargerSpecificMessageStructure",
        "splitEvseBySocket",
        *LOCATION,
        "sockets",
        "chargerConfigurations",
        "capabilities",
        "integrationRelays",
        "customProperties",
    ),
    "driver": ("name", "payerId", "integratedExternalIds"),
    "tag": (
        "tokenName",
        "startDate",
        "expiringDate",
        "blocked",
        "invoicable",
        "groupId",
        "tokenType",
        "maxTransactions",
    ),
}
COLUMNS: dict[Kind, tuple[str, ...]] = {
    kind: (KEYS[kind], *REFS[kind], *_FIELDS[kind]) for kind in _FIELDS
}
# Cells holding a list or an object, written as JSON.
JSON_COLUMNS = frozenset(
    {
        "sockets",
        "chargerConfigurations",
        "capabilities",
        "integrationRelays",
        "customProperties",
        "integratedExternalIds",
    }
)
# Fields that cannot be null: an empty cell leaves them as they are (or the default).
KEEP_WHEN_EMPTY = frozenset(
    {
        "name",
        "groupType",
        "blocked",
        "invoicable",
        "pushIntegrationEnabled",
        "chargerSpecificMessageStructure",
        "splitEvseBySocket",
        "sockets",
        "integratedExternalIds",
    }
)


def _header() -> tuple[str, ...]:
    out = ["record"]
    for kind in KINDS:
        for column in COLUMNS[kind]:
            if column not in out:
                out.append(column)
    return tuple(out)


HEADER = _header()
