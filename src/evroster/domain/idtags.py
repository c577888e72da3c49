"""idTag rules (api.md, protocols.md §6): what is valid, and the canonical key it matches on.

The canonical key is the value upper-cased (ASCII only, so the length never changes);
a value made only of hex byte pairs joined by one separator (``04:a2:3b:1c``) loses its
separators (``04A23B1C``). Matching never guesses beyond that.
"""

from __future__ import annotations

import re

__all__ = ["MAX_ID_TAG_LENGTH", "canonical_key", "normalize_id_tag"]

MAX_ID_TAG_LENGTH = 36

# Printable ASCII without space; inner spaces are allowed only as a hex-pair separator.
_PRINTABLE = re.compile(r"[\x21-\x7e]+")
_HEX_PAIRS = re.compile(r"[0-9A-Fa-f]{2}([:\- ])[0-9A-Fa-f]{2}(?:\1[0-9A-Fa-f]{2})*")
_WHITESPACE = " \t\r\n\x0b\x0c"


def normalize_id_tag(value: str) -> tuple[str, str] | None:
    """``(as written, canonical key)`` for a valid idTag, or ``None`` if it breaks the rules.

    "As written" is the value with surrounding whitespace trimmed.
    """
    written = value.strip(_WHITESPACE)
    if not 0 < len(written) <= MAX_ID_TAG_LENGTH:
        return None
    if _HEX_PAIRS.fullmatch(written):
        return written, written.replace(written[2], "").upper()
    if not _PRINTABLE.fullmatch(written):
        return None
    return written, written.upper()


def canonical_key(value: str) -> str | None:
    """The canonical key of ``value``, or ``None`` if it is not a valid idTag."""
    normalized = normalize_id_tag(value)
    return normalized[1] if normalized else None
