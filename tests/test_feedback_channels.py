"""Feedback (PAKN) end to end, the issue's "done when": a citizen files with /phan_anh and a dossier
code and gets a PA- code; it is listed open for that agency with a due date; the agency's linked
official answers with /tra_loi (or the notice's button); it is then answered, and the citizen sees
the answer by sending the code — through the real service with the local Telegram and Zalo
stand-ins (webhooks in, the outbox out), through the console, and `motcua feedback` as a command."""

from __future__ import annotations

import dataclasses
import io
import json
import os
import re
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from bot.channels.console import ConsoleChat, render
from bot.channels.zalo import PAYLOAD_PREFIX
from bot.cli.feedback import item_json
from bot.config import Settings
from db.feedback_repo import feedback_by_code, list_feedback
from db.outbox_repo import outbox_rows
from handlers.reminder_settings import ReminderSettings
from knowledge.calendar import VN_TZ
from knowledge.duedate import due_date
from tests.fakes.server import wait_until
from tests.fakes.service import running_service
from tests.fakes.telegram_api import callback_update, text_update
from tests.fakes.zalo_api import FakeZalo, signed, text_event
from tests.official_data import COMMUNE, OVERDUE_NEW, WARD, official, seed

CONTENT = f"Hồ sơ {OVERDUE_NEW} đã quá hạn mà chưa có kết quả, gọi bộ phận một cửa không ai nghe máy"
ANSWER = "UBND xã đã kiểm tra: hồ sơ chờ ý kiến phòng Tài nguyên, sẽ có kết quả trong tuần này."
_CODE = re.compile(r"PA-\d{6}-\d{4}")
HEADERS = {"X-Telegram-Bot-Api-Secret-Token": "s3cret"}
MOTCUA = str(Path(sys.executable).with_name("motcua"))


@pytest.fixture
async def ready(deps):
    """Dossiers to link, and quiet hours lifted: the clock is the real one (any hour of any day)."""
    await seed(deps)
    return dataclasses.replace(deps, reminders=ReminderSettings(ignore_quiet_hours=True))


def common(sqlite_url: str) -> dict:
    return dict(database_url=sqlite_url, reminder_sweep_seconds=0, notify_poll_seconds=30, outbox_poll_seconds=0.05,
                outbox_per_chat_seconds=0.0, reminders_ignore_quiet_hours=True)


def listed(items, code: str) -> dict:
    (row,) = [item_json(i) for i in items if i.code == code]
    return row


