"""The importers on the real national catalogue (defects included), on malformed files, and the
``procedures`` table they fill (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import shutil
import unicodedata
from datetime import date, timedelta
from pathlib import Path

import openpyxl
import pytest

from db.catalogue_repo import (
    catalogue_version,
    count_procedures,
    get_procedure,
    load_procedures,
    upsert_procedures,
)
from knowledge.catalogue.importers import import_paths
from knowledge.catalogue.importers.portal_api import procedure_from_portal_api
from knowledge.catalogue.merge import merge
from knowledge.catalogue.model import Document, DocumentGroup, LegalDoc, Procedure, TimeUnit

_REPORTS: dict[Path, object] = {}
PORTAL_PAGE = "https://dichvucong.gov.vn/thu-tuc-hanh-chinh/"
LEVELS = {"xã", "tỉnh", "bộ", "khác"}


@pytest.fixture
def catalogue(shared_dir: Path) -> Path:
    return shared_dir / "catalogue"


@pytest.fixture
def full_report(catalogue: Path):
    """The import of the whole shared catalogue, read once per test session (it takes seconds)."""
    if catalogue not in _REPORTS:
        _REPORTS[catalogue] = import_paths([catalogue])
    return _REPORTS[catalogue]


def _mismatched(catalogue: Path) -> dict[Path, str]:
    """The portal-raw files whose page shows another procedure's code (computed here independently)."""
    found = {}
    for path in sorted((catalogue / "portal-raw").rglob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        raw = data["raw_text"]
        shown = raw[raw.index("Mã thủ tục") + len("Mã thủ tục"):].split("Số quyết định")[0].strip()
        if shown != data["ma_thu_tuc"]:
            found[path] = data["ma_thu_tuc"]
    return found


def _detailed_codes_in_files(catalogue: Path) -> set[str]:
    codes = {p.stem for p in (catalogue / "opengov" / "procedures").glob("*.json")}
    codes |= {p.stem for p in (catalogue / "portal-raw").rglob("*.json")}
    codes |= {json.loads(p.read_text(encoding="utf-8"))["thu_tuc_id"] for p in (catalogue / "bqp").glob("*.json")}
    return codes


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


# --- the whole real catalogue --------------------------------------------------------------------


def test_whole_catalogue_detailed_codes_and_the_17_wrong_pages(full_report, catalogue):
    mismatched = _mismatched(catalogue)
    assert len(mismatched) == 17
    in_files = _detailed_codes_in_files(catalogue)
    assert len(in_files) == 3274  # as the README counts them
    detailed = {p.code for p in full_report.procedures if p.detailed}
    # the 17 wrong pages are skipped: their codes are known by name only (from the portal's list)
    assert detailed == in_files - set(mismatched.values())
    assert len(detailed) == 3274 - 17
    skipped = {Path(s.path): s for s in full_report.skipped if s.reason == "code mismatch"}
    assert set(skipped) == set(mismatched)
    assert all("page shows" in s.detail for s in skipped.values())
    by_code = {p.code: p for p in full_report.procedures}
    assert all(not by_code[c].detailed and by_code[c].source == "catalog" for c in mismatched.values())


def test_whole_catalogue_one_record_per_code_and_counts_per_source(full_report):
    codes = [p.code for p in full_report.procedures]
    assert len(codes) == len(set(codes))
    names_only = [p for p in full_report.procedures if not p.detailed]
    assert names_only and all(p.source in ("catalog", "lists") for p in names_only)
    sources = full_report.sources
    assert (sources["opengov"].read, sources["opengov"].used) == (502, 502)
    assert (sources["portal-api"].read, sources["portal-api"].superseded) == (502, 502)
    assert sources["portal-raw"].read == 2642 - 17
    assert sources["portal-raw"].superseded == 77  # the codes OpenGOV also has
    assert (sources["bqp"].read, sources["bqp"].used) == (207, 207)
    for counts in sources.values():
        assert counts.used + counts.superseded == counts.read
    assert full_report.skip_counts()["malformed code"] == 3  # "1.014955-Xoa" and two mistyped codes


def test_every_record_has_provenance_clean_text_and_no_placeholders(full_report):
    for p in full_report.procedures:
        assert p.source_url and p.retrieved_at, p.code
        assert set(p.levels) <= LEVELS
        assert p.kind in (None, "STANDARD", "SPECIFIC", "STANDARD_INTERNAL")
        for text in _strings(p.model_dump(mode="json")):
            assert unicodedata.is_normalized("NFC", text), p.code
            assert "\u200b" not in text and "\ufeff" not in text
            assert text != "Không có thông tin", p.code


def test_fixed_fees_are_credible_amounts_in_dong(full_report):
    amounts = [f.amount_vnd for p in full_report.procedures for c in p.channels for f in c.fees]
    assert any(a and a >= 1_000_000 for a in amounts)
    assert all(a is None or a == 0 or a >= 1_000 for a in amounts)  # never "20 đồng" for 20 USD


def test_opengov_records_get_level_kind_and_link_from_their_portal_twin(full_report):
    p = {p.code: p for p in full_report.procedures}["1.000080"]
    assert p.source == "opengov"
    assert p.levels == ["xã"] and p.kind == "STANDARD"  # only the portal API says these
    assert p.portal_url == PORTAL_PAGE + "019d2bfd-380b-73df-9a18-5658e09794d3"
    # seven documents; the conditional instructions ("Trường hợp … thì …", no count) are notes
    assert sum(len(g.items) for g in p.documents) == 7 and p.legal_basis and p.steps
    assert any(n.startswith("Trường hợp gửi hồ sơ qua hệ thống bưu chính thì") for g in p.documents for n in g.notes)
    # Its channels print a bare "7"; its one processing case says 12 working days: that time, and
    # the contradiction said.
    assert all(c.time and (c.time.quantity, c.time.unit) == (12, TimeUnit.WORKING_DAY) for c in p.channels)
    assert all("ghi “7”" in c.time.text for c in p.channels)


def test_names_only_records_link_to_the_portal_page(full_report):
    names_only = [p for p in full_report.procedures if not p.detailed]
    assert all(p.source_url.startswith(PORTAL_PAGE) for p in names_only if p.source == "catalog")
    assert sum(bool(p.field) for p in names_only) > 0.9 * len(names_only)
    bqp = [p for p in full_report.procedures if p.source == "bqp"]
    linked = [p for p in bqp if p.portal_url]
    assert len(linked) >= 150  # the portal's list knows most Ministry of Defence codes
    assert all(p.portal_url.startswith(PORTAL_PAGE) for p in linked)


def test_portal_raw_text_parsing_agrees_with_the_portal_api(catalogue):
    """77 procedures exist both as run-together text (portal-raw) and as the API's structured answer:
    the parsed fees must be the API's, and documents and legal basis nearly always."""
    api = {p.stem: p for p in (catalogue / "opengov" / "portal-api").glob("*.json")}
    pairs = [(raw, api[raw.stem]) for raw in sorted((catalogue / "portal-raw").rglob("*.json")) if raw.stem in api]
    assert len(pairs) == 77
    report = import_paths([raw for raw, _ in pairs])
    parsed = {p.code: p for p in report.procedures}
    same_fees = same_docs = same_law = 0
    for raw, api_file in pairs:
        a = procedure_from_portal_api(json.loads(api_file.read_text(encoding="utf-8"))["data"])
        r = parsed[raw.stem]
        # (where the API prints a 0 beside a text, the page may say "Miễn phí" in words: free)
        api_fees = [[f.amount_vnd for f in c.fees][:1] for c in a.channels]
        raw_fees = [[f.amount_vnd for f in c.fees] for c in r.channels]
        zero = [[f.published_zero for f in c.fees][:1] for c in a.channels]
        same_fees += len(api_fees) == len(raw_fees) and all(
            len(x) == len(y) and all(u == v or (z and v == 0) for u, v, z in zip(x, y, zs, strict=True))
            for x, y, zs in zip(api_fees, raw_fees, zero, strict=True))
        same_docs += [(d.originals, d.copies) for g in a.documents for d in g.items] == [
            (d.originals, d.copies) for g in r.documents for d in g.items]
        same_law += sorted(d.code for d in a.legal_basis) == sorted(d.code for d in r.legal_basis)
    assert same_fees == 77
    assert same_docs >= 75
    assert same_law >= 60  # the rest differ in the data itself (crawled two days apart) or glue oddly


# --- malformed input -------------------------------------------------------------------------------


def test_malformed_files_are_skipped_with_a_reason_and_the_rest_imports(tmp_path, catalogue):
    good = catalogue / "opengov" / "procedures" / "1.000080.json"
    raw = next((catalogue / "portal-raw" / "bo-tu-phap").glob("*.json"))
    shutil.copy(good, tmp_path / "good.json")
    text = good.read_text(encoding="utf-8")
    (tmp_path / "truncated.json").write_text(text[: len(text) // 2], encoding="utf-8")
    (tmp_path / "empty.json").write_bytes(b"")
    (tmp_path / "array.json").write_text("[1, 2, 3]", encoding="utf-8")
    (tmp_path / "unknown.json").write_text('{"hello": "world"}', encoding="utf-8")
    legacy = unicodedata.normalize("NFD", raw.read_text(encoding="utf-8"))
    (tmp_path / "cp1258.json").write_bytes(legacy.encode("cp1258", errors="replace"))
    (tmp_path / "nfd.json").write_text(legacy, encoding="utf-8")  # decomposed accents: stored as NFC
    (tmp_path / "broken.xlsx").write_bytes(b"PK\x03\x04 not really a spreadsheet")
    (tmp_path / "notes.txt").write_text("hello", encoding="utf-8")
    lines = [json.dumps({"id": "019f6f67-c3a8-7163-8167-02e782ebf1c2", "name": "Thủ tục A", "code": "9.999901",
                         "departments": []}, ensure_ascii=False), "{oops", json.dumps({"id": "x", "code": "9.999902",
                                                                                        "name": "", "departments": []})]
    (tmp_path / "list.jsonl").write_text("\n".join(lines), encoding="utf-8")

    report = import_paths([tmp_path, tmp_path / "missing.json"])
    reasons = {Path(s.path).name: s.reason for s in report.skipped}
    assert reasons == {
        "truncated.json": "unreadable JSON",
        "empty.json": "empty file",
        "array.json": "unknown format",
        "unknown.json": "unknown format",
        "cp1258.json": "not UTF-8 text",
        "broken.xlsx": "unreadable spreadsheet",
        "notes.txt": "not a data file",
        "missing.json": "not found",
        "list.jsonl": "missing name",  # the last one of its skips (the line "{oops" is the other)
    }
    assert [s.reason for s in report.skipped if s.path.endswith("list.jsonl")] == ["unreadable JSON", "missing name"]
    imported = {p.code: p for p in report.procedures}
    assert set(imported) == {"1.000080", raw.stem, "9.999901"}
    assert imported[raw.stem].name == unicodedata.normalize("NFC", imported[raw.stem].name)
    assert imported["9.999901"].source_url == PORTAL_PAGE + "019f6f67-c3a8-7163-8167-02e782ebf1c2"


def test_spreadsheet_rows_with_header_on_row_two(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"])
    sheet.append(["Lĩnh vực", "Mã số", "Tên", "Cơ quan thực hiện"])  # columns found by name, not position
    sheet.append(["Hộ tịch", "1.000894", "Thủ tục đăng ký khai sinh", "Ủy ban nhân dân cấp xã\nSở Tư pháp"])
    sheet.append(["Hộ tịch", "1.000895", None, None])
    sheet.append([None, None, None, None])
    book.save(tmp_path / "danh-sach.xlsx")
    report = import_paths([tmp_path])
    [p] = report.procedures
    assert (p.code, p.name, p.field, p.detailed, p.source) == ("1.000894", "Thủ tục đăng ký khai sinh", "Hộ tịch",
                                                               False, "lists")
    assert p.executing_agency == "Ủy ban nhân dân cấp xã; Sở Tư pháp"
    assert [(s.reason, s.detail) for s in report.skipped] == [("missing name", "row 4")]


def test_bundled_format_is_recognised_by_its_format_key(tmp_path):
    doc = {
        "format": "motcua-catalogue/1",
        "retrieved_at": "2026-11-01",
        "procedures": [
            {"code": "1.001193", "name": "Đăng ký khai sinh", "levels": ["xã"], "source_url": "https://example.org/1"},
            {"code": "1.001194", "name": "Đăng ký khai tử", "source": "opengov", "retrieved_at": "2026-07-18"},
            {"name": "không có mã"},
        ],
    }
    (tmp_path / "catalogue.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    (tmp_path / "future.json").write_text(json.dumps({"format": "motcua-catalogue/9", "procedures": []}),
                                          encoding="utf-8")
    report = import_paths([tmp_path])
    by_code = {p.code: p for p in report.procedures}
    assert (by_code["1.001193"].source, by_code["1.001193"].retrieved_at) == ("bundled", date(2026, 11, 1))
    assert (by_code["1.001194"].source, by_code["1.001194"].retrieved_at) == ("opengov", date(2026, 7, 18))
    assert sorted((Path(s.path).name, s.reason) for s in report.skipped) == [
        ("catalogue.json", "missing code"), ("future.json", "unknown format")]


# --- merge ---------------------------------------------------------------------------------------


def _p(code: str, source: str, **kw) -> Procedure:
    return Procedure(code=code, name=kw.pop("name", f"Thủ tục {code}"), source=source, source_url="https://x/" + source,
                     **kw)


def test_a_curated_record_answers_until_a_much_newer_source_record_replaces_it():
    checked = date(2026, 7, 18)
    crawl = [_p("1.000001", "opengov", field="Hộ tịch", retrieved_at=checked),
             _p("1.000001", "portal-raw", retrieved_at=checked + timedelta(days=2))]
    curated = _p("1.000001", "bundled", field="Hộ tịch", requirements="checked", retrieved_at=checked)
    assert merge([*crawl, curated]).procedures[0].source == "bundled"
    synced = _p("1.000001", "sync", field="Hộ tịch", retrieved_at=checked + timedelta(days=120))
    winner = merge([*crawl, curated, synced]).procedures[0]
    assert winner.source == "sync" and winner.requirements == ""  # a stale curated record donates nothing


def test_merge_keeps_the_richest_source_and_fills_its_gaps():
    merged = merge([
        _p("1.000001", "catalog", detailed=False, kind="SPECIFIC", portal_url=PORTAL_PAGE + "abc-def-0123456789"),
        _p("1.000001", "portal-raw", levels=["tỉnh"], legal_basis=[LegalDoc(code="1/2020/NĐ-CP")]),
        _p("1.000001", "opengov", field="Hộ tịch", retrieved_at=date(2026, 7, 18)),
        _p("1.000001", "bundled", field="Khác", retrieved_at=date(2026, 1, 1)),  # checked long before
        _p("1.000002", "lists", detailed=False),
    ])
    assert [p.code for p in merged.procedures] == ["1.000001", "1.000002"]
    first = merged.procedures[0]
    assert (first.source, first.field, first.levels, first.kind) == ("opengov", "Hộ tịch", ["tỉnh"], "SPECIFIC")
    assert first.legal_basis[0].code == "1/2020/NĐ-CP" and first.portal_url.startswith(PORTAL_PAGE)
    assert merged.used == {"opengov": 1, "lists": 1}
    assert merged.superseded == {"catalog": 1, "portal-raw": 1, "bundled": 1}


def test_overlapping_sources_become_one_opengov_record(catalogue):
    code = "1.000080"
    files = [catalogue / "opengov" / "procedures" / f"{code}.json",
             catalogue / "opengov" / "portal-api" / f"{code}.json",
             *(catalogue / "portal-raw").rglob(f"{code}.json")]
    report = import_paths(files)
    [p] = report.procedures
    assert (p.code, p.source, p.levels) == (code, "opengov", ["xã"])
    assert {s: (c.read, c.used) for s, c in report.sources.items()} == {
        "opengov": (1, 1), "portal-api": (1, 0), "portal-raw": (1, 0)}


# --- the procedures table ----------------------------------------------------------------------------


async def test_whole_catalogue_stored_twice_changes_nothing_the_second_time(db, full_report):
    first = await upsert_procedures(db, full_report.procedures)
    assert (first.inserted, first.updated) == (len(full_report.procedures), 0)
    version = await catalogue_version(db)
    counts = await count_procedures(db)
    assert counts["total"] == len(full_report.procedures) and counts["detailed"] == 3274 - 17
    assert counts["by_source"]["opengov"] == 502

    second = await upsert_procedures(db, full_report.procedures)
    assert second.changed == 0 and second.unchanged == len(full_report.procedures)
    assert await catalogue_version(db) == version

    stored = await load_procedures(db)
    assert [p.code for p in stored] == [p.code for p in full_report.procedures]
    assert stored[0] == full_report.procedures[0]
    assert (await get_procedure(db, "1.000080")).levels == ["xã"]
    assert await get_procedure(db, "9.999999") is None
    assert await get_procedure(db, "'; DROP TABLE procedures; --") is None


async def _richer_is_never_replaced_by_poorer(database):
    richer = _p("1.000001", "opengov", field="Hộ tịch", steps=["Nộp hồ sơ"])
    poorer = _p("1.000001", "portal-raw", field="Khác")
    assert (await upsert_procedures(database, [richer])).inserted == 1
    version = await catalogue_version(database)

    stats = await upsert_procedures(database, [poorer])
    assert (stats.kept_richer, stats.changed) == (1, 0)
    assert (await get_procedure(database, "1.000001")).field == "Hộ tịch"
    assert await catalogue_version(database) == version

    newer = richer.model_copy(update={"steps": ["Nộp hồ sơ", "Nhận kết quả"]})
    assert (await upsert_procedures(database, [newer])).updated == 1  # same source: replaces
    assert (await get_procedure(database, "1.000001")).steps == ["Nộp hồ sơ", "Nhận kết quả"]
    assert await catalogue_version(database) != version

    # one call with both: the richer one is kept, the code stored once
    both = await upsert_procedures(database, [_p("1.000002", "opengov"), _p("1.000002", "catalog", detailed=False)])
    assert both.inserted == 1
    assert (await get_procedure(database, "1.000002")).source == "opengov"
    assert (await count_procedures(database))["total"] == 2


async def test_a_poorer_source_never_overwrites_a_richer_one(db):
    await _richer_is_never_replaced_by_poorer(db)


@pytest.mark.postgres
async def test_a_poorer_source_never_overwrites_a_richer_one_on_postgres(pg_db):
    await _richer_is_never_replaced_by_poorer(pg_db)


@pytest.mark.postgres
async def test_real_records_upsert_idempotently_on_postgres(pg_db, full_report):
    sample = full_report.procedures[::7]  # ~820 records of every source, more than one batch
    assert (await upsert_procedures(pg_db, sample)).inserted == len(sample)
    version = await catalogue_version(pg_db)
    assert (await upsert_procedures(pg_db, sample)).changed == 0
    assert await catalogue_version(pg_db) == version
    assert await load_procedures(pg_db) == sample


def test_portal_raw_form_files_glued_to_a_name_are_split_whole():
    from knowledge.catalogue.importers.portal_raw import split_form

    assert split_form("Bản thuyết minh theo Mẫu số 11.NT ban hành kèm theo Nghị định số 41/2026/NĐ-CPMẫu số 11.docx") == (
        "Bản thuyết minh theo Mẫu số 11.NT ban hành kèm theo Nghị định số 41/2026/NĐ-CP", "Mẫu số 11.docx")
    assert split_form("Tờ trình lập theo Mẫu 04 Thông tư 08/2026/TT-BNNMT ngày 26/01/2026Mau so 04.docx")[1] == "Mau so 04.docx"
    assert split_form("mẫu quy định tại Mẫu số 22d kèm theo Thông tư số 09/2026/TT-BNNMT.mẫu 22d sửa.docx")[1] == (
        "mẫu 22d sửa.docx")
    assert split_form("Đơn theo Mẫu số 03a ban hành kèm theo Nghị định 151/2024/NĐ-CPMus03axe.docx")[1] == "Mus03axe.docx"
    assert split_form("Báo cáo kết quả khảo sát theo mẫu quy địnhbáo cáo kết quả khảo sát.docx") == (
        "Báo cáo kết quả khảo sát theo mẫu quy định", "báo cáo kết quả khảo sát.docx")


def test_portal_raw_a_padded_count_inside_a_name_is_the_name():
    from knowledge.catalogue.importers.portal_raw import parse_documents

    (group,) = parse_documents("--Tên giấy tờMẫu đơn, tờ khaiSố lượngĐơn đề nghị1 bản chính- Đối với dự án mở rộng: "
                               "01 bản sao Báo cáo nghiên cứu khả thi của dự án0 bản chính,1 bản sao")
    assert [d["name"] for d in group["items"]] == [
        "Đơn đề nghị", "- Đối với dự án mở rộng: 01 bản sao Báo cáo nghiên cứu khả thi của dự án"]


def test_portal_raw_legal_numbers_run_into_the_next_or_abbreviated_kinds():
    from knowledge.catalogue.importers.portal_raw import parse_legal_basis

    docs = parse_legal_basis("Tên văn bản pháp lýMã văn bảnLuật Các tổ chức tín dụngLuật số 32/2024/QH1550/2025/TT-NHNN"
                             "số 50/2025/TT-NHNNNghị định 23/2026/NĐ-CP sửa đổi trong lĩnh vực tài nguyên nước.NĐ "
                             "23/2026/NĐ-CPThông tư số 09/2026/TT-BNNMT ngày 16 tháng 6 năm 2025.09/2026/TT-BNNMT")
    assert [(d["code"], d["name"]) for d in docs] == [
        ("Luật số 32/2024/QH15", "Luật Các tổ chức tín dụng"), ("50/2025/TT-NHNN", ""), ("50/2025/TT-NHNN", ""),
        ("23/2026/NĐ-CP", "Nghị định 23/2026/NĐ-CP sửa đổi trong lĩnh vực tài nguyên nước."),
        ("09/2026/TT-BNNMT", "Thông tư số 09/2026/TT-BNNMT ngày 16 tháng 6 năm 2025.")]


def test_bqp_a_fee_with_no_number_and_an_attached_table_says_where_it_is():
    from knowledge.catalogue.parse import parse_fees

    (fee, other) = parse_fees("Phí :  Đồng (Theo quy định của Bộ Tài chính)\nFile đính kèm: 62-btc.signed.pdf\n"
                              "Phí :  Đồng (Theo quy định của Bộ Tài chính)\nFile đính kèm: 25-btc.signed.pdf")
    assert fee.amount_vnd is None and fee.text == (
        "Theo quy định của Bộ Tài chính (biểu mức thu trong tệp đính kèm 62-btc.signed.pdf trên trang nguồn)")
    assert "25-btc.signed.pdf" in other.text


def test_notes_among_documents_what_they_must_be_and_what_the_agency_does():
    from knowledge.catalogue.facts import tidy_documents

    (group,) = tidy_documents([DocumentGroup(items=[
        Document(name="Đơn đề nghị", originals=1),
        Document(name="Đối với các tài liệu trong hồ sơ điện tử là bản điện tử quét từ bản gốc (tập tin PDF).",
                 originals=0, copies=0),
        Document(name="Cơ quan chủ quản xác nhận chuyên gia theo mẫu quy định trong vòng 15 làm việc.", originals=0),
        Document(name="Trường hợp gửi hồ sơ qua bưu chính thì phải gửi kèm bản sao có chứng thực."),
        Document(name="Trường hợp ủy quyền thì nộp văn bản ủy quyền", originals=1)])])
    assert [d.name for d in group.items] == ["Đơn đề nghị", "Trường hợp ủy quyền thì nộp văn bản ủy quyền"]
    assert len(group.notes) == 3


def test_cases_labelled_with_roman_or_dotted_numbers_are_cases():
    from handlers.procedure_view import build_view, case_groups
    from knowledge.catalogue.model import Procedure

    p = Procedure(code="1.000001", name="Thử", source="opengov", documents=[
        DocumentGroup(title="(1.1) Đối với công trình không theo tuyến", items=[Document(name="Đơn", originals=1)]),
        DocumentGroup(title="(1.2) Đối với công trình theo tuyến", items=[Document(name="Bản vẽ", originals=1)]),
        DocumentGroup(title="Trường hợp doanh nghiệp cập nhật, bổ sung thông tin về chức danh, thông tin cá nhân của người đại diện",
                      items=[Document(name="Thông báo", originals=1)]),
        DocumentGroup(title="Trường hợp ủy quyền cho cá nhân", items=[Document(name="Văn bản ủy quyền", originals=1)])])
    assert case_groups(p) == [0, 1, 2]
    assert build_view(p, today=date(2026, 12, 2)).cases[0] == "Đối với công trình không theo tuyến"


# --- times: stages, cut-offs, contradictions (issue 9) ---------------------------------------------
def _channel_procedure(channels: list[dict], steps: list[str] | None = None) -> Procedure:
    from knowledge.catalogue.importers.common import finish

    return finish({"code": "9.000001", "name": "Thủ tục thử", "channels": channels, "steps": steps or [],
                   "source": "portal-raw"})


def test_a_stage_under_a_stage_heading_is_not_another_case_of_the_whole_time():
    note = ("- Kiểm tra tính đầy đủ của hồ sơ:\n+ Trường hợp nộp hồ sơ trực tiếp: Tại thời điểm tiếp nhận hồ sơ.\n"
            "+ Trường hợp nộp hồ sơ qua dịch vụ bưu chính: Trong thời hạn 01 ngày làm việc.\n"
            "- Thẩm định hồ sơ: Trong thời hạn 10 ngày làm việc, kể từ ngày nhận được hồ sơ hợp lệ.\n"
            "- Cấp Giấy chứng nhận: Trong thời hạn 02 ngày làm việc kể từ ngày kết thúc đánh giá.")
    p = _channel_procedure([{"method": "POSTAL", "time": {"quantity": 12, "unit": "WORKING_DAY"}, "note": note}])
    (channel,) = p.channels
    assert (channel.time.quantity, channel.time.unit) == (12, TimeUnit.WORKING_DAY)
    # The stages are told as stages of the 12 days; the ways of submitting under the first stage
    # ("Trường hợp nộp hồ sơ trực tiếp…") are no cases of the whole time.
    assert all(t.stage and not t.added for t in channel.more_times)
    assert [(t.quantity, t.case) for t in channel.more_times] == [(10, "Thẩm định hồ sơ"), (2, "Cấp Giấy chứng nhận")]


def test_a_description_of_stages_only_gives_stages_not_its_first_stage_as_the_time():
    note = ("* Thời hạn giải quyết:\n- Thời hạn tiếp nhận và kiểm tra hồ sơ: 03 ngày làm việc, kể từ khi nhận hồ sơ;\n"
            "- Thời hạn thẩm định hồ sơ và trình phê duyệt: 50 ngày, kể từ ngày nhận được hồ sơ;\n"
            "- Thời hạn trả kết quả giải quyết: 02 ngày làm việc.")
    p = _channel_procedure([{"method": "DIRECT", "time": None, "note": note}])
    (channel,) = p.channels
    assert channel.time is None
    assert [(t.quantity, t.unit, t.case, t.stage) for t in channel.more_times] == [
        (3, TimeUnit.WORKING_DAY, "Tiếp nhận và kiểm tra hồ sơ", True),
        (50, TimeUnit.DAY, "Thẩm định hồ sơ và trình phê duyệt", True),
        (2, TimeUnit.WORKING_DAY, "Trả kết quả giải quyết", True),
    ]


def test_an_hour_that_is_a_time_of_day_is_a_cut_off_not_a_duration():
    note = ("Ngay trong ngày tiếp nhận hồ sơ, trường hợp nhận hồ sơ sau 15 giờ mà không giải quyết được ngay thì trả "
            "kết quả trong ngày làm việc tiếp theo. Trong trường hợp phải xác minh thì thời hạn giải quyết không quá "
            "03 ngày làm việc.")
    p = _channel_procedure([{"method": "DIRECT", "time": {"quantity": 15, "unit": "HOUR"}, "note": note}])
    (channel,) = p.channels
    assert channel.time.quantity is None and "sau 15 giờ" in channel.time.text
    assert [(t.quantity, t.unit) for t in channel.more_times] == [(3, TimeUnit.WORKING_DAY)]
    # a real duration in hours stays one
    kept = _channel_procedure([{"method": "DIRECT", "time": {"quantity": 8, "unit": "HOUR"},
                                "note": "Trong 08 giờ làm việc kể từ khi nhận đủ hồ sơ"}])
    assert kept.channels[0].time.quantity == 8


def test_the_record_contradicting_itself_on_the_time_is_said_not_resolved():
    p = _channel_procedure(
        [{"method": "POSTAL", "time": {"quantity": 11, "unit": "WORKING_DAY"}},
         {"method": "DIRECT", "time": {"quantity": 1, "unit": "WORKING_DAY"}}],
        steps=["Bước 1: Tổ chức lập hồ sơ gửi Ngân hàng Nhà nước;",
               "Bước 2: Trường hợp hồ sơ chưa đầy đủ, trong thời hạn 10 ngày kể từ ngày nhận được hồ sơ, có văn bản yêu cầu bổ sung;",
               "Bước 3: Trong thời hạn 11 ngày làm việc kể từ ngày nhận đủ hồ sơ hợp lệ, Ngân hàng Nhà nước có quyết định."])
    assert [(c.method, c.time.quantity) for c in p.channels] == [("POSTAL", 11), ("DIRECT", 1)]  # as published
    (conflict,) = p.time_conflicts
    assert "trực tiếp “1 ngày làm việc”" in conflict and "11 ngày làm việc kể từ ngày nhận đủ hồ sơ" in conflict
    hours = _channel_procedure([{"method": "POSTAL", "time": {"quantity": 14, "unit": "HOUR"},
                                 "note": "Trường hợp phức tạp thì thời gian tối đa không vượt quá 14 ngày."}])
    assert hours.time_conflicts == ["Nguồn ghi không thống nhất: bảng ghi qua bưu chính “14 giờ”, phần mô tả ghi “14 ngày”."]
    # a stage in the steps shorter than the whole is no contradiction
    fine = _channel_procedure([{"method": "DIRECT", "time": {"quantity": 12, "unit": "WORKING_DAY"}}],
                              steps=["Bước 2: Trong thời hạn 10 ngày làm việc kể từ ngày nhận đủ hồ sơ, cơ quan thẩm định."])
    assert fine.time_conflicts == []


# --- province: only a provincial copy's (issue 9) ------------------------------------------------------
def test_only_a_provincial_copy_gets_a_province_and_never_from_an_address():
    def record(kind, agency, source="portal-raw", detailed=True, **more):
        return Procedure(code="9.000002", name="Cấp giấy phép thử", kind=kind, executing_agency=agency,
                         levels=["tỉnh"], source=source, detailed=detailed, **more)

    national = merge([record(None, "Sở Nông nghiệp và Môi trường Thành phố Hải Phòng; Sở Nông nghiệp và Môi trường",
                             submit_address="120 Lê Duẩn, Tp. Hà Nội"),
                      record("STANDARD", "Sở Nông nghiệp và Môi trường", source="catalog", detailed=False)]).procedures[0]
    assert (national.province, national.executing_agency) == (None, "Sở Nông nghiệp và Môi trường")
    alone = merge([record("STANDARD", "Sở Tư pháp Thành phố Hà Nội")]).procedures[0]
    assert (alone.province, alone.executing_agency) == (None, "Sở Tư pháp Thành phố Hà Nội")  # no twin: as published
    copy = merge([record("SPECIFIC", "Sở Xây dựng - tỉnh Quảng Ninh", promulgating_agency="UBND tỉnh Quảng Ninh")]).procedures[0]
    assert (copy.province, copy.executing_agency) == ("Quảng Ninh", "Sở Xây dựng - tỉnh Quảng Ninh")


def test_methods_the_record_s_own_text_names_beyond_its_channel_rows():
    note = ("- Người có yêu cầu trực tiếp thực hiện hoặc ủy quyền cho người khác nộp hồ sơ trực tiếp hoặc gửi hồ sơ qua "
            "hệ thống bưu chính tới Cơ quan đại diện.\n- Ngoài các cách thực hiện nêu trên, hồ sơ có thể nộp trực tuyến "
            "qua môi trường điện tử.")
    p = _channel_procedure([{"method": "DIRECT", "time": {"quantity": 3, "unit": "WORKING_DAY"}, "note": note}],
                           steps=["Bước 3: Trả kết quả trực tiếp hoặc qua dịch vụ bưu chính.", "Bước 1: Cá nhân nộp thuế trực tiếp."])
    assert p.other_methods == ["POSTAL", "ONLINE"]
    assert p.methods == ["DIRECT", "POSTAL", "ONLINE"]  # deduplicated, the table's rows first
    # the result's delivery and paying a tax are no way of filing
    only_result = _channel_procedure([{"method": "DIRECT", "time": None}],
                                     steps=["Bước 3: Trả kết quả trực tiếp hoặc qua dịch vụ bưu chính.",
                                            "Bước 1: Cá nhân nộp thuế trực tuyến."])
    assert only_result.other_methods == []


def test_portal_raw_legal_cell_ends_where_the_pages_next_section_is_run_into_it():
    from knowledge.catalogue.importers.portal_raw import parse_legal_basis

    docs = parse_legal_basis("Tên văn bản pháp lýMã văn bảnNghị quyết 56/2010/QH1256/2010/QH12Cơ quan thực hiện"
                             "Tòa án nhân dân tỉnh, thành phố trực thuộc trung ương")
    assert docs == [{"code": "56/2010/QH12", "name": "Nghị quyết 56/2010/QH12"}]
