"""idTag rules without I/O."""

from __future__ import annotations

import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from evroster.domain.idtags import canonical_key, normalize_id_tag

PRINTABLE = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=36)


@pytest.mark.parametrize(
    ("value", "written", "key"),
    [
        ("04:a2:3b:1c", "04:a2:3b:1c", "04A23B1C"),
        ("04-A2-3B-1C", "04-A2-3B-1C", "04A23B1C"),
        ("04 a2 3b 1c", "04 a2 3b 1c", "04A23B1C"),
        ("  abc\t", "abc", "ABC"),
        ("04:a2-3b:1c", "04:a2-3b:1c", "04:A2-3B:1C"),  # mixed separators: kept
        ("04::a2", "04::a2", "04::A2"),
        ("0:4a", "0:4a", "0:4A"),
        ("#FreeCharging", "#FreeCharging", "#FREECHARGING"),
        ("VID:ab_12", "VID:ab_12", "VID:AB_12"),
        ("x" * 36, "x" * 36, "X" * 36),
    ],
)
def test_normalize(value: str, written: str, key: str) -> None:
    assert normalize_id_tag(value) == (written, key)


@pytest.mark.parametrize("value", ["", "   ", "x" * 37, "a b", "café", "ß", "a\x00b", "\x7f"])
def test_invalid(value: str) -> None:
    assert normalize_id_tag(value) is None


@given(PRINTABLE)
def test_case_never_matters(value: str) -> None:
    assert canonical_key(value.lower()) == canonical_key(value.upper()) == canonical_key(value)


@given(PRINTABLE)
def test_key_is_a_fixed_point(value: str) -> None:
    key = canonical_key(value)
    assert key is not None and canonical_key(key) == key
    assert len(key) <= len(value)


@given(st.lists(st.integers(0, 255), min_size=2, max_size=10), st.sampled_from(":- "))
def test_hex_pairs_lose_their_separator(data: list[int], sep: str) -> None:
    plain = "".join(f"{b:02x}" for b in data)
    joined = sep.join(f"{b:02x}" for b in data)
    assert canonical_key(joined) == canonical_key(plain) == plain.upper()


@given(st.text(string.ascii_letters + string.digits + "#*_", min_size=1, max_size=36))
def test_non_hex_tokens_keep_every_character(value: str) -> None:
    assert canonical_key(value) == value.upper()
