"""Officials in the conversation: linking, the refusal an unlinked chat gets (the same whatever it
asks), the scope (an official of one agency never sees another's dossiers), and the commands."""

from __future__ import annotations

import random
import unicodedata
from datetime import datetime, timedelta

import pytest

from bot.config import Settings
from db.dossier_repo import set_rescheduled_due
from db.officials_repo import create_invite, list_officials, official_for_chat, redeem_invite, revoke_official
from db.outbox_repo import outbox_rows
from db.reminder_repo import reminders_of
from db.scoped_dossiers import dossier_for, due_for, overdue_for
from knowledge.calendar import VN_TZ
from knowledge.dossiers.code import parse_code
from tests.chat import Chat
from tests.fakes.server import wait_until
from tests.fakes.service import running_service
from tests.fakes.telegram_api import FakeBotApi, text_update
from tests.official_data import (
    COMMUNE,
    DISTRICT,
    DUE_LATER,
    DUE_TODAY,
    DUE_TOMORROW,
    FINISHED,
    NOW,
    OVERDUE_NEW,
    OVERDUE_OLD,
    POLICE,
    WARD,
    WARD_OVERDUE,
    dossier,
    official,
    seed,
)

OFFICIAL_COMMANDS = ["/tre_han", "/sap_den_han", "/ho_so {code}", "/thong_ke", "/xin_loi {code}", "/nhac {code}",
                     "/tat_nhac", "/bat_nhac"]


def chat_for(deps, chat_id: str, channel: str = "telegram") -> Chat:
    return Chat(deps, channel=channel, chat_id=chat_id, at=NOW)


@pytest.fixture
async def seeded(deps):
    await seed(deps)
    return deps


async def test_linking_with_a_one_time_code(seeded):
    invite = await create_invite(seeded.db, agency_code=COMMUNE, name="Lê Văn Hùng")
    chat = chat_for(seeded, "501")
    await chat.say(f"/lienket {invite.code.lower()}")  # typed in lower case: still the code
    assert chat.kinds == ["official"] and "Đã liên kết: Lê Văn Hùng" in chat.text and COMMUNE in chat.text
    assert (await official_for_chat(seeded.db, "telegram", "501")).id == invite.official.id

    # The code works once: another chat gets the same answer as for a wrong or expired code.
    other = chat_for(seeded, "502")
    await other.say(f"/lienket {invite.code}")
    used = other.text
    await other.say("/lienket ABCD-EFGH-JKMN")
    assert other.text == used and "không hợp lệ" in used
    expired = await create_invite(seeded.db, agency_code=COMMUNE, name="Phạm Thu", now=NOW - timedelta(hours=73))
    await other.say(f"/lienket {expired.code}")
    assert other.text == used
    assert await official_for_chat(seeded.db, "telegram", "502") is None

    # A second invite for the same person links a second chat (Zalo) to the same official.
    again = await create_invite(seeded.db, agency_code=COMMUNE, name="lê văn hùng")
    assert again.official.id == invite.official.id and not again.created
    zalo = chat_for(seeded, "8123456789012345678", channel="zalo")
    await zalo.say(f"/lienket {again.code}")
    (row,) = [r for r in await list_officials(seeded.db) if r.official.id == invite.official.id]
    assert [c.channel for c in row.chats] == ["telegram", "zalo"]  # Telegram first for reminders


@pytest.mark.parametrize("typed", ["/lienket", "/lienket <b>x</b>", "/lienket " + "A" * 5000, "/lienket 🙂🙂",
                                   "/lienket ' OR 1=1 --"])
async def test_bad_link_codes_get_a_clear_answer(seeded, typed):
    chat = chat_for(seeded, "503")
    await chat.say(typed)
    assert chat.kinds[-1] in ("help", "refused")
    assert "/lienket" in chat.text or "không hợp lệ" in chat.text
    assert await official_for_chat(seeded.db, "telegram", "503") is None


