"""What the storage tests share: a store on each database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from evroster.storage.sql.store import SqlStore


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, database_urls: dict[str, str]) -> Iterator[SqlStore]:
    """A store on the run's migrated database of each backend."""
    opened = SqlStore(database_urls[request.param])
    yield opened
    opened.close()
