"""``lists/*.xlsx``: the official "Danh sách TTHC" exports per ministry: code, name, agencies,
field, with the header on row 2 (row 1 is the national motto). Names only (``detailed=False``).
Columns are found by their header, not their position, so a re-ordered export still reads."""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path

from knowledge.catalogue.importers.common import Skip, finish, national_code, required_name
from knowledge.catalogue.model import Procedure
from knowledge.catalogue.parse import split_list
from knowledge.text import fold

SOURCE = "lists"
RETRIEVED_AT = date(2026, 7, 20)
SOURCE_URL = "https://github.com/chatbot-tthc/chatbot_tthc"
COLUMNS = {  # folded header → field
    "ma so": "code",
    "ma thu tuc": "code",
    "ten": "name",
    "ten thu tuc": "name",
    "co quan ban hanh": "promulgating_agency",
    "co quan thuc hien": "executing_agency",
    "linh vuc": "field",
}


def read_rows(path: Path) -> Iterator[Procedure | Skip]:
    import openpyxl  # only when a spreadsheet is imported

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, OSError, KeyError, ValueError) as exc:
        yield Skip("unreadable spreadsheet", str(exc)[:200])
        return
    try:
        sheet = workbook.worksheets[0]
        columns: dict[int, str] | None = None
        for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells = ["" if v is None else str(v) for v in row]
            if columns is None:
                found = {i: COLUMNS[fold(c).strip()] for i, c in enumerate(cells) if fold(c).strip() in COLUMNS}
                if {"code", "name"} <= set(found.values()):
                    columns = found
                elif number >= 10:
                    yield Skip("unknown format", "no 'Mã số'/'Tên' header in the first 10 rows")
                    return
                continue
            if not any(c.strip() for c in cells):
                continue
            record = {field: cells[i] if i < len(cells) else "" for i, field in columns.items()}
            try:
                yield procedure_from_row(record)
            except Skip as skip:
                yield Skip(skip.reason, f"row {number}: {skip.detail}".rstrip(": "))
        if columns is None:
            yield Skip("unknown format", "no 'Mã số'/'Tên' header")
    finally:
        workbook.close()


def procedure_from_row(record: dict[str, str]) -> Procedure:
    return finish({
        "code": national_code(record.get("code")),
        "name": required_name(record.get("name")),
        "field": record.get("field") or None,
        "promulgating_agency": record.get("promulgating_agency") or None,
        "executing_agency": "; ".join(split_list(record.get("executing_agency"), separators=";")) or None,
        "source": SOURCE,
        "source_url": SOURCE_URL,
        "retrieved_at": RETRIEVED_AT,
        "detailed": False,
    })
