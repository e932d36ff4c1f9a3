"""The bundled default catalogue: 40 valid, NFC, complete records whose facts agree with the shared
national records they were written from.

The shared records are read directly here (not through the importers, which are separate code): the
richest source wins, as in the catalogue README — ``opengov/procedures`` over ``portal-raw`` over ``bqp``.
"""

from __future__ import annotations

import glob
import json
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest

from knowledge.catalogue.bundled import BUNDLED_PATH, BundledCatalogueError, load_bundled
from knowledge.catalogue.model import Method, Procedure
from knowledge.text import clean

EXPECTED_COUNT = 40
# Crawl dates the shared catalogue README states for sources whose records carry no date of their own.
PORTAL_RAW_CRAWLED = date(2026, 7, 20)
BQP_CRAWLED_MONTH = (2026, 1)


@pytest.fixture(scope="module")
def bundled() -> list[Procedure]:
    return load_bundled()


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


# --- the file on its own -----------------------------------------------------------------------------
def test_exactly_forty_valid_procedures_with_unique_codes(bundled):
    assert len(bundled) == EXPECTED_COUNT
    codes = [p.code for p in bundled]
    assert len(set(codes)) == EXPECTED_COUNT
    assert all(re.fullmatch(r"\d\.\d{6}", c) for c in codes), codes
    assert all(p.source == "bundled" for p in bundled)


def test_file_header_and_every_string_is_nfc():
    raw = json.loads(BUNDLED_PATH.read_text(encoding="utf-8"))
    assert raw["format"] == "motcua-catalogue/1"
    assert "Cổng Dịch vụ công" in raw["note"] and "2026" in raw["note"]
    bad = [s for s in _strings(raw) if unicodedata.normalize("NFC", s) != s]
    assert bad == []
    # the stored file is already clean: loading changes none of the model's fields
    fields = set(Procedure.model_fields)
    stored = [Procedure.model_validate({k: v for k, v in r.items() if k in fields}).model_dump(mode="json")
              for r in raw["procedures"]]
    loaded = [p.model_dump(mode="json") for p in load_bundled()]
    assert loaded == stored


def test_every_record_is_complete_enough_to_answer_a_citizen(bundled):
    for p in bundled:
        assert p.name and p.field, p.code
        assert p.executing_agency, f"{p.code}: no executing agency"
        assert p.levels and set(p.levels) <= {"xã", "tỉnh", "bộ", "khác"}, p.code
        assert any(group.items for group in p.documents), f"{p.code}: no documents"
        for group in p.documents:
            for item in group.items:
                assert item.name.strip(), p.code
                assert item.originals is not None and item.copies is not None, f"{p.code}: {item.name}"
        assert p.channels, f"{p.code}: no channel"
        timed = [c for c in p.channels if c.time and (c.time.quantity is not None or c.time.text)]
        assert timed, f"{p.code}: no channel with a processing time"
        assert all(c.fees for c in p.channels), f"{p.code}: a channel says nothing about fees"
        assert 1 <= len(p.steps) <= 6, f"{p.code}: steps should be a few short lines"
        assert all(len(s) <= 320 for s in p.steps), p.code
        assert len(p.requirements) <= 600, p.code
        assert p.legal_basis and all(law.code and law.name for law in p.legal_basis), p.code
        assert p.source_url and p.source_url.startswith("https://dichvucong.gov.vn/"), p.code
        assert p.retrieved_at is not None, p.code


def test_common_citizen_needs_are_covered(bundled):
    names = " | ".join(p.name.lower() for p in bundled)
    for need in ("đăng ký khai sinh", "khai tử", "kết hôn", "thường trú", "tạm trú", "thẻ căn cước",
                 "hộ chiếu", "giấy phép lái xe", "hộ kinh doanh", "chứng thực", "lý lịch tư pháp",
                 "bảo hiểm xã hội một lần", "thai sản", "nghĩa vụ quân sự", "giấy phép xây dựng"):
        assert need in names, need


