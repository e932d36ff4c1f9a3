"""``opengov/catalog.jsonl``: the portal's whole list, one procedure a line, names and list fields
only (no documents, fees or times). Stored with ``detailed=False``: searchable, answered with "details
not available, see the source link". The ``id`` is the portal's, so the link is the procedure's page.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

from knowledge.catalogue.importers.common import Skip, finish, list_of, national_code, required_name
from knowledge.catalogue.model import Procedure
from knowledge.catalogue.parse import portal_url, text_or_empty, unique

SOURCE = "catalog"
RETRIEVED_AT = date(2026, 7, 18)
KINDS = {"STANDARD", "SPECIFIC", "STANDARD_INTERNAL"}
REPOSITORY = "https://github.com/VoidKeishi/OpenGOV"  # when a line's portal id is unusable


def matches_line(data: Any) -> bool:
    return isinstance(data, dict) and {"id", "code", "name"} <= data.keys() and "departments" in data


def procedure_from_catalog(d: dict) -> Procedure:
    url = portal_url(d.get("id"))
    kind = str(d.get("type") or "").upper()
    return finish({
        "code": national_code(d.get("code") or d.get("codeNotation")),
        "name": required_name(d.get("name")),
        "field": "; ".join(unique(text_or_empty(c) for c in list_of(d.get("categories")))),
        "promulgating_agency": text_or_empty(d.get("departmentPromulgate")),
        "executing_agency": "; ".join(unique(text_or_empty(x) for x in list_of(d.get("departments")))),
        "subjects": unique(text_or_empty(s) for s in list_of(d.get("formalityTargetType"))),
        "kind": kind if kind in KINDS else None,
        "source": SOURCE,
        "source_url": url or REPOSITORY,
        "portal_url": url,
        "retrieved_at": RETRIEVED_AT,
        "detailed": False,
    })


def read_lines(path: Path) -> Iterator[Procedure | Skip]:
    """One Procedure or Skip per non-empty line; a bad line never stops the rest."""
    with path.open("rb") as f:
        for number, raw in enumerate(f, start=1):
            if not raw.strip():
                continue
            try:
                data = json.loads(raw)
            except UnicodeDecodeError:
                yield Skip("not UTF-8 text", f"line {number}")
                continue
            except ValueError as exc:
                yield Skip("unreadable JSON", f"line {number}: {exc}")
                continue
            if not matches_line(data):
                yield Skip("unknown format", f"line {number}")
                continue
            try:
                yield procedure_from_catalog(data)
            except Skip as skip:
                yield Skip(skip.reason, f"line {number}: {skip.detail}".rstrip(": "))
