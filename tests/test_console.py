"""The console channel: buttons are numbered across all replies, and a number presses one."""

from bot.channels.console import ConsoleChat, render


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
