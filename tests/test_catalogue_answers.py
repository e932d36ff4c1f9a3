"""First answers over the whole shared catalogue, read as a citizen reads them (handlers.answer_check),
and the rules behind them on small records: the fee in force, a channel's stages, notes among
documents, legal numbers, the short title — and ``motcua ask``."""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
from datetime import date

import pytest

from bot.preview import preview
from db.catalogue_repo import upsert_procedures
from handlers.answer_check import CHANNEL_LIMIT, audit
from handlers.catalogue import Catalogue
from handlers.deps import Deps
from handlers.procedure_view import short_title
from knowledge.catalogue.facts import merge_channels, tidy_documents, unique_legal
from knowledge.catalogue.fees import in_force
from knowledge.catalogue.importers import import_paths
from knowledge.catalogue.model import Channel, Document, DocumentGroup, Fee, LegalDoc, ProcessingTime, TimeUnit
from knowledge.catalogue.parse import parse_fee

# Classes held at zero over the whole catalogue; the rest are bounded below.
FIXED = ("doc_swallowed", "case_hidden", "fee_invented", "fee_expired", "fee_unregulated", "fee_attached",
         "time_no_unit", "time_zero", "time_ambiguous", "province_missing", "methods_dup", "legal_dup",
         "title_long", "over_limit")


async def test_every_detailed_procedure_answers_without_the_fixed_defects(shared_dir, db):
    report = import_paths([shared_dir / "catalogue"])
    await upsert_procedures(db, report.procedures)
    catalogue = await Catalogue.load(db)
    deps = Deps(db=db, catalogue=catalogue)
    answers = []
    for p in (p for p in catalogue.index.procedures if p.detailed):
        first = await preview(deps, f"thủ tục {p.code}", "zalo")
        full = await preview(deps, "", "zalo", payload=f"s:all:{p.code}")
        assert first["intent"] == "procedure" and first["procedures"] == [p.code]
        assert all(len(m["text"]) <= CHANNEL_LIMIT for m in first["replies"] + full["replies"])
        answers.append((p, first["replies"][0]["text"], "\n".join(m["text"] for m in full["replies"])))
    result = audit(answers, deps.clock().date())
    assert result.checked >= 3200
    counts = result.by_class()
    assert {cls: counts[cls] for cls in FIXED if counts[cls]} == {}, [
        f for f in result.findings if f.cls in FIXED][:5]
    assert len(result.procedures_with_defects()) <= 0.05 * result.checked
    assert statistics.median(result.lengths) <= 1200


def test_the_rate_in_force_today_with_its_end_and_what_follows():
    fee = Fee(amount_vnd=70_000, text="Kể từ ngày 01/01/2025 đến hết ngày 31/12/2025, mức thu khi nộp trực tuyến bằng "
                                      "50% mức thu. - Kể từ ngày 01/7/2025 đến hết ngày 31/12/2026 mức thu bằng 50% "
                                      "mức thu nêu trên.")
    now = in_force(fee, date(2026, 12, 2))
    assert now.startswith("35.000 đồng đến hết 31/12/2026") and "sau đó: 70.000 đồng" in now
    assert "31/12/2025 đã hết hạn" in now
    later = in_force(fee, date(2027, 1, 5))
    assert later.startswith("70.000 đồng") and "35.000" not in later


def test_a_document_number_is_not_a_fee():
    fee = parse_fee("Theo Quyết định số 2252/QĐ-VP ngày 02/7/2026 của Văn phòng UBND tỉnh")
    assert fee.amount_vnd is None
    assert parse_fee("15000000/lần Đồng").amount_vnd == 15_000_000


def test_a_second_row_of_a_method_is_a_stage_with_its_words():
    rows = [Channel(method="DIRECT", time=ProcessingTime(quantity=33, unit=TimeUnit.WORKING_DAY), note="Nộp tại TTPVHCC"),
            Channel(method="DIRECT", time=ProcessingTime(quantity=10, unit=TimeUnit.DAY),
                    note="Nộp tại TTPVHCC\n* Đối với các xã miền núi thì thời gian được tăng thêm không quá 10 ngày")]
    (channel,) = merge_channels(rows)
    assert channel.time.quantity == 33 and channel.time.case == ""
    assert channel.more_times[0].quantity == 10 and channel.more_times[0].case.startswith("Đối với các xã miền núi")


