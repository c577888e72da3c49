"""Bulk import reports."""

from __future__ import annotations

from pydantic import Field

from evroster.api.schemas.common import Output, Problem

__all__ = ["ImportCounts", "ImportProblem", "ImportRejected", "ImportReport"]


class ImportCounts(Output):
    created: int
    updated: int
    unchanged: int
    rejected: int


class ImportProblem(Output):
    line: int = Field(description="Line in the file; the CSV header is line 1")
    column: str = Field(examples=["idTag"])
    message: str


class ImportReport(Output):
    """What an import did, or (``dryRun``) would do."""

    dry_run: bool
    committed: bool = Field(description="Whether the changes were written")
    created: int
    updated: int
    unchanged: int
    rejected: int
    by_record: dict[str, ImportCounts] = Field(
        description="The same counts per kind of row: site, charger, driver, tag"
    )
    problems: list[ImportProblem] = Field(description="Every rejected row, by line")


class ImportRejected(Problem):
    """Rows were rejected and, all or nothing, nothing was written."""

    report: ImportReport
