"""Rules of the registry, without I/O: idTags, the site tree, timestamps."""

from __future__ import annotations

__all__: list[str] = []
