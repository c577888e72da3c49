"""Online, consistent backups and their restore, with each database's own tool.

SQLite: the backup API copies the database while the server keeps writing; the copy is
one consistent state (a read transaction holds the snapshot while pages are copied).
PostgreSQL: ``pg_dump`` in its custom format, itself one REPEATABLE READ snapshot, and
``pg_restore``. Neither is re-implemented here.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy.engine import make_url

from evroster.errors import InvalidInput

__all__ = ["backup", "restore"]


def _sqlite_path(url: str) -> str:
    return make_url(url).database or ""


def _libpq(url: str) -> str:
    """The URL as libpq's tools take it (no SQLAlchemy driver suffix)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise InvalidInput(f"{name} is not installed: PostgreSQL backups need its client tools")
    return found


def backup(url: str, target: Path) -> None:
    """Write a consistent copy of the database at ``url`` to ``target``."""
    if target.exists():
        raise InvalidInput(f"{target} exists: a backup never overwrites a file")
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        if make_url(url).get_backend_name() == "sqlite":
            with (
                sqlite3.connect(_sqlite_path(url)) as source,
                sqlite3.connect(partial) as copy,
            ):
                source.backup(copy)
            # The copy is a plain file, readable without the WAL of the source.
            with sqlite3.connect(partial) as copy:
                copy.execute("PRAGMA journal_mode=DELETE")
        else:
            subprocess.run(
                [_tool("pg_dump"), "--format=custom", "--file", str(partial), _libpq(url)],
                check=True,
                capture_output=True,
                text=True,
            )
        partial.replace(target)
    except subprocess.CalledProcessError as exc:
        partial.unlink(missing_ok=True)
        raise InvalidInput(f"pg_dump failed: {exc.stderr.strip()}") from exc
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


def restore(url: str, source: Path) -> None:
    """Replace the database at ``url`` with the backup ``source``. Stop servers first."""
    if not source.is_file():
        raise InvalidInput(f"{source} is not a file")
    if make_url(url).get_backend_name() == "sqlite":
        with sqlite3.connect(source) as backup_db:
            try:
                intact = backup_db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            except sqlite3.DatabaseError:  # "file is not a database"
                intact = False
            if not intact:
                raise InvalidInput(f"{source} is not an intact SQLite database")
            with sqlite3.connect(_sqlite_path(url)) as target:
                backup_db.backup(target)
        return
    try:
        subprocess.run(
            [
                _tool("pg_restore"),
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                "--dbname",
                _libpq(url),
                str(source),
            ],
            check=True,
            capture_output=True,
            text=True,
        )
    except subprocess.CalledProcessError as exc:
        raise InvalidInput(f"pg_restore failed: {exc.stderr.strip()}") from exc
