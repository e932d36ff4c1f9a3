"""The conversation core, through the path a user takes: messages and buttons in, replies out."""

import unicodedata

import pytest


async def test_question_without_accents_gets_the_procedure_with_documents_fee_and_time(chat):
    await chat.say("lam lai cccd bi mat can gi")
    assert chat.kinds == ["answer"]
    text = chat.text
    assert "Cấp lại thẻ căn cước" in text
    assert "Giấy tờ cần chuẩn bị" in text and "Phí, lệ phí" in text and "Thời hạn giải quyết" in text
    assert "70.000 đồng" in text
    assert "dichvucong.gov.vn" in chat.html and "dữ liệu lấy ngày" in text  # the source, as a link


async def test_the_asked_section_comes_first(chat):
    await chat.say("phí sang tên sổ đỏ")
    text = chat.text
    assert text.index("Phí, lệ phí") < text.index("Giấy tờ cần chuẩn bị")


async def test_follow_ups_answer_about_the_last_procedure_and_only_what_was_asked(chat):
    await chat.say("đăng ký tạm trú")
    assert "Đăng ký tạm trú" in chat.text
    await chat.say("phí bao nhiêu?")
    assert "Đăng ký tạm trú" in chat.text and "Phí, lệ phí" in chat.text
    assert "Giấy tờ cần chuẩn bị" not in chat.text
    await chat.say("mất mấy ngày?")
    assert "Thời hạn giải quyết" in chat.text and "Phí, lệ phí" not in chat.text
    await chat.say("nộp ở đâu?")
    assert "Nơi nộp" in chat.text and "Công an" in chat.text


async def test_follow_up_without_a_previous_procedure_is_not_invented(chat):
    await chat.say("phí bao nhiêu?")
    assert "not_found" in chat.kinds or "candidates" in chat.kinds


async def test_section_buttons_show_the_whole_section(chat):
    await chat.say("đăng ký khai sinh")
    await chat.press("Giấy tờ")
    assert "Giấy tờ cần chuẩn bị" in chat.text
    assert "… và" not in chat.text  # the whole list, not the short one
    await chat.press("Đầy đủ")
    assert "Căn cứ pháp lý" in chat.text and "Trình tự thực hiện" in chat.text


async def test_ambiguous_question_offers_candidates_as_buttons_and_choosing_answers(chat):
    await chat.say("căn cước")
    assert chat.kinds == ["candidates"]
    buttons = [b for r in chat.replies for b in r.buttons]
    assert 2 <= len(buttons) <= 5
    assert all(len(b.payload.encode()) <= 64 for b in buttons)
    first = buttons[0]
    await chat.press(first.payload)
    assert chat.kinds == ["answer"]
    assert first.payload.split(":", 1)[1] in chat.text


async def test_candidate_chosen_by_number(chat):
    await chat.say("căn cước")
    assert chat.kinds == ["candidates"]
    await chat.say("2")
    assert chat.kinds == ["answer"]


async def test_procedure_code_answers_directly(chat):
    await chat.say("1.001193")
    assert "Đăng ký khai sinh\nMã thủ tục 1.001193" in chat.text


async def test_nothing_found_says_so_and_suggests(chat):
    await chat.say("con mèo nhà tôi thích ăn cá")
    assert chat.kinds == ["not_found"]
    assert "chưa tìm thấy" in chat.text and "ví dụ" in chat.text


@pytest.mark.parametrize("message, where", [
    ("dự báo thời tiết ngày mai thế nào", "chỉ trả lời về thủ tục hành chính"),
    ("quên mã PIN thẻ ATM thì làm sao", "ngân hàng"),
    ("sim bi khoa 2 chieu thi lam sao mo", "nhà mạng"),
    ("muốn kiện hàng xóm ra tòa thì làm thế nào", "Tòa án nhân dân"),
])
async def test_a_subject_outside_the_catalogue_gets_no_procedure_but_where_to_go(chat, message, where):
    await chat.say(message)
    assert chat.kinds == ["not_found"] and where in chat.text
    assert not any(b.payload and b.payload.startswith("p:") for r in chat.replies for b in r.buttons)


