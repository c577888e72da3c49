"""evroster: the registry of EV drivers and their charging tokens."""

from __future__ import annotations

__all__ = ["__version__"]

__version__ = "0.1.0"
