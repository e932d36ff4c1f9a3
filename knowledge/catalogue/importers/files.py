"""Walk files and directories, recognise each file's format by its content, read every record,
merge by national code. A bad file or record never stops the rest: it is reported with a reason.

Formats (see the shared catalogue's README): ``*.json`` — our own bundled format (a ``"format"``
key), a portal API answer (``{"code": "OK", "data": {...}}``), an OpenGOV record, a portal-raw page
(``ma_thu_tuc``), a Ministry of Defence record (``thu_tuc_id``); ``*.jsonl`` — the portal's list
(OpenGOV ``catalog.jsonl``); ``*.xlsx`` — the official "Danh sách TTHC" spreadsheets.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from knowledge.catalogue.importers import bqp, bundled, catalog, lists, opengov, portal_api, portal_raw
from knowledge.catalogue.importers.common import Skip
from knowledge.catalogue.merge import merge
from knowledge.catalogue.model import Procedure

DATA_SUFFIXES = {".json", ".jsonl", ".xlsx"}
MAX_JSON_BYTES = 64 * 1024 * 1024  # a single procedure is < 1 MB; anything this big is not one

# Single-record JSON formats, tried in order: (source, recognise, read)
JSON_FORMATS = (
    (portal_api.SOURCE, portal_api.matches, portal_api.read),
    (opengov.SOURCE, opengov.matches, opengov.read),
    (portal_raw.SOURCE, portal_raw.matches, portal_raw.read),
    (bqp.SOURCE, bqp.matches, bqp.read),
)


@dataclass
class SourceCounts:
    read: int = 0  # records read successfully
    used: int = 0  # records that won their code
    superseded: int = 0  # records replaced by a richer one of the same code


@dataclass(frozen=True)
class Skipped:
    path: str
    reason: str
    detail: str = ""


@dataclass
class ImportReport:
    procedures: list[Procedure] = field(default_factory=list)  # merged: one per code
    sources: dict[str, SourceCounts] = field(default_factory=dict)
    skipped: list[Skipped] = field(default_factory=list)
    files: int = 0

    @property
    def detailed(self) -> int:
        return sum(p.detailed for p in self.procedures)

    def skip_counts(self) -> dict[str, int]:
        return dict(Counter(s.reason for s in self.skipped).most_common())

    def skip_examples(self, reason: str, limit: int = 3) -> list[Skipped]:
        return [s for s in self.skipped if s.reason == reason][:limit]


def discover(paths: Iterable[str | Path]) -> tuple[list[Path], list[Skipped]]:
    """Every file under the paths, sorted, once; missing paths are reported."""
    files: dict[Path, None] = {}
    missing = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                if child.is_file() and not any(part.startswith(".") for part in child.relative_to(path).parts):
                    files[child] = None
        elif path.is_file():
            files[path] = None
        else:
            missing.append(Skipped(str(path), "not found"))
    return list(files), missing


def read_file(path: Path) -> Iterator[tuple[str, Procedure] | Skip]:
    """(source, record) for every record of one file, or Skip for what cannot be used."""
    suffix = path.suffix.lower()
    if suffix not in DATA_SUFFIXES:
        yield Skip("not a data file", suffix or path.name)
        return
    try:
        size = path.stat().st_size
    except OSError as exc:
        yield Skip("unreadable file", str(exc))
        return
    if size == 0:
        yield Skip("empty file")
        return
    if suffix == ".xlsx":
        for item in lists.read_rows(path):
            yield item if isinstance(item, Skip) else (lists.SOURCE, item)
        return
    if suffix == ".jsonl":
        for item in catalog.read_lines(path):
            yield item if isinstance(item, Skip) else (catalog.SOURCE, item)
        return
    if size > MAX_JSON_BYTES:
        yield Skip("file too large", f"{size} bytes")
        return
    try:
        data = json.loads(path.read_bytes())  # bytes: UTF-8 (with or without BOM), UTF-16/32
    except UnicodeDecodeError:
        yield Skip("not UTF-8 text")
        return
    except ValueError as exc:
        yield Skip("unreadable JSON", str(exc)[:200])
        return
    except OSError as exc:
        yield Skip("unreadable file", str(exc))
        return
    if bundled.matches(data):
        for item in bundled.read(data):
            yield item if isinstance(item, Skip) else (item.source, item)
        return
    for source, matches, read in JSON_FORMATS:
        if matches(data):
            for record in read(data, path):
                yield source, record
            return
    kind = type(data).__name__.replace("dict", "object").replace("list", "array")
    keys = f" with keys {sorted(data)[:6]}" if isinstance(data, dict) else ""
    yield Skip("unknown format", f"a JSON {kind}{keys}")


def import_paths(
    paths: Iterable[str | Path],
    progress: Callable[[Path], None] | None = None,
    on_files: Callable[[int], None] | None = None,
) -> ImportReport:
    """Read every recognised file under ``paths`` and merge the records by national code.
    ``on_files(n)`` is told how many files were found, ``progress(path)`` is called after each."""
    files, missing = discover(paths)
    if on_files:
        on_files(len(files))
    report = ImportReport(skipped=list(missing), files=len(files))
    records: list[Procedure] = []
    for path in files:
        try:
            for item in read_file(path):
                if isinstance(item, Skip):
                    report.skipped.append(Skipped(str(path), item.reason, item.detail))
                else:
                    source, record = item
                    report.sources.setdefault(source, SourceCounts()).read += 1
                    records.append(record)
        except Skip as skip:
            report.skipped.append(Skipped(str(path), skip.reason, skip.detail))
        except Exception as exc:  # a bug or a format we did not foresee: report it, keep going
            report.skipped.append(Skipped(str(path), "error", f"{type(exc).__name__}: {exc}"[:200]))
        if progress:
            progress(path)
    merged = merge(records)
    report.procedures = merged.procedures
    for source, counts in report.sources.items():
        counts.used = merged.used.get(source, 0)
        counts.superseded = merged.superseded.get(source, 0)
    return report
