"""Drivers, their tags and their access grants."""

from __future__ import annotations

from typing import Any

import orjson
import sqlalchemy as sa

from evroster.domain.times import utcnow
from evroster.storage.base import DRIVER, Page, Row, Values
from evroster.storage.sql.changes import note
from evroster.storage.sql.common import (
    contains,
    fetch_page,
    find_row,
    insert_row,
    one_or_none,
    rows,
    update_row,
)
from evroster.storage.sql.tables import charger_grants, drivers, site_grants, tags

__all__ = ["SqlDrivers", "SqlGrants", "SqlTags", "decode_driver", "encode_driver"]


def encode_driver(values: Values) -> dict[str, Any]:
    """Driver values with their JSON columns as JSON text."""
    out = dict(values)
    if out.get("integrated_external_ids") is not None:
        out["integrated_external_ids"] = orjson.dumps(out["integrated_external_ids"]).decode()
    return out


def _decode(row: Row | None) -> Row | None:
    if row is not None and row["integrated_external_ids"] is not None:
        row["integrated_external_ids"] = orjson.loads(row["integrated_external_ids"])
    return row


def decode_driver(row: Row) -> Row:
    """A driver row with its JSON columns decoded."""
    decoded = _decode(row)
    assert decoded is not None
    return decoded


class SqlDrivers:
    def __init__(self, conn: sa.Connection) -> None:
        self._conn = conn

    def create(self, customer_id: int, values: Values) -> Row:
        now = utcnow()
        row = {"customer_id": customer_id, "created_at": now, "updated_at": now}
        return decode_driver(insert_row(self._conn, drivers, {**row, **encode_driver(values)}))

    def get(self, customer_id: int, driver_id: int) -> Row | None:
        return _decode(find_row(self._conn, drivers, customer_id=customer_id, id=driver_id))

    def by_external_id(self, customer_id: int, external_id: str) -> Row | None:
        return _decode(
            find_row(self._conn, drivers, customer_id=customer_id, external_id=external_id)
        )

    def _matching(self, customer_id: int, search: str | None) -> sa.Select[Any]:
        query: sa.Select[Any] = drivers.select().where(drivers.c.customer_id == customer_id)
        if search:
            query = query.where(contains([drivers.c.name, drivers.c.external_id], search))
        return query.order_by(drivers.c.id)

    def page(self, customer_id: int, offset: int, limit: int, search: str | None) -> Page:
        page = fetch_page(self._conn, self._matching(customer_id, search), offset, limit)
        for r in page.items:
            _decode(r)
        return page

    def find(self, customer_id: int, search: str, offset: int, limit: int) -> list[Row]:
        """Like :meth:`page` without the count, which costs a second pass over the table."""
        query = self._matching(customer_id, search).offset(offset).limit(limit)
        return [decode_driver(r) for r in rows(self._conn.execute(query))]

    def update(self, customer_id: int, driver_id: int, values: Values) -> Row:
        row = update_row(
            self._conn,
            drivers,
            customer_id,
            driver_id,
            {"updated_at": utcnow(), **encode_driver(values)},
        )
        assert row is not None
        note(self._conn, DRIVER, driver_id)
        return decode_driver(row)

    def delete(self, customer_id: int, driver_id: int) -> None:
        note(self._conn, DRIVER, driver_id)
        self._conn.execute(
            drivers.delete().where(drivers.c.customer_id == customer_id, drivers.c.id == driver_id)
        )


class SqlTags:
    def __init__(self, conn: sa.Connection) -> None:
        self._conn = conn

    def create(self, customer_id: int, driver_id: int, values: Values) -> Row:
        note(self._conn, DRIVER, driver_id)
        row = {"customer_id": customer_id, "driver_id": driver_id, "last_updated": utcnow()}
        return insert_row(self._conn, tags, {**row, **values})

    def get(self, customer_id: int, tag_id: int) -> Row | None:
        return find_row(self._conn, tags, customer_id=customer_id, id=tag_id)

    def of_driver(self, customer_id: int, driver_id: int) -> list[Row]:
        """Every tag of the driver, blocked and expired ones included, by id."""
        return rows(
            self._conn.execute(
                tags.select()
                .where(tags.c.customer_id == customer_id, tags.c.driver_id == driver_id)
                .order_by(tags.c.id)
            )
        )

    def by_key(self, customer_id: int, key: str) -> Row | None:
        return one_or_none(
            self._conn.execute(
                tags.select().where(tags.c.customer_id == customer_id, tags.c.id_tag_key == key)
            )
        )

    def update(self, customer_id: int, tag_id: int, values: Values) -> Row:
        row = update_row(
            self._conn, tags, customer_id, tag_id, {"last_updated": utcnow(), **values}
        )
        assert row is not None
        note(self._conn, DRIVER, row["driver_id"])
        return row

    def delete(self, customer_id: int, tag_id: int) -> None:
        gone = self._conn.execute(
            tags.delete()
            .where(tags.c.customer_id == customer_id, tags.c.id == tag_id)
            .returning(tags.c.driver_id)
        ).scalar()
        if gone is not None:
            note(self._conn, DRIVER, gone)


class SqlGrants:
    def __init__(self, conn: sa.Connection) -> None:
        self._conn = conn

    def grant_site(self, customer_id: int, driver_id: int, site_id: int) -> bool:
        return self._grant(site_grants, customer_id, driver_id, "site_id", site_id)

    def revoke_site(self, customer_id: int, driver_id: int, site_id: int) -> bool:
        return self._revoked(
            site_grants.delete().where(
                site_grants.c.customer_id == customer_id,
                site_grants.c.driver_id == driver_id,
                site_grants.c.site_id == site_id,
            )
        )

    def grant_charger(self, customer_id: int, driver_id: int, charger_pk: int) -> bool:
        return self._grant(charger_grants, customer_id, driver_id, "charger_pk", charger_pk)

    def revoke_charger(self, customer_id: int, driver_id: int, charger_pk: int) -> bool:
        return self._revoked(
            charger_grants.delete().where(
                charger_grants.c.customer_id == customer_id,
                charger_grants.c.driver_id == driver_id,
                charger_grants.c.charger_pk == charger_pk,
            )
        )

    def _revoked(self, statement: sa.Delete) -> bool:
        gone = self._conn.execute(statement.returning(sa.literal_column("driver_id"))).scalar()
        if gone is None:
            return False
        note(self._conn, DRIVER, gone)
        return True

    def _grant(
        self, table: sa.Table, customer_id: int, driver_id: int, column: str, target: int
    ) -> bool:
        # Idempotent: granting twice is one grant. Two concurrent first grants meet at the
        # primary key; the loser gets a Conflict from the store and may simply retry.
        exists = self._conn.execute(
            sa.select(sa.literal(1))
            .select_from(table)
            .where(table.c.driver_id == driver_id, table.c[column] == target)
        ).first()
        if exists is not None:
            return False
        note(self._conn, DRIVER, driver_id)
        self._conn.execute(
            table.insert().values(
                customer_id=customer_id,
                driver_id=driver_id,
                created_at=utcnow(),
                **{column: target},
            )
        )
        return True
