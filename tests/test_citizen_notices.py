"""Citizens following their dossier: subscribing after the second factor, a notice for every status
change read from the event log (ingested or imported), the result notice, the satisfaction question
and its answer, stopping one or all subscriptions."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest

from bot.dossier_import import import_dossiers
from db.dossier_repo import get_dossier
from db.outbox_repo import outbox_rows
from db.subscriptions_repo import cursor_position, rating_of, subscribe, subscriptions_of
from handlers.reply_json import replies_from_json
from handlers.status_notices import plan_status_notices
from knowledge.calendar import VN_TZ
from tests.chat import Chat
from tests.official_data import COMMUNE, DUE_TODAY, NOW, default_history, dossier, official, seed

CODE = DUE_TODAY
LAST4 = "0003"  # the phone registered with it ends 0003


def texts(rows) -> list[str]:
    return ["\n".join(r.render("plain") for r in replies_from_json(row.replies)) for row in rows]


async def notices(deps, *, at=NOW + timedelta(minutes=5)) -> int:
    return await plan_status_notices(deps.db, deps.calendar, now=at, safety=timedelta(seconds=0))


@pytest.fixture
async def seeded(deps):
    await seed(deps, now=NOW - timedelta(hours=1))
    await notices(deps)  # the seeding is history: nobody followed anything then
    return deps


async def follow(deps, chat_id: str = "c1", channel: str = "telegram", at=NOW) -> Chat:
    chat = Chat(deps, channel=channel, chat_id=chat_id, at=at)
    await chat.say(f"/theo_doi {CODE}")
    button = chat.button("Theo dõi")
    assert "4 số cuối" in chat.text and button is not None
    await chat.say(LAST4)  # the dossier feature's second factor
    assert "Trần T*** M" in chat.text
    await chat.press(button.payload)  # the button of the earlier message
    assert "Đã theo dõi hồ sơ" in chat.text
    return chat


async def change(deps, status: int, at: str, note: str = "", **extra):
    history = default_history("2026-03-04T09:00:00+07:00") + [{"status": status, "at": at, "note": note}]
    await seed(deps, [dossier(CODE, status=status, history=history, **extra)], now=NOW + timedelta(minutes=1))


async def test_subscribing_needs_the_second_factor(seeded):
    chat = Chat(seeded, channel="telegram", chat_id="c9", at=NOW)
    await chat.press(f"sub:{CODE}")  # pressing Follow without having answered: asked again
    assert "4 số cuối" in chat.text
    assert await subscriptions_of(seeded.db, "telegram", "c9") == []
    await chat.say("9999")  # a wrong answer
    await chat.press(f"sub:{CODE}")
    assert await subscriptions_of(seeded.db, "telegram", "c9") == []


async def test_status_changes_reach_the_follower_once(seeded):
    chat = await follow(seeded)
    await chat.say("/theo_doi")
    assert CODE in chat.text and "Đang xử lý" in chat.text
    await change(seeded, 5, "2026-03-11T10:30:00+07:00", note="Thiếu bản sao sổ hộ khẩu của ông Trần Văn Bảy, SĐT 0911223344")
    assert await notices(seeded) == 1
    assert await notices(seeded) == 0  # read again: nothing new
    (row,) = await outbox_rows(seeded.db, kind="status")
    (text,) = texts([row])
    assert (row.channel, row.chat_id) == ("telegram", "c1")
    assert "Yêu cầu bổ sung giấy tờ" in text and "10:30 11/03/2026" in text and f"/tra_cuu {CODE}" in text
    # No personal data in a pushed message — nor the one-stop system's note, which may carry some.
    assert "Trần" not in text and "0911" not in text and "sổ hộ khẩu" not in text


async def test_the_result_asks_for_a_rating_which_is_stored_with_a_comment(seeded):
    chat = await follow(seeded)
    await change(seeded, 10, "2026-03-11T11:00:00+07:00", finished_at="2026-03-11T10:45:00+07:00",
                 returned_at="2026-03-11T11:00:00+07:00")
    assert await notices(seeded) == 2  # the result notice and the question
    (result,) = texts(await outbox_rows(seeded.db, kind="status"))
    assert "đã trả kết quả" in result
    (ask,) = await outbox_rows(seeded.db, kind="rating")
    buttons = [b["title"] for b in ask.replies[0]["buttons"]]
    assert buttons == ["😊 Hài lòng", "😐 Bình thường", "☹️ Không hài lòng"]
    await chat.press(ask.replies[0]["buttons"][0]["payload"])
    assert "Cảm ơn bạn đã đánh giá (Hài lòng)" in chat.text
    await chat.say("Cán bộ <b>nhiệt tình</b> 👍")
    assert "Đã ghi nhận góp ý" in chat.text
    rating = await rating_of(seeded.db, ask.dossier_id, "telegram", "c1")
    assert (rating.level, rating.agency_code, rating.comment) == ("satisfied", COMMUNE, "Cán bộ <b>nhiệt tình</b> 👍")

    await official(seeded.db, COMMUNE, "Lê Văn Hùng", "telegram", "701")
    head = Chat(seeded, channel="telegram", chat_id="701", at=NOW + timedelta(hours=1))
    await head.say("/thong_ke")
    assert "Hài lòng: 1/1 đánh giá = 100,0 % (mục tiêu ≥ 90,0 %)" in head.text


async def rating_asked(seeded):
    """A follower's dossier returned with its result: the chat, and the rating question sent."""
    chat = await follow(seeded)
    await change(seeded, 10, "2026-03-11T11:00:00+07:00", finished_at="2026-03-11T10:45:00+07:00",
                 returned_at="2026-03-11T11:00:00+07:00")
    await notices(seeded)
    (ask,) = await outbox_rows(seeded.db, kind="rating")
    return chat, ask


