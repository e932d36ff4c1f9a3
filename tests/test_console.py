"""The console channel: buttons are numbered across all replies, and a number presses one; each
line goes through the inbox."""

import io

from bot.channels.console import ConsoleChat, render, run_console
from db.inbox_repo import inbox_rows


async def test_button_numbers_match_what_is_shown(deps):
    chat = ConsoleChat(deps)
    replies = await chat.say("xin chào")
    shown = render(replies)
    assert "[1]" in shown and "[2]" in shown
    titles = [b.title for r in replies for b in r.buttons]
    replies = await chat.say("2")  # the second button shown: "Đăng ký khai sinh"
    assert titles[1] == "Đăng ký khai sinh"
    assert "Đăng ký khai sinh\nMã thủ tục 1.001193" in render(replies)


async def test_numbers_continue_across_replies(deps):
    chat = ConsoleChat(deps)
    replies = await chat.say("đăng ký tạm trú cần gì")
    shown = render(replies)
    count = sum(len(r.buttons) for r in replies)
    assert f"[{count}]" in shown and f"[{count + 1}]" not in shown


async def test_a_script_is_answered_line_by_line_through_the_inbox(deps):
    out = io.StringIO()
    await run_console(deps, io.StringIO("xin chào\n2\n"), out)
    assert "Mã thủ tục 1.001193" in out.getvalue() and out.getvalue().endswith("\n\n")  # an empty line after each
    rows = await inbox_rows(deps.db, channel="console")
    assert [(r.status, r.chat_id, r.incoming["text"], r.incoming["payload"]) for r in rows] == [
        ("done", "local", "xin chào", None), ("done", "local", "", "q:đăng ký khai sinh")]
