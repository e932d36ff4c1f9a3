"""Telegram end to end: updates posted to our /telegram/webhook with the secret, the real
python-telegram-bot Application answering through a local fake Bot API."""

from __future__ import annotations

import json
import re

import pytest

from bot.config import Settings
from bot.delivery import PermanentDeliveryError, TransientDeliveryError
from bot.split import split_text
from handlers.types import Button, Reply
from tests.fakes.server import wait_until
from tests.fakes.service import running_service
from tests.fakes.telegram_api import FakeBotApi, callback_update, text_update

TOKEN = "123456:TEST-token-not-real"
SECRET = "webhook_Secret-123"
HEADERS = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
WEBHOOK_URL = "https://motcua.example.gov.vn/telegram/webhook"


def settings_for(sqlite_url: str, bot_api: FakeBotApi, **overrides) -> Settings:
    values = dict(database_url=sqlite_url, telegram_token=TOKEN, telegram_base_url=bot_api.base_url,
                  telegram_mode="webhook", telegram_webhook_url=WEBHOOK_URL, telegram_webhook_secret=SECRET)
    values.update(overrides)
    return Settings(**values)


@pytest.fixture
async def service(deps, bot_api, sqlite_url):
    async with running_service(settings_for(sqlite_url, bot_api), deps=deps, channel_options={"telegram": {"typing_after": 0}}) as running:
        yield running


def only_telegram_tags(text: str) -> bool:
    return set(re.findall(r"</?([a-zA-Z]+)", text)) <= {"b", "i", "a"}


async def say(service, bot_api, update: dict, chat_id: int, replies: int = 1) -> list[dict]:
    before = len(bot_api.sent(chat_id))
    status, _ = await service.post("/telegram/webhook", json_body=update, headers=HEADERS)
    assert status == 200
    await wait_until(lambda: len(bot_api.sent(chat_id)) >= before + replies, what="the bot's reply")
    return bot_api.sent(chat_id)[before:]


async def test_start_sets_webhook_with_secret_and_command_menus(service, bot_api):
    (hook,) = bot_api.called("setWebhook")
    assert hook["url"] == WEBHOOK_URL
    assert hook["secret_token"] == SECRET
    assert set(hook["allowed_updates"]) == {"message", "callback_query"}
    menus = {c.get("language_code"): [cmd["command"] for cmd in c["commands"]] for c in bot_api.called("setMyCommands")}
    assert set(menus) == {None, "en"}
    assert {"start", "help", "tra_cuu", "thu_tuc"} <= set(menus[None]) == set(menus["en"])


async def test_procedure_question_and_follow_up(service, bot_api):
    chat = 424242
    (answer,) = await say(service, bot_api, text_update(1, chat, "đăng ký tạm trú cần giấy tờ gì"), chat)
    assert answer["parse_mode"] == "HTML"
    assert answer["link_preview_options"] == {"is_disabled": True}  # the source link is not previewed
    assert "<b>Đăng ký tạm trú</b>" in answer["text"]
    assert "Giấy tờ" in answer["text"] and only_telegram_tags(answer["text"])
    callbacks = [b["callback_data"] for row in answer["reply_markup"]["inline_keyboard"] for b in row if "callback_data" in b]
    assert "s:fee:1.004194" in callbacks and all(len(c.encode()) <= 64 for c in callbacks)
    # Slow answers show "typing…"; the test makes every answer slow.
    assert any(c["chat_id"] == str(chat) and c["action"] == "typing" for c in bot_api.called("sendChatAction"))

    (follow_up,) = await say(service, bot_api, text_update(2, chat, "phí bao nhiêu?"), chat)
    assert "Đăng ký tạm trú" in follow_up["text"]
    assert "lệ phí" in follow_up["text"].lower() and "đồng" in follow_up["text"]
    assert "Giấy tờ cần chuẩn bị" not in follow_up["text"]  # only what was asked


async def test_candidate_button_tap_answers_the_callback_and_shows_details(service, bot_api):
    chat = 5151
    (candidates,) = await say(service, bot_api, text_update(10, chat, "căn cước"), chat)
    keys = [b for row in candidates["reply_markup"]["inline_keyboard"] for b in row]
    assert len(keys) >= 2 and all(k["callback_data"].startswith("p:") for k in keys)
    chosen = keys[0]
    (details,) = await say(service, bot_api, callback_update(11, chat, chosen["callback_data"]), chat)
    code = chosen["callback_data"][2:]
    assert f"Mã thủ tục {code}" in details["text"]
    assert [c["callback_query_id"] for c in bot_api.called("answerCallbackQuery")] == ["cq11"]


