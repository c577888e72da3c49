"""The site tree."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from evroster.storage.base import CUSTOMER, Page, Row, Values
from evroster.storage.sql.changes import note
from evroster.storage.sql.common import contains, fetch_page, find_row, insert_row, update_row
from evroster.storage.sql.tables import chargers, sites

__all__ = ["SqlSites"]


class SqlSites:
    def __init__(self, conn: sa.Connection) -> None:
        self._conn = conn

    # Any change to a site changes the structure of documents (subtrees, names shown in
    # chargers and home sites): the customer's cached documents all go.
    def create(self, customer_id: int, values: Values) -> Row:
        note(self._conn, CUSTOMER, customer_id)
        return insert_row(self._conn, sites, {"customer_id": customer_id, **values})

    def get(self, customer_id: int, site_id: int) -> Row | None:
        return find_row(self._conn, sites, customer_id=customer_id, id=site_id)

    def by_external_id(self, customer_id: int, external_id: str) -> Row | None:
        return find_row(self._conn, sites, customer_id=customer_id, external_id=external_id)

    def page(self, customer_id: int, offset: int, limit: int, search: str | None = None) -> Page:
        query: sa.Select[Any] = (
            sites.select().where(sites.c.customer_id == customer_id).order_by(sites.c.id)
        )
        if search:
            query = query.where(contains([sites.c.name, sites.c.external_id], search))
        return fetch_page(self._conn, query, offset, limit)

    def update(self, customer_id: int, site_id: int, values: Values) -> Row:
        note(self._conn, CUSTOMER, customer_id)
        row = update_row(self._conn, sites, customer_id, site_id, dict(values))
        assert row is not None
        return row

    def delete(self, customer_id: int, site_id: int) -> None:
        note(self._conn, CUSTOMER, customer_id)
        self._conn.execute(
            sites.delete().where(sites.c.customer_id == customer_id, sites.c.id == site_id)
        )

    def parent_of(self, customer_id: int, site_id: int) -> int | None:
        parent = self._conn.execute(
            sa.select(sites.c.parent_id).where(
                sites.c.customer_id == customer_id, sites.c.id == site_id
            )
        ).scalar_one_or_none()
        return None if parent is None else int(parent)

    def has_subsites(self, customer_id: int, site_id: int) -> bool:
        return self._exists(
            sa.select(sites.c.id).where(
                sites.c.customer_id == customer_id, sites.c.parent_id == site_id
            )
        )

    def has_chargers(self, customer_id: int, site_id: int) -> bool:
        return self._exists(
            sa.select(chargers.c.id).where(
                chargers.c.customer_id == customer_id, chargers.c.site_id == site_id
            )
        )

    def _exists(self, query: sa.Select[Any]) -> bool:
        return self._conn.execute(sa.select(sa.exists(query))).scalar_one() is True