async def test_an_unlinked_chat_learns_nothing(seeded):
    chat = chat_for(seeded, "600")
    answers = set()
    for command in OFFICIAL_COMMANDS:
        for code in (OVERDUE_OLD, "000.31.22.H26-260101-9999"):  # one exists, one does not
            await chat.say(command.format(code=code))
            assert chat.kinds == ["refused"], command
            answers.add(chat.text)
    assert len(answers) == 1  # the same words whatever was asked
    (refusal,) = answers
    assert "/lienket" in refusal and "/tra_cuu" in refusal
    for code in (OVERDUE_OLD, WARD_OVERDUE):
        assert code not in refusal
    # Buttons too (an apology or list button forged by hand).
    for payload in ("ap:s:1", "ap:v:1", "ol:o:1:2", f"nh:{OVERDUE_OLD}"):
        await chat.press(payload)
        assert chat.text == refusal


async def test_a_revoked_official_is_refused(seeded):
    o = await official(seeded.db, COMMUNE, "Lê Văn Hùng", "telegram", "701")
    chat = chat_for(seeded, "701")
    await chat.say("/tre_han")
    assert OVERDUE_OLD in chat.text
    assert await revoke_official(seeded.db, o.id)
    await chat.say("/tre_han")
    assert chat.kinds == ["refused"] and OVERDUE_OLD not in chat.text


async def test_overdue_lists_the_agencys_overdue_dossiers_by_code_and_nothing_of_others(seeded):
    await official(seeded.db, COMMUNE, "Lê Văn Hùng", "telegram", "701")
    await official(seeded.db, WARD, "Đỗ Thị Lan", "telegram", "702")
    commune, ward = chat_for(seeded, "701"), chat_for(seeded, "702")
    await commune.say("/tre_han")
    assert OVERDUE_OLD in commune.text and OVERDUE_NEW in commune.text
    assert "2 hồ sơ quá hạn" in commune.text and "quá 5 ngày làm việc" in commune.text
    for other in (WARD_OVERDUE, DUE_TODAY, DUE_TOMORROW, DUE_LATER, FINISHED):
        assert other not in commune.text
    await ward.say("/tre_han")
    assert WARD_OVERDUE in ward.text and OVERDUE_OLD not in ward.text and OVERDUE_NEW not in ward.text


async def test_ho_so_shows_everything_in_scope_and_nothing_outside(seeded):
    await official(seeded.db, COMMUNE, "Lê Văn Hùng", "telegram", "701")
    chat = chat_for(seeded, "701")
    await chat.say(f"/ho_so {OVERDUE_OLD}")
    assert chat.kinds == ["official"]
    text = chat.text
    assert "Trần Thị Mai" in text and "0911000001" in text and "001203012345" in text  # personal data, unmasked
    assert "Quá trình xử lý" in text and "Được tiếp nhận" in text
    await chat.say(f"/ho_so {DUE_TOMORROW}")  # the commune police is a sub-unit: in scope
    assert chat.kinds == ["official"] and "0911000004" in chat.text
    await chat.say(f"/ho_so {WARD_OVERDUE}")  # exists, but another agency's
    outside = chat.text
    assert chat.kinds == ["not_found"] and "0911000006" not in outside and "Trần" not in outside
    await chat.say("/ho_so 000.05.22.H26-260302-0099")  # does not exist: the same words
    assert chat.text.replace("0099", "0001") == outside
    await chat.say("/ho_so 1.001193")
    assert chat.kinds == ["help"] and "/ho_so" in chat.text


async def test_scope_is_enforced_in_the_repository(seeded):
    db = seeded.db
    commune = await official(db, COMMUNE, "Lê Văn Hùng", "telegram", "701")
    ward = await official(db, WARD, "Đỗ Thị Lan", "telegram", "702")
    district = await official(db, DISTRICT, "Vũ Minh", "telegram", "703", role="head")
    end = NOW + timedelta(days=30)
    codes = lambda page: {d.code for d in page.items}  # noqa: E731
    assert codes(await overdue_for(db, commune, NOW)) == {OVERDUE_OLD, OVERDUE_NEW}
    assert codes(await overdue_for(db, ward, NOW)) == {WARD_OVERDUE}
    assert codes(await overdue_for(db, district, NOW)) == {OVERDUE_OLD, OVERDUE_NEW, WARD_OVERDUE}
    assert WARD_OVERDUE not in codes(await due_for(db, commune, NOW - timedelta(days=30), end))
    assert DUE_TOMORROW in codes(await due_for(db, commune, NOW, end))
    assert await dossier_for(db, commune, parse_code(WARD_OVERDUE)) is None
    assert await dossier_for(db, ward, parse_code(OVERDUE_OLD)) is None
    assert (await dossier_for(db, district, parse_code(WARD_OVERDUE))) is not None


