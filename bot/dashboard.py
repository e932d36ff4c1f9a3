"""The officials' web view, ``/dashboard`` (docs/officials.md, "Dashboard"): server-rendered HTML,
no script at all.

- ``GET /dashboard/login?t=…``: the one-time link the bot sent (``/bao_cao``). It only shows a
  button: a chat's link preview (Telegram fetches the links it shows) must not spend the link.
- ``POST /dashboard/login``: the button. Spends the link (once, before it expires: one conditional
  UPDATE, ``db.dashboard_repo.use_link``), sets the session cookie and goes to the page.
- ``GET /dashboard?thang=YYYY-MM``: the month's figures, charts and lists of the session's official.
  Each request reads the official (still active, a chat still linked) and their agency again.
- ``POST /dashboard/logout``: forgets the cookie.

The cookie is HttpOnly, SameSite=Strict, Path=/dashboard, Secure when the public URL or the request
is https. SameSite=Strict holds: the cookie is set by a same-site POST and read after a same-site
redirect; opening ``/dashboard`` from another site simply asks for a new link.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

from aiohttp import web
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from bot.config import Settings
from bot.service import Service
from db import dashboard_repo
from handlers.dashboard import dashboard_page, months_offered
from handlers.dashboard_auth import LOGIN_PATH, DashboardAuth
from knowledge.months import Month

TEMPLATES = Path(__file__).resolve().parent / "templates"
CSS = Path(__file__).resolve().parent / "static" / "dashboard.css"
COOKIE = "motcua_dashboard"
HEADERS = {
    "Content-Security-Policy": ("default-src 'none'; style-src 'self'; img-src data:; form-action 'self'; "
                                "base-uri 'none'; frame-ancestors 'none'"),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",  # the link's token never leaves in a Referer
    "Cache-Control": "no-store",
}
NEW_LINK = "Gửi /bao_cao cho trợ lý (Telegram hoặc Zalo) để nhận liên kết mới. / Send /bao_cao to the bot for a new link."
REFUSED = {
    "invalid": (400, "Liên kết không hợp lệ", "Liên kết này không đúng hoặc bị cắt mất một phần.", "Invalid link"),
    "unknown": (400, "Liên kết không hợp lệ", "Liên kết này không đúng hoặc bị cắt mất một phần.", "Invalid link"),
    "used": (410, "Liên kết đã được dùng", "Mỗi liên kết chỉ mở được một lần.", "This link was already used"),
    "expired": (410, "Liên kết đã hết hạn", "Liên kết chỉ dùng được trong 15 phút sau khi gửi.", "This link has expired"),
    "session": (401, "Phiên làm việc đã hết", "Bạn cần mở bảng số liệu bằng một liên kết mới.",
                "Your session has ended"),
    "origin": (403, "Yêu cầu không hợp lệ", "Yêu cầu này không đến từ trang của trợ lý.", "Cross-site request refused"),
}
AUTH = web.AppKey("motcua_dashboard_auth", DashboardAuth)


@cache
def _env() -> Environment:
    return Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined,
                       trim_blocks=True, lstrip_blocks=True, auto_reload=False)


def _html(template: str, status: int = 200, **context) -> web.Response:
    body = _env().get_template(template).render(**context)
    return web.Response(text=body, status=status, content_type="text/html", charset="utf-8", headers=HEADERS)


def _refuse(reason: str) -> web.Response:
    status, title, detail, english = REFUSED.get(reason, REFUSED["invalid"])
    return _html("dashboard_message.html.j2", status, title=title, detail=detail, english=english, hint=NEW_LINK)


def auth_from_settings(settings: Settings) -> DashboardAuth | None:
    if not settings.dashboard_enabled:
        return None
    return DashboardAuth.create(settings.public_url, settings.dashboard_secret.get_secret_value(),
                                settings.dashboard_session_hours)


class Dashboard:
    def __init__(self, service: Service, auth: DashboardAuth) -> None:
        self.service = service
        self.auth = auth
        self.https = auth.base_url.lower().startswith("https://")
        self.public_host = urlsplit(auth.base_url).netloc.lower()  # a proxy may rewrite Host

    def now(self):
        return self.service.deps.clock()

    @property
    def db(self):
        return self.service.deps.db

    def routes(self) -> list[web.RouteDef]:
        return [web.get(LOGIN_PATH, self.login_page), web.post(LOGIN_PATH, self.login),
                web.get("/dashboard", self.page), web.post("/dashboard/logout", self.logout),
                web.get("/dashboard/dashboard.css", self.css)]

    async def css(self, request: web.Request) -> web.FileResponse:
        return web.FileResponse(CSS, headers={"Content-Type": "text/css; charset=utf-8",
                                              "Cache-Control": "public, max-age=3600"})

    async def login_page(self, request: web.Request) -> web.Response:
        token = request.query.get("t", "")
        if not self.auth.genuine(token):
            return _refuse("invalid")
        state = await dashboard_repo.link_state(self.db, token, self.now())
        if state != "usable":
            return _refuse(state)
        return _html("dashboard_login.html.j2", token=token, path=LOGIN_PATH)

    def _same_site(self, request: web.Request) -> bool:
        origin = request.headers.get("Origin")
        if origin is None or origin == "null":
            return request.headers.get("Sec-Fetch-Site", "same-origin") in ("same-origin", "none")
        try:
            return urlsplit(origin).netloc.lower() in (request.host.lower(), self.public_host)
        except ValueError:
            return False

    async def login(self, request: web.Request) -> web.Response:
        if not self._same_site(request):
            return _refuse("origin")
        form = await request.post()
        token = str(form.get("t", ""))
        if not self.auth.genuine(token):
            return _refuse("invalid")
        now = self.now()
        official_id = await dashboard_repo.use_link(self.db, token, now)
        if official_id is None:
            return _refuse(await dashboard_repo.link_state(self.db, token, now))
        if await dashboard_repo.linked_official(self.db, official_id) is None:
            return _refuse("session")
        value, expires = self.auth.session(official_id, now)
        response = web.HTTPSeeOther("/dashboard", headers=HEADERS)
        response.set_cookie(COOKIE, value, max_age=int((expires - now).total_seconds()), path="/dashboard",
                            httponly=True, samesite="Strict", secure=self.https or request.secure)
        raise response

    async def page(self, request: web.Request) -> web.Response:
        now = self.now()
        official_id = self.auth.session_official(request.cookies.get(COOKIE), now)
        official = await dashboard_repo.linked_official(self.db, official_id) if official_id is not None else None
        if official is None:
            return _refuse("session")
        tz = self.service.deps.calendar.tz
        current = Month.of(now, tz)
        month = Month.parse(request.query.get("thang", "")[:16]) or current
        notice = ""
        if month > current or month not in months_offered(current):
            month, notice = current, "Tháng đã chọn không có trong danh sách: đang hiện tháng này."
        context = await dashboard_page(self.db, official, month, now=now, tz=tz)
        return _html("dashboard.html.j2", notice=notice, **context)

    async def logout(self, request: web.Request) -> web.Response:
        if not self._same_site(request):
            return _refuse("origin")
        response = _html("dashboard_message.html.j2", title="Đã đăng xuất", detail="Phiên làm việc đã kết thúc.",
                         english="Signed out", hint=NEW_LINK)
        response.del_cookie(COOKIE, path="/dashboard")
        return response


def setup_dashboard(app: web.Application, service: Service) -> None:
    """Mount ``/dashboard`` when ``MOTCUA_PUBLIC_URL`` and ``MOTCUA_DASHBOARD_SECRET`` are set, and hand
    the core the key it offers links with (``Deps.dashboard``). Unset: no routes, no links."""
    auth = service.deps.dashboard or auth_from_settings(service.settings)
    if auth is None:
        return
    service.deps.dashboard = auth
    app[AUTH] = auth
    app.router.add_routes(Dashboard(service, auth).routes())
