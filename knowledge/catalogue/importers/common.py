"""What every importer shares: the skip signal, code checks, and the final clean-up of a record."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from pydantic import ValidationError

from knowledge.calendar import VN_TZ
from knowledge.catalogue.facts import tidy_procedure
from knowledge.catalogue.model import Procedure
from knowledge.catalogue.parse import tidy

CODE = re.compile(r"\d\.\d{6}")  # national procedure code; cases ("1.001193.02") are not procedures

class Skip(Exception):
    """A file or record that cannot be used; ``reason`` is short and fixed (the report groups by it),
    ``detail`` says what exactly was wrong."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail

def national_code(value: Any) -> str:
    code = tidy(str(value)) if value is not None else ""
    if not code:
        raise Skip("missing code")
    if not CODE.fullmatch(code):
        raise Skip("malformed code", code)
    return code

def required_name(value: Any) -> str:
    name = tidy(str(value)) if value is not None else ""
    if not name:
        raise Skip("missing name")
    return name

def list_of(value: Any) -> list:
    """``value`` when it is a list, else [] (sources put null or a string where a list belongs)."""
    return value if isinstance(value, list) else []

def dict_of(value: Any) -> dict:
    return value if isinstance(value, dict) else {}

def as_date(value: Any) -> date | None:
    """ "2026-07-18T09:13:46.134Z", epoch milliseconds, a date — or None."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float):
        try:
            return datetime.fromtimestamp(value / 1000 if value > 10**11 else value, VN_TZ).date()
        except (OverflowError, OSError, ValueError):
            return None
    try:
        moment = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return (moment.astimezone(VN_TZ) if moment.tzinfo else moment).date()  # the date in Vietnam

def _clean_deep(value: Any) -> Any:
    if isinstance(value, str):
        return tidy(value)
    if isinstance(value, list):
        return [_clean_deep(v) for v in value]
    if isinstance(value, dict):
        return {k: _clean_deep(v) for k, v in value.items()}
    return value

def finish(data: dict[str, Any]) -> Procedure:
    """The stored form of a record: every string NFC and without invisible characters, validated.
    Empty list items and document names are dropped (they carry nothing)."""
    data = _clean_deep(data)
    for key in ("subjects", "results", "steps"):
        data[key] = [v for v in data.get(key) or [] if v]
    data["documents"] = [
        {**g, "items": [d for d in g.get("items", []) if d.get("name")]}
        for g in data.get("documents") or []
    ]
    data["documents"] = [g for g in data["documents"] if g["items"] or g.get("notes")]
    data["legal_basis"] = [d for d in data.get("legal_basis") or [] if d.get("code") or d.get("name")]
    for key in ("field", "category_code", "promulgating_agency", "executing_agency", "kind", "source_url",
                "portal_url"):
        if not data.get(key):
            data[key] = None
    try:
        return tidy_procedure(Procedure.model_validate(data))
    except ValidationError as exc:
        raise Skip("invalid record", str(exc.errors()[0].get("msg", exc))[:200]) from exc
