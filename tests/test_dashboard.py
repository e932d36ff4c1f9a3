"""The officials' web view (``/dashboard``) over real HTTP: the one-time link ``/bao_cao`` offers
works once and for 15 minutes, the session cookie's flags, each official sees their agencies only,
and the page's figures are ``monthly_report``'s (the ones ``/bao_cao`` and ``motcua report`` give)."""

from __future__ import annotations

import asyncio
import html
import re

import pytest

from db.dashboard_repo import use_link
from db.engine import Database
from db.officials_repo import create_invite, redeem_invite, revoke_official
from handlers.report import figures_view, monthly_report
from knowledge.months import Month
from tests.dashboard_data import (SECRET, cookie_value, dashboard_service, link_from_bao_cao, log_in, officer, page,
                                  seed_march, token_of)
from tests.report_data import COMMUNE, DOSSIERS, FEEDBACK, WARD, total

CARD = re.compile(r'data-key="(\w+)">\s*<dt>[^<]*</dt>\s*<dd><span class="value">([^<]*)</span>')


def cards(body: str) -> dict[str, str]:
    return {key: html.unescape(value) for key, value in CARD.findall(body)}


def visible(body: str) -> str:
    """The page's text as a reader sees it (tags and the charts' data URIs dropped)."""
    body = re.sub(r'src="data:[^"]*"', "", body)
    return html.unescape(re.sub(r"<[^>]+>", " ", body))


@pytest.fixture
async def march(deps):
    await seed_march(deps)
    return deps


@pytest.fixture
async def service(march, sqlite_url):
    async with dashboard_service(march, sqlite_url) as running:
        yield running


async def test_bao_cao_offers_a_link_that_opens_the_months_figures(march, service):
    chat = await officer(march, COMMUNE, "Lê Văn Hùng", "701")
    path = await link_from_bao_cao(chat)
    # The report itself is unchanged; the link comes after it, as a button and a line.
    assert chat.kinds == ["official", "official"] and chat.replies[0].image is not None
    assert "Hồ sơ giải quyết xong: 7 — đúng hạn 5, trễ hạn 2 — tỷ lệ đúng hạn 71,4 %" in chat.text
    assert "15 phút" in chat.text and "một lần" in chat.text
    assert path.startswith("/dashboard/login?t=")

    status, body, set_cookie = await log_in(service, path)
    assert status == 303 and set_cookie
    status, body = await page(service, cookie_value(set_cookie))
    assert status == 200 and 'lang="vi"' in body
    assert "Báo cáo tháng 03/2026" in visible(body) and "Lê Văn Hùng" in visible(body)


async def letters(db) -> None:
    """A letter sent for one late dossier (its new date is set already) and a draft for another."""
    from db.dossier_repo import get_dossier
    from db.models.reminders import Apology
    from tests.report_data import at

    async with db.transaction() as session:
        for name, status in (("late_apology", "sent"), ("overdue_running", "draft")):
            found = await get_dossier(db, DOSSIERS[name]["code"], with_history=False)
            session.add(Apology(dossier_id=found.dossier.id, agency_code=COMMUNE, reason="Chờ xác minh",
                                new_due_at=at("2026-03-18T17:00:00"), status=status, drafted_at=at("2026-03-09T09:00:00"),
                                approved_by_name="", recipients=0))


async def test_the_page_shows_monthly_reports_figures(march, service):
    await letters(march.db)
    chat = await officer(march, COMMUNE, "Lê Văn Hùng", "701")
    _, _, set_cookie = await log_in(service, await link_from_bao_cao(chat))
    status, body = await page(service, cookie_value(set_cookie))
    assert status == 200
    report = await monthly_report(march.db, Month(2026, 3), now=march.clock(), agency=COMMUNE, tz=march.calendar.tz)
    expected = figures_view(report.total)
    shown = cards(body)
    assert shown == {
        "finished": str(expected["finished"]), "on_time": str(expected["on_time"]), "late": str(expected["late"]),
        "on_time_rate": expected["on_time_rate"], "overdue": str(expected["overdue"]),
        "apology": str(expected["apology"]),
        "satisfaction": expected["satisfaction"],
        "feedback_received": str(expected["feedback_received"]),
        "feedback_on_time": str(expected["feedback_on_time"]), "feedback_overdue": str(expected["feedback_overdue"]),
    }
    # ... which are the hand count of tests/report_data.py for the commune and its police unit.
    hand = total(COMMUNE, "001.31.22.H26")
    assert shown["finished"] == str(hand["finished"]) == "7" and shown["on_time_rate"] == "71,4 %"
    assert shown["overdue"] == str(hand["overdue_unfinished"]) and shown["apology"] == str(hand["apology_letters"])
    text = visible(body)
    assert "3/5 đánh giá" in text and "Số liệu cả tháng, hết ngày 31/03/2026" in text
    # Each agency's row, then the total.
    assert "UBND xã Tân Hòa" in text and "Công an xã Tân Hòa" in text and "66,7 %" in text
    # The late dossiers are the ones the figures count: 2 finished late + 4 overdue at March's end,
    # 3 of them with an apology letter's new date.
    late = int(expected["late"]) + int(expected["overdue"])
    assert f"Hồ sơ trễ hạn ({late})" in " ".join(text.split())
    late_table = body.split('id="late"')[1].split("</section>")[0]
    assert late_table.count('<li class="item">') == late
    assert late_table.count('class="ok"') == int(expected["apology"])
    entry = late_table.split(DOSSIERS["late_apology"]["code"])[1].split("</li>")[0]
    assert "Đã gửi phiếu xin lỗi — hẹn lại 18/03/2026" in entry
    entry = late_table.split(DOSSIERS["overdue_running"]["code"])[1].split("</li>")[0]
    assert "Có bản nháp, chưa gửi" in entry and "Chưa xong" in entry
    assert DOSSIERS["ward_late"]["code"] not in late_table  # the ward's is not the commune's
    assert DOSSIERS["on_time"]["code"] not in late_table
    # Feedback: codes, deadlines and the overdue flag.
    feedback = visible(body.split('id="feedback"')[1])
    assert "PA-260220-0004" in feedback and "Quá hạn" in feedback and "06/03/2026 17:00" in feedback
    assert "PA-260305-0002" in feedback and "Trả lời trễ hạn" in feedback
    # Four charts, each with a text alternative that names its figures.
    alts = re.findall(r'<img src="data:image/png;base64,[^"]+" alt="([^"]+)"', body)
    assert len(alts) == 4 and all("03/2026" in a for a in alts)
    assert "71,4 %" in html.unescape(alts[0])


