"""``evroster backup`` taken while a real server writes, and ``evroster restore`` into a
new database: every write acknowledged before the backup began is in it, on SQLite and
PostgreSQL."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import _pg_admin, _pg_url
from tests.e2e.processes import TAG, Load, all_present, operator, run_evroster, seed, serving


@pytest.fixture(params=["sqlite", "postgresql"])
def two_databases(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str]]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'live.db'}", f"sqlite:///{tmp_path / 'restored.db'}"
        return
    names = [f"evroster_backup_{uuid.uuid4().hex[:10]}" for _ in range(2)]
    for name in names:
        _pg_admin(f'CREATE DATABASE "{name}"')
    yield _pg_url(names[0]), _pg_url(names[1])
    for name in names:
        _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_backup_under_write_load_restores_every_earlier_write(
    two_databases: tuple[str, str], tmp_path: Path
) -> None:
    live, restored = two_databases
    _, key = operator(live)
    backup = tmp_path / "evroster.backup"
    with serving(live, tmp_path / "live.log") as served:
        seed(served.base, key, TAG)
        load = Load(served.base, key, TAG)
        with load.running():
            time.sleep(1.5)
            before = list(load.acked)  # every one answered 201 before the backup began
            done = run_evroster(live, "backup", str(backup))
            assert done.returncode == 0, done.stderr
            time.sleep(0.5)
        assert load.bad == []
        after = len(load.acked)
    assert before and after > len(before)
    assert not backup.with_name("evroster.backup.partial").exists()

    refused = run_evroster(live, "backup", str(backup))
    assert refused.returncode == 1 and "a backup never overwrites a file" in refused.stderr
    garbage = tmp_path / "garbage"
    garbage.write_bytes(b"not a backup")
    refused = run_evroster(restored, "restore", str(garbage))
    assert refused.returncode == 1
    assert refused.stderr.startswith("evroster: "), refused.stderr  # a message, no traceback
    assert "is not an intact SQLite database" in refused.stderr or (
        "pg_restore failed" in refused.stderr
    )

    done = run_evroster(restored, "restore", str(backup))
    assert done.returncode == 0, done.stderr
    with serving(restored, tmp_path / "restored.log") as again:
        all_present(again.base, key, before)
