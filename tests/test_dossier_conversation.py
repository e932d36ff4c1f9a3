"""Dossier status in the conversation, as a citizen meets it: the code in a sentence, no personal data
before the second factor, masked after it, the limits, the explanation, bad input."""

import unicodedata
from datetime import datetime, timedelta

import pytest

from db.dossier_repo import upsert_dossiers
from knowledge.calendar import VN_TZ
from knowledge.dossiers.schema import DossierIn
from tests.chat import Chat
from tests.dossier_data import DUE_LOCAL, dossier

NOW = datetime(2026, 3, 11, 10, 0, tzinfo=VN_TZ)
CODE = "000.00.22.H26-260302-0001"
PERSONAL = ("Nguyễn", "An", "0912", "5678", "2345", "Thiếu bản sao")


async def seed(deps, *items):
    items = items or (dossier(),)
    await upsert_dossiers(deps.db, [DossierIn.model_validate(i) for i in items], calendar=deps.calendar,
                          procedures=deps.catalogue.index.get, source="test")


@pytest.fixture
async def seeded(deps):
    await seed(deps)
    return deps


def at(chat: Chat, moment: datetime = NOW) -> Chat:
    chat.at = moment
    return chat


def no_personal_data(text: str) -> None:
    for fragment in PERSONAL:
        assert fragment not in text.replace("Đăng ký tạm trú", ""), fragment


async def test_code_inside_a_sentence_answers_with_status_due_date_and_verdict(seeded, chat):
    await at(chat).say(f"cho hỏi hồ sơ {CODE} của tôi đến đâu rồi ạ?")
    assert chat.kinds == ["dossier"]
    text = chat.text
    assert "Đăng ký tạm trú" in text and "Công an xã Tân Hòa" in text
    assert "09:00 02/03/2026" in text and "Đang xử lý" in text
    assert f"Hạn trả kết quả: {DUE_LOCAL}" in text
    assert "còn 1 ngày làm việc" in text
    assert "4 số cuối" in text and "last 4 digits" in text  # the second factor is asked for
    no_personal_data(text)
    no_personal_data(chat.html)


@pytest.mark.parametrize("typed", [CODE.lower(), "000.00.22.h26 - 260302 - 0001", "000 . 00 . 22 . H26 – 260302 – 0001",
                                   "/tra_cuu 000.00.22.h26-260302-0001", "H26.22-260302-0001"])
async def test_lenient_forms_find_the_dossier(seeded, chat, typed):
    await at(chat).say(typed)
    assert chat.kinds == ["dossier"] and CODE in chat.text


async def test_not_found_says_so_and_shows_the_format(seeded, chat):
    await at(chat).say("hồ sơ 000.00.22.H26-260302-0099")
    assert chat.kinds == ["not_found"]
    assert "Không tìm thấy hồ sơ" in chat.text and "000.00.22.H26-251120-0001" in chat.text
    assert "giấy hẹn" in chat.text.lower() or "Giấy tiếp nhận" in chat.text


async def test_a_procedure_code_is_not_a_dossier_code(seeded, chat):
    await at(chat).say("1.001193")
    assert chat.kinds == ["answer"] and "Đăng ký khai sinh\nMã thủ tục 1.001193" in chat.text
    await chat.say("/tra_cuu 1.001193")
    assert "mã thủ tục" in chat.text and "không phải mã hồ sơ" in chat.text
    await chat.press("Xem thủ tục")
    assert "Đăng ký khai sinh\nMã thủ tục 1.001193" in chat.text
    await chat.say("/tra_cuu 1.011442.000.00.00.H38")
    assert "không phải mã hồ sơ" in chat.text
    await chat.say("/tra_cuu")
    assert "000.00.22.H26-251120-0001" in chat.text


async def test_second_factor_unlocks_the_masked_name_and_history_for_a_while(seeded, chat):
    await at(chat).say(CODE)
    await chat.say("1111")
    assert chat.kinds == ["wrong"] and "không khớp" in chat.text and "4 lần" in chat.text
    no_personal_data(chat.text)
    await chat.say("5678")  # the phone's last 4 digits
    assert chat.kinds == ["dossier"]
    text = chat.text
    assert "Nguyễn V*** A" in text and "Nguyễn Văn An" not in text
    assert "*******678" in text and "0912345678" not in text and "001203012345" not in text
    assert "Quá trình xử lý" in text and "Thiếu bản sao giấy khai sinh" in text
    assert "4 số cuối" not in text
    at(chat, NOW + timedelta(minutes=29))
    await chat.say(CODE)
    assert "Nguyễn V*** A" in chat.text
    at(chat, NOW + timedelta(minutes=31))
    await chat.say(CODE)
    assert "Nguyễn V*** A" not in chat.text and "4 số cuối" in chat.text


