"""Use cases, as functions taking a store: the only place business rules meet storage."""

from __future__ import annotations

__all__: list[str] = []