# --- bad input gets a clear answer --------------------------------------------------------------------
def test_loader_normalises_nfd_and_rejects_malformed_files(tmp_path):
    raw = json.loads(BUNDLED_PATH.read_text(encoding="utf-8"))
    one = dict(raw, procedures=raw["procedures"][:1])
    one["procedures"][0] = dict(one["procedures"][0], name=unicodedata.normalize("NFD", one["procedures"][0]["name"]))
    nfd = tmp_path / "nfd.json"
    nfd.write_text(json.dumps(one, ensure_ascii=False), encoding="utf-8")
    [loaded] = load_bundled(nfd)
    assert loaded.name == unicodedata.normalize("NFC", raw["procedures"][0]["name"])

    cases = {
        "missing.json": None,
        "broken.json": "{not json",
        "wrong_format.json": json.dumps({"format": "other/9", "procedures": []}),
        "not_a_list.json": json.dumps({"format": "motcua-catalogue/1", "procedures": {}}),
        "invalid_record.json": json.dumps({"format": "motcua-catalogue/1", "procedures": [{"code": "1.000001"}]}),
        "duplicate.json": json.dumps(dict(raw, procedures=raw["procedures"][:1] * 2), ensure_ascii=False),
        "not_bundled.json": json.dumps(dict(raw, procedures=[dict(raw["procedures"][0], source="opengov")]),
                                       ensure_ascii=False),
    }
    for name, text in cases.items():
        path = tmp_path / name
        if text is not None:
            path.write_text(text, encoding="utf-8")
        with pytest.raises(BundledCatalogueError, match=re.escape(str(path))):
            load_bundled(path)


# --- agreement with the shared national records -----------------------------------------------------
_METHODS = {"Trực tuyến": "ONLINE", "Trực tiếp": "DIRECT", "Dịch vụ bưu chính": "POSTAL"}
_UNITS = {"ngày làm việc": "WORKING_DAY", "ngày": "DAY", "giờ": "HOUR", "tháng": "MONTH", None: "OTHER"}
_ROW = re.compile(r"(Trực tuyến|Trực tiếp|Dịch vụ bưu chính)(\d+(?:[.,]\d+)?|Không có thông tin)\s*"
                  r"(Ngày làm việc|Ngày|Giờ|Tháng)?")
_AMOUNT = re.compile(r"(\d{1,3}(?:[.,]\d{3})+|\d+)\s*(?:Việt Nam Đồng|VNĐ|đồng|đ)(?!\w)", re.IGNORECASE)


@dataclass
class Row:
    method: str
    quantity: float | None
    unit: str
    amounts: set[int] = field(default_factory=set)


@dataclass
class Reference:
    source: str
    name: str
    url: str | None
    crawled: date | tuple[int, int]
    rows: list[Row]
    legal_codes: set[str]
    legal_text: str


def _amounts(text: str) -> set[int]:
    return {int(re.sub(r"[.,]", "", m.group(1))) for m in _AMOUNT.finditer(text or "")}


def _quantity(value) -> float | None:
    if value in (None, "", 0, "0") or str(value).strip() == "Không có thông tin":
        return None
    return float(str(value).replace(",", "."))


def _opengov(path: Path) -> Reference:
    d = json.loads(path.read_text(encoding="utf-8"))
    rows = []
    for c in d["channels"]:
        amounts = set()
        for f in c["fees"]:
            amounts |= {f["value_vnd"]} if f.get("value_vnd") else set()
            amounts |= _amounts(f.get("text", ""))
        rows.append(Row(c["method"], _quantity(c["processing"]["qty"]), c["processing"]["unit"], amounts))
    codes = {clean(x["code"]) for x in d["legal_basis"]}
    text = " ".join(clean(x["code"]) + " " + clean(x["name"]) for x in d["legal_basis"])
    return Reference("opengov", d["name"], d["source"]["url"], date.fromisoformat(d["source"]["crawled_at"][:10]),
                     rows, codes, text)


