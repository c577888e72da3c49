"""Authorization: read the facts, let the domain decide.

Every channel (OCPP 1.6 and 2.0.1, the real-time auth webhook, the REST check) calls
:func:`authorize`, or :func:`decide_in` inside its own transaction, so that one
engine answers all of them.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from evroster.domain.decisions import Decision, Place, Token, decide
from evroster.domain.idtags import canonical_key
from evroster.domain.times import utcnow
from evroster.storage.base import Row, Store, UnitOfWork

__all__ = ["OCPP16_MAX_ID_TAG", "authorize", "decide_in", "token_of"]

# A 1.6 IdToken is a CiString20: a longer tag can never be presented by a 1.6 charger.
OCPP16_MAX_ID_TAG = 20


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


def decide_in(
    uow: UnitOfWork,
    customer_id: int,
    charger_id: str,
    id_tag: str | None,
    now: datetime,
    *,
    starting: bool = False,
    token_type: str | None = None,
    max_length: int | None = None,
    cache_horizon: timedelta | None = None,
) -> Decision:
    """The decision for ``id_tag`` at ``charger_id``, read within ``uow``.

    An idTag that breaks the rules (too long, control characters) is simply unknown:
    an odd tag never fails the message that carried it (protocols.md §6).
    """
    found = uow.access.place(customer_id, charger_id)
    place = Place(found[0], charger_id, found[1]) if found else None
    key = canonical_key(id_tag) if id_tag is not None else None
    if key is not None and max_length is not None and len(id_tag or "") > max_length:
        key = None
    row = uow.access.token(customer_id, key) if key is not None and place else None
    token = token_of(row) if row else None
    site_grants: set[int] = set()
    charger_grant: tuple[int, ...] = ()
    open_transactions = 0
    if token is not None and place is not None:
        direct, site_grants = uow.access.grants(
            token.driver_id, place.charger_pk, list(place.site_path)
        )
        if direct:
            charger_grant = (place.charger_pk,)
        if starting and token.max_transactions is not None:
            uow.access.lock_tag(token.tag_id)
            open_transactions = uow.access.open_transactions(token.tag_id)
    return decide(
        token,
        place,
        now,
        site_grants=site_grants,
        charger_grants=charger_grant,
        starting=starting,
        open_transactions=open_transactions,
        token_type=token_type,
        cache_horizon=cache_horizon,
    )


def authorize(
    store: Store,
    customer_id: int,
    charger_id: str,
    id_tag: str,
    *,
    now: datetime | None = None,
    token_type: str | None = None,
    max_length: int | None = None,
    cache_horizon: timedelta | None = None,
) -> Decision:
    """May ``id_tag`` charge at ``charger_id`` now? (Authorize, not a transaction start.)"""
    with store.transaction(write=False) as uow:
        return decide_in(
            uow,
            customer_id,
            charger_id,
            id_tag,
            now or utcnow(),
            token_type=token_type,
            max_length=max_length,
            cache_horizon=cache_horizon,
        )