async def test_telegram_file_answer_by_the_button_see_and_rate(ready, bot_api, sqlite_url):
    officer, citizen = 9001, 9002
    await official(ready.db, COMMUNE, "Lê Văn Hùng", "telegram", str(officer))
    settings = Settings(telegram_token="1:T", telegram_base_url=bot_api.base_url, telegram_webhook_secret="s3cret",
                        **common(sqlite_url))

    async def send(update: dict, chat: int, replies: int = 1) -> list[dict]:
        before = len(bot_api.sent(chat))
        status, _ = await service.post("/telegram/webhook", json_body=update, headers=HEADERS)
        assert status == 200
        await wait_until(lambda: len(bot_api.sent(chat)) >= before + replies, what="the bot's message")
        return bot_api.sent(chat)[before:]

    async with running_service(settings, deps=ready) as service:
        menus = [[c["command"] for c in call["commands"]] for call in bot_api.called("setMyCommands")]
        assert len(menus) == 2 and all("phan_anh" in menu for menu in menus)  # Vietnamese and English
        (filed,) = await send(text_update(1, citizen, f"/phan_anh {CONTENT}"), citizen)
        code = _CODE.search(filed["text"]).group(0)
        assert "Đã nhận phản ánh" in filed["text"] and "Hạn trả lời" in filed["text"]
        row = listed(await list_feedback(ready.db, COMMUNE), code)
        assert (row["status"], row["agency_code"], row["answered_at"]) == ("open", COMMUNE, None)
        assert datetime.fromisoformat(row["due_at"]) > datetime.fromisoformat(row["received_at"])
        assert f"{datetime.fromisoformat(row['due_at']):%H:%M %d/%m/%Y}" in filed["text"]

        # The official's notice, through the outbox, with the content and a button to answer.
        await wait_until(lambda: bot_api.sent(officer), what="the official's notice")
        (notice,) = bot_api.sent(officer)
        assert code in notice["text"] and "không ai nghe máy" in notice["text"]
        keys = [b["callback_data"] for line in notice["reply_markup"]["inline_keyboard"] for b in line]
        assert keys == [f"fa:{code}"]
        (asked,) = await send(callback_update(2, officer, f"fa:{code}"), officer)
        assert "Mời bạn viết câu trả lời" in asked["text"]
        (done,) = await send(text_update(3, officer, ANSWER), officer)
        assert "Đã ghi nhận câu trả lời" in done["text"]

        # The answer reaches the citizen, with the rating buttons.
        await wait_until(lambda: len(bot_api.sent(citizen)) >= 2, what="the answer on Telegram")
        answer = bot_api.sent(citizen)[1]
        assert ANSWER in answer["text"] and code in answer["text"]
        ratings = [b["callback_data"] for line in answer["reply_markup"]["inline_keyboard"] for b in line]
        assert ratings == [f"pr:{code}:h", f"pr:{code}:b", f"pr:{code}:k"]
        row = listed(await list_feedback(ready.db, COMMUNE), code)
        assert row["status"] == "answered" and row["answered_at"] is not None

        (shown,) = await send(text_update(4, citizen, code), citizen)
        assert "Đã trả lời" in shown["text"] and ANSWER in shown["text"]
        (thanks,) = await send(callback_update(5, citizen, f"pr:{code}:h"), citizen)
        assert "Cảm ơn bạn đã đánh giá" in thanks["text"]
    assert (await feedback_by_code(ready.db, code)).status == "closed"


async def test_zalo_file_answer_by_command_see_and_rate(ready, sqlite_url):
    officer, citizen = "8100000000000000001", "8200000000000000002"
    await official(ready.db, COMMUNE, "Lê Văn Hùng", "zalo", officer)
    zalo = await FakeZalo(app_id="1", app_secret="a", access_token="t0", refresh_token="r0").start()
    settings = Settings(zalo_app_id="1", zalo_oa_secret_key="k", zalo_app_secret="a", zalo_access_token="t0",
                        zalo_refresh_token="r0", zalo_api_base=zalo.url, zalo_oauth_base=zalo.url, **common(sqlite_url))
    events = iter(range(1, 100))

    async def say(user: str, text: str, replies: int = 1) -> list[str]:
        before = len(zalo.texts(user))
        raw, headers = signed("1", "k", text_event(user, text, f"m{next(events)}"))
        status, _ = await service.post("/zalo/webhook", data=raw, headers=headers)
        assert status == 200
        await wait_until(lambda: len(zalo.texts(user)) >= before + replies, what="the OA's message")
        return zalo.texts(user)[before:]

    try:
        async with running_service(settings, deps=ready) as service:
            (filed,) = await say(citizen, f"/phan_anh {CONTENT}")
            code = _CODE.search(filed).group(0)
            assert "<b>" not in filed and "Hạn trả lời" in filed  # plain text on Zalo
            assert listed(await list_feedback(ready.db, COMMUNE), code)["status"] == "open"
            assert await list_feedback(ready.db, WARD) == []

            await wait_until(lambda: zalo.texts(officer), what="the official's notice on Zalo")
            assert code in zalo.texts(officer)[0]
            (done,) = await say(officer, f"/tra_loi {code} {ANSWER}")
            assert "Đã ghi nhận câu trả lời" in done and "qua Zalo" in done

            await wait_until(lambda: len(zalo.texts(citizen)) >= 2, what="the answer on Zalo")
            assert ANSWER in zalo.texts(citizen)[1]
            buttons = zalo.delivered(citizen)[1].message["attachment"]["payload"]["buttons"]
            assert [b["payload"] for b in buttons] == [f"{PAYLOAD_PREFIX}pr:{code}:{x}" for x in "hbk"]
            assert listed(await list_feedback(ready.db, COMMUNE), code)["status"] == "answered"

            (shown,) = await say(citizen, code.lower().replace("-", " "))  # typed loosely
            assert "Đã trả lời" in shown and ANSWER in shown
            (thanks,) = await say(citizen, buttons[1]["payload"])  # the tap comes back as text
            assert "Bình thường" in thanks
    finally:
        await zalo.stop()
    assert (await feedback_by_code(ready.db, code)).rating == "neutral"