async def test_deep_link_start_payload_goes_straight_to_the_procedure(service, bot_api):
    chat = 777
    (answer,) = await say(service, bot_api, text_update(20, chat, "/start 1_004194"), chat)
    assert "Mã thủ tục 1.004194" in answer["text"]


async def test_help_command(service, bot_api):
    (answer,) = await say(service, bot_api, text_update(21, 778, "/help"), 778)
    assert "Hướng dẫn" in answer["text"]


async def test_missing_or_wrong_secret_is_rejected_and_nothing_processed(service, bot_api):
    chat = 999
    update = text_update(30, chat, "đăng ký khai sinh")
    assert (await service.post("/telegram/webhook", json_body=update))[0] == 401
    assert (await service.post("/telegram/webhook", json_body=update, headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"}))[0] == 401
    # The same update, properly signed, is still new: it was not claimed by the forged posts.
    (answer,) = await say(service, bot_api, update, chat)
    assert "khai sinh" in answer["text"].lower()
    assert len(bot_api.sent(chat)) == 1


async def test_malformed_and_oversized_bodies_are_rejected(service, bot_api):
    assert (await service.post("/telegram/webhook", data=b"{not json", headers=HEADERS))[0] == 400
    assert (await service.post("/telegram/webhook", json_body=["not", "an", "update"], headers=HEADERS))[0] == 400
    assert (await service.post("/telegram/webhook", json_body={"update_id": "x"}, headers=HEADERS))[0] == 400
    huge = json.dumps(text_update(31, 1000, "a" * (1024 * 1024 + 10))).encode()
    assert (await service.post("/telegram/webhook", data=huge, headers=HEADERS))[0] == 413
    assert bot_api.sent() == []


async def test_the_same_update_twice_gets_one_reply(service, bot_api):
    chat = 31337
    update = text_update(40, chat, "đăng ký khai sinh")
    await say(service, bot_api, update, chat)
    assert (await service.post("/telegram/webhook", json_body=update, headers=HEADERS))[0] == 200
    # A later message of the same chat is processed after the duplicate (one chat, in order).
    await say(service, bot_api, text_update(41, chat, "/help"), chat)
    texts = bot_api.texts(chat)
    assert len(texts) == 2 and "Hướng dẫn" in texts[1]


async def test_ids_beyond_2_pow_53_survive(service, bot_api):
    chat = 2**60 + 12345
    (answer,) = await say(service, bot_api, text_update(50, chat, "/help"), chat)
    assert answer["chat_id"] == str(chat)


async def test_a_429_is_waited_out_and_the_message_still_delivered(service, bot_api):
    chat = 4290
    bot_api.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
    status, _ = await service.post("/telegram/webhook", json_body=text_update(60, chat, "/help"), headers=HEADERS)
    assert status == 200
    await wait_until(lambda: bot_api.sent(chat), what="the reply after the 429")
    attempts = [c for c in bot_api.calls if c.method == "sendMessage" and c.params.get("chat_id") == str(chat)]
    assert attempts[0].params.get("_failed") == 429
    assert "Hướng dẫn" in bot_api.texts(chat)[0]


async def test_send_api_splits_long_messages_with_buttons_on_the_last_part(service, bot_api):
    telegram = service.service.channels["telegram"]
    lines = [(f"Dòng {n}: " + "giấy tờ & <thông tin> " * 8).rstrip() for n in range(120)]
    reply = Reply(text="\n".join(lines), buttons=(Button("Phí", payload="s:fee:1.004194"), Button("Cổng DVC", url="https://dichvucong.gov.vn")))
    await telegram.send("8080", [reply])
    parts = bot_api.sent("8080")
    assert len(parts) >= 3
    assert all(len(p["text"]) <= 4096 for p in parts)
    assert [("reply_markup" in p) for p in parts] == [False] * (len(parts) - 1) + [True]
    assert "&lt;thông tin&gt;" in parts[0]["text"]  # escaped for HTML parse mode
    keys = [b for row in parts[-1]["reply_markup"]["inline_keyboard"] for b in row]
    assert keys[0]["callback_data"] == "s:fee:1.004194" and keys[1]["url"] == "https://dichvucong.gov.vn"
    # Nothing lost, on line boundaries.
    assert "\n".join(p["text"] for p in parts).replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">") == reply.text


async def test_send_api_reports_permanent_and_transient_failures(service, bot_api):
    telegram = service.service.channels["telegram"]
    bot_api.fail_next("sendMessage", 403, "Forbidden: bot was blocked by the user")
    with pytest.raises(PermanentDeliveryError) as blocked:
        await telegram.send("1", [Reply(text="Nhắc lịch hẹn")])
    assert "blocked" in blocked.value.reason
    bot_api.fail_next("sendMessage", 400, "Bad Request: chat not found")
    with pytest.raises(PermanentDeliveryError, match="(?i)chat not found"):
        await telegram.send("2", [Reply(text="Nhắc lịch hẹn")])
    bot_api.fail_next("sendMessage", 502, "Bad Gateway")
    with pytest.raises(TransientDeliveryError):
        await telegram.send("3", [Reply(text="Nhắc lịch hẹn")])
    await telegram.send("4", [Reply(text="Nhắc lịch hẹn")])
    assert bot_api.texts("4") == ["Nhắc lịch hẹn"]


async def test_photo_without_text_gets_a_helpful_answer(service, bot_api):
    update = text_update(70, 7070, "x")
    del update["message"]["text"]
    update["message"]["photo"] = [{"file_id": "f1", "file_unique_id": "u1", "width": 10, "height": 10}]
    (answer,) = await say(service, bot_api, update, 7070)
    assert answer["text"].strip()


async def test_polling_mode_answers_without_a_webhook(deps, bot_api, sqlite_url):
    settings = settings_for(sqlite_url, bot_api, telegram_mode="polling", telegram_webhook_url=None)
    async with running_service(settings, deps=deps) as running:
        assert bot_api.called("setWebhook") == []
        assert (await running.post("/telegram/webhook", json_body=text_update(80, 8, "/help"), headers=HEADERS))[0] == 404
        await bot_api.updates.put(text_update(81, 8181, "đăng ký khai sinh"))
        await wait_until(lambda: bot_api.sent(8181), what="the polled update's reply")
    assert "khai sinh" in bot_api.texts(8181)[0].lower()


def test_split_text_keeps_lines_and_never_cuts_markup():
    text = "\n".join(["<b>tiêu đề</b> &amp; nội dung"] * 50)
    parts = split_text(text, 100, html=True)
    assert all(len(p) <= 100 for p in parts) and "\n".join(parts) == text
    long_line = "<b>x</b> " + "từ " * 100 + "&amp;&amp;&amp;"
    for part in split_text(long_line, 50, html=True):
        assert len(part) <= 50
        assert not re.search(r"<[^>]*$|&[#\w]*$", part)


def test_verbose_logging_never_shows_the_bot_token(caplog):
    """`motcua -v` logs at INFO; the HTTP client's request lines (URLs with the token) stay out."""
    import logging

    from click.testing import CliRunner

    from bot.cli import main

    CliRunner().invoke(main, ["-v", "calendar", "show", "2026"])
    with caplog.at_level(logging.INFO):
        logging.getLogger("httpx").info("HTTP Request: POST http://127.0.0.1/bot123456:SECRET-token/getMe")
    assert "SECRET-token" not in caplog.text


async def test_a_refused_token_stops_the_start_without_showing_it_and_closes_the_connections(deps, bot_api, sqlite_url):
    from bot.service import Service
    from bot.channels.telegram import TelegramChannel

    settings = settings_for(sqlite_url, bot_api, telegram_token="1:SECRET-token")
    channel = TelegramChannel(settings, Service(settings, deps=deps))
    bot_api.fail_next("getMe", 401, "Unauthorized")
    with pytest.raises(RuntimeError) as refused:
        await channel.start()
    assert "refused" in str(refused.value) and "SECRET-token" not in str(refused.value)
    assert refused.value.__cause__ is None and refused.value.__context__ is not None  # suppressed, not chained
    sessions = [request._session for request in channel.bot._request]
    assert all(session is None or session.closed for session in sessions)


async def test_updates_of_the_wrong_shape_get_a_400_and_one_warning_line(service, bot_api, caplog):
    import logging

    no_chat = text_update(90, 9090, "xin chào")
    del no_chat["message"]["chat"]
    text_object = text_update(91, 9091, "x")
    text_object["message"]["text"] = {"nested": "object"}
    nested = b'{"update_id": 92, "message": ' + b"[" * 1024 + b"]" * 1024 + b"}"
    with caplog.at_level(logging.WARNING):
        for body in (no_chat, text_object):
            assert (await service.post("/telegram/webhook", json_body=body, headers=HEADERS))[0] == 400
        assert (await service.post("/telegram/webhook", data=nested, headers=HEADERS))[0] == 400
    assert "Traceback" not in caplog.text and caplog.text.count("request refused") == 3
    assert bot_api.sent() == []
    await say(service, bot_api, text_update(93, 9093, "/help"), 9093)  # and the next one is answered
