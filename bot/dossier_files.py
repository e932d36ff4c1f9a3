"""Dossier files for ``motcua dossiers import``: JSON lines or CSV with the columns of the JSON shape
(``knowledge.dossiers.schema``). In CSV, ``status_history`` is a JSON list in one cell and empty cells
are missing values. Rows come out with their line number, or the reason they could not be read."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

MAX_LINE = 1_000_000  # characters: one dossier is a few hundred


@dataclass(frozen=True, slots=True)
class RawRow:
    line: int
    data: dict[str, Any] | None
    error: str | None = None


def detect_format(path: Path, given: str | None = None) -> str:
    if given:
        return given
    return "csv" if path.suffix.lower() in (".csv", ".tsv") else "jsonl"


def _counted(stream: TextIO, advance: Callable[[int], None] | None) -> Iterator[str]:
    for line in stream:
        if advance:
            advance(len(line.encode("utf-8", "replace")))
        yield line


def read_jsonl(stream: TextIO, advance: Callable[[int], None] | None = None) -> Iterator[RawRow]:
    for number, line in enumerate(_counted(stream, advance), 1):
        if not line.strip():
            continue
        if len(line) > MAX_LINE:
            yield RawRow(number, None, f"dòng quá dài / line too long (> {MAX_LINE} characters)")
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            yield RawRow(number, None, f"không phải JSON / not JSON: {exc.msg} (column {exc.colno})")
            continue
        if not isinstance(data, dict):
            yield RawRow(number, None, "cần một đối tượng JSON / expected a JSON object")
            continue
        yield RawRow(number, data)


def read_csv(stream: TextIO, advance: Callable[[int], None] | None = None) -> Iterator[RawRow]:
    csv.field_size_limit(MAX_LINE)
    reader = csv.reader(_counted(stream, advance))
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        return
    except csv.Error as exc:
        yield RawRow(1, None, f"CSV không hợp lệ / bad CSV: {exc}")
        return
    line = reader.line_num
    while True:
        start = line + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            line = reader.line_num
            yield RawRow(start, None, f"CSV không hợp lệ / bad CSV: {exc}")
            continue
        line = reader.line_num
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(header):
            yield RawRow(start, None, f"{len(cells)} cột thay vì {len(header)} / {len(cells)} columns, expected {len(header)}")
            continue
        data: dict[str, Any] = {k: (v if v.strip() else None) for k, v in zip(header, cells)}
        history = data.get("status_history")
        if history:
            try:
                data["status_history"] = json.loads(history)
            except json.JSONDecodeError as exc:
                yield RawRow(start, None, f"status_history không phải JSON / status_history is not JSON: {exc.msg}")
                continue
        else:
            data.pop("status_history", None)
        yield RawRow(start, data)


def read_rows(path: Path, fmt: str, advance: Callable[[int], None] | None = None) -> Iterator[RawRow]:
    """Rows of the file; raises UnicodeDecodeError (the caller reports it) on a non-UTF-8 file."""
    with path.open(encoding="utf-8-sig", newline="" if fmt == "csv" else None) as stream:
        yield from (read_csv if fmt == "csv" else read_jsonl)(stream, advance)
