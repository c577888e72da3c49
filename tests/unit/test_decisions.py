"""The decision engine: a table of every outcome, and a property test against a
reference written the simple way (top-down from the grants, not up from the charger)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evroster.domain.decisions import Grant, Outcome, Place, Token, decide

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
# Sites 1 > 2 > 3 (root to leaf); the charger (pk 7) stands in site 3.
PLACE = Place(7, "CP-7", [3, 2, 1])


def token(**kw: object) -> Token:
    return Token(**{"tag_id": 11, "driver_id": 5, "id_tag": "04A23B1C", **kw})


@pytest.mark.parametrize(
    ("case", "tok", "place", "sites", "chargers", "extra", "outcome"),
    [
        ("granted the leaf site", token(), PLACE, {3}, (), {}, Outcome.ACCEPTED),
        ("granted the root: inherited", token(), PLACE, {1}, (), {}, Outcome.ACCEPTED),
        ("granted the charger", token(), PLACE, (), {7}, {}, Outcome.ACCEPTED),
        ("unknown charger", token(), None, {1}, {7}, {}, Outcome.UNKNOWN_CHARGER),
        ("unknown token", None, PLACE, {1}, (), {}, Outcome.UNKNOWN_TOKEN),
        (
            "another token type",
            token(token_type="ISO14443"),
            PLACE,
            {1},
            (),
            {"token_type": "eMAID"},
            Outcome.UNKNOWN_TOKEN,
        ),
        (
            "type not stored: any type matches",
            token(),
            PLACE,
            {1},
            (),
            {"token_type": "eMAID"},
            Outcome.ACCEPTED,
        ),
        ("blocked", token(blocked=True), PLACE, {1}, (), {}, Outcome.BLOCKED),
        ("expired", token(valid_until=NOW), PLACE, {1}, (), {}, Outcome.EXPIRED),
        ("not yet valid", token(valid_from=NOW + HOUR), PLACE, {1}, (), {}, Outcome.NOT_YET_VALID),
        ("granted elsewhere", token(), PLACE, {4}, {8}, {}, Outcome.NOT_AT_THIS_CHARGER),
        ("no grants", token(), PLACE, (), (), {}, Outcome.NOT_AT_THIS_CHARGER),
        (
            "limit reached at a start",
            token(max_transactions=1),
            PLACE,
            {1},
            (),
            {"starting": True, "open_transactions": 1},
            Outcome.CONCURRENT_TX,
        ),
        (
            "limit reached, but only authorizing",
            token(max_transactions=1),
            PLACE,
            {1},
            (),
            {"open_transactions": 1},
            Outcome.ACCEPTED,
        ),
        (
            "under the limit",
            token(max_transactions=2),
            PLACE,
            {1},
            (),
            {"starting": True, "open_transactions": 1},
            Outcome.ACCEPTED,
        ),
        (
            "blocked wins over expired",
            token(blocked=True, valid_until=NOW - HOUR),
            PLACE,
            {1},
            (),
            {},
            Outcome.BLOCKED,
        ),
        (
            "expired wins over no grant",
            token(valid_until=NOW - HOUR),
            PLACE,
            (),
            (),
            {},
            Outcome.EXPIRED,
        ),
    ],
)
def test_decision_table(
    case: str,
    tok: Token | None,
    place: Place | None,
    sites: set[int],
    chargers: set[int],
    extra: dict[str, object],
    outcome: Outcome,
) -> None:
    decision = decide(tok, place, NOW, site_grants=sites, charger_grants=chargers, **extra)
    assert decision.outcome is outcome, case
    assert decision.accepted is (outcome is Outcome.ACCEPTED)


def test_every_outcome_is_in_the_table() -> None:
    covered = {
        Outcome.ACCEPTED,
        Outcome.UNKNOWN_CHARGER,
        Outcome.UNKNOWN_TOKEN,
        Outcome.BLOCKED,
        Outcome.EXPIRED,
        Outcome.NOT_YET_VALID,
        Outcome.NOT_AT_THIS_CHARGER,
        Outcome.CONCURRENT_TX,
    }
    assert covered == set(Outcome)


def test_what_the_charger_is_told() -> None:
    ends = NOW + 48 * HOUR
    accepted = decide(token(valid_until=ends, group_id="ACME"), PLACE, NOW, site_grants={2})
    assert (accepted.expiry, accepted.group_id, accepted.granted_by) == (
        ends,
        "ACME",
        Grant("site", 2),
    )
    # The operator's horizon caps the cache time; without either, nothing ends.
    capped = decide(token(valid_until=ends), PLACE, NOW, site_grants={2}, cache_horizon=HOUR)
    assert capped.expiry == NOW + HOUR
    assert decide(token(), PLACE, NOW, site_grants={2}).expiry is None
    # Not yet valid: ask again when it starts.
    later = decide(token(valid_from=NOW + HOUR), PLACE, NOW, site_grants={2})
    assert later.expiry == NOW + HOUR
    # The nearest grant decides: the charger itself, then the nearest site up.
    both = decide(token(), PLACE, NOW, site_grants={1, 2}, charger_grants={7})
    assert both.granted_by == Grant("charger", 7)
    assert decide(token(), PLACE, NOW, site_grants={1, 2}).granted_by == Grant("site", 2)


# --- property: the engine agrees with a reference on random trees -------------------


@st.composite
def worlds(draw: st.DrawFn) -> dict[str, object]:
    n_sites = draw(st.integers(1, 12))
    # Site i's parent is any earlier site or none: always a forest, never a cycle.
    parents = {
        i: draw(st.one_of(st.none(), st.integers(0, i - 1))) if i else None for i in range(n_sites)
    }
    charger_site = draw(st.integers(0, n_sites - 1))
    moments = st.one_of(st.none(), st.integers(-5, 5).map(lambda h: NOW + h * HOUR))
    return {
        "parents": parents,
        "charger_site": charger_site,
        "site_grants": draw(st.sets(st.integers(0, n_sites - 1), max_size=4)),
        "charger_granted": draw(st.booleans()),
        "blocked": draw(st.booleans()),
        "valid_from": draw(moments),
        "valid_until": draw(moments),
        "known": draw(st.integers(0, 9).map(lambda n: n > 0)),
        "starting": draw(st.booleans()),
        "limit": draw(st.one_of(st.none(), st.integers(1, 3))),
        "running": draw(st.integers(0, 3)),
    }


def reference(world: dict[str, object]) -> Outcome:
    """Written differently on purpose: every site reachable down from a granted site."""
    parents: dict[int, int | None] = world["parents"]
    if not world["known"]:
        return Outcome.UNKNOWN_TOKEN
    if world["blocked"]:
        return Outcome.BLOCKED
    until, start = world["valid_until"], world["valid_from"]
    if until is not None and not until > NOW:
        return Outcome.EXPIRED
    if start is not None and start > NOW:
        return Outcome.NOT_YET_VALID
    covered = set(world["site_grants"])
    grew = True
    while grew:
        below = {s for s, p in parents.items() if p in covered} - covered
        grew = bool(below)
        covered |= below
    if world["charger_site"] not in covered and not world["charger_granted"]:
        return Outcome.NOT_AT_THIS_CHARGER
    limit = world["limit"]
    if world["starting"] and limit is not None and world["running"] >= limit:
        return Outcome.CONCURRENT_TX
    return Outcome.ACCEPTED


def _path(parents: dict[int, int | None], site: int) -> list[int]:
    path: list[int] = []
    current: int | None = site
    while current is not None:
        path.append(current)
        current = parents[current]
    return path


@settings(max_examples=400, deadline=None)
@given(worlds())
def test_engine_agrees_with_reference(world: dict[str, object]) -> None:
    parents: dict[int, int | None] = world["parents"]
    place = Place(100, "CP", _path(parents, world["charger_site"]))
    tok = (
        token(
            blocked=world["blocked"],
            valid_from=world["valid_from"],
            valid_until=world["valid_until"],
            max_transactions=world["limit"],
        )
        if world["known"]
        else None
    )
    decision = decide(
        tok,
        place,
        NOW,
        site_grants=world["site_grants"],
        charger_grants={100} if world["charger_granted"] else set(),
        starting=bool(world["starting"]),
        open_transactions=world["running"],
    )
    assert decision.outcome is reference(world)
