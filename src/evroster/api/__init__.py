"""The HTTP adapter: FastAPI for management, thin Starlette routes for the hot path."""

from __future__ import annotations

__all__: list[str] = []
