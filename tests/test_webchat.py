"""The web chat: its JSON endpoint over real HTTP, and the page in real headless Chromium."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from aiohttp import web

from bot.config import Settings
from tests.fakes.server import LocalServer
from tests.fakes.service import running_service

SESSION = "test-session-0123456789"
CHROMIUM = os.environ.get("MOTCUA_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture
async def service(deps, sqlite_url):
    async with running_service(Settings(database_url=sqlite_url), deps=deps) as running:
        yield running


async def ask(service, session: str = SESSION, **message) -> tuple[int, dict]:
    return await service.post("/webchat/api/messages", json_body={"session": session, "locale": "vi", **message})


async def test_question_and_follow_up_over_json(service):
    status, body = await ask(service, text="đăng ký tạm trú cần giấy tờ gì")
    assert status == 200
    (reply,) = body["replies"]
    assert "<b>Đăng ký tạm trú</b>" in reply["html"] and reply["kind"] == "answer"
    assert {"title": "💰 Lệ phí", "payload": "s:fee:1.004194"} in reply["buttons"]
    status, body = await ask(service, text="phí bao nhiêu?")
    html = body["replies"][0]["html"]
    assert "Đăng ký tạm trú" in html and "đồng" in html and "Giấy tờ cần chuẩn bị" not in html


async def test_candidates_and_a_chosen_payload(service):
    _, body = await ask(service, text="căn cước")
    buttons = body["replies"][0]["buttons"]
    assert len(buttons) >= 2 and all(b["payload"].startswith("p:") for b in buttons)
    _, body = await ask(service, payload=buttons[0]["payload"])
    assert f"Mã thủ tục {buttons[0]['payload'][2:]}" in body["replies"][0]["html"]


async def test_sessions_are_separate_chats(service):
    await ask(service, session="session-a-0123456789", text="đăng ký tạm trú")
    _, body = await ask(service, session="session-b-0123456789", text="phí bao nhiêu?")
    assert "Đăng ký tạm trú" not in body["replies"][0]["html"]


async def test_user_html_is_escaped(service):
    _, body = await ask(service, text='<script>alert(1)</script><img src=x onerror=alert(2)> khai sinh')
    for reply in body["replies"]:
        assert set(re.findall(r"</?([a-zA-Z]+)", reply["html"])) <= {"b", "i", "a"}


async def test_bad_requests_get_clear_answers(service):
    assert (await ask(service, session="short", text="x"))[0] == 400
    assert (await ask(service, session="../../etc/passwd-0123456789", text="x"))[0] == 400
    assert (await ask(service, text=123))[0] == 400
    assert (await ask(service, payload="p" * 300))[0] == 400
    status, body = await service.post("/webchat/api/messages", data=b"{oops", headers={"Content-Type": "application/json"})
    assert status == 400 and "/" in body["error"]  # Vietnamese / English
    status, body = await ask(service, text="a" * 20_000)
    assert status == 413
    status, body = await ask(service, text="")
    assert status == 200 and body["replies"]  # an empty message gets help, not an error
    status, body = await ask(service, text="😀" * 500 + " đăng ký khai sinh")
    assert status == 200 and body["replies"]


async def test_rate_limit_per_session(deps, sqlite_url):
    async with running_service(Settings(database_url=sqlite_url), deps=deps, channel_options={"web": {"per_minute": 3}}) as service:
        for _ in range(3):
            assert (await ask(service, text="xin chào"))[0] == 200
        status, body = await ask(service, text="xin chào")
        assert status == 429 and body["retry_after"] > 0
        assert "đợi" in body["error"]
        assert (await ask(service, session="another-session-0123456789", text="xin chào"))[0] == 200


async def test_page_and_embed_script_are_self_contained(service):
    status, page = await service.get("/")
    assert status == 200 and 'lang="vi"' in page and 'aria-live="polite"' in page
    assert not re.search(r'(src|href)="(https?:)?//', page)  # no CDN: works offline
    status, script = await service.get("/embed.js")
    assert status == 200 and "iframe" in script
    status, js = await service.get("/static/chat.js")
    assert status == 200 and "DOMParser" in js
    assert not re.search(r"https?://", (Path(__file__).parents[1] / "bot/static/chat.css").read_text())


# --- the page in a real browser -------------------------------------------------------------

needs_chromium = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no Chromium binary at {CHROMIUM} (apt-get install chromium)")


@pytest.fixture
async def browser():
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            await browser.close()


@pytest.mark.browser
@needs_chromium
async def test_citizen_chats_in_the_browser(service, browser):
    page = await browser.new_page(viewport={"width": 390, "height": 800})  # a phone
    await page.goto(service.url + "/")
    bot = page.locator(".msg.bot")
    await bot.first.wait_for()
    assert "Xin chào" in await bot.first.inner_text()  # the welcome

    await page.get_by_label("Câu hỏi của bạn").fill("đăng ký tạm trú cần giấy tờ gì")
    await page.keyboard.press("Enter")
    answer = bot.filter(has_text="Mã thủ tục 1.004194")
    await answer.wait_for()
    assert await answer.locator("b").first.inner_text() == "Đăng ký tạm trú"

    await page.get_by_label("Câu hỏi của bạn").fill("căn cước")
    await page.get_by_role("button", name="Gửi").click()
    candidates = bot.filter(has_text="Bạn chọn thủ tục phù hợp")
    await candidates.wait_for()
    first = candidates.locator(".buttons button").first
    title = await first.inner_text()
    await first.click()
    await page.locator(".msg.me", has_text=title).wait_for()
    details = bot.last
    await details.filter(has_text="Mã thủ tục").wait_for()
    assert "Nguồn" in await details.inner_text()

    # The English toggle switches the page and the locale sent with the messages.
    await page.get_by_role("button", name="Chuyển sang tiếng Anh").click()
    assert await page.evaluate("document.documentElement.lang") == "en"
    assert await page.get_by_role("button", name="Send").is_visible()


@pytest.mark.browser
@needs_chromium
async def test_the_page_sanitises_replies_and_keeps_keyboard_access(service, browser):
    page = await browser.new_page()

    async def hostile(route):
        await route.fulfill(json={"replies": [{"html": '<b>đậm</b><img src=x onerror="window.pwned=1">'
                                                       '<script>window.pwned=2</script><a href="javascript:alert(1)">x</a>'
                                                       '<a href="https://dichvucong.gov.vn">Cổng</a>',
                                               "kind": "answer", "buttons": [{"title": "Nút", "payload": "q:x"},
                                                                             {"title": "Lạ", "url": "javascript:alert(1)"}]}]})

    await page.route("**/webchat/api/messages", hostile)
    await page.goto(service.url + "/")
    reply = page.locator(".msg.bot").first
    await reply.wait_for()
    assert await reply.locator("b").inner_text() == "đậm"
    assert await reply.locator("img, script").count() == 0
    links = reply.locator("a")
    assert await links.count() == 1 and await links.first.get_attribute("href") == "https://dichvucong.gov.vn"
    assert await links.first.get_attribute("rel") == "noopener noreferrer"
    assert await page.evaluate("window.pwned === undefined")
    assert await reply.locator(".buttons button").count() == 1
    # Keyboard only: the input has focus, Enter sends.
    await page.keyboard.type("xin chào")
    await page.keyboard.press("Enter")
    await page.locator(".msg.me", has_text="xin chào").wait_for()


@pytest.mark.browser
@needs_chromium
async def test_the_embedded_chat_starts_only_when_opened(service, browser):
    """A portal page with the embed script: no conversation until the citizen opens the chat."""
    html = f'<html lang="vi"><body><h1>Cổng thông tin</h1><script src="{service.url}/embed.js"></script></body></html>'

    async def portal_page(_request: web.Request) -> web.Response:
        return web.Response(text=html, content_type="text/html")

    app = web.Application()
    app.router.add_get("/", portal_page)
    portal = await LocalServer(app).start()
    try:
        page = await browser.new_page()
        posts = []
        page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
        await page.goto(portal.url.replace("127.0.0.1", "localhost") + "/")  # another origin than the service
        opener = page.get_by_role("button", name="Mở trợ lý thủ tục hành chính")
        await opener.wait_for()
        await page.wait_for_timeout(500)
        assert not posts  # a page view costs nothing
        await opener.click()
        await page.frame_locator("iframe").locator(".msg.bot").first.wait_for()
        assert any("/webchat/api/messages" in url for url in posts)
    finally:
        await portal.stop()


async def test_cross_site_requests_are_refused_and_embedding_sites_allowed(deps, sqlite_url):
    settings = Settings(database_url=sqlite_url, webchat_origins="https://dichvucong.example.gov.vn")
    async with running_service(settings, deps=deps) as service:
        body = {"session": SESSION, "text": "xin chào"}
        evil = {"Origin": "https://evil.example.com"}
        assert (await service.post("/webchat/api/messages", json_body=body, headers=evil))[0] == 403
        import json as _json

        simple = {"Content-Type": "text/plain", "Origin": "https://evil.example.com"}
        assert (await service.post("/webchat/api/messages", data=_json.dumps(body).encode(), headers=simple))[0] == 403
        plain = {"Content-Type": "text/plain"}  # a simple request without Origin: not JSON, refused
        assert (await service.post("/webchat/api/messages", data=_json.dumps(body).encode(), headers=plain))[0] == 415
        host = service.url.split("//", 1)[1]
        assert (await service.post("/webchat/api/messages", json_body=body, headers={"Origin": f"http://{host}"}))[0] == 200
        portal = {"Origin": "https://dichvucong.example.gov.vn"}
        async with service.http.post(service.url + "/webchat/api/messages", json={**body, "id": "portal-msg-0001"},
                                     headers=portal) as response:
            assert response.status == 200
            assert response.headers["Access-Control-Allow-Origin"] == "https://dichvucong.example.gov.vn"
        async with service.http.options(service.url + "/webchat/api/messages", headers={
                **portal, "Access-Control-Request-Method": "POST"}) as response:
            assert response.status == 204
        async with service.http.options(service.url + "/webchat/api/messages", headers={
                **evil, "Access-Control-Request-Method": "POST"}) as response:
            assert response.status == 403


async def test_nested_json_and_wrong_shapes_get_a_400_not_a_500(service):
    nested = b'{"session": "' + SESSION.encode() + b'", "text": ' + b"[" * 1024 + b"]" * 1024 + b"}"
    status, body = await service.post("/webchat/api/messages", data=nested, headers={"Content-Type": "application/json"})
    assert status == 400 and "/" in body["error"]
    assert (await ask(service, text={"a": [1, 2]}))[0] == 400
    assert (await ask(service, id=["x"]))[0] == 400
    assert (await service.get("/healthz"))[0] == 200  # and the service stays healthy


async def test_the_same_message_id_sent_again_gets_the_stored_answer_once(service):
    from db.inbox_repo import inbox_rows

    first = await ask(service, text="đăng ký khai sinh", id="retry-message-0001")
    again = await ask(service, text="đăng ký khai sinh", id="retry-message-0001")  # the page's retry
    assert first[0] == again[0] == 200 and first[1]["replies"] == again[1]["replies"]
    rows = [r for r in await inbox_rows(service.service.deps.db, channel="web") if r.event_key.endswith("retry-message-0001")]
    assert len(rows) == 1 and rows[0].status == "done"
