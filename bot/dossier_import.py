"""``motcua dossiers import FILE``: validate each row, upsert by code in batches; a bad row is set
aside with its line number and reason, and every other row is still imported. Re-importing the same
file changes nothing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from bot.dossier_files import read_rows
from db.dossier_repo import DossierBatchError, ProcedureLookup, UpsertResult, upsert_dossiers
from db.engine import Database
from knowledge.calendar import WorkingCalendar
from knowledge.dossiers.schema import DossierIn, field_errors

BATCH = 500


@dataclass
class ImportReport:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    status_changes: int = 0
    errors: list[tuple[int, str, str]] = field(default_factory=list)  # (line, field, message)

    def add(self, result: UpsertResult) -> None:
        self.created += result.created
        self.updated += result.updated
        self.unchanged += result.unchanged
        self.status_changes += len(result.changes)


async def _apply(db: Database, batch: list[tuple[int, DossierIn]], report: ImportReport, **kwargs) -> None:
    while batch:
        try:
            report.add(await upsert_dossiers(db, [item for _, item in batch], **kwargs))
            return
        except DossierBatchError as exc:
            bad = {e["index"] for e in exc.errors}
            for e in exc.errors:
                report.errors.append((batch[e["index"]][0], e["field"], e["message"]))
            batch = [pair for i, pair in enumerate(batch) if i not in bad]


async def import_dossiers(
    db: Database,
    path: Path,
    fmt: str,
    *,
    calendar: WorkingCalendar,
    procedures: ProcedureLookup,
    advance: Callable[[int], None] | None = None,
) -> ImportReport:
    report = ImportReport()
    batch: list[tuple[int, DossierIn]] = []
    kwargs = {"calendar": calendar, "procedures": procedures, "source": "import"}
    for row in read_rows(path, fmt, advance):
        report.rows += 1
        if row.data is None:
            report.errors.append((row.line, "(row)", row.error or ""))
            continue
        try:
            batch.append((row.line, DossierIn.model_validate(row.data)))
        except ValidationError as exc:
            report.errors += [(row.line, e["field"], e["message"]) for e in field_errors(exc)]
            continue
        if len(batch) >= BATCH:
            await _apply(db, batch, report, **kwargs)
            batch = []
    await _apply(db, batch, report, **kwargs)
    report.errors.sort()
    return report
