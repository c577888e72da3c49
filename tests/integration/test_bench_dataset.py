"""The benchmark's bulk loader builds valid operators on both databases, so that the
benchmark measures documents that the API would serve."""

from __future__ import annotations

import random

import orjson
import pytest

from bench.dataset import Shape, load
from evroster.api.schemas.documents import DriverDocument
from evroster.domain.idtags import canonical_key
from evroster.services.audit import Actor
from evroster.services.cache import DocumentCache
from evroster.services.documents import Documents
from evroster.storage.sql.store import SqlStore

SMALL = Shape(drivers=300, chargers=60, levels=(2, 2, 3), garage_share=0.05)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_loaded_operator_serves_valid_documents(
    database_urls: dict[str, str], backend: str
) -> None:
    store = SqlStore(database_urls[backend])
    try:
        data = load(store, SMALL)
        assert data.counts["drivers"] == 300 and data.counts["sites"] == 2 + 4 + 12
        assert data.counts["sockets"] == 120 and len(data.id_tags) == data.counts["tags"]
        seen_sites = seen_chargers = 0
        uncached = Documents(store.documents, store.changes)
        cached = Documents(store.documents, store.changes, DocumentCache(1 << 26))
        for id_tag in random.Random(1).sample(data.id_tags, 60):
            body = uncached.by_idtag(data.customer_id, id_tag)
            # Pieces spliced from the cache are the same bytes, filled and then hit.
            assert cached.by_idtag(data.customer_id, id_tag) == body
            assert cached.by_idtag(data.customer_id, id_tag) == body
            doc = orjson.loads(body)
            DriverDocument.model_validate(doc)
            assert canonical_key(doc["tags"][0]["idTag"]) is not None
            seen_sites += len(doc["chargerGroups"])
            seen_chargers += len(doc["chargers"])
        assert seen_sites and seen_chargers  # the sample exercises both kinds of grant
        # Ids were assigned by the loader: the sequences must have moved past them.
        from evroster.services.sites import create_site

        assert create_site(store, Actor(data.customer_id), {"name": "after bulk load"})["id"] > 0
    finally:
        store.close()
