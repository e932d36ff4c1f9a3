"""A live handoff to an official (issue 12 item 2): "gặp cán bộ" or /can_bo rings the agency's
officials on duty with a button to take it; the first to take it talks with the citizen through the
bot, both ways through the outbox, until /ket_thuc or idleness; nobody in 3 minutes, out of hours,
or a chat that cannot be written to: a PAKN item with its deadline. The conversation tests use the
Telegram stand-ins (``tests/chat.py``, answered in the request; what goes to the other chat is read
from the outbox); the "done when" runs the real service with the local Telegram and Zalo APIs."""

from __future__ import annotations

import dataclasses
import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from bot.config import Settings
from db.feedback_repo import feedback_by_code, list_feedback
from db.handoff_repo import open_for_chat, open_handoff
from db.models.handoff import Handoff
from db.officials_repo import official_for_chat, set_muted
from db.outbox_repo import outbox_rows
from handlers.handoff_sweep import sweep_handoffs
from handlers.reply_json import replies_from_json
from knowledge.calendar import VN_TZ
from knowledge.handoff import asks_official
from tests.chat import Chat
from tests.fakes.server import wait_until
from tests.fakes.service import running_service
from tests.fakes.telegram_api import callback_update, text_update
from tests.fakes.zalo_api import FakeZalo, signed, text_event
from tests.official_data import COMMUNE, DISTRICT, NOW, OVERDUE_NEW, WARD, official, seed

EVENING = datetime(2026, 3, 11, 19, 30, tzinfo=VN_TZ)  # Wednesday, after office hours
_CODE = re.compile(r"PA-\d{6}-\d{4}")
HEADERS = {"X-Telegram-Bot-Api-Secret-Token": "s3cret"}


def texts(rows) -> list[str]:
    return ["\n".join(r.render("plain") for r in replies_from_json(row.replies)) for row in rows]


async def rows_to(db, chat_id: str, kind: str | None = None) -> list[str]:
    return texts([r for r in await outbox_rows(db, kind=kind) if r.chat_id == chat_id])


def take_payload(rows) -> str:
    (button,) = replies_from_json(rows[0].replies)[0].buttons
    return button.payload


@pytest.fixture
async def seeded(deps):
    await seed(deps)
    await official(deps.db, COMMUNE, "Lê Văn Hùng", "telegram", "701")
    await official(deps.db, COMMUNE, "Nguyễn Thị Lan", "zalo", "704")
    await official(deps.db, WARD, "Phạm Thu", "telegram", "702")
    await official(deps.db, DISTRICT, "Trưởng phòng Nội vụ", "telegram", "703", role="head")
    return deps


def chat(deps, chat_id: str, channel: str = "telegram", at: datetime = NOW) -> Chat:
    return Chat(deps, channel=channel, chat_id=chat_id, at=at)


REQUEST = f"Cho tôi gặp cán bộ về hồ sơ {OVERDUE_NEW} đã quá hạn mà chưa có kết quả"


@pytest.mark.parametrize("text", [
    "gặp cán bộ", "Cho tôi nói chuyện với người", "tôi muốn nói chuyện với người thật", "cho toi gap can bo",
    "Tôi cần gặp cán bộ để hỏi về hồ sơ", "kết nối với cán bộ giúp mình", "cho tôi gặp cán bộ tư pháp được không?",
    "talk to a human please", "I want to speak with an officer",
])
def test_phrasings_that_ask_for_an_official(text):
    assert asks_official(text)


@pytest.mark.parametrize("text", [
    "Đăng ký khai sinh có cần gặp cán bộ tư pháp không?", "cán bộ tư pháp xã làm việc mấy giờ",
    "gặp cán bộ địa chính ở đâu?", "Làm căn cước có phải gặp cán bộ công an không", "thủ tục đăng ký kết hôn",
    "tôi muốn phản ánh cán bộ thái độ kém", "người thân đi làm hộ được không", "how do I register a birth",
])
def test_phrasings_that_do_not(text):
    assert not asks_official(text)


async def test_a_procedure_question_naming_an_official_is_answered_as_one(seeded):
    asker = chat(seeded, "c5")
    await asker.say("Đăng ký khai sinh có cần gặp cán bộ tư pháp không?")
    assert "handoff" not in asker.kinds and await outbox_rows(seeded.db, kind="handoff_request") == []