async def _pages_across_agencies(deps) -> None:
    """A district head's /tre_han reads each agency in index order and merges them: the pages, one
    after the other, are exactly the whole list sorted by effective due time, then id."""
    rng = random.Random(5)
    items = []
    for agency in (COMMUNE, POLICE, WARD):
        for n in range(1, 15):
            day = rng.choice([2, 3, 4, 5, 6, 9, 10])  # many share a day: due at 17:00, tied
            items.append(dossier(f"{agency}-260301-{n:04d}", due=f"2026-03-{day:02d}T17:00:00+07:00"))
    await seed(deps, items)
    moved = items[0]["code"]
    await set_rescheduled_due(deps.db, moved, datetime(2026, 3, 10, 17, 0, tzinfo=VN_TZ), "Chờ xác minh")
    head = await official(deps.db, DISTRICT, "Vũ Minh", "telegram", "703", role="head")
    pages = [await overdue_for(deps.db, head, NOW, limit=4, offset=k) for k in range(0, 44, 4)]
    listed = [d for page in pages for d in page.items]
    assert {page.total for page in pages} == {42} and len(listed) == 42
    due = lambda d: d.rescheduled_due_at or d.due_at  # noqa: E731
    assert [(due(d), d.id) for d in listed] == sorted((due(d), d.id) for d in listed)
    assert {d.agency_code for d in listed[:12]} == {COMMUNE, POLICE, WARD}  # interleaved, not agency by agency
    assert moved in {d.code for d in listed}  # ordered by its new appointment (the sort above uses it)


async def test_pages_across_agencies_are_in_effective_due_order(deps):
    await _pages_across_agencies(deps)


@pytest.mark.postgres
async def test_pages_across_agencies_are_in_effective_due_order_on_postgres(pg_db, bundled_index):
    from handlers.catalogue import Catalogue
    from handlers.deps import Deps

    await _pages_across_agencies(Deps(db=pg_db, catalogue=Catalogue(bundled_index)))


async def test_a_province_wide_scope_of_hundreds_of_agencies(deps):
    """More agencies than SQLite takes in one compound query (500): read in groups, still in order."""
    items = [dossier(f"{n // 100:03d}.{n % 100 + 1:02d}.22.H26-260301-0001",
                     due=f"2026-03-{2 + n % 8:02d}T{8 + n % 9:02d}:00:00+07:00") for n in range(520)]
    await seed(deps, items)
    head = await official(deps.db, DISTRICT, "Vũ Minh", "telegram", "703", role="head")
    page = await overdue_for(deps.db, head, NOW, limit=20)
    assert page.total == 520 and len(page.items) == 20
    everything = sorted((d["due_at"], n, d["code"]) for n, d in enumerate(items))  # ties: by id, i.e. as seeded
    everything = [(due, code) for due, _, code in everything]
    assert [d.code for d in page.items] == [code for _, code in everything[:20]]
    last = await overdue_for(deps.db, head, NOW, limit=20, offset=500)
    assert [d.code for d in last.items] == [code for _, code in everything[500:]]


async def test_due_soon_today_and_within_n_working_days(seeded):
    await official(seeded.db, COMMUNE, "Lê Văn Hùng", "telegram", "701")
    chat = chat_for(seeded, "701")
    await chat.say("/sap_den_han")
    assert DUE_TODAY in chat.text and DUE_TOMORROW in chat.text and "hôm nay" in chat.text
    assert DUE_LATER not in chat.text and OVERDUE_OLD not in chat.text
    await chat.say("/sap_den_han 5")  # Thu, Fri, Mon, Tue, Wed 18/03
    assert DUE_LATER in chat.text and "3 hồ sơ" in chat.text


