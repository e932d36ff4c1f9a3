"""The web chat page in real headless Chromium: the phone layout, the keyboard, the favicon, an
accessibility check (axe-core, fetched from the npm registry at test time) and screenshots.

The screenshot test is structural, not a pixel baseline: a baseline in the repo would break on every
Chromium or font update. It checks the PNG's size is the viewport's, that it is not blank (many
distinct colours, the header's red present) and that the header and the input are inside it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

import pytest

from tests.test_webchat import browser, needs_chromium, service  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.browser, needs_chromium]

LONG_QUESTION = "đăng ký tạm trú cần giấy tờ gì"  # the whole procedure: taller than a phone's screen
AXE_SPEC = "axe-core@4"
AXE_CACHE = Path(os.environ.get("MOTCUA_TEST_CACHE", Path(tempfile.gettempdir()) / "motcua-test-cache")) / "axe-core"


async def open_chat(browser, url: str, width: int, height: int):
    page = await browser.new_page(viewport={"width": width, "height": height})
    await page.goto(url + "/")
    await page.locator(".msg.bot").first.wait_for()  # the welcome
    return page


async def ask_long_question(page, code_line: str = "Mã thủ tục 1.004194") -> None:
    await page.locator("#text").fill(LONG_QUESTION)
    await page.keyboard.press("Enter")
    await page.locator(".msg.bot", has_text=code_line).wait_for()
    await page.wait_for_function("document.getElementById('send').disabled === false")
    await page.wait_for_timeout(300)  # let smooth scrolling settle before measuring


LAYOUT = """() => {
  const box = (el) => { const r = el.getBoundingClientRect(); return {top: r.top, bottom: r.bottom, left: r.left, right: r.right}; };
  const input = document.getElementById('text');
  const log = document.getElementById('log');
  return {
    scrollTop: document.scrollingElement.scrollTop,
    scrollLeft: document.scrollingElement.scrollLeft,
    scrollHeight: document.scrollingElement.scrollHeight,
    scrollWidth: document.scrollingElement.scrollWidth,
    innerHeight: window.innerHeight, innerWidth: window.innerWidth,
    header: box(document.querySelector('.chat-header')),
    input: box(input), send: box(document.getElementById('send')),
    inputScrollWidth: input.scrollWidth, inputClientWidth: input.clientWidth,
    logScrolls: log.scrollHeight > log.clientHeight,
  };
}"""


def assert_inside(name: str, box: dict, layout: dict) -> None:
    assert box["top"] >= 0 and box["left"] >= 0, f"{name} leaves the screen: {box}"
    assert box["bottom"] <= layout["innerHeight"] and box["right"] <= layout["innerWidth"], f"{name} leaves the screen: {box}"


def assert_fits(layout: dict) -> None:
    assert layout["scrollTop"] == 0 and layout["scrollLeft"] == 0, layout  # the page itself never scrolls
    assert layout["scrollHeight"] <= layout["innerHeight"] and layout["scrollWidth"] <= layout["innerWidth"], layout
    for name in ("header", "input", "send"):
        assert_inside(name, layout[name], layout)
    # The input is the last thing on the screen: no band opens under it.
    assert layout["innerHeight"] - layout["input"]["bottom"] < 40, layout


async def placeholder_fits(page) -> bool:
    """The placeholder on one line: the empty textarea's content is no taller than one line and not
    wider than the box (a wrapped or cut placeholder makes its scroll size exceed its client size)."""
    return await page.evaluate("""() => {
      const input = document.getElementById('text');
      const saved = input.value; input.value = '';
      const probe = document.createElement('span');
      const style = getComputedStyle(input);
      probe.textContent = input.placeholder;
      probe.style.cssText = `font:${style.font};letter-spacing:${style.letterSpacing};white-space:nowrap;position:absolute;visibility:hidden`;
      document.body.appendChild(probe);
      const textWidth = probe.getBoundingClientRect().width;
      probe.remove();
      const padding = parseFloat(style.paddingLeft) + parseFloat(style.paddingRight);
      const fits = textWidth <= input.clientWidth - padding && input.scrollHeight <= input.clientHeight + 1;
      input.value = saved;
      return fits;
    }""")


async def test_phone_layout_after_a_long_answer(service, browser):
    page = await open_chat(browser, service.url, 390, 800)
    assert await placeholder_fits(page), await page.get_attribute("#text", "placeholder")
    await ask_long_question(page)
    layout = await page.evaluate(LAYOUT)
    assert layout["logScrolls"], "the answer should be longer than the screen, or this test proves nothing"
    assert_fits(layout)
    # The answer is read from its first line: its top is in view inside the message list.
    top = await page.locator(".msg.bot", has_text="Mã thủ tục 1.004194").evaluate("el => el.getBoundingClientRect().top")
    assert layout["header"]["bottom"] <= top < layout["input"]["top"]
    # Still true in English (longer labels, another placeholder), and after scrolling the list to its end.
    await page.get_by_role("button", name="Chuyển sang tiếng Anh").click()
    assert await placeholder_fits(page), await page.get_attribute("#text", "placeholder")
    await page.locator("#log").evaluate("el => { el.style.scrollBehavior = 'auto'; el.scrollTop = el.scrollHeight; }")
    await page.mouse.wheel(0, 2000)
    await page.wait_for_timeout(200)
    assert_fits(await page.evaluate(LAYOUT))


async def test_keyboard_reaches_the_input_and_the_send_button(service, browser):
    page = await open_chat(browser, service.url, 390, 800)
    await page.locator("h1").click()  # from the top of the page (a click moves Tab's starting point)
    focused = []
    for _ in range(20):  # the language button, the conversation, the welcome's buttons, the input, send
        await page.keyboard.press("Tab")
        focused.append(await page.evaluate("document.activeElement.id || document.activeElement.tagName"))
        if focused[-1] == "send":
            break
    assert "text" in focused and focused[-1] == "send", focused
    assert focused.index("text") == len(focused) - 2  # the input, then the send button
    await page.keyboard.press("Shift+Tab")
    assert await page.evaluate("document.activeElement.id") == "text"
    await page.keyboard.type("xin chào")
    await page.keyboard.press("Enter")  # Enter sends (Shift+Enter would be a new line)
    await page.locator(".msg.me", has_text="xin chào").wait_for()
    assert await page.input_value("#text") == ""
    # The send button works from the keyboard too.
    await page.keyboard.type("lệ phí")
    await page.keyboard.press("Tab")
    assert await page.evaluate("document.activeElement.id") == "send"
    await page.keyboard.press("Enter")
    await page.locator(".msg.me", has_text="lệ phí").wait_for()


async def test_favicon(service, browser):
    async with service.http.get(service.url + "/favicon.ico") as response:
        assert response.status == 200
        assert response.content_type.startswith("image/")
        body = await response.read()
        assert body and len(body) < 4096
    page = await open_chat(browser, service.url, 390, 800)
    hrefs = await page.evaluate("[...document.querySelectorAll('link[rel~=icon]')].map(l => l.href)")
    assert service.url + "/favicon.ico" in hrefs
    for href in hrefs:  # every icon the page links is there (the SVG too)
        async with service.http.get(href) as response:
            assert response.status == 200 and response.content_type.startswith("image/"), href


@pytest.fixture(scope="session")
def axe_script() -> Path:
    """axe-core's axe.min.js from the npm registry (``npm pack``), cached outside the repo."""
    for cached in sorted(AXE_CACHE.glob("*/package/axe.min.js"))[-1:]:
        return cached
    npm = shutil.which("npm")
    if npm is None:
        pytest.skip("axe-core: no npm on PATH to fetch it from the registry")
    with tempfile.TemporaryDirectory() as work:
        try:
            done = subprocess.run([npm, "pack", AXE_SPEC, "--silent", "--pack-destination", work],
                                  capture_output=True, text=True, timeout=180, check=False)
        except subprocess.TimeoutExpired:
            pytest.skip(f"axe-core: `npm pack {AXE_SPEC}` timed out (no registry access?)")
        tarballs = list(Path(work).glob("axe-core-*.tgz"))
        if done.returncode != 0 or not tarballs:
            pytest.skip(f"axe-core: `npm pack {AXE_SPEC}` failed: {(done.stderr or done.stdout).strip()[-300:]}")
        target = AXE_CACHE / tarballs[0].stem
        target.mkdir(parents=True, exist_ok=True)
        with tarfile.open(tarballs[0]) as tar:
            member = tar.getmember("package/axe.min.js")
            tar.extractall(target, members=[member], filter="data")
    return target / "package/axe.min.js"


