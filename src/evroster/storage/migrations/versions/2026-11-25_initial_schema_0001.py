"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-25 20:06:50.816323
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import evroster.storage.sql.types

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "customers",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "created_at", evroster.storage.sql.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customers")),
    )
    op.create_table(
        "api_keys",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "customer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("key_id", sa.String(length=32), nullable=False),
        sa.Column("salt", sa.String(length=64), nullable=False),
        sa.Column("secret_hash", sa.String(length=128), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=True),
        sa.Column(
            "created_at", evroster.storage.sql.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "revoked_at", evroster.storage.sql.types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.CheckConstraint("role IN ('admin', 'read')", name=op.f("ck_api_keys_role")),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_api_keys_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_keys")),
        sa.UniqueConstraint("key_id", name=op.f("uq_api_keys_key_id")),
    )
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_keys_customer_id"), ["customer_id"], unique=False)

    op.create_table(
        "sites",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "customer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("parent_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("group_type", sa.SmallInteger(), server_default="1", nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=True),
        sa.Column("payer_id", sa.BigInteger(), nullable=True),
        sa.Column("cost_id", sa.String(length=200), nullable=True),
        sa.Column("cost_name", sa.String(length=200), nullable=True),
        sa.Column("payment_recipient_id", sa.BigInteger(), nullable=True),
        sa.CheckConstraint("group_type BETWEEN 0 AND 4", name=op.f("ck_sites_group_type")),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_sites_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["sites.id"], name=op.f("fk_sites_parent_id_sites"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sites")),
    )
    with op.batch_alter_table("sites", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sites_customer_id_external_id"),
            ["customer_id", "external_id"],
            unique=True,
        )
        batch_op.create_index(
            batch_op.f("ix_sites_customer_id_parent_id"), ["customer_id", "parent_id"], unique=False
        )

    op.create_table(
        "chargers",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "customer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("site_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("charger_id", sa.String(length=48), nullable=False),
        sa.Column("charger_name", sa.String(length=200), nullable=True),
        sa.Column("firmware_version", sa.String(length=100), nullable=True),
        sa.Column("public_group_name", sa.String(length=200), nullable=True),
        sa.Column("manufacturer", sa.String(length=100), nullable=True),
        sa.Column("serial_number", sa.String(length=100), nullable=True),
        sa.Column("charger_model", sa.String(length=100), nullable=True),
        sa.Column(
            "last_seen", evroster.storage.sql.types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("last_message", sa.String(length=200), nullable=True),
        sa.Column("active_connection", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("charger_status", sa.String(length=50), nullable=True),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("street_address", sa.String(length=200), nullable=True),
        sa.Column("street_number", sa.String(length=50), nullable=True),
        sa.Column("house_letter", sa.String(length=20), nullable=True),
        sa.Column("postal_number", sa.String(length=20), nullable=True),
        sa.Column("city", sa.String(length=100), nullable=True),
        sa.Column("area", sa.String(length=100), nullable=True),
        sa.Column("country", sa.String(length=100), nullable=True),
        sa.Column(
            "push_integration_enabled", sa.Boolean(), server_default=sa.false(), nullable=False
        ),
        sa.Column(
            "charger_specific_message_structure",
            sa.Boolean(),
            server_default=sa.false(),
            nullable=False,
        ),
        sa.Column("charger_configurations", sa.Text(), nullable=True),
        sa.Column("evse_id", sa.String(length=100), nullable=True),
        sa.Column("split_evse_by_socket", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("capabilities", sa.Text(), nullable=True),
        sa.Column("physical_reference", sa.String(length=100), nullable=True),
        sa.Column("integration_relays", sa.Text(), nullable=True),
        sa.Column("iccid", sa.String(length=50), nullable=True),
        sa.Column("imsi", sa.String(length=50), nullable=True),
        sa.Column("meter_serial_number", sa.String(length=100), nullable=True),
        sa.Column("meter_type", sa.String(length=100), nullable=True),
        sa.Column("custom_properties", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_chargers_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_chargers_site_id_sites"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chargers")),
    )
    with op.batch_alter_table("chargers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_chargers_customer_id_charger_id"),
            ["customer_id", "charger_id"],
            unique=True,
        )
        batch_op.create_index(batch_op.f("ix_chargers_site_id"), ["site_id"], unique=False)

    op.create_table(
        "drivers",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "customer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=True),
        sa.Column(
            "home_site_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("payer_id", sa.BigInteger(), nullable=True),
        sa.Column("integrated_external_ids", sa.Text(), nullable=True),
        sa.Column(
            "created_at", evroster.storage.sql.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "updated_at", evroster.storage.sql.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_drivers_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["home_site_id"],
            ["sites.id"],
            name=op.f("fk_drivers_home_site_id_sites"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_drivers")),
    )
    with op.batch_alter_table("drivers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_drivers_customer_id_external_id"),
            ["customer_id", "external_id"],
            unique=True,
        )
        batch_op.create_index(
            batch_op.f("ix_drivers_customer_id_name"), ["customer_id", "name"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_drivers_home_site_id"), ["home_site_id"], unique=False)

    op.create_table(
        "charger_grants",
        sa.Column(
            "driver_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "charger_pk", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "customer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "created_at", evroster.storage.sql.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["charger_pk"],
            ["chargers.id"],
            name=op.f("fk_charger_grants_charger_pk_chargers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_charger_grants_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["driver_id"],
            ["drivers.id"],
            name=op.f("fk_charger_grants_driver_id_drivers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("driver_id", "charger_pk", name=op.f("pk_charger_grants")),
        sqlite_with_rowid=False,
    )
    with op.batch_alter_table("charger_grants", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_charger_grants_charger_pk"), ["charger_pk"], unique=False
        )

    op.create_table(
        "site_grants",
        sa.Column(
            "driver_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("site_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "customer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "created_at", evroster.storage.sql.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_site_grants_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["driver_id"],
            ["drivers.id"],
            name=op.f("fk_site_grants_driver_id_drivers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_site_grants_site_id_sites"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("driver_id", "site_id", name=op.f("pk_site_grants")),
        sqlite_with_rowid=False,
    )
    with op.batch_alter_table("site_grants", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_site_grants_site_id"), ["site_id"], unique=False)

    op.create_table(
        "sockets",
        sa.Column(
            "charger_pk", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column(
            "customer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("type", sa.String(length=50), nullable=True),
        sa.Column("max_power", sa.String(length=50), nullable=True),
        sa.Column("status", sa.String(length=50), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("device_evse_id", sa.Integer(), nullable=True),
        sa.Column("device_connector_id", sa.Integer(), nullable=True),
        sa.Column("format", sa.String(length=50), nullable=True),
        sa.Column("socket_power_type", sa.String(length=50), nullable=True),
        sa.Column("max_watts", sa.Integer(), nullable=True),
        sa.Column("max_voltage", sa.Integer(), nullable=True),
        sa.Column("max_amperage", sa.Integer(), nullable=True),
        sa.Column("phase_rotation", sa.String(length=10), nullable=True),
        sa.Column("terms_and_conditions", sa.String(length=2000), nullable=True),
        sa.Column(
            "last_updated", evroster.storage.sql.types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("charging_station_evse_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["charger_pk"],
            ["chargers.id"],
            name=op.f("fk_sockets_charger_pk_chargers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_sockets_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("charger_pk", "id", name=op.f("pk_sockets")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "tags",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "customer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "driver_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("id_tag", sa.String(length=64), nullable=False),
        sa.Column("id_tag_key", sa.String(length=64), nullable=False),
        sa.Column("token_name", sa.String(length=200), nullable=True),
        sa.Column(
            "start_date", evroster.storage.sql.types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column(
            "expiring_date", evroster.storage.sql.types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("blocked", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("invoicable", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column(
            "last_updated", evroster.storage.sql.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_tags_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["driver_id"],
            ["drivers.id"],
            name=op.f("fk_tags_driver_id_drivers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tags")),
    )
    with op.batch_alter_table("tags", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_tags_customer_id_id_tag_key"), ["customer_id", "id_tag_key"], unique=True
        )
        batch_op.create_index(batch_op.f("ix_tags_driver_id"), ["driver_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("tags", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tags_driver_id"))
        batch_op.drop_index(batch_op.f("ix_tags_customer_id_id_tag_key"))

    op.drop_table("tags")
    op.drop_table("sockets")
    with op.batch_alter_table("site_grants", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_site_grants_site_id"))

    op.drop_table("site_grants")
    with op.batch_alter_table("charger_grants", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_charger_grants_charger_pk"))

    op.drop_table("charger_grants")
    with op.batch_alter_table("drivers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_drivers_home_site_id"))
        batch_op.drop_index(batch_op.f("ix_drivers_customer_id_name"))
        batch_op.drop_index(batch_op.f("ix_drivers_customer_id_external_id"))

    op.drop_table("drivers")
    with op.batch_alter_table("chargers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_chargers_site_id"))
        batch_op.drop_index(batch_op.f("ix_chargers_customer_id_charger_id"))

    op.drop_table("chargers")
    with op.batch_alter_table("sites", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sites_customer_id_parent_id"))
        batch_op.drop_index(batch_op.f("ix_sites_customer_id_external_id"))

    op.drop_table("sites")
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_keys_customer_id"))

    op.drop_table("api_keys")
    op.drop_table("customers")
