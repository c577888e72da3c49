"""SQLAlchemy Core implementation of the store, one code path for SQLite and PostgreSQL."""

from __future__ import annotations

__all__: list[str] = []
