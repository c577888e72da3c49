"""The tables, in SQLAlchemy Core. Every row carries its ``customer_id``.

JSON-valued columns (configurations, capabilities, custom properties, external ids)
are stored as JSON text on both databases so that the hot path can splice them into a
response without parsing them.
"""

from __future__ import annotations

import sqlalchemy as sa

from evroster.storage.sql.types import Id, UTCDateTime

__all__ = [
    "api_keys",
    "audit_log",
    "cache_changes",
    "charger_grants",
    "chargers",
    "customers",
    "drivers",
    "metadata",
    "secrets",
    "site_grants",
    "sites",
    "sockets",
    "tag_aliases",
    "tags",
    "transactions",
]

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


def _customer() -> sa.Column[int]:
    return sa.Column(
        "customer_id", Id, sa.ForeignKey("customers.id", ondelete="CASCADE"), nullable=False
    )


customers = sa.Table(
    "customers",
    metadata,
    sa.Column("id", Id, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("created_at", UTCDateTime(), nullable=False),
)

api_keys = sa.Table(
    "api_keys",
    metadata,
    sa.Column("id", Id, primary_key=True, autoincrement=True),
    _customer(),
    # The public half of the key (``evr_<key_id>_<secret>``): found by index, then the
    # secret is checked against a salted hash in constant time.
    sa.Column("key_id", sa.String(32), nullable=False, unique=True),
    sa.Column("salt", sa.String(64), nullable=False),
    sa.Column("secret_hash", sa.String(128), nullable=False),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("label", sa.String(200), nullable=True),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("revoked_at", UTCDateTime(), nullable=True),
    sa.CheckConstraint("role IN ('admin', 'read')", name="role"),
    sa.Index(None, "customer_id"),
)

sites = sa.Table(
    "sites",
    metadata,
    sa.Column("id", Id, primary_key=True, autoincrement=True),
    _customer(),
    sa.Column("parent_id", Id, sa.ForeignKey("sites.id", ondelete="RESTRICT"), nullable=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("group_type", sa.SmallInteger(), nullable=False, server_default="1"),
    sa.Column("external_id", sa.String(200), nullable=True),
    sa.Column("payer_id", sa.BigInteger(), nullable=True),
    sa.Column("cost_id", sa.String(200), nullable=True),
    sa.Column("cost_name", sa.String(200), nullable=True),
    sa.Column("payment_recipient_id", sa.BigInteger(), nullable=True),
    sa.CheckConstraint("group_type BETWEEN 0 AND 4", name="group_type"),
    sa.Index(None, "customer_id", "parent_id"),
    sa.Index(None, "customer_id", "external_id", unique=True),
)

chargers = sa.Table(
    "chargers",
    metadata,
    sa.Column("id", Id, primary_key=True, autoincrement=True),
    _customer(),
    sa.Column("site_id", Id, sa.ForeignKey("sites.id", ondelete="RESTRICT"), nullable=False),
    sa.Column("charger_id", sa.String(48), nullable=False),
    sa.Column("charger_name", sa.String(200), nullable=True),
    sa.Column("firmware_version", sa.String(100), nullable=True),
    sa.Column("public_group_name", sa.String(200), nullable=True),
    sa.Column("manufacturer", sa.String(100), nullable=True),
    sa.Column("serial_number", sa.String(100), nullable=True),
    sa.Column("charger_model", sa.String(100), nullable=True),
    sa.Column("last_seen", UTCDateTime(), nullable=True),
    sa.Column("last_message", sa.String(200), nullable=True),
    sa.Column("active_connection", sa.Boolean(), nullable=False, server_default=sa.false()),
    sa.Column("charger_status", sa.String(50), nullable=True),
    sa.Column("latitude", sa.Float(), nullable=True),
    sa.Column("longitude", sa.Float(), nullable=True),
    sa.Column("street_address", sa.String(200), nullable=True),
    sa.Column("street_number", sa.String(50), nullable=True),
    sa.Column("house_letter", sa.String(20), nullable=True),
    sa.Column("postal_number", sa.String(20), nullable=True),
    sa.Column("city", sa.String(100), nullable=True),
    sa.Column("area", sa.String(100), nullable=True),
    sa.Column("country", sa.String(100), nullable=True),
    sa.Column("push_integration_enabled", sa.Boolean(), nullable=False, server_default=sa.false()),
    sa.Column(
        "charger_specific_message_structure",
        sa.Boolean(),
        nullable=False,
        server_default=sa.false(),
    ),
    sa.Column("charger_configurations", sa.Text(), nullable=True),
    sa.Column("evse_id", sa.String(100), nullable=True),
    sa.Column("split_evse_by_socket", sa.Boolean(), nullable=False, server_default=sa.false()),
    sa.Column("capabilities", sa.Text(), nullable=True),
    sa.Column("physical_reference", sa.String(100), nullable=True),
    sa.Column("integration_relays", sa.Text(), nullable=True),
    sa.Column("iccid", sa.String(50), nullable=True),
    sa.Column("imsi", sa.String(50), nullable=True),
    sa.Column("meter_serial_number", sa.String(100), nullable=True),
    sa.Column("meter_type", sa.String(100), nullable=True),
    sa.Column("custom_properties", sa.Text(), nullable=True),
    # OCPP security profile 1 (HTTP Basic): a PBKDF2 hash, never the password.
    sa.Column("ocpp_password_hash", sa.String(200), nullable=True),
    # The OCPP connection that set ``active_connection``: a late "disconnected" from an
    # older connection (any worker) must not mark a reconnected charger offline.
    sa.Column("connection_id", sa.String(32), nullable=True),
    sa.Index(None, "customer_id", "charger_id", unique=True),
    sa.Index(None, "site_id"),
)

sockets = sa.Table(
    "sockets",
    metadata,
    sa.Column("charger_pk", Id, sa.ForeignKey("chargers.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
    _customer(),
    sa.Column("type", sa.String(50), nullable=True),
    sa.Column("max_power", sa.String(50), nullable=True),
    sa.Column("status", sa.String(50), nullable=True),
    sa.Column("name", sa.String(200), nullable=True),
    sa.Column("device_evse_id", sa.Integer(), nullable=True),
    sa.Column("device_connector_id", sa.Integer(), nullable=True),
    sa.Column("format", sa.String(50), nullable=True),
    sa.Column("socket_power_type", sa.String(50), nullable=True),
    sa.Column("max_watts", sa.Integer(), nullable=True),
    sa.Column("max_voltage", sa.Integer(), nullable=True),
    sa.Column("max_amperage", sa.Integer(), nullable=True),
    sa.Column("phase_rotation", sa.String(10), nullable=True),
    sa.Column("terms_and_conditions", sa.String(2000), nullable=True),
    sa.Column("last_updated", UTCDateTime(), nullable=True),
    sa.Column("charging_station_evse_id", sa.Integer(), nullable=True),
    # Clustered on (charger, socket id): a charger's sockets are one range read.
    sqlite_with_rowid=False,
)

drivers = sa.Table(
    "drivers",
    metadata,
    sa.Column("id", Id, primary_key=True, autoincrement=True),
    _customer(),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("external_id", sa.String(200), nullable=True),
    sa.Column("home_site_id", Id, sa.ForeignKey("sites.id", ondelete="SET NULL"), nullable=True),
    sa.Column("payer_id", sa.BigInteger(), nullable=True),
    sa.Column("integrated_external_ids", sa.Text(), nullable=True),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("updated_at", UTCDateTime(), nullable=False),
    sa.Index(None, "customer_id", "external_id", unique=True),
    sa.Index(None, "customer_id", "name"),
    sa.Index(None, "home_site_id"),
)

tags = sa.Table(
    "tags",
    metadata,
    sa.Column("id", Id, primary_key=True, autoincrement=True),
    _customer(),
    sa.Column("driver_id", Id, sa.ForeignKey("drivers.id", ondelete="CASCADE"), nullable=False),
    sa.Column("id_tag", sa.String(64), nullable=False),
    sa.Column("id_tag_key", sa.String(64), nullable=False),
    sa.Column("token_name", sa.String(200), nullable=True),
    sa.Column("start_date", UTCDateTime(), nullable=True),
    sa.Column("expiring_date", UTCDateTime(), nullable=True),
    sa.Column("blocked", sa.Boolean(), nullable=False, server_default=sa.false()),
    sa.Column("invoicable", sa.Boolean(), nullable=False, server_default=sa.false()),
    sa.Column("last_updated", UTCDateTime(), nullable=False),
    # Told to chargers as parentIdTag / groupIdToken; tags sharing it may stop each
    # other's transactions.
    sa.Column("group_id", sa.String(36), nullable=True),
    # OCPP 2.0.1 / OCPI token type; checked only when set.
    sa.Column("token_type", sa.String(20), nullable=True),
    # Simultaneous transactions allowed; null means no limit.
    sa.Column("max_transactions", sa.Integer(), nullable=True),
    sa.Index(None, "customer_id", "id_tag_key", unique=True),
    sa.Index(None, "driver_id"),
)

# Extra spellings of a tag (byte-reversed or zero-padded UIDs). Their keys share the
# namespace of ``tags.id_tag_key``: the services check both under the customer's lock.
tag_aliases = sa.Table(
    "tag_aliases",
    metadata,
    sa.Column("id", Id, primary_key=True, autoincrement=True),
    _customer(),
    sa.Column("tag_id", Id, sa.ForeignKey("tags.id", ondelete="CASCADE"), nullable=False),
    sa.Column("alias", sa.String(64), nullable=False),
    sa.Column("alias_key", sa.String(64), nullable=False),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Index(None, "customer_id", "alias_key", unique=True),
    sa.Index(None, "tag_id"),
)

site_grants = sa.Table(
    "site_grants",
    metadata,
    sa.Column("driver_id", Id, sa.ForeignKey("drivers.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("site_id", Id, sa.ForeignKey("sites.id", ondelete="CASCADE"), primary_key=True),
    _customer(),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Index(None, "site_id"),
    sqlite_with_rowid=False,
)

charger_grants = sa.Table(
    "charger_grants",
    metadata,
    sa.Column("driver_id", Id, sa.ForeignKey("drivers.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("charger_pk", Id, sa.ForeignKey("chargers.id", ondelete="CASCADE"), primary_key=True),
    _customer(),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Index(None, "charger_pk"),
    sqlite_with_rowid=False,
)

# Charging sessions reported by chargers. Chargers, tags and drivers may be deleted
# later; the session stays, with the charger id and idTag as the charger sent them.
transactions = sa.Table(
    "transactions",
    metadata,
    # Also the OCPP 1.6 transactionId, which must be an integer the central system picks.
    sa.Column("id", Id, primary_key=True, autoincrement=True),
    _customer(),
    sa.Column("charger_pk", Id, sa.ForeignKey("chargers.id", ondelete="SET NULL"), nullable=True),
    sa.Column("charger_id", sa.String(48), nullable=False),
    # OCPP 2.0.1: the station's own transaction id; 1.6: null.
    sa.Column("station_transaction_id", sa.String(36), nullable=True),
    sa.Column("connector_id", sa.Integer(), nullable=True),
    sa.Column("evse_id", sa.Integer(), nullable=True),
    sa.Column("id_tag", sa.String(64), nullable=True),
    sa.Column("tag_id", Id, sa.ForeignKey("tags.id", ondelete="SET NULL"), nullable=True),
    sa.Column("driver_id", Id, sa.ForeignKey("drivers.id", ondelete="SET NULL"), nullable=True),
    # The decision when the charger started it (a charger may start while offline).
    sa.Column("start_decision", sa.String(30), nullable=False),
    sa.Column("started_at", UTCDateTime(), nullable=False),
    sa.Column("stopped_at", UTCDateTime(), nullable=True),
    sa.Column("meter_start", sa.BigInteger(), nullable=True),
    sa.Column("meter_stop", sa.BigInteger(), nullable=True),
    sa.Column("meter_last", sa.BigInteger(), nullable=True),
    sa.Column("meter_last_at", UTCDateTime(), nullable=True),
    sa.Column("stop_reason", sa.String(50), nullable=True),
    sa.Index(None, "customer_id", "charger_id", "station_transaction_id", unique=True),
    sa.Index(None, "tag_id", "stopped_at"),
    sa.Index(None, "customer_id", "started_at"),
)

# Every change made through the API, the CLI or an import, written in the transaction
# that made it, so a rolled-back change leaves no entry. Nothing updates or deletes
# these rows; ``key_id`` is the acting key's row id (never its secret), null from the CLI.
audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("id", Id, primary_key=True, autoincrement=True),
    _customer(),
    sa.Column("at", UTCDateTime(), nullable=False),
    sa.Column("key_id", Id, nullable=True),
    sa.Column("via", sa.String(10), nullable=False),
    sa.Column("object", sa.String(20), nullable=False),
    sa.Column("object_id", sa.String(64), nullable=False),
    sa.Column("action", sa.String(20), nullable=False),
    # {"field": [before, after]} as JSON text.
    sa.Column("changes", sa.Text(), nullable=False),
    sa.Index(None, "customer_id", "at"),
    sa.Index(None, "customer_id", "object", "object_id"),
)


# What each committed write touched, for the document caches of other processes
# (storage/sql/changes.py). Written on SQLite only: PostgreSQL replicas hear of changes
# by LISTEN/NOTIFY. Numbered by AUTOINCREMENT so numbers are never reused; the oldest
# rows are trimmed as new ones come.
cache_changes = sa.Table(
    "cache_changes",
    metadata,
    sa.Column("seq", Id, primary_key=True, autoincrement=True),
    sa.Column("kind", sa.String(1), nullable=False),
    sa.Column("ref", sa.BigInteger(), nullable=False),
    sqlite_autoincrement=True,
)


# Keys evroster generates for itself (the console's session signing key), made once and
# read by every process and replica, so that a session signed by one is valid on all.
secrets = sa.Table(
    "secrets",
    metadata,
    sa.Column("name", sa.String(50), primary_key=True),
    sa.Column("value", sa.String(200), nullable=False),
)
