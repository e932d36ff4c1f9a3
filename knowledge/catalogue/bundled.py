"""The small catalogue bundled with motcua, so that a fresh clone answers real questions offline.

``knowledge/data/catalogue.json`` holds the 40 procedures citizens use most, written by us in our own
format (short document names, a few plain steps) with the facts — documents and counts, fees, processing
times, agencies, legal basis, source page and retrieval date — checked against the national portal
records. Any imported source replaces a bundled record (``SOURCE_RANK["bundled"]`` is low).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from knowledge.catalogue.model import Procedure
from knowledge.text import clean

BUNDLED_PATH = Path(__file__).resolve().parent.parent / "data" / "catalogue.json"
FORMAT = "motcua-catalogue/1"


class BundledCatalogueError(ValueError):
    """The bundled catalogue file is missing or malformed (the message says where)."""


def _nfc(value: Any) -> Any:
    """Every string through ``clean`` (NFC, no invisible characters), so a hand-edited file can't
    smuggle decomposed Vietnamese into comparisons."""
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, list):
        return [_nfc(v) for v in value]
    if isinstance(value, dict):
        return {k: _nfc(v) for k, v in value.items()}
    return value


def load_bundled(path: Path = BUNDLED_PATH) -> list[Procedure]:
    """Read, normalise and validate the bundled catalogue; raise ``BundledCatalogueError`` on any defect."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise BundledCatalogueError(f"bundled catalogue not found: {path}") from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BundledCatalogueError(f"bundled catalogue is not valid UTF-8 JSON: {path}: {exc}") from exc
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise BundledCatalogueError(f"{path}: expected an object with format {FORMAT!r}")
    records = data.get("procedures")
    if not isinstance(records, list):
        raise BundledCatalogueError(f"{path}: 'procedures' must be a list")

    procedures: list[Procedure] = []
    seen: set[str] = set()
    for index, raw in enumerate(records):
        label = raw.get("code") if isinstance(raw, dict) else None
        try:
            procedure = Procedure.model_validate(_nfc(raw))
        except ValidationError as exc:
            raise BundledCatalogueError(f"{path}: record {index} ({label or 'no code'}) is invalid: {exc}") from exc
        if procedure.source != "bundled":
            raise BundledCatalogueError(f"{path}: record {procedure.code} has source {procedure.source!r}, not 'bundled'")
        if procedure.code in seen:
            raise BundledCatalogueError(f"{path}: code {procedure.code} appears twice")
        seen.add(procedure.code)
        procedures.append(procedure)
    return procedures