async def test_long_lists_are_paginated(deps):
    items = [dossier(f"{COMMUNE}-260302-{n:04d}", due="2026-03-10T17:00:00+07:00") for n in range(1, 46)]
    await seed(deps, items)
    await official(deps.db, COMMUNE, "Lê Văn Hùng", "telegram", "701")
    chat = chat_for(deps, "701")
    await chat.say("/tre_han")
    assert "45 hồ sơ quá hạn" in chat.text and "Trang 1/3" in chat.text and "/tre_han 2" in chat.text
    first = chat.text.count("• ")
    assert first == 20
    await chat.press("Trang sau")
    assert "Trang 2/3" in chat.text
    await chat.say("/tre_han 3")
    assert "Trang 3/3" in chat.text and chat.text.count("• ") == 5 and "Trang sau" not in chat.text


async def test_mute_and_unmute(seeded):
    o = await official(seeded.db, COMMUNE, "Lê Văn Hùng", "telegram", "701")
    chat = chat_for(seeded, "701")
    await chat.say("/tat_nhac")
    assert "Đã tắt nhắc việc" in chat.text
    assert (await official_for_chat(seeded.db, "telegram", "701")).muted
    await chat.say("/bat_nhac")
    assert "Đã bật nhắc việc" in chat.text
    assert not (await official_for_chat(seeded.db, "telegram", "701")).muted
    assert o.id


async def test_nhac_pushes_to_the_responsible_official_once_a_day(seeded):
    db = seeded.db
    await official(db, COMMUNE, "Lê Văn Hùng", "telegram", "701")
    police = await official(db, POLICE, "Công an viên Tâm", "telegram", "704")
    head = chat_for(seeded, "701")
    await head.say(f"/nhac {DUE_TOMORROW}")  # a police dossier: the police officer answers for it
    assert "Đã gửi nhắc" in head.text and "Công an viên Tâm" in head.text
    (row,) = await outbox_rows(db, kind="nudge")
    assert (row.channel, row.chat_id, row.official_id) == ("telegram", "704", police.id)
    assert "Lê Văn Hùng" in str(row.replies) and DUE_TOMORROW in str(row.replies)
    await head.say(f"/nhac {DUE_TOMORROW}")
    assert "Đã nhắc hôm nay rồi" in head.text
    assert len(await outbox_rows(db, kind="nudge")) == 1
    assert [(r.kind, r.official_id) for r in await reminders_of(db)] == [("nudge", police.id)]
    await head.say(f"/nhac {WARD_OVERDUE}")
    assert head.kinds == ["not_found"]


async def test_statistics_this_month_and_last(seeded):
    await official(seeded.db, COMMUNE, "Lê Văn Hùng", "telegram", "701")
    chat = chat_for(seeded, "701")
    await chat.say("/thong_ke")
    text = chat.text
    assert "Tháng 03/2026" in text and "Tháng 02/2026" in text
    assert "Giải quyết xong: 1 — đúng hạn 1, trễ hạn 0 — tỷ lệ đúng hạn 100,0 %" in text
    assert "Đang quá hạn: 2" in text
    assert "có phiếu xin lỗi: 0 · chưa có: 2" in text
    march, february = text.split("Tháng 02/2026")
    assert "Tiếp nhận: 5 (Đang xử lý: 4; Đã trả kết quả: 1)" in march
    assert "Tiếp nhận: 1 (Đang xử lý: 1)" in february
    assert "chưa có đánh giá" in text


@pytest.mark.parametrize("typed", ["/sap_den_han 99999", "/tre_han 500", "/ho_so 🙂", "/nhac <b>x</b>",
                                   "/xin_loi ' OR 1=1 --", "/thong_ke " + "x" * 3000, "/sap_den_han -3"])
async def test_bad_input_from_an_official_gets_a_clear_answer(seeded, typed):
    await official(seeded.db, COMMUNE, "Lê Văn Hùng", "telegram", "701")
    chat = chat_for(seeded, "701")
    await chat.say(typed)
    assert chat.text.strip() and "Trang 500" not in chat.text
    assert chat.kinds[-1] in ("official", "help")