async def test_a_no_thanks_after_the_rating_is_no_comment(seeded):
    """The step waits for a comment: "không" or "cảm ơn" answers it, and is not stored as one."""
    chat, ask = await rating_asked(seeded)
    await chat.press(ask.replies[0]["buttons"][0]["payload"])
    await chat.say("không ạ")
    assert "Cảm ơn bạn" in chat.text and "Đã ghi nhận góp ý" not in chat.text
    rating = await rating_of(seeded.db, ask.dossier_id, "telegram", "c1")
    assert (rating.level, rating.comment) == ("satisfied", "")


async def test_a_question_typed_long_after_the_rating_is_answered_not_stored_as_a_comment(seeded):
    chat, ask = await rating_asked(seeded)
    await chat.press(ask.replies[0]["buttons"][2]["payload"])
    assert "Cảm ơn bạn đã đánh giá (Không hài lòng)" in chat.text
    chat.at = NOW + timedelta(hours=2)  # the comment was never sent; a new question instead
    await chat.say("đăng ký khai sinh cần giấy tờ gì")
    assert "Đã ghi nhận góp ý" not in chat.text and "khai sinh" in chat.text.lower()
    rating = await rating_of(seeded.db, ask.dossier_id, "telegram", "c1")
    assert (rating.level, rating.comment) == ("unsatisfied", "")


async def test_only_a_follower_of_a_finished_dossier_rates_it(seeded):
    await follow(seeded)
    await change(seeded, 10, "2026-03-11T11:00:00+07:00", finished_at="2026-03-11T10:45:00+07:00",
                 returned_at="2026-03-11T11:00:00+07:00")
    await notices(seeded)
    (ask,) = await outbox_rows(seeded.db, kind="rating")
    stranger = Chat(seeded, channel="telegram", chat_id="c2", at=NOW)
    await stranger.press(f"rt:{ask.dossier_id}:k")
    assert "Chỉ người theo dõi" in stranger.text
    assert await rating_of(seeded.db, ask.dossier_id, "telegram", "c2") is None
    await stranger.press("rt:abc:k")
    assert stranger.kinds == ["help"]


async def test_unsubscribed_chats_hear_nothing_more(seeded):
    chat = await follow(seeded)
    await chat.say(f"/huy_theo_doi {CODE}")
    assert "Đã ngừng theo dõi" in chat.text
    await change(seeded, 5, "2026-03-11T10:30:00+07:00")
    assert await notices(seeded) == 0
    await chat.say(f"/huy_theo_doi {CODE}")
    assert "không theo dõi" in chat.text


async def test_stop_them_all(seeded):
    chat = await follow(seeded)
    await chat.say("/huy_theo_doi")
    assert chat.button("Ngừng tất cả") is not None
    await chat.press("Ngừng tất cả")
    assert "Đã ngừng theo dõi 1 hồ sơ" in chat.text
    assert await subscriptions_of(seeded.db, "telegram", "c1") == []
    await chat.say("/theo_doi")
    assert "chưa theo dõi hồ sơ nào" in chat.text


async def test_an_imported_change_is_noticed_too(seeded, tmp_path):
    await follow(seeded)
    history = default_history("2026-03-04T09:00:00+07:00") + [{"status": 9, "at": "2026-03-11T10:40:00+07:00"}]
    line = dossier(CODE, status=9, history=history, finished_at="2026-03-11T10:40:00+07:00")
    path = tmp_path / "changes.jsonl"
    path.write_text(json.dumps(line, ensure_ascii=False) + "\n", encoding="utf-8")
    report = await import_dossiers(seeded.db, path, "jsonl", calendar=seeded.calendar,
                                   procedures=seeded.catalogue.index.get)
    assert report.status_changes == 1
    before = await cursor_position(seeded.db)
    assert await notices(seeded, at=datetime.now(VN_TZ) + timedelta(minutes=1)) == 1  # the importer's clock is the real one
    (text,) = texts(await outbox_rows(seeded.db, kind="status"))
    assert "đã có kết quả" in text and "Mời bạn đến nhận kết quả" in text
    assert await cursor_position(seeded.db) > before


