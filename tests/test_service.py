"""The service as a whole: health, metrics, a catalogue re-import picked up without a restart,
the web chat with no channel configured, and a graceful shutdown that loses no message."""

from __future__ import annotations

import asyncio
import re

from bot.config import Settings
from db.catalogue_repo import upsert_procedures
from db.engine import Database
from handlers.catalogue import Catalogue
from handlers.deps import Deps
from knowledge.catalogue.bundled import load_bundled
from tests.fakes.service import running_service
from tests.fakes.telegram_api import text_update
from tests.fakes.zalo_api import FakeZalo, signed, text_event

SESSION = "service-test-session-0001"


def metric(text: str, name: str, **labels: str) -> float:
    selector = ",".join(f'{k}="{v}"' for k, v in labels.items())
    pattern = re.escape(name) + (r"\{" + re.escape(selector) + r"\}" if selector else "") + r" ([0-9.e+-]+)"
    match = re.search(pattern, text)
    return float(match.group(1)) if match else 0.0


async def test_fresh_install_serves_the_web_chat_with_health_and_metrics(tmp_path):
    """No deps handed in: the service opens (migrates, seeds) the configured database itself."""
    settings = Settings(data_dir=tmp_path / "data")
    async with running_service(settings) as service:
        status, body = await service.get("/healthz")
        assert status == 200
        assert '"status": "ok"' in body and '"database": "ok"' in body and '"procedures": 40' in body
        assert (await service.post("/telegram/webhook", json_body={}))[0] == 404  # no Telegram configured
        assert (await service.post("/zalo/webhook", json_body={}))[0] == 404

        _, before = await service.get("/metrics")
        status, reply = await service.post("/webchat/api/messages", json_body={"session": SESSION, "text": "đăng ký khai sinh"})
        assert status == 200 and reply["replies"]
        status, after = await service.get("/metrics")
        assert status == 200
        assert metric(after, "motcua_messages_in_total", channel="web") == metric(before, "motcua_messages_in_total", channel="web") + 1
        assert metric(after, "motcua_messages_out_total", channel="web") >= 1
        assert metric(after, "motcua_reply_seconds_count", channel="web") == 1
        assert "motcua_outbox_backlog 0.0" in after
        assert "# TYPE motcua_reply_seconds histogram" in after


async def test_healthz_is_503_when_the_database_is_down(bundled_index):
    down = Database("postgresql+asyncpg://motcua@127.0.0.1:9/nowhere")  # nothing listens on port 9
    try:
        deps = Deps(db=down, catalogue=Catalogue(bundled_index))
        async with running_service(Settings(), deps=deps) as service:
            status, body = await service.get("/healthz")
            assert status == 503 and '"status": "unavailable"' in body
            assert "nowhere" not in body  # never the database URL
            # The message cannot be stored, so it is not taken: a 503 the page retries, in words, not a traceback.
            status, reply = await service.post("/webchat/api/messages", json_body={"session": SESSION, "text": "xin chào"})
            assert status == 503 and reply["error"].startswith("Hệ thống đang bận") and reply["retry_after"]
    finally:
        await down.dispose()


async def test_a_catalogue_reimport_is_picked_up_without_a_restart(deps, db, sqlite_url):
    async with running_service(Settings(database_url=sqlite_url), deps=deps, maintenance_seconds=0.1) as service:
        question = {"session": SESSION, "text": "cấp giấy phép nuôi chim yến trong nhà"}
        _, body = await service.post("/webchat/api/messages", json_body=question)
        assert "1.999999" not in body["replies"][0]["html"]
        template = next(p for p in load_bundled() if p.detailed)
        new = template.model_copy(update={"code": "1.999999", "name": "Cấp giấy phép nuôi chim yến trong nhà"})
        await upsert_procedures(db, [new])  # what `motcua catalogue import` does

        async def answered() -> bool:
            _, body = await service.post("/webchat/api/messages", json_body=question)
            return "Mã thủ tục 1.999999" in body["replies"][0]["html"]

        for _ in range(200):  # the service checks every 0.1 s
            if await answered():
                break
            await asyncio.sleep(0.05)
        else:
            raise AssertionError("the re-imported procedure was never answered")


async def test_graceful_shutdown_answers_the_telegram_message_in_flight(deps, bot_api, sqlite_url):
    settings = Settings(database_url=sqlite_url, telegram_token="1:T", telegram_base_url=bot_api.base_url,
                        telegram_webhook_secret="s3cret")
    bot_api.delay["sendMessage"] = 1.0  # the reply is still on its way when the service is told to stop
    service_cm = running_service(settings, deps=deps)
    service = await service_cm.__aenter__()
    try:
        status, _ = await service.post("/telegram/webhook", json_body=text_update(1, 99, "đăng ký khai sinh"),
                                       headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret"})
        assert status == 200
    finally:
        await service_cm.__aexit__(None, None, None)  # stops the service now
    assert len(bot_api.sent(99)) == 1 and "khai sinh" in bot_api.texts(99)[0].lower()


async def test_graceful_shutdown_answers_the_zalo_message_in_flight(deps, sqlite_url):
    zalo_api = await FakeZalo(app_id="1", app_secret="a", access_token="t0", refresh_token="r0").start()
    try:
        settings = Settings(database_url=sqlite_url, zalo_app_id="1", zalo_oa_secret_key="k", zalo_app_secret="a",
                            zalo_access_token="t0", zalo_refresh_token="r0", zalo_api_base=zalo_api.url,
                            zalo_oauth_base=zalo_api.url)
        zalo_api.expire_access_tokens()  # the reply needs a token refresh first: more time in flight
        async with running_service(settings, deps=deps) as service:
            raw, headers = signed("1", "k", text_event("123", "đăng ký khai sinh", "x1"))
            assert (await service.post("/zalo/webhook", data=raw, headers=headers))[0] == 200
        assert len(zalo_api.delivered("123")) == 1
    finally:
        await zalo_api.stop()