def _portal_raw(path: Path) -> Reference | None:
    d = json.loads(path.read_text(encoding="utf-8"))
    inside = re.search(r"Mã thủ tục\s*([0-9.]+)", d.get("raw_text", ""))
    if inside and inside.group(1).rstrip(".") != d["ma_thu_tuc"]:
        return None  # one of the files that hold the wrong procedure (README)
    text = d["cach_thuc_thuc_hien"].replace("Hình thức nộpThời gianPhí, lệ phíMô tả", "", 1)
    matches = list(_ROW.finditer(text))
    rows = []
    for i, m in enumerate(matches):
        tail = text[m.end(): matches[i + 1].start() if i + 1 < len(matches) else len(text)]
        unit = _UNITS[m.group(3).lower() if m.group(3) else None]
        rows.append(Row(_METHODS[m.group(1)], _quantity(m.group(2)), unit, _amounts(tail)))
    return Reference("portal-raw", d["ten_thu_tuc"], d["detail_url"], PORTAL_RAW_CRAWLED, rows, set(),
                     clean(d["can_cu_phap_ly"]))


def _bqp(path: Path) -> Reference:
    d = json.loads(path.read_text(encoding="utf-8"))
    rows = []
    for r in d["tables"]["hinh_thuc_nop"]:
        m = re.match(r"\s*(\d+)\s*(Ngày làm việc|Ngày|Giờ|Tháng)?", r["thoi_han_giai_quyet"] or "")
        unit = _UNITS[m.group(2).lower() if m and m.group(2) else None]
        rows.append(Row(_METHODS[r["hinh_thuc"]], _quantity(m.group(1)) if m else None, unit,
                        _amounts(r["phi_le_phi"])))
    legal = d["tables"]["can_cu_phap_ly"]
    catalog = path.parent.parent / "opengov" / "catalog.jsonl"
    url = None
    for line in catalog.read_text(encoding="utf-8").splitlines():
        entry = json.loads(line)
        if entry["code"] == d["thu_tuc_id"]:
            url = f"https://dichvucong.gov.vn/thu-tuc-hanh-chinh/{entry['id']}"
            break
    return Reference("bqp", d["metadata"]["tên_thủ_tục"], url, BQP_CRAWLED_MONTH, rows,
                     {clean(x["so_ky_hieu"]) for x in legal},
                     " ".join(clean(x["so_ky_hieu"]) + " " + clean(x["trich_yeu"]) for x in legal))


def reference(catalogue: Path, code: str) -> Reference | None:
    """The richest shared record of a code (opengov > portal-raw > bqp), or None when no source has it."""
    opengov = catalogue / "opengov" / "procedures" / f"{code}.json"
    if opengov.is_file():
        return _opengov(opengov)
    for path in sorted(glob.glob(str(catalogue / "portal-raw" / "*" / f"{code}.json"))):
        ref = _portal_raw(Path(path))
        if ref is not None:
            return ref
    bqp = catalogue / "bqp" / f"{code}.json"
    return _bqp(bqp) if bqp.is_file() else None


def mismatches(p: Procedure, ref: Reference) -> list[str]:
    """Every fact of ``p`` that disagrees with the shared record ``ref``."""
    out = []
    if clean(p.name) != clean(ref.name):
        out.append(f"name {p.name!r} != {ref.name!r}")
    if p.source_url != ref.url:
        out.append(f"source_url {p.source_url} != {ref.url}")
    if isinstance(ref.crawled, date):
        if p.retrieved_at != ref.crawled:
            out.append(f"retrieved_at {p.retrieved_at} != {ref.crawled}")
    elif p.retrieved_at is None or (p.retrieved_at.year, p.retrieved_at.month) != ref.crawled:
        out.append(f"retrieved_at {p.retrieved_at} not in {ref.crawled}")
    shared_methods = {r.method for r in ref.rows}
    if {c.method.value for c in p.channels} != shared_methods:
        out.append(f"channels {sorted(c.method.value for c in p.channels)} != {sorted(shared_methods)}")
    for c in p.channels:
        rows = [r for r in ref.rows if r.method == c.method.value]
        quantity = c.time.quantity if c.time else None
        unit = c.time.unit.value if c.time else "OTHER"
        if not any(r.quantity == (None if quantity is None else float(quantity)) and r.unit == unit for r in rows):
            out.append(f"{c.method.value}: time {quantity} {unit} not in {[(r.quantity, r.unit) for r in rows]}")
        published = set().union(*(r.amounts for r in rows)) if rows else set()
        for f in c.fees:
            if f.amount_vnd is not None and f.amount_vnd not in published:
                out.append(f"{c.method.value}: fee {f.amount_vnd} not published (have {sorted(published)})")
    for law in p.legal_basis:
        found = law.code in ref.legal_codes if ref.source == "opengov" else law.code in ref.legal_text
        if not found:
            out.append(f"legal basis {law.code} not in the shared record")
    return out