async def test_an_event_before_the_subscription_is_not_sent(seeded):
    await change(seeded, 5, "2026-03-11T09:30:00+07:00")  # recorded at 10:01, before anyone follows
    await follow(seeded, at=NOW + timedelta(minutes=2))
    assert await notices(seeded) == 0


async def test_bad_subscription_input(seeded):
    chat = Chat(seeded, channel="telegram", chat_id="c5", at=NOW)
    for typed in ("/theo_doi 1.001193", "/theo_doi <script>", "/huy_theo_doi 🙂", "/theo_doi 000.31.22.H26-260101-9999"):
        await chat.say(typed)
        assert chat.text.strip()
    await chat.say("/theo_doi 000.31.22.H26-260101-9999")
    assert chat.kinds == ["not_found"]


@pytest.mark.parametrize("channel", ["web", "console"])
async def test_following_is_refused_where_no_notice_can_arrive(seeded, channel):
    chat = Chat(seeded, channel=channel, chat_id="browser-1", at=NOW)
    await chat.say(f"/theo_doi {CODE}")
    assert "Zalo" in chat.text and "Telegram" in chat.text and f"/tra_cuu {CODE}" in chat.text
    assert "Đã theo dõi" not in chat.text and chat.button("Theo dõi") is None
    await chat.say(LAST4)  # even verified, the button does not subscribe here
    await chat.press(f"sub:{CODE}")
    assert "Zalo" in chat.text and "Đã theo dõi" not in chat.text
    assert await subscriptions_of(seeded.db, channel, "browser-1") == []


async def test_a_web_subscription_from_before_gets_no_notice(seeded):
    await follow(seeded)  # a Telegram follower
    d = (await get_dossier(seeded.db, CODE, with_history=False)).dossier
    await subscribe(seeded.db, d.id, "web", "browser-2", NOW)  # made before following was refused there
    await change(seeded, 5, "2026-03-11T10:30:00+07:00")
    assert await notices(seeded) == 1
    assert [(r.channel, r.chat_id) for r in await outbox_rows(seeded.db)] == [("telegram", "c1")]


@pytest.mark.parametrize("planned_at, delivered_from", [
    (datetime(2026, 3, 12, 2, 0, tzinfo=VN_TZ), datetime(2026, 3, 12, 7, 0, tzinfo=VN_TZ)),  # a nightly import
    (datetime(2026, 3, 11, 21, 30, tzinfo=VN_TZ), datetime(2026, 3, 12, 7, 0, tzinfo=VN_TZ)),
    (datetime(2026, 3, 14, 9, 0, tzinfo=VN_TZ), datetime(2026, 3, 14, 9, 0, tzinfo=VN_TZ)),  # Saturday morning: fine
])
async def test_a_result_seen_at_night_is_told_at_once_and_the_rating_asked_in_the_morning(seeded, planned_at,
                                                                                          delivered_from):
    await follow(seeded)
    await change(seeded, 10, "2026-03-11T11:00:00+07:00", finished_at="2026-03-11T10:45:00+07:00",
                 returned_at="2026-03-11T11:00:00+07:00")
    assert await notices(seeded, at=planned_at) == 2
    (status,) = await outbox_rows(seeded.db, kind="status")
    (rating,) = await outbox_rows(seeded.db, kind="rating")
    assert (status.next_attempt_at, rating.next_attempt_at) == (planned_at, delivered_from)


async def test_citizens_hours_are_configurable(seeded):
    from dataclasses import replace
    from datetime import time

    seeded.reminders = replace(seeded.reminders, citizen_hours=(time(8), time(20)))
    await follow(seeded)
    await change(seeded, 10, "2026-03-11T11:00:00+07:00", finished_at="2026-03-11T10:45:00+07:00",
                 returned_at="2026-03-11T11:00:00+07:00")
    await plan_status_notices(seeded.db, seeded.calendar, now=datetime(2026, 3, 11, 20, 15, tzinfo=VN_TZ),
                              safety=timedelta(seconds=0), settings=seeded.reminders)
    (row,) = await outbox_rows(seeded.db, kind="rating")
    assert row.next_attempt_at == datetime(2026, 3, 12, 8, 0, tzinfo=VN_TZ)


@pytest.mark.parametrize("hours", ["21:00-07:00", "7h-21h", ""])
def test_a_bad_citizen_hours_setting_is_refused_clearly(hours):
    from bot.config import Settings
    from bot.wiring import reminder_settings

    with pytest.raises(ValueError, match="MOTCUA_CITIZEN_NOTIFY_HOURS"):
        reminder_settings(Settings(citizen_notify_hours=hours))