@pytest.mark.parametrize("message, kind, says", [
    ("cảm ơn nhé", "thank", "Rất vui"),
    ("ok cam on ban nhieu", "thank", "Rất vui"),
    ("bye bye", "goodbye", "hẹn gặp lại"),
    ("chào nhé, mai mình hỏi tiếp", "goodbye", "hẹn gặp lại"),
    ("ban la ai vay", "who", "trợ lý tự động"),
    ("bot ngu quá", "insult", "Xin lỗi"),
    ("ừ", "affirm", "Vâng"),
    ("Hello", "greet", "Xin chào"),
])
async def test_small_talk_is_answered_as_such_never_with_a_procedure(chat, message, kind, says):
    await chat.say(message)
    assert chat.kinds == [kind] and says in chat.text
    assert "Mã thủ tục" not in chat.text


@pytest.mark.parametrize("message, kind", [("dạ em cảm ơn anh Tuấn ạ", "thank"), ("chào chị Hoa", "greet")])
async def test_small_talk_with_a_name_in_it_is_small_talk_when_no_procedure_fits(chat, message, kind):
    await chat.say(message)
    assert chat.kinds == [kind] and "Mã thủ tục" not in chat.text
    await chat.say("cảm ơn anh, cho hỏi làm khai sinh cần gì")  # a question as well: answered
    assert chat.kinds[0] == "answer" and "1.001193" in chat.text


async def test_no_while_candidates_are_offered_means_none_of_them(chat):
    await chat.say("căn cước")
    assert chat.kinds == ["candidates"]
    await chat.say("không phải")
    assert chat.kinds == ["deny"] and "mô tả thêm" in chat.text
    await chat.say("2")  # no longer a choice: searched as a question
    assert chat.kinds != ["answer"]


@pytest.mark.parametrize("text", ["", "   ", "\u200b"])
async def test_empty_message_gets_a_prompt(chat, text):
    await chat.say(text)
    assert chat.kinds == ["help"]


async def test_nfd_input_is_understood(chat):
    await chat.say(unicodedata.normalize("NFD", "Đăng ký kết hôn cần giấy tờ gì"))
    assert "Đăng ký kết hôn\nMã thủ tục 1.000894" in chat.text


async def test_huge_message_is_read_in_part_with_a_notice(chat):
    await chat.say("đăng ký khai sinh " + "rất " * 5000)
    assert chat.kinds[0] == "notice"
    assert "khai sinh" in chat.text


async def test_markup_is_escaped_in_html_and_sql_text_harms_nothing(chat):
    await chat.say("<script>alert(1)</script> đăng ký khai sinh")
    assert "<script>" not in chat.html
    await chat.say("'; DROP TABLE procedures; --")
    await chat.say("1.001193")
    assert "Đăng ký khai sinh\nMã thủ tục 1.001193" in chat.text


async def test_emoji_only_message(chat):
    await chat.say("🙂🙏")
    assert chat.kinds and chat.kinds[0] in {"not_found", "help"}


async def test_greeting_thanks_help(chat):
    await chat.say("xin chào")
    assert "Xin chào" in chat.text
    await chat.say("cảm ơn nhé")
    assert "Rất vui" in chat.text
    await chat.say("/help")
    assert "Hướng dẫn" in chat.text


async def test_unknown_command_and_payload(chat):
    await chat.say("/khong_co_lenh_nay")
    assert "/help" in chat.text
    await chat.press("zz:garbage")
    assert "/help" in chat.text


async def test_start_deep_link_with_a_procedure_code(chat):
    await chat.say("/start 1_001193")
    assert "Đăng ký khai sinh\nMã thủ tục 1.001193" in chat.text


async def test_state_survives_a_new_core_instance(deps, bundled_index):
    """Conversation state lives in the database: another replica continues the conversation."""
    from handlers.catalogue import Catalogue
    from handlers.deps import Deps
    from tests.chat import Chat

    first = Chat(deps)
    await first.say("đăng ký tạm trú")
    other = Chat(Deps(db=deps.db, catalogue=Catalogue(bundled_index)))
    await other.say("phí bao nhiêu?")
    assert "Đăng ký tạm trú" in other.text


