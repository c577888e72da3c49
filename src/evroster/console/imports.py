"""Import a file: check it (a dry run that writes nothing), then apply it."""

from __future__ import annotations

import hashlib

from starlette.responses import Response
from starlette.routing import Route

from evroster.console.pages import Visit, page, render
from evroster.errors import Conflict, InvalidInput, NotFound
from evroster.services.imports import Report, run_import
from evroster.transfer.reading import Format, read_records

__all__ = ["routes"]


def _format(filename: str) -> Format:
    return "jsonl" if filename.lower().endswith((".jsonl", ".ndjson")) else "csv"


def import_form(visit: Visit) -> Response:
    return render(visit, "import.html")


def import_file(visit: Visit) -> Response:
    """``step=check``: a dry run; ``step=confirm``: the same file for real, all or
    nothing, and only if it is the file that was checked."""
    template = "import_report.html" if visit.fragment else "import.html"
    upload = visit.upload("file")
    if upload is None or not upload.filename:
        return render(visit, template, 400, error="Choose a CSV or JSON Lines file to import.")
    data = upload.file.read()
    digest = hashlib.sha256(data).hexdigest()
    confirm = visit.field("step") == "confirm"
    if confirm and visit.field("checked") != digest:
        return render(
            visit,
            template,
            409,
            error="This is not the file that was checked (it was changed or another was "
            "chosen): check it again before importing.",
        )
    try:
        records, problems = read_records(data, _format(upload.filename))
        report: Report = run_import(
            visit.store, visit.who.actor, records, problems, dry_run=not confirm
        )
    except InvalidInput as exc:
        reasons = "; ".join(e.message for e in exc.errors) or exc.detail
        return render(visit, template, 400, error=f"The file cannot be read: {reasons}")
    except (NotFound, Conflict) as exc:
        return render(visit, template, 409, error=exc.detail)
    totals = {k: report.total(k) for k in ("created", "updated", "unchanged", "rejected")}
    return render(
        visit,
        template,
        report=report,
        totals=totals,
        digest=digest,
        filename=upload.filename,
    )


routes = [
    Route("/import", page(import_form)),
    Route("/import", page(import_file, write=True), methods=["POST"]),
]
