"""``/bao_cao`` end to end: a linked official's chat on the Telegram and Zalo stand-ins receives the
report's image — a PNG, through the outbox — and the figures as text; the console saves the image
and shows its path; other chats are refused. And the image attachment itself: JSON, the parts a
channel sends, a retry after a failed part."""

from __future__ import annotations

import base64
import io
from pathlib import Path

import pytest

from bot.channels.console import ConsoleChat
from bot.config import Settings
from bot.delivery import TransientDeliveryError
from db.dossier_repo import upsert_dossiers
from db.outbox_repo import outbox_rows
from handlers.reply_json import reply_from_json, reply_to_json
from handlers.types import Button, Reply
from knowledge.dossiers.schema import DossierIn
from tests.chat import Chat
from tests.fakes.server import wait_until
from tests.fakes.service import running_service
from tests.fakes.telegram_api import FakeBotApi, text_update
from tests.fakes.zalo_api import FakeZalo, signed, text_event
from tests.official_data import official
from tests.report_data import COMMUNE, DOSSIERS, WARD, add_ratings_feedback_apologies, at

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SECRET = "webhook_Secret-123"
APP_ID, OA_SECRET, APP_SECRET = "360846524940903967", "oa-secret-key-for-tests", "app-secret-for-tests"
# The commune's scope (the commune and its police unit), March 2026, by hand (tests/report_data.py):
# finished 6 + 1, on time 4 + 1; overdue at the end 3 + 1; 5 ratings, 3 satisfied; feedback 4/2/2.
TOTAL_LINE = "Hồ sơ giải quyết xong: 7 — đúng hạn 5, trễ hạn 2 — tỷ lệ đúng hạn 71,4 %"
COMMUNE_LINE = "Hồ sơ giải quyết xong: 6 — đúng hạn 4, trễ hạn 2 — tỷ lệ đúng hạn 66,7 %"


def is_png(data: bytes) -> bool:
    from matplotlib import image

    return data.startswith(PNG_SIGNATURE) and image.imread(io.BytesIO(data), format="png").shape[1] >= 800


@pytest.fixture
async def march(deps):
    """March 2026 of tests/report_data.py in the conversation's database."""
    result = await upsert_dossiers(deps.db, [DossierIn.model_validate(d) for d in DOSSIERS.values()],
                                   calendar=deps.calendar, procedures=deps.catalogue.index.get, source="test")
    assert result.created == len(DOSSIERS)
    from db.dossier_repo import get_dossier

    ids = {name: (await get_dossier(deps.db, d["code"], with_history=False)).dossier.id for name, d in DOSSIERS.items()}
    await add_ratings_feedback_apologies(deps.db, ids)
    return deps


async def test_telegram_sends_the_chart_as_a_photo_through_the_outbox(march, sqlite_url):
    api = await FakeBotApi().start()
    settings = Settings(database_url=sqlite_url, telegram_token="1:T", telegram_base_url=api.base_url,
                        telegram_webhook_secret=SECRET, reminder_sweep_seconds=0, notify_poll_seconds=30)
    chat = 7010
    await official(march.db, COMMUNE, "Lê Văn Hùng", "telegram", str(chat))
    try:
        async with running_service(settings, deps=march) as service:
            status, _ = await service.post("/telegram/webhook", json_body=text_update(1, chat, "/bao_cao 03/2026"),
                                           headers={"X-Telegram-Bot-Api-Secret-Token": SECRET})
            assert status == 200
            await wait_until(lambda: api.photos(chat) and api.sent(chat), what="the report's photo and text")
    finally:
        await api.stop()
    (photo,) = api.photos(chat)
    assert is_png(photo["photo"])
    # Two agencies' figures and the total do not fit a caption (1,024): the photo, then the text.
    assert "caption" not in photo
    text = "\n".join(api.texts(chat))
    assert "Báo cáo tháng 03/2026 — 000.31.22.H26" in text
    assert TOTAL_LINE in text and COMMUNE_LINE in text
    assert "Quá hạn chưa xong cuối tháng: 4 · hồ sơ trễ hạn có phiếu xin lỗi: 3" in text
    assert "Hài lòng: 3/5 đánh giá = 60,0 % (mục tiêu ≥ 90,0 %)" in text
    assert "Phản ánh, kiến nghị: tiếp nhận 4 · trả lời đúng hạn 2 · quá hạn 2" in text
    assert "UBND phường Đông Thành" not in text and WARD not in text  # another agency's
    assert [c.method for c in api.calls if c.method in ("sendPhoto", "sendMessage")][0] == "sendPhoto"
    # Planned in the outbox, the image with it (base64 of the very bytes sent).
    (row,) = [r for r in await outbox_rows(march.db, kind="reply") if r.chat_id == str(chat)]
    assert row.status == "sent" and base64.b64decode(row.replies[0]["image"]) == photo["photo"]