async def test_the_id_numbers_last_digits_work_too_and_another_chat_stays_locked(seeded, chat, deps):
    await at(chat).say(CODE)
    await chat.say("số cuối là 2345 ạ")
    assert "Nguyễn V*** A" in chat.text
    other = at(Chat(deps, chat_id="chat-2"))
    await other.say(CODE)
    no_personal_data(other.text)


async def test_wrong_answers_are_limited_with_a_clear_message(seeded, chat):
    await at(chat).say(CODE)
    for wrong in ("0000", "1111", "2222", "3333"):
        await chat.say(wrong)
        assert chat.kinds == ["wrong"]
    await chat.say("4444")
    assert chat.kinds == ["limited"] and "sai 5 lần" in chat.text and "phút" in chat.text
    await chat.say(CODE)
    await chat.say("5678")  # right, but the limit holds
    assert chat.kinds == ["limited"]
    no_personal_data(chat.text)
    at(chat, NOW + timedelta(hours=1, minutes=1))
    await chat.say(CODE)
    await chat.say("5678")
    assert "Nguyễn V*** A" in chat.text


async def test_many_distinct_codes_from_one_chat_are_limited(seeded, chat):
    at(chat)
    await chat.say(CODE)
    for i in range(2, 21):
        await chat.say(f"000.00.22.H26-260302-{i:04d}")
        assert chat.kinds == ["not_found"]
    await chat.say("000.00.22.H26-260302-0021")
    assert chat.kinds == ["limited"] and "20 mã hồ sơ" in chat.text
    await chat.say(CODE)  # one already asked is still answered
    assert chat.kinds == ["dossier"]
    at(chat, NOW + timedelta(hours=1, minutes=1))
    await chat.say("000.00.22.H26-260302-0021")
    assert chat.kinds == ["not_found"]


async def test_the_explanation_button(seeded, chat):
    await at(chat).say(CODE)
    await chat.press("Vì sao hạn này")
    assert chat.kinds == ["answer"]
    assert "5 ngày làm việc" in chat.text and "tạm dừng từ 05/03/2026 10:00" in chat.text
    assert "tính lại từ 10/03" in chat.text and "12/03/2026" in chat.text
    no_personal_data(chat.text)


async def test_paused_and_finished_late(deps, chat):
    await seed(deps,
               dossier(code="000.00.22.H26-260302-0002", status=5,
                       status_history=[{"status": 2, "at": "2026-03-02T09:00:00+07:00"},
                                       {"status": 5, "at": "2026-03-04T10:00:00+07:00"}]),
               dossier(code="000.00.22.H26-260302-0003", status=10, status_history=[],
                       due_at="2026-03-05T17:00:00+07:00", finished_at="2026-03-09T10:00:00+07:00",
                       returned_at="2026-03-10T08:00:00+07:00"))
    await at(chat).say("000.00.22.H26-260302-0002")
    assert "Yêu cầu bổ sung giấy tờ" in chat.text and "tạm ngừng tính" in chat.text
    await chat.say("000.00.22.H26-260302-0003")
    assert "Đã trả kết quả" in chat.text and "Hoàn thành quá hạn 2 ngày làm việc" in chat.text


async def test_a_pending_question_does_not_trap_the_next_message(seeded, chat):
    await at(chat).say(CODE)
    await chat.say("đăng ký khai sinh cần gì")
    assert chat.kinds == ["answer"] and "Đăng ký khai sinh\nMã thủ tục 1.001193" in chat.text
    await chat.say("5678")  # no longer waiting for the digits: not taken as an answer
    assert "Nguyễn" not in chat.text


async def test_a_dossier_without_phone_or_id_does_not_ask_for_digits(deps, chat):
    await seed(deps, dossier(applicant_phone=None, applicant_id_number=None))
    await at(chat).say(CODE)
    assert chat.kinds == ["dossier"] and "4 số cuối" not in chat.text


