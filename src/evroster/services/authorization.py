"""Authorization: read the facts, let the domain decide.

Every channel (OCPP 1.6 and 2.0.1, the real-time auth webhook, the REST check) calls
:func:`authorize`, or :func:`decide_start` inside the transaction that records a start, so that one
engine answers all of them.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol

from evroster.domain.decisions import Decision, Place, Token, decide
from evroster.domain.idtags import canonical_key
from evroster.domain.times import utcnow
from evroster.storage.base import AccessFacts, Row, UnitOfWork

__all__ = ["OCPP16_MAX_ID_TAG", "FactSource", "authorize", "decide_start", "token_of"]

# A 1.6 IdToken is a CiString20: a longer tag can never be presented by a 1.6 charger.
OCPP16_MAX_ID_TAG = 20


class FactSource(Protocol):
    """Where a plain Authorize reads its facts: the hot path's reads (or their cache)."""

    def access_facts(self, customer_id: int, charger_id: str, key: str | None) -> AccessFacts: ...


def token_of(row: Row) -> Token:
    return Token(
        tag_id=row["id"],
        driver_id=row["driver_id"],
        id_tag=row["id_tag"],
        blocked=bool(row["blocked"]),
        valid_from=row["start_date"],
        valid_until=row["expiring_date"],
        group_id=row["group_id"],
        token_type=row["token_type"],
        max_transactions=row["max_transactions"],
    )


def _key(id_tag: str | None, max_length: int | None) -> str | None:
    # An idTag that breaks the rules (too long, control characters) is simply unknown:
    # an odd tag never fails the message that carried it (protocols.md §6).
    if id_tag is None or (max_length is not None and len(id_tag) > max_length):
        return None
    return canonical_key(id_tag)


def _decide(
    facts: AccessFacts,
    charger_id: str,
    now: datetime,
    *,
    starting: bool = False,
    open_transactions: int = 0,
    token_type: str | None = None,
    cache_horizon: timedelta | None = None,
) -> Decision:
    place = Place(facts.place[0], charger_id, facts.place[1]) if facts.place else None
    return decide(
        token_of(facts.token) if facts.token else None,
        place,
        now,
        site_grants=facts.site_grants,
        charger_grants=(place.charger_pk,) if place and facts.direct else (),
        starting=starting,
        open_transactions=open_transactions,
        token_type=token_type,
        cache_horizon=cache_horizon,
    )


def decide_start(
    uow: UnitOfWork,
    customer_id: int,
    charger_id: str,
    id_tag: str | None,
    now: datetime,
    *,
    token_type: str | None = None,
    max_length: int | None = None,
) -> Decision:
    """The decision for a transaction start, inside the write transaction recording it.

    A tag with a limit of simultaneous transactions is locked first, so that two starts
    at once count each other (PostgreSQL; SQLite writers are serial).
    """
    facts = uow.access.facts(customer_id, charger_id, _key(id_tag, max_length))
    running = 0
    if facts.token is not None and facts.token["max_transactions"] is not None:
        uow.access.lock_tag(facts.token["id"])
        running = uow.access.open_transactions(facts.token["id"])
    return _decide(
        facts, charger_id, now, starting=True, open_transactions=running, token_type=token_type
    )


def authorize(
    source: FactSource,
    customer_id: int,
    charger_id: str,
    id_tag: str,
    *,
    now: datetime | None = None,
    token_type: str | None = None,
    max_length: int | None = None,
    cache_horizon: timedelta | None = None,
) -> Decision:
    """May ``id_tag`` charge at ``charger_id`` now? (Authorize, not a transaction start.)

    Read through the document cache, or on the hot path's own connection in one snapshot.
    """
    facts = source.access_facts(customer_id, charger_id, _key(id_tag, max_length))
    return _decide(
        facts, charger_id, now or utcnow(), token_type=token_type, cache_horizon=cache_horizon
    )
