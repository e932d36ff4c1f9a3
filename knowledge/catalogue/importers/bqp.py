"""``bqp/*.json``: Ministry of Defence procedures converted from the ministry's Word files
(github.com/nhdandz/ThuTucHanhChinh). Tables are kept as rows, so little parsing is needed; counts
read "Bản chính: 1\\nBản sao: 0" and fees "Phí : 2.000.000 Đồng (...)". The files carry no portal
link: ``portal_url`` is filled from another source of the same code when there is one.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

from knowledge.catalogue.importers.common import Skip, dict_of, finish, list_of, national_code, required_name
from knowledge.catalogue.model import Procedure
from knowledge.catalogue.parse import (
    normalise_levels,
    parse_fees,
    parse_time,
    split_list,
    split_steps,
    text_or_empty,
    text_or_rule,
    tidy,
)

SOURCE = "bqp"
RETRIEVED_AT = date(2026, 1, 1)  # the README gives the month only (2026-01)
SOURCE_URL = "https://github.com/nhdandz/ThuTucHanhChinh"
_METHODS = {"trực tuyến": "ONLINE", "dịch vụ bưu chính": "POSTAL", "trực tiếp": "DIRECT"}
_LAW_CODE = re.compile(r"\d+(?:\.\d+)?[a-z]?/\d{4}/[A-ZĐ][\wĐ-]*")
_FORM_FILE = re.compile(r"\.(docx?|pdf|xlsx?|rar|zip)$", re.IGNORECASE)


def matches(data: Any) -> bool:
    return isinstance(data, dict) and "thu_tuc_id" in data and "metadata" in data


def read(data: dict, path: Path | None = None) -> list[Procedure]:
    return [procedure_from_bqp(data)]


def _count(text: str, label: str) -> int | None:
    m = re.search(rf"{label}\s*:\s*(\d+)", text, re.IGNORECASE)
    return int(m.group(1)) if m else None


def _law_code(number: str, title: str) -> str:
    """ "12" + "Quyết định số 12/2021/QĐ-TTg ..." → "12/2021/QĐ-TTg"; "Thông tư số 104/2024/TT-BQP" → as is."""
    number = text_or_empty(number)
    m = _LAW_CODE.search(number)
    if m:
        return number
    for m in _LAW_CODE.finditer(title):
        if not number or m.group(0).split("/")[0].lstrip("0") == number.lstrip("0"):
            return m.group(0)
    return number


def procedure_from_bqp(d: dict) -> Procedure:
    meta, content, tables = dict_of(d.get("metadata")), dict_of(d.get("content")), dict_of(d.get("tables"))
    code = national_code(meta.get("mã_thủ_tục") or d.get("thu_tuc_id"))
    if d.get("thu_tuc_id") and tidy(str(d["thu_tuc_id"])) != code:
        raise Skip("code mismatch", f"file says {d['thu_tuc_id']}, its metadata {code}")
    channels = []
    for row in map(dict_of, list_of(tables.get("hinh_thuc_nop"))):
        method = _METHODS.get(tidy(str(row.get("hinh_thuc") or "")).lower())
        if method:
            channels.append({
                "method": method,
                "time": parse_time(row.get("thoi_han_giai_quyet")),
                "fees": parse_fees(str(row.get("phi_le_phi") or "")),
                "note": text_or_rule(row.get("mo_ta")),
            })
    items = []
    for row in map(dict_of, list_of(tables.get("thanh_phan_ho_so"))):
        note, attached = str(row.get("ghi_chu") or ""), text_or_empty(row.get("so_luong"))
        items.append({
            "name": text_or_empty(row.get("ten_giay_to")),
            "originals": _count(note, "Bản chính"),
            "copies": _count(note, "Bản sao"),
            "form": attached if _FORM_FILE.search(attached) else None,
        })
    legal = [
        {"code": _law_code(str(r.get("so_ky_hieu") or ""), str(r.get("trich_yeu") or "")),
         "name": text_or_empty(r.get("trich_yeu"))}
        for r in map(dict_of, list_of(tables.get("can_cu_phap_ly")))
    ]
    return finish({
        "code": code,
        "name": required_name(meta.get("tên_thủ_tục")),
        "field": text_or_empty(meta.get("lĩnh_vực")),
        "promulgating_agency": "Bộ Quốc phòng",
        "executing_agency": text_or_empty(content.get("cơ_quan_thực_hiện"))
        or text_or_empty(content.get("cơ_quan_có_thẩm_quyền")),
        "levels": normalise_levels(str(meta.get("cấp_thực_hiện") or "")),
        "subjects": split_list(str(content.get("đối_tượng_thực_hiện") or "")),
        "results": split_list(str(content.get("kết_quả_thực_hiện") or ""), separators=";"),
        "requirements": text_or_empty(content.get("yêu_cầu_điều_kiện_thực_hiện")),
        "documents": [{"title": "", "items": items}],
        "channels": channels,
        "steps": split_steps(str(content.get("trình_tự_thực_hiện") or "")),
        "legal_basis": legal,
        "submit_address": text_or_empty(content.get("địa_chỉ_tiếp_nhận_hs")),
        "source": SOURCE,
        "source_url": SOURCE_URL,
        "retrieved_at": RETRIEVED_AT,
        "retrieved_month_only": True,  # (the day above is a stand-in, never shown)
    })