@pytest.mark.parametrize(
    "message",
    [
        unicodedata.normalize("NFD", f"Hồ sơ của tôi mã {CODE} đến đâu rồi"),
        f"🙏🙏 {CODE} 🙂",
        f"<b>{CODE}</b><script>alert(1)</script>",
        f"{CODE} " + "chờ lâu quá " * 500,
        f"{CODE}'; DROP TABLE dossiers; --",
    ],
)
async def test_bad_input_around_a_code(seeded, chat, message):
    await at(chat).say(message)
    assert "dossier" in chat.kinds
    assert "<script>" not in chat.html
    await chat.say(CODE)
    assert chat.kinds == ["dossier"]


@pytest.mark.parametrize("message", ["", "🙂", "<i>x</i>", "' OR 1=1 --", "0000", "x" * 5000])
async def test_bad_input_without_a_code_gets_an_answer(seeded, chat, message):
    await at(chat).say(message)
    assert chat.replies and all(r.render("plain") for r in chat.replies)


async def test_verification_and_limits_are_shared_by_replicas_postgres(pg_db, bundled_index):
    """Two replicas on one PostgreSQL: what one chat proved or failed on one is known to the other."""
    from db.catalogue_repo import upsert_procedures
    from handlers.catalogue import Catalogue
    from handlers.deps import Deps
    from knowledge.catalogue.bundled import load_bundled

    await upsert_procedures(pg_db, load_bundled())
    one = Deps(db=pg_db, catalogue=Catalogue(bundled_index))
    two = Deps(db=pg_db, catalogue=Catalogue(bundled_index))
    await seed(one)
    a, b = at(Chat(one)), at(Chat(two))
    await a.say(CODE)
    for wrong in ("0000", "1111", "2222", "3333"):
        await (a if wrong in ("0000", "2222") else b).say(wrong)
        await (b if wrong in ("0000", "2222") else a).say(CODE)
    await b.say("4444")
    assert b.kinds == ["limited"]
    later = NOW + timedelta(minutes=2)  # after the dossier's delay (5 wrong answers from all chats)
    c, d = at(Chat(one, chat_id="chat-9"), later), at(Chat(two, chat_id="chat-9"), later)
    await c.say(CODE)
    await d.say("5678")  # the other replica answers the pending step
    assert "Nguyễn V*** A" in d.text
    await c.say(CODE)
    assert "Nguyễn V*** A" in c.text


@pytest.mark.parametrize(("status", "history"), [
    (1, [{"status": 1, "at": "2026-03-02T09:00:00+07:00"}]),
    (3, [{"status": 1, "at": "2026-03-02T09:00:00+07:00"}, {"status": 3, "at": "2026-03-03T09:00:00+07:00"}]),
    (3, [{"status": 3, "at": "2026-03-02T09:00:00+07:00", "note": "Thiếu tờ khai"}]),
    (7, [{"status": 2, "at": "2026-03-02T09:00:00+07:00"}, {"status": 7, "at": "2026-03-04T09:00:00+07:00"}]),
    (8, [{"status": 2, "at": "2026-03-02T09:00:00+07:00"}, {"status": 8, "at": "2026-03-04T09:00:00+07:00"}]),
])
async def test_no_due_date_where_there_is_no_clock(deps, chat, status, history):
    """B8: not started (1), not received (3), ended (7/8): no due date, no ✅, no "why this date"."""
    await seed(deps, dossier(status=status, status_history=history, channel="ONLINE",
                             due_at="2026-03-09T17:00:00+07:00"))
    await at(chat).say(CODE)
    assert chat.kinds == ["dossier"]
    assert "Hạn trả kết quả" not in chat.text and "09/03/2026" not in chat.text
    assert "✅" not in chat.text and "ℹ️" in chat.text
    assert chat.button("Vì sao hạn này") is None


async def test_an_online_dossier_counts_from_its_acceptance(deps, chat):
    """B8: submitted online Mon 2/3 (status 1), accepted Wed 4/3 (status 2): 5 working days from the
    acceptance — Thu 5, Fri 6, Mon 9, Tue 10, Wed 11 — not from the submission (which gave Mon 9)."""
    await seed(deps, dossier(channel="ONLINE", status=4, status_history=[
        {"status": 1, "at": "2026-03-02T09:00:00+07:00"}, {"status": 2, "at": "2026-03-04T09:00:00+07:00"},
        {"status": 4, "at": "2026-03-04T10:00:00+07:00"}]))
    await at(chat, datetime(2026, 3, 9, 10, 0, tzinfo=VN_TZ)).say(CODE)
    assert "Hạn trả kết quả: 17:00 11/03/2026" in chat.text and "✅" in chat.text
    await chat.press("Vì sao hạn này")
    assert "04/03/2026" in chat.text