def test_notes_and_headings_printed_as_documents_are_not_documents():
    group = DocumentGroup(items=[
        Document(name="Phiếu này là biểu mẫu điện tử, công dân kê khai khi nộp trực tuyến.", originals=0),
        Document(name="- Tờ khai theo mẫu", originals=1),
        Document(name="Trường hợp đã có bản điện tử thì không phải nộp bản giấy.", originals=0),
        Document(name="Hồ sơ chứng minh nhân thân gồm các giấy tờ sau:"),
        Document(name="; Bản sao giấy khai sinh", copies=1),
    ])
    groups = tidy_documents([group])
    assert [d.name for d in groups[0].items] == ["Tờ khai theo mẫu"]
    assert len(groups[0].notes) == 2
    assert groups[1].title.startswith("Hồ sơ chứng minh nhân thân") and groups[1].items[0].name == "Bản sao giấy khai sinh"


def test_legal_numbers_are_whole_and_listed_once():
    docs = unique_legal([LegalDoc(code="136/2025/NĐ-CPQUY", name="ĐỊNH VỀ PHÂN CẤP"), LegalDoc(code="118/2025/NĐ-C"),
                         LegalDoc(code="Luật 33/2009/QH12"), LegalDoc(code="33/2009/QH12", name="Luật Ngân hàng")])
    assert [d.code for d in docs] == ["136/2025/NĐ-CP", "118/2025/NĐ-CP", "Luật 33/2009/QH12"]
    assert docs[2].name == "Luật Ngân hàng"


def test_a_short_title_a_citizen_recognises():
    name = ("Thủ tục cấp giấy phép hoạt động cho cơ sở khám bệnh, chữa bệnh khi thay đổi người chịu trách nhiệm "
            "chuyên môn theo quy định tại khoản 3 Điều 52 của Luật Khám bệnh, chữa bệnh năm 2023")
    title = short_title(name)
    assert title.startswith("Cấp giấy phép hoạt động") and len(title) <= 110 and title.endswith("…")
    assert short_title("Thủ tục đăng ký khai sinh") == "Đăng ký khai sinh"


