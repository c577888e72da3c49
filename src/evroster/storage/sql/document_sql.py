"""The SQL of the hot path, rendered once per dialect.

Charger objects (sockets included) and tag objects are built as JSON by the database
itself, from the lists of fields below: that skips making a Python object per column
and per socket, which measured 24 % faster per document than fetching tuples. The
site tree comes back as tuples, for ``services/documents.py`` to nest and count.

Column orders, the contract with ``services/documents.py``:

* driver: id, name, home_site_id, home site name, external_id, payer_id,
  integrated_external_ids (JSON text), the tag objects (a JSON array as text), whether
  the driver holds site grants, whether it holds charger grants
* site: granted (1/0), id, parent_id, name, group_type, external_id, payer_id, cost_id,
  cost_name, payment_recipient_id
* charger: direct (1/0), id, site_id, active_connection, sockets, faulted sockets,
  the charger object (JSON text)
"""

from __future__ import annotations

__all__ = ["DocumentSql"]


class _Dialect:
    """The few expressions in which SQLite and PostgreSQL differ."""

    def __init__(self, name: str) -> None:
        self.sqlite = name == "sqlite"
        # The name of a charger's site. PostgreSQL's planner answered a join with a hash
        # join reading every site of the customer for a handful of chargers; a lookup
        # per charger is 8 % faster there, and a join a little faster on SQLite.
        self.site_join = " JOIN sites g ON g.id = c.site_id" if self.sqlite else ""
        self.site_name = (
            "g.name" if self.sqlite else "(SELECT g.name FROM sites g WHERE g.id = c.site_id)"
        )

    def ts(self, col: str) -> str:
        if self.sqlite:
            # SQLite stores ``YYYY-MM-DD HH:MM:SS.ffffff`` (UTC); cutting the text is a
            # fifth of the cost of strftime() on every charger and socket.
            return f"substr({col}, 1, 10) || 'T' || substr({col}, 12, 12) || 'Z'"
        return f"to_char({col} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"

    def boolean(self, col: str) -> str:
        if self.sqlite:  # stored as 0/1; json() marks the text as JSON, not a string
            return f"CASE WHEN {col} THEN json('true') ELSE json('false') END"
        return col

    def raw_json(self, col: str, default: str | None = None) -> str:
        value = f"coalesce({col}, '{default}')" if default else col
        return f"json({value})" if self.sqlite else f"({value})::json"

    def obj(self, fields: list[tuple[str, str]]) -> str:
        args = ", ".join(f"'{key}', {expr}" for key, expr in fields)
        return f"json_object({args})" if self.sqlite else f"json_build_object({args})"

    def array_of(self, element: str, source: str, order: str) -> str:
        if self.sqlite:  # the sockets table is clustered on (charger, id): scan order
            return f"json((SELECT json_group_array({element}) FROM {source}))"
        return f"(SELECT coalesce(json_agg({element} ORDER BY {order}), '[]') FROM {source})"

    def in_list(self, col: str) -> str:
        # One parameter for the whole list keeps the SQL text fixed for statement caches.
        return f"{col} IN (SELECT value FROM json_each(?))" if self.sqlite else f"{col} = ANY(?)"

    def text(self, expr: str) -> str:
        return expr if self.sqlite else f"({expr})::text"


def _socket(d: _Dialect) -> str:
    return d.obj(
        [
            ("type", "k.type"),
            ("maxPower", "k.max_power"),
            ("status", "k.status"),
            ("id", "k.id"),
            ("name", "k.name"),
            ("deviceEvseId", "k.device_evse_id"),
            ("deviceConnectorId", "k.device_connector_id"),
            ("format", "k.format"),
            ("socketPowerType", "k.socket_power_type"),
            ("maxWatts", "k.max_watts"),
            ("maxVoltage", "k.max_voltage"),
            ("maxAmperage", "k.max_amperage"),
            ("phaseRotation", "k.phase_rotation"),
            ("termsAndConditions", "k.terms_and_conditions"),
            ("lastUpdated", d.ts("k.last_updated")),
            ("chargingStationEvseId", "k.charging_station_evse_id"),
        ]
    )


def _charger(d: _Dialect) -> str:
    """The seed's charger object, field by field, in the seed's order."""
    sockets = "sockets k WHERE k.charger_pk = c.id"
    return d.obj(
        [
            ("id", "c.id"),
            ("chargerId", "c.charger_id"),
            ("chargerName", "c.charger_name"),
            ("groupId", "c.site_id"),
            ("groupName", d.site_name),
            ("firmwareVersion", "c.firmware_version"),
            ("publicGroupName", "c.public_group_name"),
            ("manufacturer", "c.manufacturer"),
            ("serialNumber", "c.serial_number"),
            ("chargerModel", "c.charger_model"),
            ("amountOfSockets", f"(SELECT count(*) FROM {sockets})"),
            ("lastSeen", d.ts("c.last_seen")),
            ("lastMessage", "c.last_message"),
            ("activeConnection", d.boolean("c.active_connection")),
            ("chargerStatus", "c.charger_status"),
            (
                "locationInfo",
                d.obj(
                    [
                        ("latitude", "c.latitude"),
                        ("longitude", "c.longitude"),
                        ("streetAddress", "c.street_address"),
                        ("streetNumber", "c.street_number"),
                        ("houseLetter", "c.house_letter"),
                        ("postalNumber", "c.postal_number"),
                        ("city", "c.city"),
                        ("area", "c.area"),
                        ("country", "c.country"),
                    ]
                ),
            ),
            ("pushIntegrationEnabled", d.boolean("c.push_integration_enabled")),
            ("chargerSpecificMessageStructure", d.boolean("c.charger_specific_message_structure")),
            ("chargerConfigurations", d.raw_json("c.charger_configurations")),
            ("sockets", d.array_of(_socket(d), sockets, "k.id")),
            ("evseId", "c.evse_id"),
            ("splitEvseBySocket", d.boolean("c.split_evse_by_socket")),
            ("capabilities", d.raw_json("c.capabilities", "[]")),
            ("physicalReference", "c.physical_reference"),
            ("integrationRelays", d.raw_json("c.integration_relays")),
            ("iccid", "c.iccid"),
            ("imsi", "c.imsi"),
            ("meterSerialNumber", "c.meter_serial_number"),
            ("meterType", "c.meter_type"),
            ("customProperties", d.raw_json("c.custom_properties")),
        ]
    )