async def test_in_hours_the_officials_on_duty_get_the_button_and_the_first_to_take_it_talks_with_the_citizen(seeded):
    citizen = chat(seeded, "c1")
    await citizen.say(REQUEST)
    assert citizen.kinds == ["handoff"] and "Đang chuyển bạn tới cán bộ" in citizen.text and "3 phút" in citizen.text
    # The commune's two officers are rung (Telegram and Zalo); the ward's and the district head are not.
    rung = await outbox_rows(seeded.db, kind="handoff_request")
    assert sorted(r.chat_id for r in rung) == ["701", "704"]
    assert OVERDUE_NEW in texts(rung)[0] and "quá hạn mà chưa có kết quả" in texts(rung)[0]
    payload = take_payload(rung)

    await citizen.say("gặp cán bộ")  # one at a time
    assert "đang chờ cán bộ nhận" in citizen.text
    assert len(await outbox_rows(seeded.db, kind="handoff_request")) == 2
    await citizen.say("Hồ sơ nộp từ đầu tháng")  # while waiting: noted for the official
    assert "Đã ghi lại" in citizen.text

    ward = chat(seeded, "702")
    await ward.press(payload)
    assert "đã kết thúc" in ward.text  # not their agency: it looks like nothing to them
    officer = chat(seeded, "701")
    await officer.press(payload)
    assert "Bạn đã nhận trò chuyện" in officer.text and "Hồ sơ nộp từ đầu tháng" in officer.text
    assert f"/ho_so {OVERDUE_NEW}" in officer.text
    (taken,) = await rows_to(seeded.db, "c1", "handoff_notice")
    assert "Lê Văn Hùng" in taken and "đã nhận trò chuyện" in taken
    second = chat(seeded, "704", channel="zalo")
    await second.press(payload)
    assert "đã có cán bộ Lê Văn Hùng nhận" in second.text
    assert (await open_for_chat(seeded.db, "telegram", "c1")).official_name == "Lê Văn Hùng"

    await citizen.say("Tôi cần bổ sung giấy tờ gì không ạ?")
    assert citizen.replies == []  # it went on, nothing to answer here
    (relayed,) = await rows_to(seeded.db, "701", "handoff_message")
    assert relayed == "💬 Người dân: Tôi cần bổ sung giấy tờ gì không ạ?"
    await officer.say("Chị bổ sung bản sao sổ hộ khẩu nhé")
    assert officer.replies == []
    (answer,) = await rows_to(seeded.db, "c1", "handoff_message")
    assert answer == "👤 Cán bộ Lê Văn Hùng: Chị bổ sung bản sao sổ hộ khẩu nhé"
    await citizen.say("/tra_cuu")  # commands still work
    assert citizen.kinds != [] and len(await rows_to(seeded.db, "701", "handoff_message")) == 1

    await citizen.say("/ket_thuc")
    assert "Đã kết thúc cuộc trò chuyện với cán bộ Lê Văn Hùng" in citizen.text
    (told,) = await rows_to(seeded.db, "701", "handoff_notice")
    assert "Người dân đã kết thúc" in told
    await officer.say("Còn gì nữa không chị?")  # over: an ordinary message again, not relayed
    assert officer.replies and len(await rows_to(seeded.db, "c1", "handoff_message")) == 1
    await officer.say("/ket_thuc")
    assert "không có cuộc trò chuyện nào" in officer.text


async def test_the_official_can_end_it_and_an_idle_one_ends_by_itself(seeded):
    citizen, officer = chat(seeded, "c1"), chat(seeded, "701")
    await citizen.say(f"/can_bo {OVERDUE_NEW}")
    assert "viết luôn việc cần hỏi" in citizen.text  # nothing said about what: asked while waiting
    await officer.press(take_payload(await outbox_rows(seeded.db, kind="handoff_request")))
    await officer.say("/ket_thuc")
    assert "Đã kết thúc cuộc trò chuyện với người dân" in officer.text
    assert "Cán bộ Lê Văn Hùng đã kết thúc" in (await rows_to(seeded.db, "c1", "handoff_notice"))[-1]

    await citizen.say(f"cho tôi nói chuyện với người thật, hồ sơ {OVERDUE_NEW}")
    rung = [r for r in await outbox_rows(seeded.db, kind="handoff_request") if r.chat_id == "701"]
    await officer.press(take_payload(rung[-1:]))
    assert "Bạn đã nhận" in officer.text
    await citizen.say("Xin chào cán bộ")
    settings = seeded.reminders
    assert (await sweep_handoffs(seeded.db, seeded.calendar, settings, NOW + timedelta(minutes=14))).ended == 0
    report = await sweep_handoffs(seeded.db, seeded.calendar, settings, NOW + timedelta(minutes=16))
    assert report.ended == 1
    assert "tự kết thúc sau 15 phút" in (await rows_to(seeded.db, "c1", "handoff_notice"))[-1]
    assert "tự kết thúc sau 15 phút" in (await rows_to(seeded.db, "701", "handoff_notice"))[-1]
    assert (await sweep_handoffs(seeded.db, seeded.calendar, settings, NOW + timedelta(minutes=30))).changed == 0


