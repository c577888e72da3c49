"""Reading the energy register out of OCPP meter values, both versions' shapes."""

from __future__ import annotations

from datetime import UTC, datetime

from evroster.csms.meters import energy_register, parse_time

AT = "2026-06-01T12:00:00Z"
WHEN = datetime(2026, 6, 1, 12, tzinfo=UTC)


def test_versions_units_and_multipliers() -> None:
    v16 = [{"timestamp": AT, "sampled_value": [{"value": "1234"}]}]
    assert energy_register(v16) == (1234, WHEN)
    kwh = [{"timestamp": AT, "sampled_value": [{"value": "1.5", "unit": "kWh"}]}]
    assert energy_register(kwh) == (1500, WHEN)
    v201 = [
        {
            "timestamp": AT,
            "sampled_value": [
                {"value": 230.1, "measurand": "Voltage", "unit_of_measure": {"unit": "V"}},
                {"value": 12, "unit_of_measure": {"unit": "Wh", "multiplier": 3}},
            ],
        }
    ]
    assert energy_register(v201) == (12000, WHEN)


def test_the_last_readable_sample_wins_and_junk_is_skipped() -> None:
    values = [
        {"timestamp": AT, "sampled_value": [{"value": "10"}]},
        {"timestamp": "2026-06-01T12:05:00+00:00", "sampled_value": [{"value": "20"}]},
        {"timestamp": "not a time", "sampled_value": [{"value": "30"}]},
        {"timestamp": "2026-06-01T12:10:00", "sampled_value": [{"value": "40"}]},  # no zone
        {"timestamp": AT, "sampled_value": [{"value": "x"}, {"value": "5", "unit": "MWh"}, 7]},
        "junk",
    ]
    assert energy_register(values) == (20, datetime(2026, 6, 1, 12, 5, tzinfo=UTC))
    assert energy_register(None) is None
    assert energy_register([]) is None
    assert parse_time(17) is None