async def test_another_agencys_official_sees_none_of_it(march, service):
    ward = await officer(march, WARD, "Phạm Thu", "702")
    _, _, set_cookie = await log_in(service, await link_from_bao_cao(ward))
    status, body = await page(service, cookie_value(set_cookie))
    assert status == 200
    assert cards(body)["finished"] == "2" and cards(body)["on_time_rate"] == "50,0 %"
    text = visible(body)
    assert "UBND phường Đông Thành" in text
    assert COMMUNE not in body and "Tân Hòa" not in body
    for d in DOSSIERS.values():
        if d["agency_code"] != WARD:
            assert d["code"] not in body
    commune_feedback = [f"PA-{r[2:4]}{r[5:7]}{r[8:10]}-{n:04d}" for n, (agency, r, _, _) in enumerate(FEEDBACK, 1)
                        if agency != WARD]
    assert not [code for code in commune_feedback if code in body]
    # Another month in the selector is still the ward's only.
    status, body = await page(service, cookie_value(set_cookie), "thang=2026-02")
    assert status == 200 and "Tân Hòa" not in body and COMMUNE not in body


async def test_a_link_works_once(march, service):
    chat = await officer(march, COMMUNE, "Lê Văn Hùng", "701")
    path = await link_from_bao_cao(chat)
    assert (await log_in(service, path))[0] == 303
    status, body, set_cookie = await log_in(service, path)  # opened again
    assert status == 410 and set_cookie is None
    assert "Liên kết đã được dùng" in body and "/bao_cao" in body
    # The button pressed again (the form re-sent) is refused too.
    async with service.http.post(service.url + "/dashboard/login", data={"t": token_of(path)},
                                 headers={"Origin": service.url}, allow_redirects=False) as response:
        assert response.status == 410 and "Set-Cookie" not in response.headers


async def test_a_link_expires_after_15_minutes(march, service):
    chat = await officer(march, COMMUNE, "Lê Văn Hùng", "701")
    path = await link_from_bao_cao(chat)
    march.clock.advance(minutes=14, seconds=59)
    async with service.http.get(service.url + path) as response:
        assert response.status == 200  # still usable, not spent by looking
    march.clock.advance(seconds=2)
    status, body, set_cookie = await log_in(service, path)
    assert status == 410 and set_cookie is None and "Liên kết đã hết hạn" in body and "15 phút" in body
    async with service.http.post(service.url + "/dashboard/login", data={"t": token_of(path)},
                                 headers={"Origin": service.url}, allow_redirects=False) as response:
        assert response.status == 410 and "Set-Cookie" not in response.headers


async def test_forged_and_garbled_links_are_refused(march, service):
    chat = await officer(march, COMMUNE, "Lê Văn Hùng", "701")
    genuine = token_of(await link_from_bao_cao(chat))
    auth = march.dashboard
    for token in ("", "abc", "abc.def", genuine[:-3], genuine[:20], genuine + "x", "ü" * 40,
                  auth.new_token(),  # signed by this deployment but never issued
                  genuine.split(".")[0] + "." + auth.new_token().split(".")[1]):
        async with service.http.get(service.url + "/dashboard/login", params={"t": token}) as response:
            body = await response.text()
            assert response.status == 400 and "Liên kết không hợp lệ" in body, token
        async with service.http.post(service.url + "/dashboard/login", data={"t": token},
                                     headers={"Origin": service.url}, allow_redirects=False) as response:
            assert response.status == 400 and "Set-Cookie" not in response.headers, token
    assert (await log_in(service, "/dashboard/login?t=" + genuine))[0] == 303  # the genuine one was not spent


