"""The apology letter (form 04): drafted by the sweep, shown by /xin_loi, reason and date edited in
pending steps, approved once, sent to the following citizen, recorded, the new date stored once."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import pytest

from db.apology_repo import apology_for
from db.dossier_repo import get_dossier, set_rescheduled_due
from db.outbox_repo import outbox_rows
from db.subscriptions_repo import subscribe
from handlers.reply_json import replies_from_json
from handlers.sweep import run_sweep
from knowledge.calendar import VN_TZ
from tests.chat import Chat
from tests.official_data import (
    COMMUNE,
    DUE_LATER,
    FINISHED,
    NOW,
    OVERDUE_NEW,
    OVERDUE_OLD,
    WARD,
    dossier,
    official,
    seed,
)

NEW_DATE = datetime(2026, 3, 16, 17, 0, tzinfo=VN_TZ)  # 3 working days after Wed 11/03: Thu, Fri, Mon


@pytest.fixture
async def ready(deps):
    await seed(deps)
    await official(deps.db, COMMUNE, "Lê Văn Hùng", "telegram", "701")
    return deps


def officer(deps, chat_id="701", at=NOW) -> Chat:
    return Chat(deps, channel="telegram", chat_id=chat_id, at=at)


async def follower(deps, code=OVERDUE_OLD, last4="0001") -> Chat:
    chat = Chat(deps, channel="zalo", chat_id="9000000000000000001", at=NOW)
    await chat.say(f"/theo_doi {code}")
    button = chat.button("Theo dõi")
    await chat.say(last4)
    await chat.press(button.payload)
    assert "Đã theo dõi" in chat.text
    return chat


async def test_the_sweep_drafts_and_xin_loi_shows_form_04(ready):
    report = await run_sweep(ready.db, ready.calendar, ready.reminders, NOW)
    assert report.drafts == 4  # overdue ×2, due today, due tomorrow (the commune police is in scope)
    chat = officer(ready)
    await chat.say(f"/xin_loi {OVERDUE_OLD}")
    header, letter = chat.replies
    text = chat.text
    assert "Dự thảo phiếu xin lỗi" in text and "Chưa có công dân theo dõi" in text
    for part in ("UBND XÃ TÂN HÒA", "PHIẾU XIN LỖI VÀ ĐỀ NGHỊ GIA HẠN THỜI GIAN GIẢI QUYẾT", "Kính gửi: Ông/Bà Trần T*** M",
                 "Ngày 23 tháng 02 năm 2026, UBND xã Tân Hòa tiếp nhận", "Đăng ký tạm trú", f"Mã số hồ sơ: {OVERDUE_OLD}",
                 "17 giờ 00 phút, ngày 04 tháng 03 năm 2026", "Lý do: Hồ sơ cần thêm thời gian",
                 "vào ngày 16 tháng 03 năm 2026", "THỦ TRƯỞNG CƠ QUAN", "(Ký, ghi rõ họ tên, đóng dấu)"):
        assert part in text, part
    assert [b.title for b in letter.buttons] == ["✅ Gửi / Send", "✏️ Sửa lý do / Edit reason",
                                                 "📅 Đổi ngày hẹn / Change date"]
    assert "<b>PHIẾU XIN LỖI" in chat.html  # bold in Telegram's HTML, escaped otherwise


async def test_edit_the_reason_and_the_date_then_send(ready):
    citizen = await follower(ready)
    chat = officer(ready)
    await chat.say(f"/xin_loi {OVERDUE_OLD}")
    await chat.press("Sửa lý do")
    assert "Gửi lý do chậm trễ" in chat.text
    await chat.say("ok")
    assert "Lý do cần từ" in chat.text  # too short: asked again
    await chat.say("Chờ  kết quả xác minh <của> Công an huyện")
    assert "Lý do: Chờ kết quả xác minh <của> Công an huyện" in chat.text
    assert "&lt;của&gt;" in chat.html
    await chat.press("Đổi ngày hẹn")
    await chat.say("14/03/2026")
    assert "không phải ngày làm việc" in chat.text
    await chat.say("03/03/2026")
    assert "phải sau hạn cũ" in chat.text
    await chat.say("31/02/2026")
    assert "Ngày không có thật" in chat.text
    await chat.say("20/03/2026")
    assert "vào ngày 20 tháng 03 năm 2026" in chat.text
    await chat.press("Gửi")
    assert "Đã duyệt phiếu xin lỗi" in chat.text and "1 kênh" in chat.text

    dossier = (await get_dossier(ready.db, OVERDUE_OLD)).dossier
    assert dossier.rescheduled_due_at == datetime(2026, 3, 20, 17, 0, tzinfo=VN_TZ)
    assert dossier.rescheduled_reason == "Chờ kết quả xác minh <của> Công an huyện"
    apology = await apology_for(ready.db, dossier.id)
    assert (apology.status, apology.approved_by_name, apology.recipients) == ("sent", "Lê Văn Hùng", 1)
    assert apology.approved_at is not None and "Người duyệt gửi: Lê Văn Hùng" in apology.text
    (row,) = await outbox_rows(ready.db, kind="apology")
    assert (row.channel, row.chat_id) == ("zalo", citizen.chat_id)
    sent = replies_from_json(row.replies)[0].render("plain")
    assert sent == apology.text and "Trần T*** M" in sent and "Trần Thị Mai" not in sent

    await chat.say(f"/xin_loi {OVERDUE_OLD}")
    assert "đã duyệt bởi Lê Văn Hùng" in chat.text and "20 tháng 03 năm 2026" in chat.text
    await chat.press(f"ap:s:{apology.id}")
    assert "đã được duyệt trước đó" in chat.text
    assert len(await outbox_rows(ready.db, kind="apology")) == 1
    await chat.say("/thong_ke")
    assert "có phiếu xin lỗi: 1 · chưa có: 1" in chat.text


async def test_two_officials_pressing_send_at_once_make_one_letter(ready):
    await official(ready.db, COMMUNE, "Phạm Thu", "telegram", "705")
    await follower(ready)
    first, second = officer(ready), officer(ready, "705")
    await first.say(f"/xin_loi {OVERDUE_OLD}")
    payload = first.button("Gửi").payload
    await asyncio.gather(first.press(payload), second.press(payload))
    answers = sorted([first.text, second.text])
    assert sum("Đã duyệt phiếu xin lỗi" in a for a in answers) == 1
    assert sum("đã được duyệt trước đó" in a for a in answers) == 1
    assert len(await outbox_rows(ready.db, kind="apology")) == 1


async def test_send_approves_the_draft_that_was_shown_not_one_edited_since(ready):
    citizen = await follower(ready)
    await official(ready.db, COMMUNE, "Phạm Thu", "telegram", "705")
    first, second = officer(ready), officer(ready, "705")
    await first.say(f"/xin_loi {OVERDUE_OLD}")
    seen = first.button("Gửi").payload
    await second.say(f"/xin_loi {OVERDUE_OLD}")
    await second.press("Sửa lý do")
    await second.say("Chờ ý kiến của Sở Tư pháp về quốc tịch")
    await first.press(seen)  # the button of the draft before the edit
    assert "vừa được sửa" in first.text and "Lý do: Chờ ý kiến của Sở Tư pháp" in first.text
    assert await outbox_rows(ready.db, kind="apology") == []
    assert (await get_dossier(ready.db, OVERDUE_OLD)).dossier.rescheduled_due_at is None
    await first.press("Gửi")  # now the edited version, as shown
    assert "Đã duyệt phiếu xin lỗi" in first.text
    (row,) = await outbox_rows(ready.db, kind="apology")
    assert "Chờ ý kiến của Sở Tư pháp" in replies_from_json(row.replies)[0].render("plain")
    assert citizen.chat_id == row.chat_id


async def test_the_approval_itself_is_pinned_to_the_reason_and_date_read(ready):
    """Edited between the official's press and the approval's write: the stale version is not approved."""
    from db.apology_repo import approve, update_draft
    from db.officials_repo import official_for_chat

    await run_sweep(ready.db, ready.calendar, ready.reminders, NOW)
    d = (await get_dossier(ready.db, OVERDUE_OLD)).dossier
    stale = await apology_for(ready.db, d.id)
    assert await update_draft(ready.db, stale.id, reason="Chờ ý kiến của Sở Tư pháp về quốc tịch")
    signer = await official_for_chat(ready.db, "telegram", "701")
    assert not await approve(ready.db, stale, d.code, signer, "phiếu", [], NOW)
    assert (await apology_for(ready.db, d.id)).status == "draft"
    assert (await get_dossier(ready.db, OVERDUE_OLD)).dossier.rescheduled_due_at is None


async def test_a_date_moved_by_the_one_stop_system_meanwhile_stands_and_nothing_is_sent(ready):
    await follower(ready)
    chat = officer(ready)
    await chat.say(f"/xin_loi {OVERDUE_OLD}")
    payload = chat.button("Gửi").payload
    other_date = datetime(2026, 3, 18, 17, 0, tzinfo=VN_TZ)
    await set_rescheduled_due(ready.db, OVERDUE_OLD, other_date, "Hẹn lại tại bộ phận một cửa")
    await chat.press(payload)
    assert "đã được hẹn lại" in chat.text and "17:00 18/03/2026" in chat.text
    assert (await apology_for(ready.db, (await get_dossier(ready.db, OVERDUE_OLD)).dossier.id)).status == "draft"
    assert await outbox_rows(ready.db, kind="apology") == []  # the letter and the date go together or not at all


async def test_the_same_date_already_recorded_by_the_one_stop_system_still_sends_the_letter(ready):
    await follower(ready)
    chat = officer(ready)
    await chat.say(f"/xin_loi {OVERDUE_OLD}")
    await set_rescheduled_due(ready.db, OVERDUE_OLD, NEW_DATE, "Hẹn lại tại bộ phận một cửa")
    await chat.press("Gửi")
    assert "Đã duyệt phiếu xin lỗi" in chat.text
    assert len(await outbox_rows(ready.db, kind="apology")) == 1


async def test_a_date_set_once_cannot_be_set_again(ready):
    await set_rescheduled_due(ready.db, OVERDUE_NEW, NEW_DATE, "Đã hẹn lại qua hệ thống một cửa")
    chat = officer(ready)
    await chat.say(f"/xin_loi {OVERDUE_NEW}")
    assert "đã được hẹn lại" in chat.text and "17:00 16/03/2026" in chat.text
    assert chat.button("Gửi") is None


async def test_not_needed_and_not_in_scope(ready):
    chat = officer(ready)
    await chat.say(f"/xin_loi {DUE_LATER}")
    assert "chưa cần phiếu xin lỗi" in chat.text and "còn xa" in chat.text
    await chat.say(f"/xin_loi {FINISHED}")
    assert "đúng hạn" in chat.text
    await chat.say(f"/xin_loi {OVERDUE_OLD}")
    payload = chat.button("Gửi").payload
    await official(ready.db, WARD, "Đỗ Thị Lan", "telegram", "702")
    ward = officer(ready, "702")
    await ward.say(f"/xin_loi {OVERDUE_OLD}")
    assert ward.kinds == ["not_found"]
    await ward.press(payload)  # a button of another agency's draft
    assert "Không còn dự thảo này" in ward.text
    assert (await get_dossier(ready.db, OVERDUE_OLD)).dossier.rescheduled_due_at is None


async def test_a_draft_whose_new_date_has_passed_is_not_sent(ready):
    chat = officer(ready)
    await chat.say(f"/xin_loi {OVERDUE_OLD}")
    payload = chat.button("Gửi").payload
    later = officer(ready, at=NOW + timedelta(days=10))
    await later.press(payload)
    assert "Ngày hẹn mới đã qua" in later.text
    assert (await get_dossier(ready.db, OVERDUE_OLD)).dossier.rescheduled_due_at is None


async def test_the_letter_goes_to_push_chats_only_and_says_how_many(ready):
    citizen = await follower(ready)  # on Zalo
    dossier = (await get_dossier(ready.db, OVERDUE_OLD, with_history=False)).dossier
    await subscribe(ready.db, dossier.id, "web", "browser-1", NOW)  # a web chat that followed before it was refused
    chat = officer(ready)
    await chat.say(f"/xin_loi {OVERDUE_OLD}")
    await chat.press("Gửi")
    assert "1 kênh" in chat.text
    assert [(r.channel, r.chat_id) for r in await outbox_rows(ready.db, kind="apology")] == [("zalo", citizen.chat_id)]


async def test_a_letter_approved_late_in_the_evening_goes_at_once(ready):
    """The citizen's own dossier news: not held for the morning (only what the bot initiates is)."""
    await follower(ready)
    at = NOW.replace(hour=21, minute=40)
    late = officer(ready, at=at)
    await late.say(f"/xin_loi {OVERDUE_OLD}")
    await late.press("Gửi")
    assert "Đã duyệt phiếu xin lỗi" in late.text
    (row,) = await outbox_rows(ready.db, kind="apology")
    assert row.next_attempt_at == at