async def test_a_paused_dossier_says_what_remains_in_its_own_unit(deps, chat):
    """B11: 4.5 working days, paused Thu 5/3 after Tue 3 and Wed 4 were used: 2,5 working days remain
    (decimal comma); 10 calendar days paused the same day: 8 days remain, not "ngày làm việc"."""
    paused = [{"status": 2, "at": "2026-03-02T09:00:00+07:00"}, {"status": 5, "at": "2026-03-05T10:00:00+07:00"}]
    await seed(deps,
               dossier(status=5, status_history=paused, processing_days=4.5),
               dossier(code="000.00.22.H26-260302-0002", status=5, status_history=paused,
                       processing_days=10, processing_unit="calendar"))
    await at(chat).say(CODE)
    assert "còn 2,5 ngày làm việc" in chat.text and "còn 2.5" not in chat.text
    assert "2.5 working days remain" in chat.text
    await chat.say("000.00.22.H26-260302-0002")
    assert "còn 8 ngày." in chat.text and "8 ngày làm việc" not in chat.text and "8 days remain" in chat.text


@pytest.mark.parametrize("message", ["thủ tục ly hôn năm 2024", "đăng ký khai sinh cho con sinh năm 2024",
                                     "2024 là năm nào?", "lệ phí 2000 đồng phải không"])
async def test_a_message_with_a_4_digit_number_is_not_taken_as_a_wrong_answer(seeded, chat, message):
    """B3: while the digits are awaited, a question that happens to contain a year is let through to
    the other handlers, and is not counted as a failed verification."""
    await at(chat).say(CODE)
    await chat.say(message)
    assert "wrong" not in chat.kinds and "không khớp" not in chat.text
    await chat.say(CODE)
    await chat.say("1111")  # the first wrong answer: all 5 attempts were left
    assert chat.kinds == ["wrong"] and "4 lần" in chat.text


@pytest.mark.parametrize("answer", ["5678", "4 số cuối SĐT của tôi là 5678 ạ", "Số CCCD: 2345 nhé!",
                                    "last 4 digits: 5678", "５６７８"])
async def test_answers_in_a_few_words_are_accepted(seeded, chat, answer):
    await at(chat).say(CODE)
    await chat.say(answer)
    assert "Nguyễn V*** A" in chat.text


async def test_wrong_answers_for_one_code_are_counted_across_chats_and_delay_the_next_try(seeded, deps):
    """B4/#11: switching chats (a new web session is a new chat) does not reset the count for a
    dossier: after 5 wrong answers in 24 hours each next try waits 1, 2, 4 … minutes after the last
    wrong one (a delay, not a 24-hour lock-out a stranger could impose on the citizen)."""
    waiting = at(Chat(deps, chat_id="waiting"))
    await waiting.say(CODE)  # asked for the digits before the delay
    guesses = iter(f"{n:04d}" for n in range(1000, 1010))
    for name, tries in (("a", 4), ("b", 1)):
        attacker = at(Chat(deps, chat_id=f"attacker-{name}"))
        await attacker.say(CODE)
        for _ in range(tries):
            await attacker.say(next(guesses))
    assert attacker.kinds == ["limited"] and "đợi khoảng 1 phút" in attacker.text
    await waiting.say("5678")  # right, but inside the delay: not even compared
    assert waiting.kinds == ["limited"] and "liên hệ bộ phận một cửa" in waiting.text
    no_personal_data(waiting.text)
    fresh = at(Chat(deps, chat_id="fresh"))
    await fresh.say(CODE)
    assert "Đang xử lý" in fresh.text and "tạm dừng khoảng 1 phút" in fresh.text and "4 số cuối" not in fresh.text
    await fresh.say("5678")
    no_personal_data(fresh.text)
    later = at(Chat(deps, chat_id="later"), NOW + timedelta(minutes=2))  # the delay is over
    await later.say(CODE)
    await later.say("5678")
    assert "Nguyễn V*** A" in later.text


