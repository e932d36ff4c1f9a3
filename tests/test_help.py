"""The welcome and the help as a newcomer meets them (issue #13): the web chat opens with /start, its
"Tra cứu hồ sơ" button says how to look a dossier up, and its help lists only what the web chat
does — not the officials' commands it refuses, nor /theo_doi, whose notices it cannot deliver."""

from __future__ import annotations

import re

import pytest

from bot.config import Settings
from tests.chat import Chat
from tests.fakes.service import running_service

SESSION = "help-session-0123456789"
OFFICIALS = ("/lienket", "/tre_han", "/sap_den_han", "/thong_ke", "/xin_loi", "Dành cho cán bộ", "Officials")


@pytest.fixture
async def service(deps, sqlite_url):
    async with running_service(Settings(database_url=sqlite_url), deps=deps) as running:
        yield running


async def web(service, **message) -> dict:
    status, body = await service.post("/webchat/api/messages", json_body={"session": SESSION, "locale": "vi", **message})
    assert status == 200, body
    (reply,) = body["replies"]
    return reply


async def test_the_welcomes_dossier_button_says_how_to_look_a_dossier_up(service):
    welcome = await web(service, text="/start")  # what the page sends when it opens
    button = next(b for b in welcome["buttons"] if b["title"] == "Tra cứu hồ sơ")
    reply = await web(service, payload=button["payload"])
    html = reply["html"]
    assert "Để tra cứu hồ sơ, gửi mã hồ sơ" in html and "000.00.22.H26-251120-0001" in html
    assert "4 số cuối" in html and "Send the dossier code" in html
    assert html.index("Để tra cứu") < html.index("Send the dossier code")  # Vietnamese first
    assert "Hướng dẫn sử dụng" not in html and "phí sang tên sổ đỏ" not in html  # not the general help


async def test_the_web_chats_help_lists_no_command_the_web_chat_refuses(service):
    for message in ({"text": "/help"}, {"text": "hướng dẫn"}, {"payload": "help"}):
        html = (await web(service, **message))["html"]
        assert "Hướng dẫn sử dụng" in html and "/tra_cuu" in html, message
        for refused in (*OFFICIALS, "/theo_doi"):
            assert refused not in html, (message, refused)
    refused = await web(service, text="/tre_han")  # and indeed: what the help no longer promises
    assert refused["kind"] == "refused"


@pytest.mark.parametrize("channel", ["telegram", "zalo"])
async def test_where_officials_and_notices_work_the_help_still_lists_them(deps, channel):
    chat = Chat(deps, channel=channel)
    await chat.say("/help")
    assert all(command in chat.text for command in OFFICIALS) and "/theo_doi" in chat.text


@pytest.mark.parametrize("command", ["/help", "/theo_doi", "/xin_loi", "/lienket", "/tra_loi"])
async def test_every_placeholder_reaches_telegram_escaped(deps, command):
    """Telegram's HTML mode refuses an unknown tag ("<mã hồ sơ>" read as one) and the whole message
    then goes out as plain text: every "<…>" a template writes must arrive as &lt;…&gt;."""
    chat = Chat(deps, channel="telegram")
    await chat.say(command)
    tags = {t.lower() for t in re.findall(r"</?([^\s>/]+)", chat.html)}
    assert tags <= {"b", "i", "a", "code", "pre", "u", "s"}, tags
