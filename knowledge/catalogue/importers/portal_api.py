"""``opengov/portal-api/<code>.json``: the portal's own API answer, ``{"code": "OK", "data": {...}}``.

The same shape a live sync receives (``motcua catalogue sync``), so the mapping is one function,
``procedure_from_portal_api``, used by both. It is the only detailed source that says the level
(isMinistry/isProvince/isWard/isOtherAgency), the kind and the fee currency.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from knowledge.catalogue.importers.common import Skip, dict_of, finish, list_of, national_code, required_name
from knowledge.catalogue.model import Procedure
from knowledge.catalogue.parse import fee_from_value, parse_time, portal_url, text_or_empty, text_or_rule, unique

SOURCE = "portal-api"
RETRIEVED_AT = date(2026, 7, 18)  # OpenGOV's crawl; the answers carry no fetch date
REPOSITORY = "https://github.com/VoidKeishi/OpenGOV"
KINDS = {"STANDARD", "SPECIFIC", "STANDARD_INTERNAL"}
_LEVEL_FLAGS = (("isMinistry", "bộ"), ("isProvince", "tỉnh"), ("isWard", "xã"), ("isOtherAgency", "khác"))


def matches(data: Any) -> bool:
    return isinstance(data, dict) and "data" in data and isinstance(data.get("code"), str) and (
        isinstance(data["data"], dict) or data.get("code") != "OK")


def unwrap(answer: Any) -> dict:
    """The ``data`` of an API answer, or Skip when the answer is an error or has no record."""
    if not isinstance(answer, dict):
        raise Skip("unknown format", "the answer is not a JSON object")
    if answer.get("code") != "OK":
        raise Skip("API error", f"code={answer.get('code')!r} message={answer.get('message')!r}"[:200])
    data = answer.get("data")
    if not isinstance(data, dict) or not data:
        raise Skip("API error", "no data in the answer")
    return data


def read(answer: dict, path: Path | None = None) -> list[Procedure]:
    return [procedure_from_portal_api(unwrap(answer))]


def _names(items: Any) -> list[str]:
    return unique(text_or_empty(dict_of(i).get("name")) for i in list_of(items))


def procedure_from_portal_api(data: dict, source: str = SOURCE, retrieved_at: date | None = None,
                              fetched_from: str | None = None) -> Procedure:
    """Map the portal API's procedure record (the ``data`` of its answer) to a Procedure.
    ``fetched_from`` (the URL asked) is the source link when the record has no portal id."""
    code = national_code(data.get("code") or data.get("codeNotation"))
    name = required_name(data.get("name"))
    category = dict_of(data.get("category")) or next(iter(map(dict_of, list_of(data.get("categoriesDetails")))), {})
    channels = []
    for m in map(dict_of, list_of(data.get("executionMethods"))):
        method = str(m.get("submissionMethod") or "").upper()
        if method not in ("ONLINE", "POSTAL", "DIRECT"):
            continue
        note = text_or_rule(m.get("description"))
        fees = [
            fee_from_value(f.get("value"), f.get("description") or "", currency=f.get("currencyName"),
                           kind=f.get("type") or "FEE")
            for f in map(dict_of, list_of(m.get("fees")))
        ]
        channels.append({
            "method": method,
            "time": parse_time(m.get("processingTime"), m.get("processingTimeUnit"), note=note),
            "fees": fees,
            "note": note,
        })
    documents = []
    for case in map(dict_of, list_of(data.get("executionCases"))):
        items = []
        for c in map(dict_of, list_of(case.get("profileComponents"))):
            forms = [a.get("fileName") for a in map(dict_of, list_of(c.get("attachments"))) if a.get("fileName")]
            items.append({"name": text_or_empty(c.get("name")), "originals": c.get("originalQty"),
                          "copies": c.get("copyQty"), "form": "; ".join(forms) or None})
        documents.append({"title": text_or_empty(case.get("name")).strip(" *:"), "items": items})
    steps = []
    for s in map(dict_of, list_of(data.get("executionSteps"))):
        head, body = text_or_empty(s.get("name")), text_or_empty(s.get("description"))
        steps.append("\n".join(p for p in (head, body) if p))
    executing = text_or_empty(data.get("executingAgencies")) or "; ".join(
        _names(data.get("unitGroupsExecuting")) or _names(data.get("departmentsExecuting")))
    kind = str(data.get("type") or "").upper()
    if kind == "STANDARD" and data.get("isInternal") is True:
        kind = "STANDARD_INTERNAL"
    url = portal_url(data.get("id"))
    return finish({
        "code": code,
        "name": name,
        "field": text_or_empty(category.get("name")),
        "category_code": text_or_empty(category.get("code")),
        "promulgating_agency": text_or_empty(data.get("departmentPromulgateName")),
        "executing_agency": executing,
        "levels": [level for flag, level in _LEVEL_FLAGS if data.get(flag) is True],
        "subjects": _names(data.get("subjectTypesDetails")) or unique(
            text_or_empty(s) for s in list_of(data.get("formalityTargetType"))),
        "results": _names(data.get("resultsDetails")),
        "requirements": text_or_empty(data.get("requirementsAndConditions")),
        "documents": documents,
        "channels": channels,
        "steps": steps,
        "legal_basis": [
            {"code": text_or_empty(b.get("code")), "name": text_or_empty(b.get("name"))}
            for b in map(dict_of, list_of(data.get("legalBasisesDetails")))
        ],
        "submit_address": text_or_empty(data.get("dossierReceivingAddresses")),
        "kind": kind if kind in KINDS else None,
        "source": source,
        "source_url": url or fetched_from or REPOSITORY,
        "portal_url": url,
        "retrieved_at": retrieved_at or RETRIEVED_AT,
    })
