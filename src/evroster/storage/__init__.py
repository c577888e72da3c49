"""Persistence: the store protocol (base), its SQL implementation (sql) and migrations."""

from __future__ import annotations

__all__: list[str] = []
