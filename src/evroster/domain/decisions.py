"""The authorization decision: may this token charge at this charger, now?

One pure function, :func:`decide`, answers for every channel (OCPP 1.6 and 2.0.1, the
real-time auth webhook, the REST check). It sees only facts the caller has read: the
token, where the charger stands, and which of the driver's grants cover it. Each
channel translates the :class:`Outcome` into its own vocabulary (protocols.md §5).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

__all__ = ["Decision", "Grant", "Outcome", "Place", "Token", "decide"]


class Outcome(StrEnum):
    ACCEPTED = "accepted"
    UNKNOWN_CHARGER = "unknown_charger"
    UNKNOWN_TOKEN = "unknown_token"
    BLOCKED = "blocked"
    EXPIRED = "expired"
    NOT_YET_VALID = "not_yet_valid"
    NOT_AT_THIS_CHARGER = "not_at_this_charger"
    CONCURRENT_TX = "concurrent_tx"


@dataclass(frozen=True, slots=True)
class Token:
    """A tag as the registry knows it."""

    tag_id: int
    driver_id: int
    id_tag: str
    blocked: bool = False
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    group_id: str | None = None
    token_type: str | None = None
    max_transactions: int | None = None


@dataclass(frozen=True, slots=True)
class Place:
    """A charger and the path from its site up to the root (nearest first)."""

    charger_pk: int
    charger_id: str
    site_path: Sequence[int]


@dataclass(frozen=True, slots=True)
class Grant:
    """What let the driver in: a site (``kind="site"``) or the charger itself."""

    kind: str
    id: int


@dataclass(frozen=True, slots=True)
class Decision:
    outcome: Outcome
    token: Token | None = None
    granted_by: Grant | None = None
    # When a charger should drop its cached answer: the tag's end of validity (capped by
    # the operator's cache horizon) when accepted; the start of validity when not yet
    # valid; null when nothing ends.
    expiry: datetime | None = None

    @property
    def accepted(self) -> bool:
        return self.outcome is Outcome.ACCEPTED

    @property
    def group_id(self) -> str | None:
        return self.token.group_id if self.token else None


def _earliest(*moments: datetime | None) -> datetime | None:
    present = [m for m in moments if m is not None]
    return min(present) if present else None


def decide(
    token: Token | None,
    place: Place | None,
    now: datetime,
    *,
    site_grants: Collection[int] = (),
    charger_grants: Collection[int] = (),
    starting: bool = False,
    open_transactions: int = 0,
    token_type: str | None = None,
    cache_horizon: timedelta | None = None,
) -> Decision:
    """The one decision, checked in this order:

    unknown charger, unknown token (or a token type that differs from the stored one),
    blocked, expired, not yet valid, no grant on the charger or on a site above it,
    and, for a transaction start only, the tag's limit of simultaneous transactions.

    ``site_grants`` and ``charger_grants`` are the driver's grants (site ids and
    charger primary keys); only those on ``place`` matter. ``open_transactions`` counts
    the tag's running transactions, not including the one being started.
    """
    if place is None:
        return Decision(Outcome.UNKNOWN_CHARGER, token)
    if token is None or (
        token_type is not None and token.token_type is not None and token.token_type != token_type
    ):
        return Decision(Outcome.UNKNOWN_TOKEN)
    if token.blocked:
        return Decision(Outcome.BLOCKED, token)
    if token.valid_until is not None and now >= token.valid_until:
        return Decision(Outcome.EXPIRED, token)
    if token.valid_from is not None and now < token.valid_from:
        return Decision(Outcome.NOT_YET_VALID, token, expiry=token.valid_from)
    granted_by = _grant(place, site_grants, charger_grants)
    if granted_by is None:
        return Decision(Outcome.NOT_AT_THIS_CHARGER, token)
    if (
        starting
        and token.max_transactions is not None
        and open_transactions >= token.max_transactions
    ):
        return Decision(Outcome.CONCURRENT_TX, token, granted_by)
    horizon = now + cache_horizon if cache_horizon is not None else None
    return Decision(
        Outcome.ACCEPTED, token, granted_by, expiry=_earliest(token.valid_until, horizon)
    )


def _grant(
    place: Place, site_grants: Collection[int], charger_grants: Collection[int]
) -> Grant | None:
    # The direct grant is the most specific answer to "which rule let this tag in?".
    if place.charger_pk in charger_grants:
        return Grant("charger", place.charger_pk)
    for site_id in place.site_path:
        if site_id in site_grants:
            return Grant("site", site_id)
    return None