async def test_a_dossier_received_before_circular_03_2025_keeps_the_old_title(ready):
    old_rules = f"{COMMUNE}-250630-0009"  # received 30/06/2025, the last day of Circular 01/2018's form
    await seed(ready, [dossier(old_rules, received="2025-06-30T09:00:00+07:00", due="2026-03-10T17:00:00+07:00")])
    chat = officer(ready)
    await chat.say(f"/xin_loi {old_rules}")
    assert "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ" in chat.text and "GIA HẠN" not in chat.text
    await chat.say(f"/xin_loi {OVERDUE_OLD}")  # received 23/02/2026
    assert "PHIẾU XIN LỖI VÀ ĐỀ NGHỊ GIA HẠN THỜI GIAN GIẢI QUYẾT" in chat.text


@pytest.mark.postgres
async def test_on_postgres_two_replicas_approve_once_and_only_the_version_shown(pg_db, bundled_index):
    from handlers.catalogue import Catalogue
    from handlers.deps import Deps

    one, two = Deps(db=pg_db, catalogue=Catalogue(bundled_index)), Deps(db=pg_db, catalogue=Catalogue(bundled_index))
    await seed(one)
    await official(pg_db, COMMUNE, "Lê Văn Hùng", "telegram", "701")
    await official(pg_db, COMMUNE, "Phạm Thu", "telegram", "705")
    await follower(one)
    first, second = officer(one), officer(two, "705")
    await first.say(f"/xin_loi {OVERDUE_OLD}")
    stale = first.button("Gửi").payload
    await second.say(f"/xin_loi {OVERDUE_OLD}")
    await second.press("Đổi ngày hẹn")
    await second.say("20/03/2026")
    await first.press(stale)
    assert "vừa được sửa" in first.text and "vào ngày 20 tháng 03 năm 2026" in first.text
    fresh = first.button("Gửi").payload
    assert fresh != stale and second.button("Gửi").payload == fresh
    await asyncio.gather(first.press(fresh), second.press(fresh))
    assert sum("Đã duyệt phiếu xin lỗi" in c.text for c in (first, second)) == 1
    assert len(await outbox_rows(pg_db, kind="apology")) == 1
    moved = (await get_dossier(pg_db, OVERDUE_OLD)).dossier
    assert moved.rescheduled_due_at == datetime(2026, 3, 20, 17, 0, tzinfo=VN_TZ)