_SITE = (
    "s.id, s.parent_id, s.name, s.group_type, s.external_id, s.payer_id, s.cost_id,"
    " s.cost_name, s.payment_recipient_id"
)
_SITE_NAMES = (
    "granted, id, parent_id, name, group_type, external_id, payer_id, cost_id, cost_name,"
    " payment_recipient_id"
)
_DRIVER = (
    "SELECT d.id, d.name, d.home_site_id, h.name, d.external_id, d.payer_id,"
    " d.integrated_external_ids, {tags},"
    " EXISTS (SELECT 1 FROM site_grants x WHERE x.driver_id = d.id),"
    " EXISTS (SELECT 1 FROM charger_grants x WHERE x.driver_id = d.id) FROM {source}"
    " LEFT JOIN sites h ON h.id = d.home_site_id WHERE {where}"
)


def _tags(d: _Dialect) -> str:
    """All the driver's tags as a JSON array, in id order."""
    tag = d.obj(
        [
            ("id", "x.id"),
            ("idTag", "x.id_tag"),
            ("expiringDate", d.ts("x.expiring_date")),
            ("startDate", d.ts("x.start_date")),
            ("lastUpdated", d.ts("x.last_updated")),
            ("tokenName", "x.token_name"),
            ("invoicable", d.boolean("x.invoicable")),
        ]
    )
    if d.sqlite:  # the driver_id index yields a driver's tags in id order
        return f"(SELECT json_group_array({tag}) FROM tags x WHERE x.driver_id = d.id)"
    return (
        f"(SELECT coalesce(json_agg({tag} ORDER BY x.id), '[]')::text"
        " FROM tags x WHERE x.driver_id = d.id)"
    )


def _subtree(seed: str) -> str:
    # UNION ALL carrying the columns: UNION's de-duplication and a second join cost 14
    # times more on SQLite. A site under two granted sites comes twice; the renderer
    # keys sites by id.
    return (
        f"WITH RECURSIVE sub({_SITE_NAMES}) AS ({seed}"
        f" UNION ALL SELECT 0, {_SITE} FROM sub JOIN sites s"
        " ON s.customer_id = ? AND s.parent_id = sub.id)"
        " SELECT * FROM sub"
    )


class DocumentSql:
    """Every statement of the hot path for one dialect, as fixed text."""

    def __init__(self, dialect: str) -> None:
        d = _Dialect(dialect)
        self.principal = (
            "SELECT id, customer_id, role, salt, secret_hash, revoked_at IS NULL"
            " FROM api_keys WHERE key_id = ?"
        )
        self.driver_by_key = _DRIVER.format(
            tags=_tags(d),
            source="tags t JOIN drivers d ON d.id = t.driver_id",
            where="t.customer_id = ? AND t.id_tag_key = ?",
        )
        # A tag found by one of its aliases: the document of its driver.
        self.driver_of_alias = (
            "SELECT t.driver_id FROM tag_aliases a JOIN tags t ON t.id = a.tag_id"
            " WHERE a.customer_id = ? AND a.alias_key = ?"
        )
        self.driver_by_id = _DRIVER.format(
            tags=_tags(d), source="drivers d", where="d.customer_id = ? AND d.id = ?"
        )
        self.sites = _subtree(
            f"SELECT 1, {_SITE} FROM site_grants x JOIN sites s ON s.id = x.site_id"
            " WHERE x.driver_id = ?"
        )
        self.subtree = _subtree(
            f"SELECT 1, {_SITE} FROM sites s WHERE s.customer_id = ? AND s.id = ?"
        )
        sockets = "sockets k WHERE k.charger_pk = c.id"
        columns = (
            f"c.id, c.site_id, c.active_connection, (SELECT count(*) FROM {sockets}),"
            f" (SELECT count(*) FROM {sockets} AND lower(k.status) = 'faulted'),"
            f" {d.text(_charger(d))}"
        )
        placed = f"FROM chargers c{d.site_join} WHERE c.customer_id = ?"
        self.chargers_in_sites = f"SELECT 0, {columns} {placed} AND {d.in_list('c.site_id')}"
        self.chargers = (
            f"{self.chargers_in_sites} UNION ALL SELECT 1, {columns} FROM charger_grants x"
            f" JOIN chargers c ON c.id = x.charger_pk{d.site_join}"
            " WHERE x.driver_id = ?"
        )
        self.chargers_by_pk = f"SELECT 1, {columns} {placed} AND {d.in_list('c.id')} ORDER BY c.id"
        # Every grant of a driver: 1 and a site id, or 0 and a charger's primary key.
        self.grants = (
            "SELECT 1, site_id FROM site_grants WHERE driver_id = ?"
            " UNION ALL SELECT 0, charger_pk FROM charger_grants WHERE driver_id = ?"
        )
        if not d.sqlite:
            for name, sql in vars(self).items():
                setattr(self, name, sql.replace("?", "%s"))
