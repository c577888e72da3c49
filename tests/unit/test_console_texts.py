"""How the console words times, states and audit values."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from evroster.console.texts import format_moment, shown, since, tag_state, utc_input
from evroster.errors import InvalidInput

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def _tag(**fields: object) -> dict[str, object]:
    return {"blocked": False, "expiring_date": None, "start_date": None, **fields}


@pytest.mark.parametrize(
    ("fields", "state"),
    [
        ({}, "active"),
        ({"blocked": True, "expiring_date": NOW - timedelta(days=1)}, "blocked"),
        ({"expiring_date": NOW}, "expired"),
        ({"expiring_date": "2026-11-26T11:59:59.000Z"}, "expired"),
        ({"start_date": NOW + timedelta(seconds=1)}, "not yet valid"),
        ({"start_date": NOW, "expiring_date": NOW + timedelta(days=1)}, "active"),
    ],
)
def test_tag_states_follow_the_engine_s_order(fields: dict[str, object], state: str) -> None:
    assert tag_state(_tag(**fields), NOW) == state


@pytest.mark.parametrize(
    ("ago", "text"),
    [(30, "just now"), (60, "1 min ago"), (3 * 3600 + 5, "3 h ago"), (86400 * 12, "12 days ago")],
)
def test_since(ago: int, text: str) -> None:
    assert since(NOW - timedelta(seconds=ago), NOW) == text
    assert since(None) == "never"


def test_moments_and_values() -> None:
    assert format_moment("2026-11-26T06:06:28.441Z") == "2026-11-26 06:06 UTC"
    assert format_moment(None) == ""
    assert shown(None) == "—" and shown("x") == "x" and shown([1, {"a": True}]) == '[1,{"a":true}]'


@pytest.mark.parametrize(
    ("typed", "sent"),
    [
        ("2027-01-02", "2027-01-02T00:00:00Z"),
        ("2027-01-02T10:30", "2027-01-02T10:30:00Z"),
        ("2027-01-02T10:30:15", "2027-01-02T10:30:15Z"),
        ("", None),
    ],
)
def test_form_times_are_read_as_utc(typed: str, sent: str | None) -> None:
    assert utc_input(typed, "expiringDate") == sent


@pytest.mark.parametrize("typed", ["tomorrow", "2027-1-2", "2027-01-02 10:30", "2027-01-02T10"])
def test_other_form_times_are_refused_with_the_field(typed: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        utc_input(typed, "expiringDate")
    assert refused.value.errors[0].field == "expiringDate"