async def test_zalo_uploads_the_chart_and_sends_an_image_message(march, sqlite_url):
    zalo = await FakeZalo(app_id=APP_ID, app_secret=APP_SECRET, access_token="access-0", refresh_token="refresh-0").start()
    settings = Settings(database_url=sqlite_url, zalo_app_id=APP_ID, zalo_oa_secret_key=OA_SECRET,
                        zalo_app_secret=APP_SECRET, zalo_access_token="access-0", zalo_refresh_token="refresh-0",
                        zalo_api_base=zalo.url, zalo_oauth_base=zalo.url, reminder_sweep_seconds=0, notify_poll_seconds=30)
    user = "5521772797175877301234567"
    await official(march.db, COMMUNE, "Lê Văn Hùng", "zalo", user)
    try:
        async with running_service(settings, deps=march) as service:
            zalo.expire_access_tokens()  # the upload meets -216 first: refreshed once, then sent
            raw, headers = signed(APP_ID, OA_SECRET, text_event(user, "/bao_cao 3/2026", "m1"))
            status, _ = await service.post("/zalo/webhook", data=raw, headers=headers)
            assert status == 200
            await wait_until(lambda: zalo.images(user), what="the image message")
    finally:
        await zalo.stop()
    # The figures fit one Zalo message (2,000 characters): the image message, captioned with them.
    ((image, caption),) = zalo.images(user)
    assert is_png(image) and len(zalo.delivered(user)) == 1
    assert TOTAL_LINE in caption and COMMUNE_LINE in caption and "<b>" not in caption
    assert caption.startswith("📊 Báo cáo tháng 03/2026 — 000.31.22.H26")
    assert len(zalo.refreshes) == 1


async def test_the_console_saves_the_image_and_shows_its_path(march, tmp_path):
    await official(march.db, COMMUNE, "Lê Văn Hùng", "console", "local")
    out = io.StringIO()
    console = ConsoleChat(march, io.StringIO(), out, settings=Settings(data_dir=tmp_path))
    await console.send("local", await console.say("/bao_cao 03/2026"))
    shown = out.getvalue()
    line = next(line for line in shown.splitlines() if line.startswith("🖼 Hình ảnh / image: "))
    path = Path(line.split(": ", 1)[1])
    assert path.parent == (tmp_path / "images").resolve() and is_png(path.read_bytes())
    assert TOTAL_LINE in shown


async def test_other_chats_are_refused_and_a_bad_month_gets_help(march):
    citizen = Chat(march, channel="telegram", chat_id="999", at=at("2026-04-02T10:00:00"))
    await citizen.say("/bao_cao 03/2026")
    assert citizen.kinds == ["refused"] and "66,7" not in citizen.text
    await official(march.db, COMMUNE, "Lê Văn Hùng", "telegram", "701")
    officer = Chat(march, channel="telegram", chat_id="701", at=at("2026-04-02T10:00:00"))
    for typed in ("/bao_cao 13/2026", "/bao_cao tháng ba", "/bao_cao " + "9" * 3000):
        await officer.say(typed)
        assert officer.kinds[-1] == "help" and "/bao_cao 03/2026" in officer.text, typed[:20]
    await officer.say("/bao_cao 05/2026")
    assert officer.kinds == ["help"] and "chưa đến" in officer.text
    await officer.say("/bao_cao")  # the month under way: April, to date
    assert officer.kinds == ["official"] and "Báo cáo tháng 04/2026 (đến nay)" in officer.text
    # /thong_ke counts last month with the same definitions (db.report_repo): the same figures.
    await officer.say("/thong_ke")
    march_part = officer.text.split("Tháng 03/2026")[1]
    assert "Giải quyết xong: 7 — đúng hạn 5, trễ hạn 2 — tỷ lệ đúng hạn 71,4 %" in march_part
    assert "Hồ sơ trễ hạn có phiếu xin lỗi: 3 · chưa có: 3" in march_part  # 2 finished late + 4 overdue at its end
    assert "Hài lòng: 3/5 đánh giá = 60,0 %" in march_part


