"""Feedback (PAKN) in the conversation: filed by /phan_anh or a natural phrasing, its tracking code,
its deadline on the working calendar, routed to the agency's linked officials (else the province's),
answered with /tra_loi, shown by its code only to the filing chat and the agency's officials,
rated; complaints and denunciations pointed to their own procedures; the sweep's reminders
(once each) and digest. The Telegram and Zalo stand-ins (``tests/chat.py``) answer in the request;
the notices are read from the outbox, as tests/test_citizen_notices.py does."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import unicodedata
from datetime import datetime, timedelta

import pytest

from bot.config import Settings
from bot.wiring import reminder_settings
from db.feedback_repo import NewFeedback, feedback_by_code, file_feedback, list_feedback, set_deadline
from db.officials_repo import official_for_chat, set_muted
from db.outbox_repo import outbox_rows
from handlers.catalogue import Catalogue, build_index
from handlers.reply_json import replies_from_json
from handlers.sweep import run_sweep
from knowledge.calendar import VN_TZ
from knowledge.catalogue.bundled import load_bundled
from knowledge.catalogue.model import Procedure
from knowledge.feedback import pick_legal
from tests.chat import Chat
from tests.official_data import COMMUNE, DISTRICT, NOW, OVERDUE_NEW, POLICE, WARD, official, seed

PROVINCE = "000.00.00.H26"
CONTENT = (f"Hồ sơ {OVERDUE_NEW} của tôi đã quá hạn hai ngày mà chưa có kết quả, gọi số 0988 777 666 "
           "của bộ phận một cửa không ai nghe máy.")
ANSWER = "UBND xã đã kiểm tra: hồ sơ chờ ý kiến của phòng Tài nguyên, sẽ có kết quả trước 17:00 ngày 13/03/2026."


def texts(rows) -> list[str]:
    return ["\n".join(r.render("plain") for r in replies_from_json(row.replies)) for row in rows]


def tracking_code(chat: Chat) -> str:
    assert "Mã theo dõi:" in chat.text, chat.text
    return chat.text.split("Mã theo dõi:")[1].split()[0]


@pytest.fixture
async def seeded(deps):
    await seed(deps)
    await official(deps.db, COMMUNE, "Lê Văn Hùng", "telegram", "701")
    await official(deps.db, WARD, "Phạm Thu", "telegram", "702")
    await official(deps.db, DISTRICT, "Trưởng phòng Nội vụ", "telegram", "703", role="head")
    return deps


def chat(deps, chat_id: str, channel: str = "telegram", at: datetime = NOW) -> Chat:
    return Chat(deps, channel=channel, chat_id=chat_id, at=at)


async def file(deps, chat_id: str = "c1", content: str = CONTENT, channel: str = "telegram") -> tuple[Chat, str]:
    citizen = chat(deps, chat_id, channel)
    await citizen.say(f"/phan_anh {content}")
    return citizen, tracking_code(citizen)


async def test_phan_anh_with_a_dossier_code_files_at_once_for_that_agency_with_its_deadline(seeded):
    citizen = chat(seeded, "c1")
    typed = unicodedata.normalize("NFD", CONTENT)  # some keyboards send decomposed accents
    await citizen.say(f"/phan_anh {typed}")
    assert citizen.kinds == ["feedback"]
    code = tracking_code(citizen)
    assert code == "PA-260311-0001"  # the Vietnam date of receipt, the day's first
    assert "Hạn trả lời: 17:00 25/03/2026 (10 ngày làm việc" in citizen.text and "UBND xã Tân Hòa" in citizen.text

    item = await feedback_by_code(seeded.db, code)
    assert item.content == unicodedata.normalize("NFC", CONTENT)  # as written, in NFC
    assert (item.status, item.topic, item.agency_code, item.dossier_code) == ("open", "dossier", COMMUNE, OVERDUE_NEW)
    assert item.due_at == datetime(2026, 3, 25, 17, 0, tzinfo=VN_TZ) and item.due_days == 10
    assert not item.routed_province
    assert [(i.code, i.status) for i in await list_feedback(seeded.db, COMMUNE)] == [(code, "open")]
    assert await list_feedback(seeded.db, WARD) == []

    # The commune's official is told at once (office hours); the ward's and the district head are not.
    (row,) = await outbox_rows(seeded.db, kind="feedback_new")
    assert (row.channel, row.chat_id, row.next_attempt_at) == ("telegram", "701", NOW)
    (notice,) = texts([row])
    assert code in notice and "0988 777 666" in notice and "hạn trả lời: 17:00 25/03/2026" in notice
    assert replies_from_json(row.replies)[0].buttons[0].payload == f"fa:{code}"

    again = chat(seeded, "c2")
    await again.say("/phan_anh Xin cấp thêm ghế chờ ở bộ phận một cửa xã Tân Hòa, người già phải đứng lâu")
    assert again.kinds == ["feedback"] and "về việc gì" in again.text  # no code in it: the topic is asked
    await again.press("Khác")
    assert tracking_code(again) == "PA-260311-0002"


async def test_the_answer_reaches_the_citizen_and_the_code_shows_it_only_to_them_and_the_agency(seeded):
    citizen, code = await file(seeded)
    missing = "PA-260311-0099"
    for who in (chat(seeded, "stranger"), chat(seeded, "702"), chat(seeded, "web-1", channel="web")):
        await who.say(code)
        assert who.kinds == ["feedback"] and "Không tìm thấy" in who.text, who.chat_id
        assert "0988" not in who.text and "quá hạn hai ngày" not in who.text
        refused = who.text
        await who.say(missing)
        assert who.text == refused.replace(code, missing)  # the same words whether it exists or not

    officer = chat(seeded, "701")
    await officer.say(code.lower())
    assert "Nội dung: «Hồ sơ" in officer.text and "Người gửi: Telegram, chat c1" in officer.text
    head = chat(seeded, "703")  # the district covers the commune
    await head.say(code)
    assert "0988 777 666" in head.text
    await officer.say("/tra_loi")  # what waits for an answer
    assert "chờ trả lời: 1" in officer.text and code in officer.text
    ward = chat(seeded, "702")
    await ward.say("/tra_loi")
    assert "Không có phản ánh" in ward.text

    await ward.say(f"/tra_loi {code} {ANSWER}")
    assert "Không tìm thấy" in ward.text
    unlinked = chat(seeded, "c9")
    await unlinked.say(f"/tra_loi {code} {ANSWER}")
    assert unlinked.kinds == ["refused"]
    assert (await feedback_by_code(seeded.db, code)).status == "open"

    await officer.press(f"fa:{code}")  # the notice's button: the next message is the answer
    assert "Mời bạn viết câu trả lời" in officer.text
    await officer.say("ok")
    assert "ngắn quá" in officer.text
    await officer.say(ANSWER)
    assert "Đã ghi nhận câu trả lời" in officer.text and "qua Telegram" in officer.text
    item = await feedback_by_code(seeded.db, code)
    assert (item.status, item.answer, item.answered_by_name) == ("answered", ANSWER, "Lê Văn Hùng")
    assert item.answered_at == NOW

    (row,) = await outbox_rows(seeded.db, kind="feedback_answer")
    assert (row.channel, row.chat_id, row.next_attempt_at) == ("telegram", "c1", NOW)
    (notice,) = texts([row])
    assert ANSWER in notice and "UBND xã Tân Hòa" in notice
    assert "0988" not in notice and "Lê Văn Hùng" not in notice  # neither the content again nor the official
    assert [b.payload for b in replies_from_json(row.replies)[0].buttons] == [f"pr:{code}:h", f"pr:{code}:b",
                                                                             f"pr:{code}:k"]
    await head.say(f"/tra_loi {code} Một câu trả lời thứ hai cho cùng phản ánh")
    assert "đã được trả lời" in head.text
    assert (await feedback_by_code(seeded.db, code)).answer == ANSWER

    await citizen.say(code)
    assert "Đã trả lời" in citizen.text and ANSWER in citizen.text
    assert "0988" not in citizen.text  # the content is not shown again, even to its author
    stranger = chat(seeded, "stranger")
    await stranger.press(f"pr:{code}:k")
    assert "Chỉ cuộc trò chuyện đã gửi phản ánh" in stranger.text
    await citizen.press("Hài lòng")
    assert "Cảm ơn bạn đã đánh giá" in citizen.text
    item = await feedback_by_code(seeded.db, code)
    assert (item.status, item.rating) == ("closed", "satisfied")


@pytest.mark.parametrize("typed", ["tôi muốn phản ánh", "toi muon phan anh", "Góp ý", "kien nghi a", "/phan_anh"])
async def test_natural_phrasings_start_it_and_it_goes_to_the_province_without_an_agency(seeded, typed):
    await official(seeded.db, PROVINCE, "Văn phòng UBND tỉnh", "zalo", "8000000000000000001")
    citizen = chat(seeded, "c1", channel="zalo")
    await citizen.say(typed)
    assert "Mời bạn viết nội dung" in citizen.text
    await citizen.say("ok")  # not something an agency can act on
    assert "ngắn quá" in citizen.text
    await citizen.say("Cán bộ ở quầy tiếp nhận quát nạt người dân, bắt chờ cả buổi sáng")
    assert "về việc gì" in citizen.text and len(citizen.replies[0].buttons) == 5  # Zalo: at most five
    await citizen.say("3")  # typed instead of pressed: the service at the desk
    code = tracking_code(citizen)
    item = await feedback_by_code(seeded.db, code)
    assert (item.topic, item.agency_code, item.routed_province) == ("desk", None, True)
    assert "lãnh đạo cấp tỉnh" in citizen.text
    (row,) = await outbox_rows(seeded.db, kind="feedback_new")
    assert (row.channel, row.chat_id) == ("zalo", "8000000000000000001")  # the province, nobody else
    province = chat(seeded, "8000000000000000001", channel="zalo")
    await province.say(code)
    assert "quát nạt" in province.text
    commune = chat(seeded, "701")
    await commune.say(code)
    assert "Không tìm thấy" in commune.text


async def test_a_phrasing_that_already_says_what_is_confirmed_by_choosing_the_topic(seeded):
    citizen = chat(seeded, "c1")
    await citizen.say("Tôi muốn góp ý: bộ phận một cửa nên mở cửa sáng thứ Bảy cho người đi làm")
    assert "về việc gì" in citizen.text and await list_feedback(seeded.db) == []  # nothing filed unasked
    await citizen.say("hủy")
    assert "Đã hủy" in citizen.text
    await citizen.press("pa:t:other")  # a button of the cancelled question
    assert "đã hủy" in citizen.text.lower() and await list_feedback(seeded.db) == []

    await citizen.say(f"kiến nghị về hồ sơ {OVERDUE_NEW}: đã trễ hẹn mà không ai báo cho tôi biết lý do")
    await citizen.press("Hồ sơ")  # the code in the text: filed at once for its agency
    item = await feedback_by_code(seeded.db, tracking_code(citizen))
    assert (item.topic, item.agency_code) == ("dossier", COMMUNE)
    assert item.content.startswith("kiến nghị về hồ sơ")  # the whole message, as written


async def test_a_dossier_topic_without_a_code_asks_for_it(seeded):
    citizen = chat(seeded, "c1")
    await citizen.say("/phan_anh Hồ sơ của tôi nộp từ đầu tháng mà đến giờ vẫn chưa có kết quả")
    await citizen.press("Hồ sơ")
    assert "Gửi mã hồ sơ" in citizen.text
    await citizen.say("tôi không nhớ")
    assert "chưa thấy mã hồ sơ" in citizen.text
    police = "001.31.22.H26-260305-0001"
    await citizen.say(f"mã là {police.lower()}")
    item = await feedback_by_code(seeded.db, tracking_code(citizen))
    assert (item.dossier_code, item.agency_code) == (police, POLICE)
    # Nobody is linked at the police: the commune's official covers it (the nearest covering agency).
    (row,) = await outbox_rows(seeded.db, kind="feedback_new")
    assert row.chat_id == "701"


def catalogue_with_complaints() -> Catalogue:
    def procedure(code: str, name: str) -> Procedure:
        return Procedure(code=code, name=name, field="Khiếu nại, tố cáo", source="bundled", detailed=False,
                         source_url="https://dichvucong.gov.vn")

    extra = [
        procedure("2.902001", "Thủ tục giải quyết khiếu nại lần đầu tại cấp xã"),
        procedure("2.902003", "Thủ tục giải quyết khiếu nại lần đầu tại cấp huyện"),
        procedure("2.902002", "Thủ tục giải quyết tố cáo tại cấp xã"),
        procedure("1.904335", "Giải quyết khiếu nại về quyết định hành chính, hành vi hành chính của công dân đối "
                              "với lực lượng Công an nhân dân thực hiện tại cấp xã"),
        procedure("1.913519", "Thủ tục giải quyết tố cáo cấp Bộ Quốc phòng"),
    ]
    return Catalogue(build_index(load_bundled() + extra))


async def test_complaints_and_denunciations_are_pointed_to_their_procedures_not_filed(seeded):
    deps = dataclasses.replace(seeded, catalogue=catalogue_with_complaints())
    citizen = chat(deps, "c1")
    await citizen.say("Tôi bị cảnh sát giao thông xử phạt sai, muốn khiếu nại quyết định đó thì gửi đơn ở đâu?")
    assert citizen.kinds == ["complaint", "answer"] and "Khiếu nại là một thủ tục riêng" in citizen.text
    assert "Mã thủ tục 1.904335" in citizen.text  # the police's (the one that fits), answered at once
    await citizen.say("to cao can bo dia chinh xa nhan tien cua dan")
    assert "Tố cáo là một thủ tục riêng" in citizen.text
    assert "Mã thủ tục 2.902002" in citizen.text and "1.913519" not in citizen.text  # the general one, never the army's
    await citizen.say("tôi muốn khiếu nại")  # nothing specific: the general one, its levels grouped
    assert citizen.kinds == ["complaint", "answer"] and "Mã thủ tục 2.902001" in citizen.text
    await citizen.say("tố cáo tội phạm lừa đảo qua mạng")  # a crime: the police, as the scope says
    assert citizen.kinds == ["not_found"]
    assert await list_feedback(deps.db) == []

    # Asked as feedback but reading as a complaint: pointed to the procedure, and may still send it.
    await citizen.say("/phan_anh Tôi khiếu nại việc xã thu phí chứng thực cao hơn quy định")
    assert citizen.kinds[0] == "complaint" and "Gửi như phản ánh" in citizen.text and await list_feedback(deps.db) == []
    await citizen.press("Gửi như phản ánh")
    await citizen.press("Thủ tục")
    assert tracking_code(citizen).startswith("PA-260311-")

    # The bundled catalogue has no such procedure: the reply says where to go and offers the search.
    plain = chat(seeded, "c2")
    await plain.say("khiếu nại về đất đai")
    assert "nơi tiếp công dân" in plain.text and [b.payload for b in plain.replies[0].buttons] == [
        "q:giải quyết khiếu nại"]


def test_which_complaint_procedures_fit_a_message():
    found = [("1.913534", "Thủ tục giải quyết khiếu nại lần hai cấp Bộ Quốc phòng"),
             ("1.115261", "Đăng ký biến động … theo kết quả giải quyết tranh chấp, khiếu nại, tố cáo về đất đai"),
             ("2.900592", "Thủ tục giải quyết khiếu nại về trợ giúp pháp lý"),
             ("1.903504", "Giải quyết khiếu nại về quyết định hành chính … đối với lực lượng Công an (cấp tỉnh)"),
             ("1.904335", "Giải quyết khiếu nại về quyết định hành chính … đối với lực lượng Công an (cấp xã)")]
    assert pick_legal("complaint", "CSGT phạt sai, tôi muốn khiếu nại", found) == found[3:]  # both levels, in order
    assert pick_legal("complaint", "trung tâm trợ giúp pháp lý từ chối giúp, muốn khiếu nại", found) == [found[2]]
    assert pick_legal("complaint", "khiếu nại quyết định kỷ luật trong quân đội", found) == [found[0]]  # asked for it
    assert pick_legal("complaint", "khiếu nại về đất đai", found) == []  # a land registration only mentions it
    assert pick_legal("denunciation", "tố cáo cán bộ", found) == []


async def test_the_deadline_is_in_working_days_from_the_setting_or_the_agencys_own(seeded):
    citizen = chat(dataclasses.replace(seeded, reminders=reminder_settings(Settings(feedback_days=7))), "c1")
    await citizen.say("/phan_anh Cán bộ xã hướng dẫn mỗi lần một kiểu, tôi phải đi lại ba lần")
    await citizen.press("Khác")
    assert "17:00 20/03/2026 (7 ngày làm việc" in citizen.text  # MOTCUA_FEEDBACK_DAYS=7

    await set_deadline(seeded.db, DISTRICT, 5)  # the district's own time covers its communes ...
    await file(seeded, "c2")
    assert (await list_feedback(seeded.db, COMMUNE))[-1].due_at == datetime(2026, 3, 18, 17, 0, tzinfo=VN_TZ)
    await set_deadline(seeded.db, COMMUNE, 3)  # ... unless the commune set its own
    await file(seeded, "c3")
    assert (await list_feedback(seeded.db, COMMUNE))[-1].due_at == datetime(2026, 3, 16, 17, 0, tzinfo=VN_TZ)
    await set_deadline(seeded.db, COMMUNE, None)
    await set_deadline(seeded.db, DISTRICT, None)

    # Holidays and make-up days come from the working calendar.
    for received, due in ((datetime(2026, 4, 29, 10, 0, tzinfo=VN_TZ), datetime(2026, 5, 15, 17, 0, tzinfo=VN_TZ)),
                          (datetime(2026, 8, 20, 10, 0, tzinfo=VN_TZ), datetime(2026, 9, 7, 17, 0, tzinfo=VN_TZ))):
        later = chat(seeded, f"c{received.day}", at=received)
        await later.say(f"/phan_anh Hồ sơ {OVERDUE_NEW} cần được giải quyết sớm vì tôi sắp đi công tác xa")
        found = await feedback_by_code(seeded.db, tracking_code(later))
        assert found.due_at == due, received


async def test_codes_are_per_vietnam_day_and_unique_under_concurrent_filings(db):
    def new(at: datetime) -> NewFeedback:
        return NewFeedback("telegram", "c1", "other", "nội dung", at, 10, at + timedelta(days=14), True)

    first = NOW.replace(hour=0, minute=5)  # 00:05 in Vietnam is still the day before in UTC
    items = await asyncio.gather(*(file_feedback(db, new(first), lambda _item: []) for _ in range(20)))
    assert sorted(i.code for i in items) == [f"PA-260311-{n:04d}" for n in range(1, 21)]
    nxt = await file_feedback(db, new(first + timedelta(days=1)), lambda _item: [])
    assert nxt.code == "PA-260312-0001"


@pytest.mark.postgres
async def test_two_replicas_on_postgresql_never_draw_the_same_code(postgres_url):
    from db.engine import Database

    replicas = [Database(postgres_url), Database(postgres_url)]
    try:
        await replicas[0].migrate()

        def new() -> NewFeedback:
            return NewFeedback("zalo", "u1", "other", "nội dung", NOW, 10, NOW + timedelta(days=14), True)

        items = await asyncio.gather(*(file_feedback(replicas[n % 2], new(), lambda _item: []) for n in range(40)))
        assert sorted(i.code for i in items) == [f"PA-260311-{n:04d}" for n in range(1, 41)]
    finally:
        for replica in replicas:
            await replica.dispose()


async def sweep(deps, at: datetime):
    return await run_sweep(deps.db, deps.calendar, deps.reminders, at)


async def test_the_sweep_reminds_once_before_the_deadline_once_when_overdue_and_digests_daily(seeded):
    _, code = await file(seeded)  # due Wed 25/03 17:00
    report = await sweep(seeded, NOW + timedelta(days=1))  # Thu 12/03: the daily digests only
    assert (report.feedback_digests, report.feedback_reminders) == (2, 0)
    digests = await outbox_rows(seeded.db, kind="feedback_digest")
    assert sorted(d.chat_id for d in digests) == ["701", "703"]  # the commune's and the district's, not the ward's
    assert all(code in text for text in texts(digests)) and digests[0].dedupe_key.endswith(":feedback")
    assert (await sweep(seeded, NOW + timedelta(days=1, hours=2))).feedback_digests == 0  # once a day

    tuesday = datetime(2026, 3, 24, 10, 0, tzinfo=VN_TZ)  # due tomorrow: "due soon"
    assert (await sweep(seeded, tuesday)).feedback_reminders == 1
    assert (await sweep(seeded, tuesday + timedelta(days=1))).feedback_reminders == 0  # once, not daily
    (soon,) = await outbox_rows(seeded.db, kind="feedback_due_soon")
    assert soon.chat_id == "701" and "sắp đến hạn trả lời" in texts([soon])[0]
    thursday = datetime(2026, 3, 26, 9, 0, tzinfo=VN_TZ)  # past 17:00 Wednesday: overdue
    assert (await sweep(seeded, thursday)).feedback_reminders == 1
    assert (await sweep(seeded, thursday + timedelta(days=1))).feedback_reminders == 0
    (late,) = await outbox_rows(seeded.db, kind="feedback_overdue")
    assert "QUÁ HẠN" in texts([late])[0]

    # Muted: no digest (the reminders still come, like /nhac); answered: nothing at all.
    for chat_id in ("701", "703"):
        await set_muted(seeded.db, (await official_for_chat(seeded.db, "telegram", chat_id)).id, True)
    assert (await sweep(seeded, datetime(2026, 3, 27, 9, 0, tzinfo=VN_TZ))).feedback_digests == 0
    _, other = await file(seeded, "c2")
    officer = chat(seeded, "701")
    await officer.say(f"/tra_loi {other} {ANSWER}")
    assert (await sweep(seeded, datetime(2026, 3, 30, 9, 0, tzinfo=VN_TZ))).feedback_reminders == 0


async def test_an_evening_filing_reaches_the_official_at_the_next_opening(seeded):
    evening = chat(seeded, "c1", at=NOW.replace(hour=18, minute=30))
    await evening.say(f"/phan_anh {CONTENT}")
    assert "PA-260311-0001" in evening.text  # the citizen hears back at once
    (row,) = await outbox_rows(seeded.db, kind="feedback_new")
    assert row.next_attempt_at == datetime(2026, 3, 12, 7, 30, tzinfo=VN_TZ)


async def test_no_content_and_no_contact_in_the_logs(seeded, caplog):
    caplog.set_level(logging.INFO)  # what `motcua -v` logs (DEBUG is the database driver's own tracing)
    citizen, code = await file(seeded)
    officer = chat(seeded, "701")
    await officer.say(f"/tra_loi {code} {ANSWER}")
    await citizen.say(code)
    logged = caplog.text
    assert code in logged  # what happened is logged ...
    for secret in ("0988 777 666", "quá hạn hai ngày", "phòng Tài nguyên", "c1"):
        assert secret not in logged, secret  # ... never what was written, nor who wrote it


@pytest.mark.parametrize("typed, expect", [
    ("/tra_loi", "Không có phản ánh"), ("/tra_loi xyz", "Cách trả lời"), ("/tra_loi PA-260311-0001 ngắn", "ngắn quá"),
    ("/tra_loi PA-269999-0001 " + "x" * 20, "Cách trả lời"),
    ("/tra_loi PA-260311-0077 câu trả lời đủ dài rồi", "Không tìm thấy"),
])
async def test_bad_input_from_an_official_gets_a_clear_answer(seeded, typed, expect):
    await file(seeded)
    officer = chat(seeded, "701")
    if typed == "/tra_loi":
        await officer.say(f"/tra_loi PA-260311-0001 {ANSWER}")  # nothing left open
    await officer.say(typed)
    assert expect in officer.text


async def test_a_chat_files_at_most_five_a_day_and_forged_buttons_are_harmless(seeded):
    citizen = chat(seeded, "c1")
    for n in range(5):
        await citizen.say(f"/phan_anh Kiến nghị số {n + 1}: đề nghị bố trí thêm chỗ để xe cho người dân")
        await citizen.press("Khác")
        assert "Mã theo dõi" in citizen.text
    await citizen.say("/phan_anh Một kiến nghị nữa về chỗ để xe cho người dân đến làm thủ tục")
    assert "đã gửi 5 phản ánh" in citizen.text
    other = chat(seeded, "c2")
    for payload in ("pa:t:dossier", "pa:l", "pa:s", "pr:PA-260311-0001:h", "pr:xyz:h", "fa:PA-260311-0001"):
        await other.press(payload)
        assert other.text.strip() and "Mã theo dõi" not in other.text, payload
    assert len(await list_feedback(seeded.db)) == 5


def test_another_provinces_or_a_ministrys_officials_never_see_or_get_an_item():
    from db.feedback_repo import route, sees
    from db.models.feedback import Feedback
    from db.models.officials import Official, OfficialChat
    from db.officials_repo import OfficialWithChats

    def official(code: str) -> OfficialWithChats:
        return OfficialWithChats(Official(agency_code=code, name=code), [OfficialChat(channel="telegram", chat_id=code)])

    province, other_province, ministry = (official(c) for c in ("000.00.00.H26", "000.00.00.H29", "000.00.00.G01"))
    everyone = [province, other_province, ministry]
    # An agency with no official of its own: its province's officials only.
    told, _ = route(everyone, "000.00.22.H26")
    assert told == [province]
    item = Feedback(agency_code="000.00.22.H26", routed_province=True)
    assert [o for o in everyone if sees(o.official, item)] == [province]
    # No agency at all: the province-level officials.
    loose = Feedback(agency_code=None, routed_province=True)
    assert sees(province.official, loose) and not sees(official("000.00.22.H26").official, loose)
