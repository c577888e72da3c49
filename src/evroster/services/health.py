"""Whether this process can serve, for load balancers and orchestrators.

Neither answer needs an API key, and neither shows anything of any customer.
"""

from __future__ import annotations

from evroster.services.documents import Documents
from evroster.storage.base import Store

__all__ = ["LIVE", "readiness"]

LIVE = {"status": "ok"}


def readiness(store: Store, documents: Documents) -> dict[str, str | None]:
    """The database answered with its schema's revision (else :class:`Unavailable`),
    and how the document cache stands (``Documents.cache_state``).

    A bypassed cache leaves the process ready: its answers are still right, only read
    from the database; the state is there for whoever watches the replicas.
    """
    revision = store.schema_revision()
    return {
        "status": "ready",
        "database": "ok",
        "schema": revision,
        "cache": documents.cache_state(),
    }