async def test_one_agency_gets_its_figures_as_the_photos_caption(march, bot_api, sqlite_url):
    """The ward alone: its name and figures fit a caption, so it is one photo message."""
    await official(march.db, WARD, "Phạm Thu", "telegram", "702")
    settings = Settings(database_url=sqlite_url, telegram_token="1:T", telegram_base_url=bot_api.base_url,
                        telegram_webhook_secret=SECRET, reminder_sweep_seconds=0, notify_poll_seconds=30)
    async with running_service(settings, deps=march) as service:
        await service.post("/telegram/webhook", json_body=text_update(1, 702, "/bao_cao 03/2026"),
                           headers={"X-Telegram-Bot-Api-Secret-Token": SECRET})
        await wait_until(lambda: bot_api.photos(702), what="the photo")
    (photo,) = bot_api.photos(702)
    assert is_png(photo["photo"]) and bot_api.sent(702) == []
    assert "UBND phường Đông Thành" in photo["caption"] and photo["parse_mode"] == "HTML"
    assert "đúng hạn 1, trễ hạn 1 — tỷ lệ đúng hạn 50,0 %" in photo["caption"]


# --- the image attachment ------------------------------------------------------------------------
def test_an_image_survives_the_reply_json_and_rendering():
    png = PNG_SIGNATURE + b"\x00" * 64
    reply = Reply(text="Biểu đồ", image=png)
    assert reply_from_json(reply_to_json(reply)).image == png
    assert reply.rendered_as("plain").image == png  # the pipeline renders before planning the outbox
    assert "image" not in reply_to_json(Reply(text="không ảnh"))


async def test_telegram_retry_after_the_photo_sends_only_the_text(deps, bot_api, sqlite_url):
    settings = Settings(database_url=sqlite_url, telegram_token="1:T", telegram_base_url=bot_api.base_url,
                        telegram_webhook_secret=SECRET)
    data = PNG_SIGNATURE + b"\x00" * 64
    long_text = "\n".join(f"Dòng {n}: số liệu" for n in range(200))  # over the caption limit
    reply = Reply(text=long_text, image=data, buttons=(Button("Chi tiết", payload="x:1"),))
    async with running_service(settings, deps=deps) as service:
        telegram = service.service.channels["telegram"]
        bot_api.fail_next("sendMessage", 502, "Bad Gateway")
        with pytest.raises(TransientDeliveryError) as failed:
            await telegram.send("77", [reply])
        assert failed.value.parts_sent == 1  # the photo went
        await telegram.send("77", [reply], skip_parts=failed.value.parts_sent)
    assert len(bot_api.photos("77")) == 1 and bot_api.photos("77")[0]["photo"] == data
    assert "reply_markup" not in bot_api.photos("77")[0]  # the buttons go on the last text part
    assert bot_api.texts("77")[0].startswith("Dòng 0") and "reply_markup" in bot_api.sent("77")[-1]


def test_zalo_sends_a_long_text_or_buttons_after_the_image():
    from bot.channels.zalo import messages_for

    png = PNG_SIGNATURE + b"\x00" * 64
    assert messages_for(Reply(text="Biểu đồ tháng", image=png)) == [{"image": png, "text": "Biểu đồ tháng"}]
    long = messages_for(Reply(text="\n".join(f"Dòng {n}" for n in range(600)), image=png))
    assert long[0] == {"image": png, "text": ""} and len(long) >= 3 and all(len(m["text"]) <= 2000 for m in long)
    buttons = messages_for(Reply(text="Biểu đồ", image=png, buttons=(Button("Chi tiết", payload="x:1"),)))
    assert buttons[0] == {"image": png, "text": ""} and buttons[1]["attachment"]["payload"]["buttons"]


async def test_an_image_zalo_refuses_for_good_still_delivers_its_figures(deps, sqlite_url):
    zalo = await FakeZalo(app_id=APP_ID, app_secret=APP_SECRET, access_token="access-0", refresh_token="refresh-0").start()
    settings = Settings(database_url=sqlite_url, zalo_app_id=APP_ID, zalo_oa_secret_key=OA_SECRET,
                        zalo_app_secret=APP_SECRET, zalo_access_token="access-0", zalo_refresh_token="refresh-0",
                        zalo_api_base=zalo.url, zalo_oauth_base=zalo.url, reminder_sweep_seconds=0)
    user = "5521772797175877301234568"
    too_big = PNG_SIGNATURE + bytes(2 * 1024 * 1024)  # over Zalo's 1 MB
    try:
        async with running_service(settings, deps=deps) as running:
            channel = running.service.channels["zalo"]
            await channel.send(user, [Reply(text="📊 Báo cáo tháng 03/2026: 12 hồ sơ, 11 đúng hạn", image=too_big)])
    finally:
        await zalo.stop()
    assert zalo.images(user) == [] and zalo.texts(user) == ["📊 Báo cáo tháng 03/2026: 12 hồ sơ, 11 đúng hạn"]