@pytest.mark.parametrize("channel", ["console", "telegram", "zalo", "web"])
def test_motcua_ask_answers_each_line_in_a_fresh_conversation(tmp_path, channel):
    env = {"MOTCUA_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    lines = "thủ tục 1.001193\nphí bao nhiêu?\nlàm căn cước\n\n"
    out = subprocess.run([sys.executable, "-c", "from bot.cli import main; main()", "ask", "--json", "--channel", channel], input=lines,
                         capture_output=True, text=True, env=env, check=True, timeout=120).stdout.splitlines()
    rows = [json.loads(line) for line in out]
    assert [r["message"] for r in rows] == ["thủ tục 1.001193", "phí bao nhiêu?", "làm căn cước", ""]
    assert (rows[0]["intent"], rows[0]["procedures"]) == ("procedure", ["1.001193"])
    assert rows[1]["intent"] != "procedure"  # a fresh conversation: no procedure to follow up on
    assert rows[2]["intent"] in ("procedure", "choices") and rows[2]["procedures"]
    assert rows[3]["intent"] == "help"
    for row in rows:
        assert set(row) == {"message", "intent", "procedures", "replies"}
        for reply in row["replies"]:
            assert reply["text"] and all(set(b) == {"label", "payload"} for b in reply["buttons"])
            assert len(reply["text"]) <= {"zalo": 2000, "telegram": 4096}.get(channel, 10**6)
    if channel == "telegram":
        assert "<b>" in rows[0]["replies"][0]["text"]


def test_a_title_in_capitals_run_into_a_number_starts_the_next_entry():
    docs = unique_legal([LegalDoc(code="04/2015/TT-BCAQUY", name="Quy định mẫu giấy tờ"),
                         LegalDoc(code="25/2021/TT-BTC", name="ĐỊNH MỨC THU PHÍ"),
                         LegalDoc(code="12/2025/NQ-HĐND", name="Nghị quyết số 12/2025/NQ-HĐND ngày 24/6/2025"),
                         LegalDoc(code="25/2023/TT-BKHĐT", name="Thông tư số 25/2023/TT- BKHĐT ngày 31/12/2023"),
                         LegalDoc(code="21/2008/TTLT", name="Thông tư liên tịch 21/2008/TTLT- BQP-BLĐTBXH-BTC")])
    assert [(d.code, d.name) for d in docs[:2]] == [("04/2015/TT-BCA", "Quy định mẫu giấy tờ"),
                                                    ("25/2021/TT-BTC", "QUY ĐỊNH MỨC THU PHÍ")]
    assert docs[2].code == "12/2025/NQ-HĐND" and "NQ-HĐND ngày" in docs[2].name  # Đ is a capital
    assert "25/2023/TT-BKHĐT ngày" in docs[3].name and docs[4].code == "21/2008/TTLT-BQP-BLĐTBXH-BTC"


def test_hours_are_not_working_hours_and_a_date_is_not_a_duration():
    from handlers.procedure_view import time_text
    from knowledge.catalogue.parse import parse_time, stated_time

    assert time_text(parse_time("14 Giờ"), 200) == "14 giờ"
    assert time_text(parse_time("8 Giờ làm việc"), 200) == "8 giờ làm việc"
    assert stated_time("Chậm nhất vào ngày 20 tháng đầu tiên hàng quý") is None
    (channel,) = merge_channels([Channel(method="DIRECT", note="Trong thời hạn 03 ngày làm việc kể từ ngày nhận hồ sơ")])
    assert (channel.time.quantity, channel.time.unit) == (3, TimeUnit.WORKING_DAY)


def test_a_central_procedure_is_no_province_s_and_a_provincial_copy_names_its_own():
    from knowledge.catalogue.facts import province_of
    from knowledge.catalogue.model import Procedure

    central = Procedure(code="1.013069", name="Cấp giấy chứng nhận", source="portal-raw", levels=["bộ"],
                        submit_address="Số 18 Phạm Hùng, Thành phố Hà Nội")
    local = Procedure(code="1.115749", name="Thẩm định", source="portal-raw", levels=["xã"],
                      promulgating_agency="UBND tỉnh Lạng Sơn")
    assert province_of(central) is None and province_of(local) == "Lạng Sơn"


def test_an_extended_maximum_is_shown_as_the_normal_time_and_the_extension():
    note = ("Thời gian thực hiện: không quá 20 ngày làm việc.\nĐối với các xã miền núi, hải đảo, vùng sâu, vùng xa "
            "thì thời gian thực hiện được tăng thêm")
    (channel,) = merge_channels([Channel(method="DIRECT", time=ProcessingTime(quantity=30, unit=TimeUnit.WORKING_DAY),
                                         note=note)])
    assert channel.time.quantity == 20
    (extension,) = channel.more_times
    assert (extension.quantity, extension.added) == (10, True) and "miền núi" in extension.case
    steps = "- Thời gian thực hiện Bước 2 không quá 01 ngày làm việc.\n- Đối với xã miền núi thêm 10 ngày"
    (channel,) = merge_channels([Channel(method="DIRECT", time=ProcessingTime(quantity=43, unit=TimeUnit.WORKING_DAY),
                                         note=steps)])
    assert channel.time.quantity == 43 and not channel.more_times  # a step's time is not the whole


def test_documents_listed_inside_a_heading_are_documents_and_trong_do_is_a_note():
    groups = tidy_documents([DocumentGroup(
        title="a) Hồ sơ gồm: - Đơn đăng ký biến động theo Mẫu số 18. - Giấy chứng nhận đã cấp.",
        items=[Document(name="Đơn đề nghị hỗ trợ (Mẫu 1)", originals=1),
               Document(name="Trong đó nêu rõ mục đích sử dụng", originals=0)])])
    assert groups[0].title == "a) Hồ sơ gồm"
    assert [d.name for d in groups[0].items] == ["Đơn đăng ký biến động theo Mẫu số 18", "Giấy chứng nhận đã cấp",
                                                 "Đơn đề nghị hỗ trợ (Mẫu 1)"]
    assert groups[0].notes == ["Trong đó nêu rõ mục đích sử dụng"]


def test_a_legal_number_glued_to_the_next_lower_case_title_ends_its_entry():
    from knowledge.catalogue.importers.portal_raw import parse_legal_basis

    docs = parse_legal_basis("Tên văn bản pháp lýMã văn bảnLuật Các tổ chức tín dụngLuật số 32/2024/QH15"
                             "phân cấp thực hiện thủ tục hành chính11/2026/TT-NHNN")
    assert [d["code"] for d in docs] == ["Luật số 32/2024/QH15", "11/2026/TT-NHNN"]
    assert docs[1]["name"].startswith("phân cấp")
