"""The audit trail: appended to, paged through, never changed."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import orjson
import sqlalchemy as sa

from evroster.storage.base import Page, Values
from evroster.storage.sql.common import fetch_page
from evroster.storage.sql.prepared import prepared
from evroster.storage.sql.tables import audit_log

__all__ = ["SqlAudit"]


# Built once: every write appends an entry, and a statement built per call paid for its
# cache key each time.
_INSERT = audit_log.insert()


class SqlAudit:
    def __init__(self, conn: sa.Connection) -> None:
        self._conn = conn

    def append(self, entries: Sequence[Values]) -> None:
        if entries:
            values = [{**e, "changes": orjson.dumps(e["changes"]).decode()} for e in entries]
            prepared(self._conn, _INSERT, tuple(values[0])).run_many(self._conn, values)

    def page(
        self,
        customer_id: int,
        offset: int,
        limit: int,
        *,
        obj: str | None = None,
        object_id: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> Page:
        query: sa.Select[Any] = audit_log.select().where(audit_log.c.customer_id == customer_id)
        if obj is not None:
            query = query.where(audit_log.c.object == obj)
        if object_id is not None:
            query = query.where(audit_log.c.object_id == object_id)
        if since is not None:
            query = query.where(audit_log.c.at >= since)
        if until is not None:
            query = query.where(audit_log.c.at < until)
        page = fetch_page(self._conn, query.order_by(audit_log.c.id), offset, limit)
        for row in page.items:
            row["changes"] = orjson.loads(row["changes"])
        return page
