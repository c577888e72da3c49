"""Who may charge where, the other way round: the drivers of a charger or a site."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from evroster.storage.base import Page
from evroster.storage.sql.common import fetch_page
from evroster.storage.sql.tables import (
    charger_grants,
    chargers,
    drivers,
    site_grants,
    sites,
    sockets,
)

__all__ = ["SqlLookups"]

# Cycles are refused when sites are written; the bound only stops a damaged tree.
_MAX_DEPTH = 64


class SqlLookups:
    def __init__(self, conn: sa.Connection) -> None:
        self._conn = conn

    def site_path(self, customer_id: int, site_id: int) -> list[int] | None:
        """The site and its ancestors, nearest first; None if the customer has no such site."""
        path = (
            sa.select(sites.c.id, sites.c.parent_id, sa.literal(0).label("depth"))
            .where(sites.c.customer_id == customer_id, sites.c.id == site_id)
            .cte("path", recursive=True)
        )
        path = path.union_all(
            sa.select(sites.c.id, sites.c.parent_id, (path.c.depth + 1).label("depth"))
            .join(path, sites.c.id == path.c.parent_id)
            .where(path.c.depth < _MAX_DEPTH)
        )
        found = [
            int(s)
            for s in self._conn.execute(sa.select(path.c.id).order_by(path.c.depth)).scalars()
        ]
        return found or None

    def site_outline(self, customer_id: int) -> list[tuple[int, int | None, str, int]]:
        """Every site of the customer as (id, parent_id, name, group_type), by id."""
        found = self._conn.execute(
            sa.select(sites.c.id, sites.c.parent_id, sites.c.name, sites.c.group_type)
            .where(sites.c.customer_id == customer_id)
            .order_by(sites.c.id)
        )
        return [(int(i), p, str(n), int(t)) for i, p, n, t in found]

    def socket_counts(
        self, customer_id: int, site_ids: list[int]
    ) -> list[tuple[int, bool, int, int]]:
        """Per site of ``site_ids`` and per connected or not: (site id, connected, sockets,
        faulted sockets) of the chargers standing at the site itself."""
        faulted = sa.func.sum(sa.case((sa.func.lower(sockets.c.status) == "faulted", 1), else_=0))
        found = self._conn.execute(
            sa.select(chargers.c.site_id, chargers.c.active_connection, sa.func.count(), faulted)
            .select_from(chargers.join(sockets, sockets.c.charger_pk == chargers.c.id))
            .where(chargers.c.customer_id == customer_id, chargers.c.site_id.in_(site_ids))
            .group_by(chargers.c.site_id, chargers.c.active_connection)
        )
        return [(int(s), bool(c), int(n), int(f or 0)) for s, c, n, f in found]

    def home_drivers(
        self, customer_id: int, site_ids: list[int] | None, offset: int, limit: int
    ) -> tuple[dict[int | None, list[int]], dict[int | None, int]]:
        """Per home site (None: no home site), one page of driver ids and the total.

        ``site_ids`` None: every home site and the drivers without one. One statement
        for the pages (a window per site) and one for the totals, whatever the count
        of sites.
        """
        scope: Any = drivers.c.customer_id == customer_id
        if site_ids is not None:
            scope = sa.and_(scope, drivers.c.home_site_id.in_(site_ids))
        numbered = (
            sa.select(
                drivers.c.id,
                drivers.c.home_site_id,
                sa.func.row_number()
                .over(partition_by=drivers.c.home_site_id, order_by=drivers.c.id)
                .label("n"),
            )
            .where(scope)
            .subquery()
        )
        pages: dict[int | None, list[int]] = {}
        for driver_id, site_id, _ in self._conn.execute(
            sa.select(numbered)
            .where(numbered.c.n > offset, numbered.c.n <= offset + limit)
            .order_by(numbered.c.home_site_id, numbered.c.id)
        ):
            pages.setdefault(site_id, []).append(int(driver_id))
        totals = {
            site_id: int(count)
            for site_id, count in self._conn.execute(
                sa.select(drivers.c.home_site_id, sa.func.count())
                .where(scope)
                .group_by(drivers.c.home_site_id)
            )
        }
        return pages, totals

    def drivers_granted(
        self,
        customer_id: int,
        site_ids: list[int],
        charger_pk: int | None,
        offset: int,
        limit: int,
    ) -> Page:
        """Drivers granted any of ``site_ids`` or the charger ``charger_pk``, by id."""
        granted: Any = sa.select(site_grants.c.driver_id.label("driver_id")).where(
            site_grants.c.customer_id == customer_id, site_grants.c.site_id.in_(site_ids)
        )
        if charger_pk is not None:
            granted = sa.union(
                granted,
                sa.select(charger_grants.c.driver_id.label("driver_id")).where(
                    charger_grants.c.customer_id == customer_id,
                    charger_grants.c.charger_pk == charger_pk,
                ),
            )
        else:
            granted = granted.distinct()
        ids = granted.subquery()
        query = sa.select(ids.c.driver_id.label("id")).order_by(ids.c.driver_id)
        return fetch_page(self._conn, query, offset, limit)
