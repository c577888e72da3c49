"""Site tree rules, timestamps, log redaction and content negotiation, without I/O."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st
from starlette.requests import Request

from evroster.api.problems import _wants_text
from evroster.domain.sites import GroupType, creates_cycle, parse_group_type
from evroster.domain.times import format_timestamp
from evroster.logging import RedactSecrets, redact


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0, GroupType.SUB_CPO),
        (4, GroupType.OTHER),
        ("site", GroupType.SITE),
        (" Sub_Site ", GroupType.SUB_SITE),
        (5, None),
        (-1, None),
        ("castle", None),
        (True, None),
    ],
)
def test_group_types(value: int | str, expected: GroupType | None) -> None:
    assert parse_group_type(value) == expected


@given(
    st.lists(st.one_of(st.none(), st.integers(0, 20)), min_size=1, max_size=20),
    st.integers(0, 19),
    st.one_of(st.none(), st.integers(0, 19)),
)
def test_cycle_detection_matches_a_walk(
    parents: list[int | None], site: int, new_parent: int | None
) -> None:
    # Make the input a forest first: a parent must have a smaller index.
    tree = [p if p is not None and p < i else None for i, p in enumerate(parents)]
    if site >= len(tree) or (new_parent is not None and new_parent >= len(tree)):
        return
    ancestors, node = set(), new_parent
    while node is not None:
        ancestors.add(node)
        node = tree[node]
    assert creates_cycle(site, new_parent, lambda s: tree[s]) == (site in ancestors)


def test_cycle_check_ends_on_a_damaged_tree() -> None:
    loop = {1: 2, 2: 1}
    assert creates_cycle(3, 1, lambda s: loop.get(s)) is True


def test_timestamps() -> None:
    cet = timezone(timedelta(hours=1))
    assert format_timestamp(datetime(2024, 12, 4, 12, 51, 42, 899999, cet)) == (
        "2024-12-04T11:51:42.899Z"
    )
    assert format_timestamp(datetime(2024, 1, 1, tzinfo=UTC)) == "2024-01-01T00:00:00.000Z"
    assert format_timestamp(None) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("GET /x?code=evr_a_b&clientId=1", "GET /x?code=***&clientId=1"),
        ("/x?clientId=1&code=secret", "/x?clientId=1&code=***"),
        ("/x?CODE=s", "/x?CODE=***"),
        ("/x?barcode=s", "/x?barcode=s"),
        ("/x", "/x"),
    ],
)
def test_redact(text: str, expected: str) -> None:
    assert redact(text) == expected


def test_redact_filter_rewrites_arguments() -> None:
    record = logging.LogRecord("x", logging.INFO, "f", 1, "%s %s", ("GET", "/a?code=k"), None)
    RedactSecrets().filter(record)
    assert record.getMessage() == "GET /a?code=***"


@pytest.mark.parametrize(
    ("accept", "text"),
    [
        ("text/plain", True),
        ("text/plain, application/json", True),
        ("application/json", False),
        ("application/json, text/plain", False),
        ("*/*", False),
        ("", False),
        ("text/html, text/plain;q=0.9", True),
    ],
)
def test_accept(accept: str, text: bool) -> None:
    scope = {"type": "http", "headers": [(b"accept", accept.encode())]}
    assert _wants_text(Request(scope)) is text