async def serious_violations(page, axe_script: Path) -> list[str]:
    # Served from the page's own origin (intercepted, never reaching the service), so the page's
    # Content-Security-Policy (script-src 'self') stays on: an inline script tag would be refused.
    url = page.url.split("/", 3)[:3]
    await page.route("**/__test__/axe.min.js", lambda route: route.fulfill(
        path=str(axe_script), content_type="text/javascript"))
    await page.add_script_tag(url="/".join(url) + "/__test__/axe.min.js")
    result = await page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    for v in result["violations"]:  # the minor and moderate ones too, for whoever reads the output (-s)
        print(f"axe: {v['impact']} {v['id']}: {[n['target'] for n in v['nodes'][:3]]}")
    return [f"{v['id']} ({v['impact']}): {v['help']} — " + "; ".join(n["target"][0] for n in v["nodes"][:3])
            for v in result["violations"] if v["impact"] in ("serious", "critical")]


@pytest.mark.parametrize("locale", ["vi", "en"])
async def test_no_serious_accessibility_violations(service, browser, axe_script, locale):
    page = await open_chat(browser, service.url, 390, 800)
    if locale == "en":
        await page.get_by_role("button", name="Chuyển sang tiếng Anh").click()
    # An answer with its buttons and links on the page, in the language chosen.
    await ask_long_question(page, "Procedure code 1.004194" if locale == "en" else "Mã thủ tục 1.004194")
    assert await page.locator(".msg.bot .buttons button").count() > 0
    assert await serious_violations(page, axe_script) == []


@pytest.mark.parametrize(("width", "height"), [(390, 800), (1280, 900)])
async def test_screenshot(service, browser, tmp_path, width, height):
    from PIL import Image

    page = await open_chat(browser, service.url, width, height)
    await ask_long_question(page)
    layout = await page.evaluate(LAYOUT)
    assert_fits(layout)
    path = tmp_path / f"webchat-{width}x{height}.png"
    await page.screenshot(path=str(path))
    with Image.open(path) as shot:
        image = shot.convert("RGB")
    assert image.size == (width, height)
    colours = image.getcolors(maxcolors=1 << 20) or []
    assert len(colours) > 50, "the screenshot is (nearly) blank"
    # The header (its red band) at the top and the input's box at the bottom are both on the picture.
    header_y = int((layout["header"]["top"] + layout["header"]["bottom"]) / 2)
    header_x = int(layout["header"]["left"]) + 4
    assert image.getpixel((header_x, header_y)) == (0xB3, 0x26, 0x1E)
    input_y = int((layout["input"]["top"] + layout["input"]["bottom"]) / 2)
    input_x = int(layout["input"]["right"]) - 6
    assert sum(image.getpixel((input_x, input_y))) > 3 * 240, "the input (white) is not at the bottom"
    print(f"screenshot: {path}")
