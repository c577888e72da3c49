"""The facts an authorization decision needs, each one indexed read."""

from __future__ import annotations

import sqlalchemy as sa

from evroster.storage.base import Row
from evroster.storage.sql.common import one_or_none
from evroster.storage.sql.tables import (
    charger_grants,
    chargers,
    site_grants,
    sites,
    tag_aliases,
    tags,
    transactions,
)

__all__ = ["SqlAccess"]

# Cycles are refused when sites are written; the bound only keeps a damaged tree from
# looping forever.
_MAX_DEPTH = 64

_CHARGER = (chargers.c.id, chargers.c.charger_id, chargers.c.site_id)


class SqlAccess:
    def __init__(self, conn: sa.Connection) -> None:
        self._conn = conn

    def token(self, customer_id: int, key: str) -> Row | None:
        """The tag whose canonical key, or one of whose aliases, is ``key``."""
        row = one_or_none(
            self._conn.execute(
                tags.select().where(tags.c.customer_id == customer_id, tags.c.id_tag_key == key)
            )
        )
        if row is not None:
            return row
        return one_or_none(
            self._conn.execute(
                tags.select()
                .join(tag_aliases, tag_aliases.c.tag_id == tags.c.id)
                .where(tag_aliases.c.customer_id == customer_id, tag_aliases.c.alias_key == key)
            )
        )

    def place(self, customer_id: int, charger_id: str) -> tuple[int, list[int]] | None:
        """The charger's primary key and its site path, nearest site first."""
        charger = self._conn.execute(
            sa.select(chargers.c.id, chargers.c.site_id).where(
                chargers.c.customer_id == customer_id, chargers.c.charger_id == charger_id
            )
        ).first()
        if charger is None:
            return None
        path = (
            sa.select(sites.c.id, sites.c.parent_id, sa.literal(0).label("depth"))
            .where(sites.c.id == charger.site_id)
            .cte("path", recursive=True)
        )
        path = path.union_all(
            sa.select(sites.c.id, sites.c.parent_id, (path.c.depth + 1).label("depth"))
            .join(path, sites.c.id == path.c.parent_id)
            .where(path.c.depth < _MAX_DEPTH)
        )
        site_ids = self._conn.execute(sa.select(path.c.id).order_by(path.c.depth)).scalars()
        return int(charger.id), [int(s) for s in site_ids]

    def granted_sites(self, driver_id: int, site_ids: list[int]) -> set[int]:
        """Which of ``site_ids`` the driver is granted."""
        if not site_ids:
            return set()
        found = self._conn.execute(
            sa.select(site_grants.c.site_id).where(
                site_grants.c.driver_id == driver_id, site_grants.c.site_id.in_(site_ids)
            )
        ).scalars()
        return {int(s) for s in found}

    def granted_charger(self, driver_id: int, charger_pk: int) -> bool:
        return (
            self._conn.execute(
                sa.select(sa.literal(1)).where(
                    charger_grants.c.driver_id == driver_id,
                    charger_grants.c.charger_pk == charger_pk,
                )
            ).first()
            is not None
        )

    def open_transactions(self, tag_id: int) -> int:
        """Running accepted transactions of the tag."""
        count = self._conn.execute(
            sa.select(sa.func.count())
            .select_from(transactions)
            .where(
                transactions.c.tag_id == tag_id,
                transactions.c.stopped_at.is_(None),
                transactions.c.start_decision == "accepted",
            )
        ).scalar_one()
        return int(count)

    def lock_tag(self, tag_id: int) -> None:
        # Two starts with one tag on PostgreSQL must count each other's transaction;
        # SQLite writers are serial already.
        self._conn.execute(sa.select(tags.c.id).where(tags.c.id == tag_id).with_for_update())