async def test_nobody_takes_it_in_three_minutes_it_becomes_a_pakn_item(seeded):
    citizen = chat(seeded, "c1")
    await citizen.say(REQUEST)
    await citizen.say("Tôi đã nộp đủ giấy tờ từ ngày 2/3")
    payload = take_payload(await outbox_rows(seeded.db, kind="handoff_request"))
    settings = seeded.reminders
    assert (await sweep_handoffs(seeded.db, seeded.calendar, settings, NOW + timedelta(minutes=2))).filed == 0
    later = NOW + timedelta(minutes=3, seconds=1)
    assert (await sweep_handoffs(seeded.db, seeded.calendar, settings, later)).filed == 1

    (item,) = await list_feedback(seeded.db, COMMUNE)
    assert (item.status, item.dossier_code, item.topic) == ("open", OVERDUE_NEW, "dossier")
    assert "quá hạn mà chưa có kết quả" in item.content and "từ ngày 2/3" in item.content
    assert item.due_at > item.received_at
    (told,) = await rows_to(seeded.db, "c1", "handoff_notice")
    assert "Trong 3 phút chưa có cán bộ" in told and item.code in told and "Hạn trả lời: 17:00 25/03/2026" in told
    assert [r.chat_id for r in await outbox_rows(seeded.db, kind="feedback_new")] == ["701", "704"]

    late = chat(seeded, "701")
    await late.press(payload)
    assert item.code in late.text and "đã kết thúc" in late.text
    await citizen.say(f"gặp cán bộ, hồ sơ {OVERDUE_NEW}")  # a new request is possible again
    assert "Đang chuyển bạn tới cán bộ" in citizen.text


async def test_out_of_hours_it_is_a_pakn_item_at_once(seeded):
    evening = chat(seeded, "c1", at=EVENING)
    await evening.say(REQUEST)
    assert "ngoài giờ làm việc" in evening.text and "07:30 12/03/2026" in evening.text
    code = _CODE.search(evening.text).group(0)
    assert "Hạn trả lời" in evening.text
    item = await feedback_by_code(seeded.db, code)
    assert (item.status, item.agency_code) == ("open", COMMUNE)
    assert await outbox_rows(seeded.db, kind="handoff_request") == []

    other = chat(seeded, "c2", at=EVENING)
    await other.say("gặp cán bộ")  # nothing said about what: asked first
    assert "viết việc cần hỏi" in other.text and not _CODE.search(other.text)
    await other.say("Xin hỏi lệ phí cấp bản sao trích lục khai sinh")
    assert "Đã nhận phản ánh" in other.text and _CODE.search(other.text)


async def test_nobody_on_duty_and_the_web_chat_fall_back_to_pakn(seeded):
    for o in ("701", "704"):
        found = await official_for_chat(seeded.db, "telegram" if o == "701" else "zalo", o)
        await set_muted(seeded.db, found.id, True)
    muted = chat(seeded, "c1")
    await muted.say(REQUEST)
    assert "chưa có cán bộ nào rảnh" in muted.text and _CODE.search(muted.text)

    web = chat(seeded, "w1", channel="web")
    await web.say("talk to a human about my dossier " + OVERDUE_NEW + " which is late")
    assert "cán bộ không nhắn trả lời trực tiếp được" in web.text and "gửi lại mã" in web.text
    assert await outbox_rows(seeded.db, kind="handoff_request") == []


