"""Benchmark of bulk import: a file of about 100,000 rows through ``evroster import``.

    python -m bench.imports [--drivers 31000] [--postgres SERVER_URL]

In one fresh database: bulk-loads an operator straight into the tables (the baseline,
``bench/dataset.py``: about 2,000 sites, 6,000 chargers, 31,000 drivers with their
grants and 62,000 tags), exports it with ``evroster export``, imports that file into a
new, empty customer with ``evroster import`` (a real process, one transaction,
audited), then imports it again, which must change nothing. Each step is timed; the
ratio is the baseline's time over the import's, measured in the same run.

Prints and writes to bench/results/import[-postgresql].json.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.common import DATA, RESULTS, add_postgres_option, fresh_database
from bench.dataset import Shape, load
from evroster.services.keys import create_customer
from evroster.storage.migrations import upgrade
from evroster.storage.sql.store import SqlStore

_SUMMARY = re.compile(r"(\d+) created, (\d+) updated, (\d+) unchanged, (\d+) rejected")


def _timed(url: str, *args: str) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "evroster", *args],
        env={**os.environ, "EVROSTER_DATABASE_URL": url},
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"evroster {' '.join(args)} failed:\n{done.stderr[-2000:]}")
    return seconds, done.stderr


def _counts(stderr: str) -> dict[str, int]:
    found = _SUMMARY.findall(stderr)
    created, updated, unchanged, rejected = (int(v) for v in found[-1])
    return {"created": created, "updated": updated, "unchanged": unchanged, "rejected": rejected}


def run(drivers: int, postgres: str | None) -> dict[str, Any]:
    url = fresh_database("import", postgres)
    upgrade(url)
    store = SqlStore(url)
    data = load(
        store,
        Shape(drivers=drivers, chargers=6_000, floor_share=0.35, direct_share=0.6),
    )
    target = create_customer(store, "import target")["id"]
    store.close()
    file = DATA / "import-bench.csv"
    export_s, _ = _timed(url, "export", str(file), "--customer", str(data.customer_id))
    rows = sum(1 for _ in file.open()) - 1
    import_s, out = _timed(url, "import", str(file), "--customer", str(target), "--quiet")
    first = _counts(out)
    again_s, out = _timed(url, "import", str(file), "--customer", str(target), "--quiet")
    again = _counts(out)
    assert first["created"] == rows and first["rejected"] == 0, first
    assert again == {"created": 0, "updated": 0, "unchanged": rows, "rejected": 0}, again
    return {
        "database": "postgresql" if postgres else "sqlite",
        "rows": rows,
        "file_bytes": file.stat().st_size,
        "dataset": data.counts,
        "baseline_bulk_load_s": round(data.seconds, 2),
        "export_s": round(export_s, 2),
        "import_s": round(import_s, 2),
        "import_rows_per_s": round(rows / import_s),
        "reimport_s": round(again_s, 2),
        "reimport": again,
        "ratio_import_to_bulk_load": round(data.seconds / import_s, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--drivers", type=int, default=31_000)
    add_postgres_option(parser)
    args = parser.parse_args()
    result = run(args.drivers, args.postgres)
    RESULTS.mkdir(exist_ok=True)
    suffix = "-postgresql" if args.postgres else ""
    Path(RESULTS / f"import{suffix}.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
