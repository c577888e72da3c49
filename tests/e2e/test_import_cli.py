"""``evroster import`` and ``evroster export`` as real processes, on both databases: a
JSON Lines round trip, bad rows on stderr with a failing exit code, and an import
killed with SIGKILL halfway through leaving the database exactly as it was."""

from __future__ import annotations

import csv
import io
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from evroster.services.audit import list_entries
from evroster.services.keys import create_customer
from evroster.storage.sql.store import SqlStore
from evroster.storage.sql.tables import metadata
from tests.e2e.processes import run_evroster

BACKENDS = ["sqlite", "postgresql"]


def _fleet_csv(drivers: int, tags_per_driver: int = 2) -> str:
    out = io.StringIO()
    fields = ["record", "externalId", "name", "parent", "chargerId", "site", "sites"]
    fields += ["chargers", "idTag", "driver", "blocked"]
    writer = csv.DictWriter(out, fields, lineterminator="\n")
    writer.writeheader()
    writer.writerow({"record": "site", "externalId": "CITY", "name": "City"})
    for g in range(10):
        writer.writerow(
            {"record": "site", "externalId": f"G{g}", "name": f"G{g}", "parent": "CITY"}
        )
        writer.writerow({"record": "charger", "chargerId": f"CP-{g}", "site": f"G{g}"})
    for d in range(drivers):
        writer.writerow(
            {
                "record": "driver",
                "externalId": f"D{d}",
                "name": f"Driver {d}",
                "sites": f"G{d % 10};CITY" if d % 3 else f"G{d % 10}",
                "chargers": f"CP-{d % 7}" if d % 4 == 0 else "",
            }
        )
        for t in range(tags_per_driver):
            writer.writerow(
                {"record": "tag", "idTag": f"{d:06X}{t:02X}", "driver": f"D{d}", "blocked": "false"}
            )
    return out.getvalue()


def _customer(url: str) -> int:
    store = SqlStore(url)
    try:
        return int(create_customer(store, "cli import")["id"])
    finally:
        store.close()


def _state(url: str) -> dict[str, int]:
    """Rows in every table: what a rolled-back import must leave untouched."""
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    try:
        with engine.connect() as conn:
            return {
                name: conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
                for name, table in metadata.tables.items()
            }
    finally:
        engine.dispose()


@pytest.mark.parametrize("backend", BACKENDS)
def test_json_lines_round_trip_and_bad_rows(
    backend: str, database_urls: dict[str, str], tmp_path: Path
) -> None:
    url = database_urls[backend]
    a, b = _customer(url), _customer(url)
    source = tmp_path / "fleet.csv"
    source.write_text(_fleet_csv(30))
    done = run_evroster(url, "import", str(source), "--customer", str(a))
    assert done.returncode == 0, done.stderr
    assert "111 created, 0 updated, 0 unchanged, 0 rejected: written" in done.stderr
    assert "100%" in done.stderr  # the progress bar ran to its end
    store = SqlStore(url)
    try:
        trail = list_entries(store, a, 0, 1000).items
    finally:
        store.close()
    imported = [e for e in trail if e["via"] == "import"]
    # 111 objects, and the 50 site and 8 charger grants of the 30 drivers, by no key.
    assert len(imported) == 111 + 50 + 8 and {e["key_id"] for e in imported} == {None}
    assert [e["action"] for e in imported].count("grant_charger") == 8

    lines = tmp_path / "fleet.jsonl"
    done = run_evroster(url, "export", str(lines), "--customer", str(a), "--format", "jsonl")
    assert done.returncode == 0 and "111 rows exported" in done.stderr
    assert not (tmp_path / "fleet.jsonl.partial").exists()
    done = run_evroster(url, "import", str(lines), "--customer", str(b), "--quiet")
    assert done.returncode == 0, done.stderr
    exports = [run_evroster(url, "export", "--customer", str(c)).stdout for c in (a, b)]
    assert exports[0] == exports[1] and exports[0].count("\n") == 112

    dry = run_evroster(url, "import", str(lines), "--customer", str(b), "--dry-run", "--quiet")
    assert "0 created, 0 updated, 111 unchanged, 0 rejected: dry run" in dry.stderr

    bad = tmp_path / "bad.csv"
    bad.write_text("record,externalId,name,sites\ndriver,D1,,\ndriver,NEW,New,nowhere\n")
    before = _state(url)
    done = run_evroster(url, "import", str(bad), "--customer", str(b), "--quiet")
    assert done.returncode == 1
    assert f"{bad}:3: sites: no site with externalId 'nowhere'" in done.stderr
    assert "rows rejected, nothing written" in done.stderr
    assert _state(url) == before
    done = run_evroster(url, "export", str(tmp_path / "x.csv"), "--customer", "999999")
    assert done.returncode == 1 and "Customer 999999 not found" in done.stderr
    assert not list(tmp_path.glob("x.csv*"))


@pytest.mark.parametrize("backend", BACKENDS)
def test_an_import_killed_halfway_changes_nothing(
    backend: str, database_urls: dict[str, str], tmp_path: Path
) -> None:
    url = database_urls[backend]
    customer = _customer(url)
    source = tmp_path / "big.csv"
    source.write_text(_fleet_csv(6000))
    before = _state(url)
    process = subprocess.Popen(
        [sys.executable, "-m", "evroster", "import", str(source), "--customer", str(customer)],
        env={**os.environ, "EVROSTER_DATABASE_URL": url},
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
    )
    assert process.stderr is not None
    os.set_blocking(process.stderr.fileno(), False)
    seen = b""
    reached = 0
    deadline = time.monotonic() + 120
    while reached < 40 and time.monotonic() < deadline and process.poll() is None:
        chunk = process.stderr.read()
        if chunk:
            seen += chunk
            reached = max([int(p) for p in re.findall(rb"(\d+)%\|", seen)] or [0])
        time.sleep(0.02)
    process.kill()
    process.wait(10)
    process.stderr.close()
    assert 40 <= reached < 100, seen[-300:]  # killed in the middle of writing
    assert _state(url) == before

    done = run_evroster(url, "import", str(source), "--customer", str(customer), "--quiet")
    assert done.returncode == 0, done.stderr
    assert "18021 created, 0 updated, 0 unchanged, 0 rejected: written" in done.stderr