async def test_console_file_answer_and_see_it_by_the_code(ready):
    await official(ready.db, COMMUNE, "Lê Văn Hùng", "console", "officer-terminal")
    citizen = ConsoleChat(ready, io.StringIO(), io.StringIO())
    officer = ConsoleChat(ready, io.StringIO(), io.StringIO(), chat_id="officer-terminal")

    filed = render(await citizen.say(f"/phan_anh {CONTENT}"))
    code = _CODE.search(filed).group(0)
    assert "gửi lại mã" in filed  # the console cannot be written to: the citizen comes back with the code
    assert listed(await list_feedback(ready.db, COMMUNE), code)["status"] == "open"

    seen = render(await officer.say(code))
    assert "không ai nghe máy" in seen and "[1] ✍️ Trả lời" in seen
    assert "Mời bạn viết câu trả lời" in render(await officer.say("1"))  # the numbered button
    done = render(await officer.say(ANSWER))
    assert "Đã ghi nhận câu trả lời" in done and "khi gửi lại mã" in done
    assert await outbox_rows(ready.db, kind="feedback_answer") == []  # nothing to push to a console

    shown = render(await citizen.say(code))
    assert "Đã trả lời" in shown and ANSWER in shown and "Hài lòng" in shown
    assert listed(await list_feedback(ready.db, COMMUNE), code)["status"] == "answered"


def motcua(tmp_path: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "MOTCUA_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'm.db'}",
           "MOTCUA_DATA_DIR": str(tmp_path)}
    for name in ("MOTCUA_BACKEND_URL", "MOTCUA_FEEDBACK_DAYS"):
        env.pop(name, None)
    return subprocess.run([MOTCUA, *args], capture_output=True, text=True, env=env, input=stdin, timeout=300)


def test_feedback_list_and_deadline_commands(tmp_path):
    code_of = "000.31.22.H26-260302-0002"
    set_days = motcua(tmp_path, "feedback", "deadline", "--agency", "000.31.22.h26", "--days", "5")
    assert set_days.returncode == 0, set_days.stderr
    assert "000.31.22.H26: 5" in set_days.stdout
    chat = motcua(tmp_path, "chat", stdin=f"/phan_anh Hồ sơ {code_of} bị chậm mà không ai báo lý do\n")
    assert chat.returncode == 0, chat.stderr
    code = _CODE.search(chat.stdout).group(0)

    listed_json = motcua(tmp_path, "feedback", "list", "--agency", "000.00.22.H26", "--json")  # the district covers it
    assert listed_json.returncode == 0, listed_json.stderr
    (line,) = listed_json.stdout.splitlines()
    row = json.loads(line)
    assert list(row) == ["code", "status", "agency_code", "received_at", "due_at", "answered_at"]
    assert (row["code"], row["status"], row["agency_code"], row["answered_at"]) == (code, "open", "000.31.22.H26", None)
    received = datetime.fromisoformat(row["received_at"])
    assert received.utcoffset() == datetime.now(VN_TZ).utcoffset()  # Vietnam time, with its offset
    assert datetime.fromisoformat(row["due_at"]) == due_date(received, 5, "working").due_at  # the agency's 5 days

    assert motcua(tmp_path, "feedback", "list", "--agency", "000.05.22.H26", "--json").stdout == ""  # a sibling's
    table = motcua(tmp_path, "feedback", "list")
    assert code in table.stdout and "open" in table.stdout and "không ai" not in table.stdout  # no content
    bad = motcua(tmp_path, "feedback", "deadline", "--agency", "xã Tân Hòa", "--days", "5")
    assert bad.returncode != 0 and "000.00.22.H26" in bad.stderr
    cleared = motcua(tmp_path, "feedback", "deadline", "--agency", "000.31.22.H26", "--clear")
    assert "mặc định 10" in cleared.stdout
