"""The ``evroster`` command: serve, migrate, customers, keys, demo, import, export,
backup, restore."""

from __future__ import annotations

import argparse
import copy
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from evroster.config import Settings, get_settings
from evroster.errors import EvrosterError
from evroster.logging import configure_logging
from evroster.services import keys
from evroster.services.audit import Actor
from evroster.storage.migrations import upgrade
from evroster.storage.sql.store import SqlStore

__all__ = ["main"]


def _print(value: Any) -> None:
    sys.stdout.write(json.dumps(value, indent=2) + "\n")


def _log_config() -> dict[str, Any]:
    """uvicorn's logging, with the key redaction filter on every handler.

    Given as configuration (not added to loggers afterwards) so that every worker
    process of ``--workers N`` builds it too.
    """
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config["filters"] = {"redact": {"()": "evroster.logging.RedactSecrets"}}
    for handler in config["handlers"].values():
        handler["filters"] = ["redact"]
    return config


def _serve(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn

    uvicorn.run(
        "evroster.api.app:create_app",
        factory=True,
        host=args.host or settings.host,
        port=args.port or settings.port,
        workers=args.workers or settings.workers,
        access_log=settings.access_log,
        log_level=settings.log_level.lower(),
        log_config=_log_config(),
        proxy_headers=False,
        server_header=False,
    )
    return 0


def _demo(store: SqlStore, credentials: str | None) -> int:
    from evroster.services.demo import load_demo

    result = load_demo(store)
    saved = Path(credentials) if credentials else None
    if result is None:
        sys.stderr.write("The database already holds customers: demo data not loaded.\n")
        if saved is not None and saved.exists():
            # Keys are shown once; make run keeps the demo's in a local file to show again.
            sys.stderr.write(f"Demo credentials from {saved}:\n")
            result = json.loads(saved.read_text())
            sys.stderr.write(f"  {result['curl']}\n")
        return 0
    if saved is not None:
        saved.write_text(json.dumps(result, indent=2) + "\n")
        saved.chmod(0o600)
        sys.stderr.write(f"Demo operator loaded; its keys are saved in {saved}.\n")
        sys.stderr.write(f"Try:\n  {result['curl']}\n")
        return 0
    _print(result)
    return 0


def _import(store: SqlStore, args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from evroster.services.imports import run_import
    from evroster.transfer.reading import Format, read_records

    path = Path(args.file)
    by_name = path.suffix.lower() in (".jsonl", ".ndjson")
    fmt: Format = "jsonl" if args.format == "jsonl" or (args.format is None and by_name) else "csv"
    sys.stderr.write(f"Reading {path} ({fmt}) ...\n")
    records, problems = read_records(path.read_bytes(), fmt)
    actor = Actor(args.customer, None, "cli")
    with tqdm(total=len(records), unit="row", file=sys.stderr, disable=args.quiet) as bar:
        report = run_import(
            store,
            actor,
            records,
            problems,
            dry_run=args.dry_run,
            keep_good=args.keep_good_rows,
            progress=bar.update,
        )
    for problem in report.problems:
        sys.stderr.write(f"{path}:{problem.line}: {problem.column}: {problem.message}\n")
    summary = ", ".join(
        f"{report.total(k)} {k}" for k in ("created", "updated", "unchanged", "rejected")
    )
    if report.committed:
        verdict = "written"
    elif args.dry_run:
        verdict = "dry run, nothing written"
    else:
        verdict = "rows rejected, nothing written (--keep-good-rows writes the others)"
    sys.stderr.write(f"{summary}: {verdict}\n")
    return 0 if not report.problems else 1


def _export(store: SqlStore, args: argparse.Namespace) -> int:
    from evroster.services.exports import export_records
    from evroster.transfer.writing import write_records

    records = export_records(store, args.customer)
    if args.file in (None, "-"):
        count = write_records(records, sys.stdout, args.format)
    else:
        # Written beside the target and renamed: a failed export leaves no half a file.
        target = Path(args.file)
        partial = target.with_name(target.name + ".partial")
        try:
            with partial.open("w", encoding="utf-8", newline="") as out:
                count = write_records(records, out, args.format)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        partial.replace(target)
    sys.stderr.write(f"{count} rows exported\n")
    return 0


def _backup_or_restore(settings: Settings, args: argparse.Namespace) -> int:
    from evroster.storage.sql.backup import backup, restore

    try:
        if args.command == "backup":
            backup(settings.database_url, Path(args.file))
            sys.stderr.write(f"evroster: backup written to {args.file}\n")
        else:
            restore(settings.database_url, Path(args.file))
            # A backup of an older version is brought up to this version's schema.
            upgrade(settings.database_url)
            sys.stderr.write(f"evroster: database restored from {args.file}\n")
    except EvrosterError as exc:
        sys.stderr.write(f"evroster: {exc.detail}\n")
        return 1
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="evroster", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="apply migrations, then serve HTTP")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--workers", type=int)
    sub.add_parser("migrate", help="apply pending database migrations")
    customers = sub.add_parser("customers", help="manage customers").add_subparsers(
        dest="action", required=True
    )
    create = customers.add_parser("create", help="create a customer and its first admin key")
    create.add_argument("--name", required=True)
    key_cmd = sub.add_parser("keys", help="manage API keys").add_subparsers(
        dest="action", required=True
    )
    kc = key_cmd.add_parser("create", help="issue a key (shown once)")
    kc.add_argument("--customer", type=int, required=True)
    kc.add_argument("--role", choices=["admin", "read"], default="read")
    kc.add_argument("--label")
    kl = key_cmd.add_parser("list", help="list a customer's keys (no secrets)")
    kl.add_argument("--customer", type=int, required=True)
    kr = key_cmd.add_parser("revoke", help="revoke a key by its id")
    kr.add_argument("--customer", type=int, required=True)
    kr.add_argument("key", type=int)
    demo = sub.add_parser("demo", help="load a demo operator into an empty database")
    demo.add_argument(
        "--credentials", metavar="FILE", help="save the demo keys to FILE instead of printing them"
    )
    imp = sub.add_parser("import", help="create or update from a CSV or JSON Lines file")
    imp.add_argument("file")
    imp.add_argument("--customer", type=int, required=True)
    imp.add_argument("--format", choices=["csv", "jsonl"], help="default: by file name")
    imp.add_argument("--dry-run", action="store_true", help="validate and report only")
    imp.add_argument(
        "--keep-good-rows",
        action="store_true",
        help="write the good rows even if some are rejected (default: all or nothing)",
    )
    imp.add_argument("--quiet", action="store_true", help="no progress bar")
    exp = sub.add_parser("export", help="write a customer's data in the import format")
    exp.add_argument("file", nargs="?", help="default: standard output")
    exp.add_argument("--customer", type=int, required=True)
    exp.add_argument("--format", choices=["csv", "jsonl"], default="csv")
    bkp = sub.add_parser("backup", help="write a consistent copy of the database, online")
    bkp.add_argument("file")
    rst = sub.add_parser("restore", help="replace the database with a backup (servers stopped)")
    rst.add_argument("file")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = get_settings()
    except ValidationError as exc:
        sys.stderr.write(f"evroster: invalid EVROSTER_* setting:\n{exc}\n")
        return 2
    configure_logging(settings.log_level)
    if args.command in ("backup", "restore"):
        return _backup_or_restore(settings, args)
    # Every command, serve included, works on an up-to-date schema.
    upgrade(settings.database_url)
    if args.command == "serve":
        return _serve(settings, args)
    if args.command == "migrate":
        sys.stderr.write("evroster: the database schema is up to date\n")
        return 0
    store = SqlStore(settings.database_url)
    try:
        if args.command == "demo":
            return _demo(store, args.credentials)
        if args.command == "import":
            return _import(store, args)
        if args.command == "export":
            return _export(store, args)
        if args.command == "customers":
            _print(keys.create_customer(store, args.name))
        elif args.action == "create":
            _print(keys.issue_key(store, Actor(args.customer, None, "cli"), args.role, args.label))
        elif args.action == "list":
            _print(keys.list_keys(store, args.customer))
        else:
            keys.revoke_key(store, Actor(args.customer, None, "cli"), args.key)
            _print({"revoked": args.key})
        return 0
    except EvrosterError as exc:
        sys.stderr.write(f"evroster: {exc.detail}\n")
        return 1
    finally:
        store.close()