async def test_wrong_answers_from_one_network_are_bounded_across_sessions(deps):
    """#11: a script opening a new web session every few codes from one IPv4 /24 gets at most 20
    wrong answers an hour, whatever the sessions and codes."""
    from dataclasses import replace

    from handlers import handle
    from handlers.types import Incoming

    codes = [f"000.00.22.H26-260302-{n:04d}" for n in range(1, 9)]
    await seed(deps, *(dossier(code=c) for c in codes))
    wrong = refused = 0
    for n in range(30):  # 4 guesses per code: the per-code delay never starts, the network limit does
        session = f"rotating-{n}"
        base = Incoming("web", session, user_id=session, at=NOW, client="203.0.113.0/24")
        await handle(replace(base, text=codes[n // 4]), deps)
        (reply,) = await handle(replace(base, text=f"{1000 + n:04d}"), deps)
        if reply.kind == "wrong":
            wrong += 1
        else:
            assert reply.kind == "limited" and "mạng của bạn" in reply.render("plain")
            refused += 1
    assert (wrong, refused) == (20, 10)
    other = Incoming("web", "elsewhere", user_id="elsewhere", at=NOW, client="198.51.100.0/24")
    await handle(replace(other, text=codes[7]), deps)
    assert "Nguyễn V*** A" in "".join(r.render("plain") for r in await handle(replace(other, text="5678"), deps))


async def test_the_reschedule_reason_is_shown_only_after_the_second_factor(seeded, chat, deps):
    """R10: the apology letter's reason is an official's free text (it may name people or facts of
    the case): before verification only that the date was moved, and the new date."""
    from db.dossier_repo import set_rescheduled_due

    reason = "Chờ xác minh lời khai của ông Trần Văn Bình"
    await set_rescheduled_due(deps.db, CODE, datetime(2026, 3, 20, 17, 0, tzinfo=VN_TZ), reason)
    await at(chat).say(CODE)
    assert "Hẹn lại (phiếu xin lỗi): 17:00 20/03/2026" in chat.text and "Trần" not in chat.text
    await chat.press("Vì sao hạn này")
    assert "hẹn lại ngày trả kết quả: 17:00 20/03/2026" in chat.text and "Trần" not in chat.text
    await chat.say(CODE)
    await chat.say("5678")
    assert reason in chat.text
    await chat.press("Vì sao hạn này")
    assert reason in chat.text


# Issue #13, the first minutes of a citizen: what read wrong, through the chat.

async def test_the_attempts_left_count_down_to_one_attempt_in_both_languages(seeded, chat):
    await at(chat).say(CODE)
    for wrong, left in (("0000", 4), ("1111", 3), ("2222", 2)):
        await chat.say(wrong)
        assert f"Bạn còn {left} lần thử trong giờ này" in chat.text and f"{left} attempts left this hour" in chat.text
    await chat.say("3333")
    assert chat.kinds == ["wrong"]
    assert "Bạn chỉ còn 1 lần thử cuối trong giờ này" in chat.text
    assert "1 attempt left this hour" in chat.text and "1 attempts" not in chat.text


@pytest.mark.parametrize(("channel", "vi", "en"), [
    ("DIRECT", "(nộp trực tiếp)", "(submitted at the desk)"),
    ("ONLINE", "(nộp trực tuyến)", "(submitted online)"),
    ("POSTAL", "(nộp qua bưu chính)", "(sent by post)"),
])
async def test_how_a_dossier_came_reads_the_same_in_english_as_in_vietnamese(deps, chat, channel, vi, en):
    await seed(deps, dossier(status=1, status_history=[{"status": 1, "at": "2026-03-02T09:00:00+07:00"}],
                             channel=channel))
    await at(chat).say(CODE)
    english = chat.text.splitlines()
    assert vi in chat.text and "Mới đăng ký" in chat.text
    assert any(line.startswith(f"Dossier {CODE} {en}: Registered, not yet accepted") for line in english), chat.text
    assert ("online" in chat.text) == (channel == "ONLINE")


@pytest.mark.parametrize("typed", ["000.00.22.H26-251332-0001", "hồ sơ 000.00.22.h26 - 251301 - 0001 của tôi sao rồi",
                                   "/tra_cuu 000.00.22.H26-260230-0001"])
async def test_a_code_with_an_impossible_date_is_answered_as_an_invalid_code(seeded, chat, typed):
    await at(chat).say(typed)
    assert chat.kinds == ["invalid_code"]
    vietnamese, english = chat.text.index("không hợp lệ"), chat.text.index("not valid")
    assert vietnamese < english  # Vietnamese first
    assert "không phải là một ngày có thật" in chat.text and "YYMMDD" in chat.text
    assert "thủ tục" not in chat.text.lower() and chat.button("Xem") is None  # no procedures offered instead
    # and a real code still finds its dossier
    await chat.say(CODE)
    assert chat.kinds == ["dossier"]