async def test_database_down_gives_a_busy_answer(deps):
    """The core's own fallback, so asked of the core: through a channel such a message is not even
    stored, and the platform is told to retry (503, tests/test_service.py)."""
    from handlers import Incoming, handle

    await deps.db.dispose()
    deps.db.engine = __import__("sqlalchemy.ext.asyncio", fromlist=["create_async_engine"]).create_async_engine(
        "sqlite+aiosqlite:////nonexistent-dir/x.db"
    )
    deps.db.sessionmaker.configure(bind=deps.db.engine)
    replies = await handle(Incoming("test", "chat-1", text="đăng ký khai sinh"), deps)
    assert [r.kind for r in replies] == ["error"]
    assert "thử lại" in replies[0].render("plain")


async def test_a_procedure_code_with_a_question_answers_the_question_first(chat):
    await chat.say("thủ tục 1.001193 mất bao lâu")
    text = chat.text
    assert text.index("Thời hạn giải quyết") < text.index("Giấy tờ cần chuẩn bị")


async def test_the_source_is_named_for_what_the_link_opens(deps):
    from db.catalogue_repo import upsert_procedures
    from handlers.catalogue import Catalogue, build_index
    from knowledge.catalogue.model import Procedure
    from tests.chat import Chat

    mirror = Procedure(code="1.099999", name="Thủ tục thử nghiệm cấp phép nuôi chim yến", source="bqp",
                       source_url="https://github.com/example/crawl", detailed=False)
    await upsert_procedures(deps.db, [mirror])
    deps.catalogue = Catalogue(build_index([mirror]))
    chat = Chat(deps)
    await chat.say("1.099999")
    assert "Cổng Dịch vụ công quốc gia" not in chat.text and "bản sao công khai" in chat.text
    assert chat.button("Xem nguồn").url == "https://github.com/example/crawl"


async def test_unit_less_published_time_is_shown_with_what_is_known():
    from handlers.procedure_view import time_text
    from knowledge.catalogue.model import ProcessingTime, TimeUnit

    assert time_text(ProcessingTime(quantity=1, unit=TimeUnit.OTHER, text="1"), 200)== "Không rõ (nguồn chỉ ghi con số “1”, không ghi đơn vị)"
    assert time_text(ProcessingTime(quantity=7, unit=TimeUnit.WORKING_DAY, text="Không quá 7 ngày làm việc"), 200) == "7 ngày làm việc"


async def test_two_messages_of_one_chat_saved_at_once_keep_each_others_keys(db):
    """Two replicas answering the same chat concurrently: each applies only what it changed."""
    from handlers.state import load_state, save_state

    await save_state(db, "zalo", "c1", {"procedure": "1.001193", "lang": "vi"})
    first, second = await load_state(db, "zalo", "c1"), await load_state(db, "zalo", "c1")
    a, b = dict(first), dict(second)
    a["pending"] = {"kind": "verify", "code": "X"}
    b["procedure"] = "1.004194"
    del b["lang"]
    await save_state(db, "zalo", "c1", a, first)
    await save_state(db, "zalo", "c1", b, second)
    assert await load_state(db, "zalo", "c1") == {"procedure": "1.004194", "pending": {"kind": "verify", "code": "X"}}


@pytest.mark.postgres
async def test_concurrent_state_saves_on_postgres_lose_nothing(pg_db):
    import asyncio

    from handlers.state import load_state, save_state

    await save_state(pg_db, "telegram", "42", {})
    base = await load_state(pg_db, "telegram", "42")
    await asyncio.gather(*(save_state(pg_db, "telegram", "42", {**base, f"k{i}": i}, base) for i in range(20)))
    assert await load_state(pg_db, "telegram", "42") == {f"k{i}": i for i in range(20)}


async def test_a_command_cancels_the_step_waiting_for_an_answer(chat):
    from handlers.state import load_state, save_state

    await save_state(chat.deps.db, chat.channel, chat.chat_id, {"pending": {"kind": "verify", "code": "X"}})
    await chat.say("/help")
    assert "pending" not in await load_state(chat.deps.db, chat.channel, chat.chat_id)
