"""The test channel drives the real pipeline: a message is stored in the inbox, answered by the
worker, its reply planned in the outbox and delivered by the dispatcher to ``send``; standing in
for a platform it has that platform's capabilities; a lost reply fails the test instead of
hanging it. ``tests/chat.py`` (the conversation tests) goes through it."""

from __future__ import annotations

from datetime import datetime

import pytest

from bot.channels.test import TestChannel
from bot.config import Settings
from bot.delivery import PermanentDeliveryError, TransientDeliveryError
from db.inbox_repo import inbox_rows
from db.outbox_repo import outbox_rows
from handlers.reply_json import replies_from_json
from knowledge.calendar import VN_TZ

AT = datetime(2026, 3, 11, 10, 0, tzinfo=VN_TZ)
FAST = Settings(outbox_per_chat_seconds=0, outbox_backoff_seconds=0.05, outbox_poll_seconds=0.05)


async def test_a_message_goes_through_inbox_worker_outbox_and_dispatcher(deps):
    channel = TestChannel.over(deps)
    replies = await channel.say("c1", "how do I register temporary residence", locale="en", user_id="u1", at=AT)
    (row,) = await inbox_rows(deps.db, channel="test")
    assert row.status == "done" and row.chat_id == "c1"
    assert (row.incoming["text"], row.incoming["locale"], row.incoming["user_id"]) == \
        ("how do I register temporary residence", "en", "u1")
    assert datetime.fromisoformat(row.incoming["at"]) == AT
    (sent,) = await outbox_rows(deps.db, kind="reply")
    assert (sent.channel, sent.chat_id, sent.status, sent.attempts) == ("test", "c1", "sent", 1)
    # What send received is the planned reply, rendered in the channel's dialect (HTML).
    assert [r.render("html") for r in replies] == [r.render("html") for r in replies_from_json(sent.replies)]
    assert "Procedure code 1.004194" in replies[0].render("html")  # Đăng ký tạm trú, answered in English
    assert all(set(r.rendered) == {"html"} for r in replies)
    await channel.press("c1", "help")  # a payload, the next message of the same chat
    assert len(await outbox_rows(deps.db, kind="reply", status="sent")) == 2


async def test_standing_in_for_zalo_it_answers_as_zalo(deps):
    channel = TestChannel.over(deps, "zalo", push=False)  # answered in its request
    replies = await channel.say("9000000000000000001", "đăng ký khai sinh")
    assert all(set(r.rendered) == {"plain"} for r in replies)  # Zalo's dialect
    (row,) = await inbox_rows(deps.db, channel="zalo")
    assert row.status == "done" and [r.render("plain") for r in replies_from_json(row.replies)] == \
        [r.render("plain") for r in replies]
    assert await outbox_rows(deps.db) == []


class Flaky(TestChannel):
    """A platform failing the first ``failures`` sends with ``error``."""

    failures = 1
    error = TransientDeliveryError("test", "502 from the platform")

    async def send(self, chat_id, replies, *, skip_parts=0):
        if self.failures:
            self.failures -= 1
            raise self.error
        await super().send(chat_id, replies, skip_parts=skip_parts)


async def test_a_reply_the_platform_refused_once_is_sent_again_by_the_dispatcher(deps):
    channel = Flaky.over(deps, settings=FAST)
    replies = await channel.say("c1", "đăng ký khai sinh")
    assert replies
    (sent,) = await outbox_rows(deps.db, kind="reply")
    assert (sent.status, sent.attempts) == ("sent", 2)


async def test_a_reply_that_never_comes_fails_the_test_instead_of_hanging_it(deps):
    channel = Flaky.over(deps, settings=FAST, timeout=0.5)
    channel.error = PermanentDeliveryError("test", "bot blocked")
    with pytest.raises(AssertionError, match="no reply"):
        await channel.say("c1", "đăng ký khai sinh")
    assert [r.status for r in await outbox_rows(deps.db, kind="reply")] == ["failed"]


async def test_the_conversation_helper_goes_through_the_pipeline(chat):
    await chat.say("xin chào")
    await chat.press("Đăng ký khai sinh")  # a button of the greeting
    assert "Mã thủ tục 1.001193" in chat.text
    rows = await inbox_rows(chat.deps.db, channel="test")
    assert [(r.status, r.incoming["text"], r.incoming["payload"]) for r in rows] == \
        [("done", "xin chào", None), ("done", "", "q:đăng ký khai sinh")]
    assert len(await outbox_rows(chat.deps.db, kind="reply", status="sent")) == 2