def test_every_record_agrees_with_the_shared_national_record(shared_dir, bundled):
    catalogue = shared_dir / "catalogue"
    problems = {}
    for p in bundled:
        ref = reference(catalogue, p.code)
        if ref is None:
            problems[p.code] = ["code not found in the shared records"]
            continue
        found = mismatches(p, ref)
        if found:
            problems[p.code] = found
    assert problems == {}


def test_the_comparison_catches_wrong_facts(shared_dir, bundled):
    """Proof that the agreement test can fail: altered copies of a real record are reported."""
    catalogue = shared_dir / "catalogue"
    by_code = {p.code: p for p in bundled}
    thuong_tru = by_code["1.004222"]  # opengov: 7 working days, 10.000 đ online / 20.000 đ direct
    ref = reference(catalogue, thuong_tru.code)
    assert mismatches(thuong_tru, ref) == []

    wrong = thuong_tru.model_copy(deep=True)
    wrong.name = "Đăng ký thường trú (sửa)"
    online = wrong.channel(Method.ONLINE)
    online.time.quantity = 5
    online.fees[0].amount_vnd = 15000
    wrong.legal_basis[0].code = "99/2099/QH99"
    problems = " | ".join(mismatches(wrong, ref))
    for expected in ("name", "ONLINE: time 5", "fee 15000", "99/2099/QH99"):
        assert expected in problems, expected

    passport = by_code["1.001456"]  # portal-raw: parsed from run-together text
    ref = reference(catalogue, passport.code)
    assert ref.source == "portal-raw" and mismatches(passport, ref) == []
    dropped = passport.model_copy(deep=True)
    dropped.channels = [c for c in dropped.channels if c.method != Method.POSTAL]
    dropped.channel(Method.DIRECT).fees[0].amount_vnd = 400001
    problems = " | ".join(mismatches(dropped, ref))
    assert "channels" in problems and "fee 400001" in problems


def _published_text(catalogue: Path, code: str) -> str:
    """All long free text the shared sources publish for a code (steps, documents, conditions)."""
    parts: list[str] = []
    opengov = catalogue / "opengov" / "procedures" / f"{code}.json"
    if opengov.is_file():
        d = json.loads(opengov.read_text(encoding="utf-8"))
        parts += [s["text"] for s in d["steps_raw"]] + [d["requirements"]]
        parts += [item["name"] for group in d["checklist_raw"] for item in group["items"]]
    for path in glob.glob(str(catalogue / "portal-raw" / "*" / f"{code}.json")):
        d = json.loads(Path(path).read_text(encoding="utf-8"))
        parts += [d["trinh_tu_thuc_hien"], d["thanh_phan_ho_so"], d["yeu_cau_dieu_kien"], d["raw_text"]]
    bqp = catalogue / "bqp" / f"{code}.json"
    if bqp.is_file():
        d = json.loads(bqp.read_text(encoding="utf-8"))
        parts += list(d["content"].values()) + [r["ten_giay_to"] for r in d["tables"]["thanh_phan_ho_so"]]
    return clean(" ".join(parts)).lower()


def test_records_are_written_in_our_own_words(shared_dir, bundled):
    """Shortened, not copied: no document name, step or requirement repeats a 100-character run of the
    published text verbatim (short official names and form titles are fine)."""
    catalogue = shared_dir / "catalogue"
    window = 100
    copied = []
    for p in bundled:
        published = _published_text(catalogue, p.code)
        ours = [p.requirements, *p.steps, *(item.name for group in p.documents for item in group.items)]
        for text in ours:
            text = clean(text).lower()
            if any(text[i:i + window] in published for i in range(0, len(text) - window + 1, 10)):
                copied.append((p.code, text[:80]))
    assert copied == []
