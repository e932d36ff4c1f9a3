"""The officials' dashboard in real headless Chromium: logged in with the keyboard from a link of
``/bao_cao``, the month chosen with the keyboard, no serious accessibility violations (axe-core),
no sideways scrolling on a phone, and screenshots of the main page at 390×800 and 1280×900.

The screenshots are checked structurally (size, not blank, the header's red band at the top), as
tests/test_webchat_page.py does: a pixel baseline would break on every Chromium or font update."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.dashboard_data import dashboard_service, link_from_bao_cao, officer, seed_march
from tests.report_data import COMMUNE
from tests.test_webchat import browser, needs_chromium  # noqa: F401  (fixtures)
from tests.test_webchat_page import axe_script  # noqa: F401  (fixture)

pytestmark = [pytest.mark.browser, needs_chromium]

RED = (0xB3, 0x26, 0x1E)
LAYOUT = """() => ({
  innerWidth: window.innerWidth, innerHeight: window.innerHeight,
  scrollWidth: document.scrollingElement.scrollWidth,
  header: document.querySelector('header.top').getBoundingClientRect().toJSON(),
  images: [...document.querySelectorAll('figure img')].map(i => ({
    right: i.getBoundingClientRect().right, loaded: i.complete && i.naturalWidth > 0})),
})"""


@pytest.fixture
async def service(deps, sqlite_url):
    await seed_march(deps)
    async with dashboard_service(deps, sqlite_url) as running:
        running.chat = await officer(deps, COMMUNE, "Lê Văn Hùng", "701")
        yield running


async def logged_in(browser, service, width: int, height: int, month: str | None = "2026-03"):
    """A page on the dashboard, logged in through a fresh link (the button pressed with the keyboard)."""
    path = await link_from_bao_cao(service.chat)
    page = await browser.new_page(viewport={"width": width, "height": height})
    await page.goto(service.url + path)
    button = page.get_by_role("button", name="Mở bảng số liệu")
    await button.focus()
    await page.keyboard.press("Enter")
    await page.wait_for_url("**/dashboard")
    await page.get_by_role("heading", level=1).wait_for()
    if month:
        await page.goto(f"{service.url}/dashboard?thang={month}")
    return page


async def test_the_month_is_chosen_with_the_keyboard(service, browser):
    page = await logged_in(browser, service, 390, 800, month=None)
    assert "Báo cáo tháng 04/2026 (đến nay" in await page.get_by_role("heading", level=1).inner_text()
    select = page.get_by_label("Tháng báo cáo")  # labelled: found by its label
    assert await select.input_value() == "2026-04"
    await page.locator("body").click(position={"x": 5, "y": 200})
    await page.keyboard.press("Shift+Tab")  # back to the page's start, then forward as a keyboard user does
    focused = []
    for _ in range(10):
        await page.keyboard.press("Tab")
        focused.append(await page.evaluate("document.activeElement.id || document.activeElement.textContent.trim()"))
        if focused[-1] == "thang":
            break
    assert focused[-1] == "thang", focused
    # The focus is visible where it is.
    assert await page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"
    await page.keyboard.press("ArrowDown")  # the month before
    assert await select.input_value() == "2026-03"
    await page.keyboard.press("Tab")
    assert (await page.evaluate("document.activeElement.textContent")).startswith("Xem")
    await page.keyboard.press("Enter")
    await page.wait_for_url("**/dashboard?thang=2026-03")
    heading = await page.get_by_role("heading", level=1).inner_text()
    assert heading == "Báo cáo tháng 03/2026 — 000.31.22.H26 / Monthly report"
    assert await page.locator('[data-key="finished"] .value').inner_text() == "7"


async def test_no_serious_accessibility_violations(service, browser, axe_script):  # noqa: F811
    page = await logged_in(browser, service, 390, 800)
    # Evaluated through the DevTools protocol: the page's CSP (no script at all) stays on.
    await page.evaluate(Path(axe_script).read_text() + "\n;0")
    result = await page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    for v in result["violations"]:
        print(f"axe: {v['impact']} {v['id']}: {[n['target'] for n in v['nodes'][:3]]}")
    serious = [f"{v['id']} ({v['impact']}): {v['help']}" for v in result["violations"]
               if v["impact"] in ("serious", "critical")]
    assert serious == []
    # Every chart has a text alternative.
    alts = await page.locator("figure img").evaluate_all("imgs => imgs.map(i => i.alt)")
    assert len(alts) == 4 and all(len(a) > 40 for a in alts)


@pytest.mark.parametrize(("width", "height"), [(390, 800), (1280, 900)])
async def test_screenshot_of_the_main_page(service, browser, tmp_path, width, height):
    from PIL import Image

    page = await logged_in(browser, service, width, height)
    await page.wait_for_function("[...document.images].every(i => i.complete)")
    layout = await page.evaluate(LAYOUT)
    assert layout["scrollWidth"] <= layout["innerWidth"], f"the page scrolls sideways: {layout['scrollWidth']}"
    assert all(i["right"] <= layout["innerWidth"] and i["loaded"] for i in layout["images"]), layout["images"]
    path = tmp_path / f"dashboard-{width}x{height}.png"
    await page.screenshot(path=str(path))
    with Image.open(path) as shot:
        image = shot.convert("RGB")
    assert image.size == (width, height)
    assert len(image.getcolors(maxcolors=1 << 20) or []) > 50, "the screenshot is (nearly) blank"
    header_y = int((layout["header"]["top"] + layout["header"]["bottom"]) / 2)
    assert image.getpixel((4, header_y)) == RED
    # The figures are on the first screen.
    box = await page.locator('[data-key="finished"]').bounding_box()
    assert box and box["y"] + box["height"] <= height
    full = tmp_path / f"dashboard-{width}-full.png"
    await page.screenshot(path=str(full), full_page=True)
    print(f"screenshot: {path} {full}")
