"""``/api/v1/imports`` and ``/api/v1/exports``: the bulk file format of
``docs/import-export.md``, the same that ``evroster import`` and ``evroster export`` use."""

from __future__ import annotations

import io
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from evroster.api.deps import Admin, Reader, StoreDep
from evroster.api.problems import problem
from evroster.api.routes.common import ERRORS, json_response
from evroster.api.schemas.transfer import ImportRejected, ImportReport
from evroster.errors import FieldError, InvalidInput
from evroster.services.exports import export_records
from evroster.services.imports import Report, run_import
from evroster.transfer.reading import Format, read_records
from evroster.transfer.writing import write_records

__all__ = ["router"]

router = APIRouter(prefix="/api/v1", tags=["import and export"])

_FORMATS: dict[str, Format] = {
    "text/csv": "csv",
    "application/x-ndjson": "jsonl",
    "application/jsonl": "jsonl",
    "application/x-jsonlines": "jsonl",
}


def _report_body(report: Report) -> dict[str, Any]:
    return {
        "dryRun": report.dry_run,
        "committed": report.committed,
        **{k: report.total(k) for k in ("created", "updated", "unchanged", "rejected")},
        "byRecord": report.counts,
        "problems": [
            {"line": p.line, "column": p.column, "message": p.message} for p in report.problems
        ],
    }


@router.post(
    "/imports",
    response_model=ImportReport,
    responses={
        **ERRORS["import"],
        400: {
            "model": ImportRejected,
            "description": "The file cannot be read, or (all or nothing) some rows were "
            "rejected and nothing was written: `report` lists them",
            "content": {"application/problem+json": {}},
        },
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "description": "The file: CSV with a header line, or JSON Lines",
            "content": {
                "text/csv": {"schema": {"type": "string"}},
                "application/x-ndjson": {"schema": {"type": "string"}},
            },
        }
    },
)
async def import_file(
    request: Request,
    who: Admin,
    store: StoreDep,
    dry_run: Annotated[
        bool, Query(alias="dryRun", description="Validate and report; write nothing")
    ] = False,
    keep_good_rows: Annotated[
        bool,
        Query(
            alias="keepGoodRows",
            description="Write the good rows even if some are rejected (default: all or nothing)",
        ),
    ] = False,
) -> Response:
    """Create or update sites, chargers, drivers (with grants) and tags from a file.

    Upserts by key (a site's or driver's externalId, a charger's chargerId, a tag's
    idTag): applying the same file twice changes nothing the second time.
    """
    media = request.headers.get("content-type", "text/csv").split(";")[0].strip().lower()
    fmt = _FORMATS.get(media)
    if fmt is None:
        raise InvalidInput(
            "The file's Content-Type must be text/csv or application/x-ndjson",
            [FieldError("header.content-type", f"unsupported: {media!r}")],
            "header",
        )
    # The outer guard (api/guard.py) has held it to EVROSTER_IMPORT_MAX_BYTES.
    data = await request.body()

    def work() -> Report:
        records, problems = read_records(data, fmt)
        return run_import(
            store, who.actor, records, problems, dry_run=dry_run, keep_good=keep_good_rows
        )

    report = await run_in_threadpool(work)
    body = _report_body(report)
    if report.problems and not (dry_run or keep_good_rows):
        errors = [FieldError(f"line {p.line}: {p.column}", p.message) for p in report.problems]
        detail = f"{len(report.problems)} rows rejected; nothing was written"
        return problem(request, 400, detail, errors, extensions={"report": body})
    return json_response(body)


@router.get(
    "/exports/drivers.csv",
    responses={
        **ERRORS["list"],
        200: {"content": {"text/csv": {"schema": {"type": "string"}}}, "description": "The file"},
    },
    response_class=Response,
)
def export_file(who: Reader, store: StoreDep) -> Response:
    """Every site, charger, driver (with grants) and tag, in the import format.

    Import it into an empty customer and its export is the same file.
    """
    out = io.StringIO()
    write_records(export_records(store, who.customer_id), out, "csv")
    return Response(
        out.getvalue().encode(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="drivers.csv"'},
    )