async def test_one_citizen_one_official_at_a_time(seeded):
    a, b, officer = chat(seeded, "c1"), chat(seeded, "c2"), chat(seeded, "701")
    await a.say(REQUEST)
    await b.say(REQUEST)
    first, second = [r for r in await outbox_rows(seeded.db, kind="handoff_request") if r.chat_id == "701"]
    await officer.press(take_payload([first]))
    await officer.press(take_payload([second]))
    assert "Bạn đang trò chuyện với một người dân khác" in officer.text
    await chat(seeded, "c3").say(REQUEST)  # 701 is busy: only 704 is rung
    assert [r.chat_id for r in await outbox_rows(seeded.db, kind="handoff_request")][-1:] == ["704"]
    assert len(await outbox_rows(seeded.db, kind="handoff_request")) == 5

    # The table itself refuses a second open handoff for one chat (two replicas racing).
    again = await open_handoff(seeded.db, channel="telegram", chat_id="c1", lang="vi", agency_code=None,
                               dossier_code=None, request="x", now=NOW, plan=lambda h: [])
    assert again is None


# --- the "done when": Telegram and Zalo, the real service ----------------------------------------
class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


async def test_a_handoff_relays_both_ways_on_telegram_and_zalo_and_falls_back_out_of_hours(deps, bot_api, sqlite_url):
    await seed(deps)
    tg_officer, tg_citizen = 9001, 9002
    zalo_officer, zalo_citizen = "8100000000000000001", "8200000000000000002"
    await official(deps.db, COMMUNE, "Lê Văn Hùng", "telegram", str(tg_officer))
    clock = Clock(NOW)
    ready = dataclasses.replace(deps, clock=clock)
    zalo = await FakeZalo(app_id="1", app_secret="a", access_token="t0", refresh_token="r0").start()
    settings = Settings(telegram_token="1:T", telegram_base_url=bot_api.base_url, telegram_webhook_secret="s3cret",
                        zalo_app_id="1", zalo_oa_secret_key="k", zalo_app_secret="a", zalo_access_token="t0",
                        zalo_refresh_token="r0", zalo_api_base=zalo.url, zalo_oauth_base=zalo.url,
                        database_url=sqlite_url, reminder_sweep_seconds=0, handoff_sweep_seconds=0.05,
                        notify_poll_seconds=30, outbox_poll_seconds=0.05, outbox_per_chat_seconds=0.0)
    updates, events = iter(range(1, 1000)), iter(range(1, 1000))

    async def telegram(chat: int, text: str | None = None, *, press: str | None = None) -> None:
        update = callback_update(next(updates), chat, press) if press else text_update(next(updates), chat, text)
        status, _ = await service.post("/telegram/webhook", json_body=update, headers=HEADERS)
        assert status == 200

    async def on_zalo(user: str, text: str) -> None:
        raw, headers = signed("1", "k", text_event(user, text, f"m{next(events)}"))
        status, _ = await service.post("/zalo/webhook", data=raw, headers=headers)
        assert status == 200

    async def next_telegram(chat: int, count: int) -> str:
        await wait_until(lambda: len(bot_api.texts(chat)) >= count, what=f"message {count} on Telegram")
        return bot_api.texts(chat)[count - 1]

    async def next_zalo(user: str, count: int) -> str:
        await wait_until(lambda: len(zalo.texts(user)) >= count, what=f"message {count} on Zalo")
        return zalo.texts(user)[count - 1]

    try:
        async with running_service(settings, deps=ready) as service:
            menus = [[c["command"] for c in call["commands"]] for call in bot_api.called("setMyCommands")]
            assert all("can_bo" in menu for menu in menus)

            # A citizen on Zalo, the official on Telegram.
            await on_zalo(zalo_citizen, REQUEST)
            assert "Đang chuyển bạn tới cán bộ" in await next_zalo(zalo_citizen, 1)
            await wait_until(lambda: bot_api.sent(tg_officer), what="the request on Telegram")
            notice = bot_api.sent(tg_officer)[0]
            assert "Người dân muốn trò chuyện với cán bộ" in notice["text"]
            (payload,) = [b["callback_data"] for line in notice["reply_markup"]["inline_keyboard"] for b in line]
            await telegram(tg_officer, press=payload)
            assert "Bạn đã nhận trò chuyện" in await next_telegram(tg_officer, 2)
            assert "Lê Văn Hùng" in await next_zalo(zalo_citizen, 2)
            await on_zalo(zalo_citizen, "Hồ sơ của tôi bao giờ có kết quả ạ?")
            assert await next_telegram(tg_officer, 3) == "💬 <b>Người dân:</b> Hồ sơ của tôi bao giờ có kết quả ạ?"
            await telegram(tg_officer, "Trong tuần này chị nhé, đang chờ ý kiến phòng Tài nguyên")
            assert await next_zalo(zalo_citizen, 3) == ("👤 Cán bộ Lê Văn Hùng: Trong tuần này chị nhé, "
                                                         "đang chờ ý kiến phòng Tài nguyên")
            await on_zalo(zalo_citizen, "/ket_thuc")
            assert "Đã kết thúc" in await next_zalo(zalo_citizen, 4)
            assert "Người dân đã kết thúc" in await next_telegram(tg_officer, 4)

            # A citizen on Telegram, an official on Zalo (the Telegram official muted: not on duty).
            await official(deps.db, COMMUNE, "Nguyễn Thị Lan", "zalo", zalo_officer)
            await set_muted(deps.db, (await official_for_chat(deps.db, "telegram", str(tg_officer))).id, True)
            await telegram(tg_citizen, f"/can_bo {OVERDUE_NEW}")
            assert "Đang chuyển bạn tới cán bộ" in await next_telegram(tg_citizen, 1)
            assert "Người dân muốn trò chuyện" in await next_zalo(zalo_officer, 1)
            buttons = zalo.delivered(zalo_officer)[0].message["attachment"]["payload"]["buttons"]
            await on_zalo(zalo_officer, buttons[0]["payload"])  # the tap comes back as text
            assert "Bạn đã nhận trò chuyện" in await next_zalo(zalo_officer, 2)
            assert "Nguyễn Thị Lan" in await next_telegram(tg_citizen, 2)
            await telegram(tg_citizen, "Cho tôi hỏi lệ phí trích lục <khai sinh>")
            assert await next_zalo(zalo_officer, 3) == "💬 Người dân: Cho tôi hỏi lệ phí trích lục <khai sinh>"
            await on_zalo(zalo_officer, "Miễn phí bạn nhé")
            await wait_until(lambda: len(bot_api.sent(tg_citizen)) >= 3, what="the official's answer on Telegram")
            relayed = bot_api.sent(tg_citizen)[2]
            assert relayed["text"] == "👤 <b>Cán bộ Nguyễn Thị Lan:</b> Miễn phí bạn nhé"
            await on_zalo(zalo_officer, "/ket_thuc")
            assert "Đã kết thúc" in await next_zalo(zalo_officer, 4)
            assert "Cán bộ Nguyễn Thị Lan đã kết thúc" in await next_telegram(tg_citizen, 4)

            # Out of hours: a PAKN item at once, with its deadline, on both platforms.
            clock.now = EVENING
            await telegram(tg_citizen, REQUEST)
            closed, filed = await next_telegram(tg_citizen, 5), await next_telegram(tg_citizen, 6)
            assert "ngoài giờ làm việc" in closed and "Hạn trả lời" in filed and _CODE.search(filed)
            await on_zalo(zalo_citizen, REQUEST)
            closed, filed = await next_zalo(zalo_citizen, 5), await next_zalo(zalo_citizen, 6)
            assert "ngoài giờ làm việc" in closed and "Hạn trả lời" in filed and _CODE.search(filed)
            assert len(await list_feedback(deps.db, COMMUNE)) == 2

            # The next morning nobody takes it: the service's own sweep files it after 3 minutes.
            clock.now = NOW + timedelta(days=1)
            await on_zalo(zalo_citizen, REQUEST)
            assert "Đang chuyển bạn tới cán bộ" in await next_zalo(zalo_citizen, 7)
            await wait_until(lambda: sum("Người dân muốn trò chuyện" in t for t in zalo.texts(zalo_officer)) == 2,
                             what="the second request on Zalo")  # after the evening's items' notices
            clock.now += timedelta(minutes=3, seconds=30)
            told = await next_zalo(zalo_citizen, 8)
            assert "Trong 3 phút chưa có cán bộ" in told and "Hạn trả lời" in await next_zalo(zalo_citizen, 9)
            assert len(await list_feedback(deps.db, COMMUNE)) == 3
    finally:
        await zalo.stop()
    async with deps.db.session() as session:
        statuses = [h.status for h in await session.scalars(select(Handoff).order_by(Handoff.id))]
    assert statuses == ["ended", "ended", "fallback"]
