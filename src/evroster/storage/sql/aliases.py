"""Extra spellings of a tag."""

from __future__ import annotations

import sqlalchemy as sa

from evroster.domain.times import utcnow
from evroster.storage.base import DRIVER, Row
from evroster.storage.sql.changes import note
from evroster.storage.sql.common import one_or_none, rows
from evroster.storage.sql.tables import tag_aliases, tags

__all__ = ["SqlAliases"]


class SqlAliases:
    def __init__(self, conn: sa.Connection) -> None:
        self._conn = conn

    def create(self, customer_id: int, tag_id: int, alias: str, alias_key: str) -> Row:
        row = one_or_none(
            self._conn.execute(
                tag_aliases.insert()
                .values(
                    customer_id=customer_id,
                    tag_id=tag_id,
                    alias=alias,
                    alias_key=alias_key,
                    created_at=utcnow(),
                )
                .returning(*tag_aliases.c)
            )
        )
        assert row is not None
        self._note_driver(tag_id)
        return row

    def _note_driver(self, tag_id: int) -> None:
        query = sa.select(tags.c.driver_id).where(tags.c.id == tag_id)
        driver_id = self._conn.execute(query).scalar()
        if driver_id is not None:
            note(self._conn, DRIVER, driver_id)

    def by_key(self, customer_id: int, alias_key: str) -> Row | None:
        return one_or_none(
            self._conn.execute(
                tag_aliases.select().where(
                    tag_aliases.c.customer_id == customer_id,
                    tag_aliases.c.alias_key == alias_key,
                )
            )
        )

    def of_tag(self, customer_id: int, tag_id: int) -> list[Row]:
        return rows(
            self._conn.execute(
                tag_aliases.select()
                .where(tag_aliases.c.customer_id == customer_id, tag_aliases.c.tag_id == tag_id)
                .order_by(tag_aliases.c.id)
            )
        )

    def delete(self, customer_id: int, alias_id: int) -> None:
        tag_id = self._conn.execute(
            tag_aliases.delete()
            .where(tag_aliases.c.customer_id == customer_id, tag_aliases.c.id == alias_id)
            .returning(tag_aliases.c.tag_id)
        ).scalar()
        if tag_id is not None:
            self._note_driver(tag_id)