async def test_the_session_cookie(march, service):
    chat = await officer(march, COMMUNE, "Lê Văn Hùng", "701")
    status, _, set_cookie = await log_in(service, await link_from_bao_cao(chat))
    assert status == 303
    flags = [part.strip().lower() for part in set_cookie.split(";")]
    assert "httponly" in flags and "samesite=strict" in flags and "path=/dashboard" in flags
    assert "secure" not in flags  # http: a browser would drop a Secure cookie (https: next test)
    assert any(f.startswith("max-age=") and int(f.split("=")[1]) == 8 * 3600 for f in flags)
    cookie = cookie_value(set_cookie)
    assert (await page(service, cookie))[0] == 200
    # No cookie, a forged one (another official's id under this signature), a garbled one: refused.
    official_id, expires, signature = cookie.split(".")
    for bad in (None, f"{int(official_id) + 1}.{expires}.{signature}", f"{official_id}.{int(expires) + 3600}.{signature}",
                cookie[:-2], "x"):
        status, body = await page(service, bad)
        assert status == 401 and "Phiên làm việc đã hết" in body and "Tân Hòa" not in body
    # Eight hours later the session has ended.
    march.clock.advance(hours=8, seconds=1)
    assert (await page(service, cookie))[0] == 401


async def test_a_revoked_official_loses_the_page_at_once(march, service):
    chat = await officer(march, COMMUNE, "Lê Văn Hùng", "701")
    _, _, set_cookie = await log_in(service, await link_from_bao_cao(chat))
    cookie = cookie_value(set_cookie)
    assert (await page(service, cookie))[0] == 200
    official_id = int(cookie.split(".")[0])
    assert await revoke_official(march.db, official_id)
    status, body = await page(service, cookie)
    assert status == 401 and "Tân Hòa" not in body


async def test_a_cross_site_form_cannot_log_in(march, service):
    chat = await officer(march, COMMUNE, "Lê Văn Hùng", "701")
    path = await link_from_bao_cao(chat)
    async with service.http.post(service.url + "/dashboard/login", data={"t": token_of(path)},
                                 headers={"Origin": "https://evil.example"}, allow_redirects=False) as response:
        assert response.status == 403 and "Set-Cookie" not in response.headers
    assert (await log_in(service, path))[0] == 303  # not spent by the refused request


async def test_https_public_url_makes_the_cookie_secure(march, sqlite_url):
    async with dashboard_service(march, sqlite_url, public_url="https://motcua.example.gov.vn") as service:
        chat = await officer(march, COMMUNE, "Lê Văn Hùng", "701")
        path = await link_from_bao_cao(chat)
        status, _, set_cookie = await log_in(service, path)
    assert status == 303 and "secure" in [p.strip().lower() for p in set_cookie.split(";")]


async def test_no_secret_no_links_and_no_dashboard(march, sqlite_url):
    from bot.config import Settings
    from tests.fakes.service import running_service

    async with running_service(Settings(database_url=sqlite_url, public_url="http://motcua.test",
                                        reminder_sweep_seconds=0), deps=march) as service:
        chat = await officer(march, COMMUNE, "Lê Văn Hùng", "701")
        await chat.say("/bao_cao 03/2026")
        assert chat.kinds == ["official"] and chat.button("Mở bảng số liệu") is None
        assert (await service.get("/dashboard"))[0] == 404
    with pytest.raises(ValueError, match="32"):
        from handlers.dashboard_auth import DashboardAuth

        DashboardAuth.create("http://motcua.test", "short")


async def _race(url: str) -> list[int | None]:
    """Two replicas (two engines) spend one link at the same moment."""
    from handlers.dashboard_auth import DashboardAuth
    from tests.dashboard_data import NOW

    first, second = Database(url), Database(url)
    try:
        await first.migrate()
        invite = await create_invite(first, agency_code=COMMUNE, name="Lê Văn Hùng", now=NOW)
        await redeem_invite(first, invite.code, "telegram", "701", now=NOW)
        auth = DashboardAuth.create("http://motcua.test", SECRET)
        link = await auth.offer(first, invite.official.id, NOW)
        token = link.split("t=", 1)[1]
        return list(await asyncio.gather(use_link(first, token, NOW), use_link(second, token, NOW)))
    finally:
        await first.dispose()
        await second.dispose()


async def test_two_replicas_cannot_both_spend_a_link_sqlite(sqlite_url):
    results = await _race(sqlite_url)
    assert sum(r is not None for r in results) == 1


@pytest.mark.postgres
async def test_two_replicas_cannot_both_spend_a_link_postgres(postgres_url):
    results = await _race(postgres_url)
    assert sum(r is not None for r in results) == 1
