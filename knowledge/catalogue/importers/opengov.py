"""``opengov/procedures/<code>.json``: OpenGOV's cleaned records of the portal's procedures.

The richest source we have (documents with counts, fees per channel, legal basis), but it carries
neither the level nor the kind (STANDARD/SPECIFIC): those come from the portal-API twin of the same
record when both are imported (see ``knowledge.catalogue.merge``). Fee values carry no currency here,
so the few consular fees published in USD (values such as 20) are left open, not read as 20 đồng.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from knowledge.catalogue.facts import normal_time
from knowledge.catalogue.importers.common import as_date, dict_of, finish, list_of, national_code, required_name
from knowledge.catalogue.model import ProcessingTime, Procedure, TimeUnit
from knowledge.catalogue.parse import fee_from_value, parse_time, portal_url, text_or_empty, text_or_rule, unique

SOURCE = "opengov"
_OTHER_CASE = "một trường hợp giải quyết khác của thủ tục (nguồn không nêu trường hợp nào)"
_METHOD_WORDS = {"ONLINE": "trực tuyến", "POSTAL": "qua bưu chính", "DIRECT": "trực tiếp"}
_UNIT_WORDS = {"WORKING_DAY": "ngày làm việc", "DAY": "ngày", "HOUR": "giờ", "WORKING_HOUR": "giờ làm việc",
               "MONTH": "tháng"}
RETRIEVED_AT = date(2026, 7, 18)
REPOSITORY = "https://github.com/VoidKeishi/OpenGOV"


def matches(data: Any) -> bool:
    return isinstance(data, dict) and {"code", "name", "channels", "checklist_raw"} <= data.keys()


def read(data: dict, path: Path | None = None) -> list[Procedure]:
    return [procedure_from_opengov(data)]


def procedure_from_opengov(d: dict) -> Procedure:
    code = national_code(d.get("code"))
    name = required_name(d.get("name"))
    category = dict_of(d.get("category"))
    source = dict_of(d.get("source"))
    case_times = list(dict.fromkeys(
        (c.get("qty"), str(c.get("unit") or "").upper())
        for c in map(dict_of, list_of(d.get("processing_cases")))
        if isinstance(c.get("qty"), int | float) and str(c.get("unit") or "").upper() not in ("", "OTHER")))
    channels = []
    disagree: dict[tuple, list[str]] = {}  # (channel's number, the case's, unit, read as extended) → methods
    rows_per_method: dict[str, int] = {}
    for ch in map(dict_of, list_of(d.get("channels"))):
        method = str(ch.get("method") or "").upper()
        rows_per_method[method] = rows_per_method.get(method, 0) + 1
    for ch in list_of(d.get("channels")):
        ch = dict_of(ch)
        method = str(ch.get("method") or "").upper()
        if method not in ("ONLINE", "POSTAL", "DIRECT"):
            continue
        note = text_or_rule(ch.get("note"))
        processing = dict_of(ch.get("processing"))
        qty, unit, conflict = processing.get("qty"), processing.get("unit"), ""
        bare = str(unit or "").upper() in ("", "OTHER") and isinstance(qty, int | float)  # a number, no unit
        if bare and case_times:
            # A bare number: its processing cases say the unit (and, when they all agree, the time).
            same = [u for q, u in case_times if q == qty]
            if same:
                unit = same[0]
            elif len(case_times) == 1:  # the record contradicts itself: say so, beside the stated time
                shown, (qty, unit) = qty, case_times[0]
                conflict = (f"phần hình thức nộp ghi “{shown:g}”, không ghi đơn vị; thời hạn này theo "
                            "trường hợp giải quyết của thủ tục")
        time = parse_time(qty, unit, note=note)
        if time is not None and conflict:
            time = time.model_copy(update={"text": conflict})
        more_times = []
        if bare:
            # the bare number is one processing case's; the others' times are said too, never hidden (1.004859:
            # "1", cases of 1, 3 and 3 working days), with what the record says of them: nothing
            more_times = [ProcessingTime(quantity=q, unit=TimeUnit(u), case=_OTHER_CASE)
                          for q, u in case_times if (q, u) != (qty, str(unit or "").upper())]
        # (A method with rows of its own — "đồng bằng 30 ngày", "miền núi 38 ngày" — says its times itself.)
        if time is not None and len(case_times) == 1 and time.quantity is not None and rows_per_method[method] == 1:
            case_qty, case_unit = case_times[0]
            published = time
            if case_unit == time.unit and case_qty < time.quantity:  # the channel's number: the extended maximum
                time, more_times = normal_time(time, note, ProcessingTime(quantity=case_qty, unit=case_unit))
            if case_unit == published.unit and case_qty != published.quantity:  # never hidden: said beside the time
                disagree.setdefault((published.quantity, case_qty, case_unit, any(t.added for t in more_times)),
                                   []).append(method)
        fees = [
            fee_from_value(f.get("value_vnd"), f.get("text") or "", kind=f.get("type") or "FEE")
            for f in map(dict_of, list_of(ch.get("fees")))
        ]
        channels.append({"method": method, "time": time, "more_times": more_times, "fees": fees, "note": note})
    conflicts = []
    for (shown, case_qty, unit, extended), methods in disagree.items():
        words = ", ".join(_METHOD_WORDS[m] for m in methods)
        unit_words = _UNIT_WORDS.get(unit, "")
        conflict = (f"Nguồn ghi không thống nhất: bảng ghi {words} “{shown:g} {unit_words}”, thời hạn theo trường hợp "
                    f"giải quyết ghi “{case_qty:g} {unit_words}”")
        conflicts.append(conflict + ("; ở đây phần chênh lệch được hiểu là thời gian tăng thêm mà mô tả nêu." if extended else "."))
    documents = []
    for group in map(dict_of, list_of(d.get("checklist_raw"))):
        items = []
        for item in map(dict_of, list_of(group.get("items"))):
            forms = [a.get("fileName") for a in map(dict_of, list_of(item.get("attachments"))) if a.get("fileName")]
            items.append({
                "name": text_or_empty(item.get("name")),
                "originals": item.get("original_qty"),
                "copies": item.get("copy_qty"),
                "form": "; ".join(forms) or None,
            })
        documents.append({"title": text_or_empty(group.get("group")).strip(" *:"), "items": items})
    steps = []
    for step in map(dict_of, list_of(d.get("steps_raw"))):
        head, body = text_or_empty(step.get("name")), text_or_empty(step.get("text"))
        steps.append("\n".join(p for p in (head, body) if p))
    return finish({
        "code": code,
        "name": name,
        "field": text_or_empty(category.get("name")),
        "category_code": text_or_empty(category.get("code")),
        "promulgating_agency": text_or_empty(d.get("promulgating_agency")),
        "executing_agency": text_or_empty(d.get("executing_agency")),
        "subjects": unique(text_or_empty(s) for s in list_of(d.get("subject_types"))),
        "results": unique(text_or_empty(r) for r in list_of(d.get("results"))),
        "requirements": text_or_empty(d.get("requirements")),
        "documents": documents,
        "channels": channels,
        "time_conflicts": conflicts,
        "steps": steps,
        "legal_basis": [
            {"code": text_or_empty(b.get("code")), "name": text_or_empty(b.get("name"))}
            for b in map(dict_of, list_of(d.get("legal_basis")))
        ],
        "source": SOURCE,
        "source_url": source.get("url") or portal_url(d.get("source_id")) or REPOSITORY,
        "portal_url": portal_url(d.get("source_id")),
        "retrieved_at": as_date(source.get("crawled_at")) or RETRIEVED_AT,
    })
