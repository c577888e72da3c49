"""authorization: tag aliases, token attributes, charger passwords, transactions

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 21:56:24.354462
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import evroster.storage.sql.types

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "tag_aliases",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "customer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("tag_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("alias", sa.String(length=64), nullable=False),
        sa.Column("alias_key", sa.String(length=64), nullable=False),
        sa.Column(
            "created_at", evroster.storage.sql.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_tag_aliases_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tag_id"], ["tags.id"], name=op.f("fk_tag_aliases_tag_id_tags"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tag_aliases")),
    )
    with op.batch_alter_table("tag_aliases", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_tag_aliases_customer_id_alias_key"),
            ["customer_id", "alias_key"],
            unique=True,
        )
        batch_op.create_index(batch_op.f("ix_tag_aliases_tag_id"), ["tag_id"], unique=False)

    op.create_table(
        "transactions",
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
            "charger_pk", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("charger_id", sa.String(length=48), nullable=False),
        sa.Column("station_transaction_id", sa.String(length=36), nullable=True),
        sa.Column("connector_id", sa.Integer(), nullable=True),
        sa.Column("evse_id", sa.Integer(), nullable=True),
        sa.Column("id_tag", sa.String(length=64), nullable=True),
        sa.Column("tag_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("driver_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("start_decision", sa.String(length=30), nullable=False),
        sa.Column(
            "started_at", evroster.storage.sql.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "stopped_at", evroster.storage.sql.types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("meter_start", sa.BigInteger(), nullable=True),
        sa.Column("meter_stop", sa.BigInteger(), nullable=True),
        sa.Column("meter_last", sa.BigInteger(), nullable=True),
        sa.Column(
            "meter_last_at", evroster.storage.sql.types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("stop_reason", sa.String(length=50), nullable=True),
        sa.ForeignKeyConstraint(
            ["charger_pk"],
            ["chargers.id"],
            name=op.f("fk_transactions_charger_pk_chargers"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_transactions_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["driver_id"],
            ["drivers.id"],
            name=op.f("fk_transactions_driver_id_drivers"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["tag_id"], ["tags.id"], name=op.f("fk_transactions_tag_id_tags"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transactions")),
    )
    with op.batch_alter_table("transactions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_transactions_customer_id_charger_id_station_transaction_id"),
            ["customer_id", "charger_id", "station_transaction_id"],
            unique=True,
        )
        batch_op.create_index(
            batch_op.f("ix_transactions_customer_id_started_at"),
            ["customer_id", "started_at"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_transactions_tag_id_stopped_at"), ["tag_id", "stopped_at"], unique=False
        )

    with op.batch_alter_table("chargers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ocpp_password_hash", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("connection_id", sa.String(length=32), nullable=True))

    with op.batch_alter_table("tags", schema=None) as batch_op:
        batch_op.add_column(sa.Column("group_id", sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column("token_type", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("max_transactions", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("tags", schema=None) as batch_op:
        batch_op.drop_column("max_transactions")
        batch_op.drop_column("token_type")
        batch_op.drop_column("group_id")

    with op.batch_alter_table("chargers", schema=None) as batch_op:
        batch_op.drop_column("connection_id")
        batch_op.drop_column("ocpp_password_hash")

    with op.batch_alter_table("transactions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_transactions_tag_id_stopped_at"))
        batch_op.drop_index(batch_op.f("ix_transactions_customer_id_started_at"))
        batch_op.drop_index(
            batch_op.f("ix_transactions_customer_id_charger_id_station_transaction_id")
        )

    op.drop_table("transactions")
    with op.batch_alter_table("tag_aliases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tag_aliases_tag_id"))
        batch_op.drop_index(batch_op.f("ix_tag_aliases_customer_id_alias_key"))

    op.drop_table("tag_aliases")