async def test_the_web_chat_cannot_be_an_officials_chat(seeded):
    invite = await create_invite(seeded.db, agency_code=COMMUNE, name="Lê Văn Hùng")
    web = chat_for(seeded, "browser-session-1", channel="web")
    await web.say(f"/lienket {invite.code}")
    assert web.kinds == ["refused"] and "Telegram hoặc Zalo" in web.text
    assert await official_for_chat(seeded.db, "web", "browser-session-1") is None
    telegram = chat_for(seeded, "501")
    await telegram.say(f"/lienket {invite.code}")  # the code was not spent on the web chat
    assert telegram.kinds == ["official"]

    # A web chat linked before this rule (a row in the database) is refused like any other.
    earlier = await create_invite(seeded.db, agency_code=COMMUNE, name="Phạm Thu")
    assert await redeem_invite(seeded.db, earlier.code, "web", "browser-session-2") is not None
    linked_before = chat_for(seeded, "browser-session-2", channel="web")
    for command in OFFICIAL_COMMANDS:
        await linked_before.say(command.format(code=OVERDUE_OLD))
        assert linked_before.kinds == ["refused"], command
        assert "0911000001" not in linked_before.text and "Trần Thị Mai" not in linked_before.text


async def test_a_telegram_group_can_neither_link_nor_use_official_commands(deps, sqlite_url):
    await seed(deps)
    api = await FakeBotApi().start()
    settings = Settings(database_url=sqlite_url, telegram_token="1:T", telegram_base_url=api.base_url,
                        telegram_webhook_secret="s3cret", reminder_sweep_seconds=0, notify_poll_seconds=30)
    group = -1001234567890

    async def in_group(update_id: int, text: str) -> str:
        update = text_update(update_id, group, text)
        update["message"]["chat"] = {"id": group, "type": "supergroup", "title": "Tổ một cửa xã Tân Hòa"}
        update["message"]["from"]["id"] = 555
        before = len(api.sent(group))
        status, _ = await service.post("/telegram/webhook", json_body=update,
                                       headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret"})
        assert status == 200
        await wait_until(lambda: len(api.sent(group)) > before, what="the bot's answer in the group")
        return api.texts(group)[-1]

    try:
        async with running_service(settings, deps=deps) as service:
            invite = await create_invite(deps.db, agency_code=COMMUNE, name="Lê Văn Hùng")
            answer = await in_group(1, f"/lienket {invite.code}")
            assert "chỉ dành cho cán bộ đã liên kết" in answer
            assert await official_for_chat(deps.db, "telegram", str(group)) is None
            # A group linked before this rule: its members still see nothing.
            assert await redeem_invite(deps.db, invite.code, "telegram", str(group)) is not None
            answer = await in_group(2, f"/ho_so {OVERDUE_OLD}")
            assert "chỉ dành cho cán bộ đã liên kết" in answer and "0911000001" not in answer
    finally:
        await api.stop()


async def test_similar_names_with_other_accents_are_different_officials(seeded):
    hung = await create_invite(seeded.db, agency_code=COMMUNE, name="Lê Văn Hùng")
    other = await create_invite(seeded.db, agency_code=COMMUNE, name="Lê Văn Hưng")
    assert other.created and other.official.id != hung.official.id
    again = await create_invite(seeded.db, agency_code=COMMUNE, name="  LÊ  VĂN  HÙNG ")  # case and spaces aside
    assert not again.created and again.official.id == hung.official.id
    nfd = await create_invite(seeded.db, agency_code=COMMUNE, name=unicodedata.normalize("NFD", "Lê Văn Hưng"))
    assert not nfd.created and nfd.official.id == other.official.id


async def test_nhac_in_the_evening_waits_for_the_recipients_office_hours(seeded):
    await official(seeded.db, COMMUNE, "Lê Văn Hùng", "telegram", "701")
    await official(seeded.db, POLICE, "Công an viên Tâm", "telegram", "704")
    evening = Chat(seeded, channel="telegram", chat_id="701", at=NOW.replace(hour=18, minute=30))
    await evening.say(f"/nhac {DUE_TOMORROW}")
    assert "Đã gửi nhắc" in evening.text
    (row,) = await outbox_rows(seeded.db, kind="nudge")
    assert row.next_attempt_at == datetime(2026, 3, 12, 7, 30, tzinfo=VN_TZ)  # Thursday's opening, not 18:30
