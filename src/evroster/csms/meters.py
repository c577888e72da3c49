"""The energy register reading out of OCPP meter values (1.6 and 2.0.1 shapes)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

__all__ = ["energy_register", "parse_time"]

_REGISTER = "Energy.Active.Import.Register"
_SCALE = {"Wh": 1, "kWh": 1000}


def parse_time(value: Any) -> datetime | None:
    """An OCPP timestamp, or None when it is missing or not RFC 3339 with a zone."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def energy_register(meter_values: Any) -> tuple[int, datetime] | None:
    """The last ``Energy.Active.Import.Register`` sample in Wh, with its time.

    Accepts the snake_case shapes of both versions: 1.6 ``sampled_value`` with a string
    ``value`` and a ``unit``; 2.0.1 a number ``value`` and ``unit_of_measure``
    (``unit``, ``multiplier``). Samples that cannot be read are skipped.
    """
    found: tuple[int, datetime] | None = None
    for meter_value in meter_values or []:
        at = parse_time(meter_value.get("timestamp")) if isinstance(meter_value, dict) else None
        if at is None:
            continue
        for sample in meter_value.get("sampled_value") or []:
            if not isinstance(sample, dict) or sample.get("measurand", _REGISTER) != _REGISTER:
                continue
            unit_info = sample.get("unit_of_measure") or {}
            unit = sample.get("unit") or unit_info.get("unit") or "Wh"
            multiplier = unit_info.get("multiplier", 0)
            try:
                value = float(sample["value"]) * _SCALE[unit] * 10 ** int(multiplier)
            except (KeyError, TypeError, ValueError):
                continue
            found = (round(value), at)
    return found
