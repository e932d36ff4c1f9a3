"""``motcua officials invite|list|revoke``: who receives reminders, and the one-time codes that link
their Telegram or Zalo chat (``/lienket CODE``)."""

from __future__ import annotations

import re
import sys

import click

from bot.cli.calendar import load_calendar
from bot.cli.common import open_database, run
from db.officials_repo import INVITE_TTL, create_invite, list_officials, revoke_official
from knowledge.agency import normalise
from knowledge.calendar import to_local

_AGENCY = re.compile(r"^[A-Z0-9][A-Z0-9.]{0,47}$")


@click.group("officials")
def officials_group() -> None:
    """Cán bộ nhận nhắc việc / officials who receive reminders."""


@officials_group.command("invite")
@click.option("--agency", "agency", default=None, help="Mã cơ quan, ví dụ 000.00.22.H26 (phạm vi gồm cả đơn vị trực thuộc).")
@click.option("--name", "name", default=None, help="Họ tên cán bộ.")
@click.option("--role", type=click.Choice(["officer", "head"]), default=None,
              help="officer (mặc định) hoặc head (nhận thêm báo cáo hồ sơ quá hạn lâu).")
@click.option("--official", "official_id", type=int, default=None,
              help="Cấp thêm mã cho cán bộ đã có (liên kết thêm một kênh) / another code for official #ID.")
def invite_command(agency: str | None, name: str | None, role: str | None, official_id: int | None) -> None:
    """Tạo mã liên kết dùng một lần (72 giờ) / create a one-time link code (72 h).

    The code is printed alone on the last line. The official sends "/lienket CODE" to the bot on
    Telegram or Zalo. Inviting the same name (accents included) at the same agency again gives that
    official another code (to link a second chat), and says so.
    """
    if official_id is None:
        if not agency or not _AGENCY.match(normalise(agency)):
            raise click.BadParameter("mã cơ quan dạng 000.00.22.H26 / an agency code such as 000.00.22.H26",
                                     param_hint="--agency")
        if not name or not name.strip():
            raise click.BadParameter("cần họ tên / a name is required", param_hint="--name")
    calendar = load_calendar(None)

    async def go():
        async with open_database() as db:
            return await create_invite(db, agency_code=agency or "", name=name or "", role=role,
                                       official_id=official_id)

    try:
        invite = run(go())
    except (ValueError, LookupError) as exc:
        raise click.ClickException(str(exc)) from None
    o = invite.official
    expires = to_local(invite.expires_at, calendar.tz)
    hours = int(INVITE_TTL.total_seconds() // 3600)
    click.echo(f"Cán bộ #{o.id}: {o.name} — {o.agency_code} ({o.role}){' — mới' if invite.created else ''}")
    if not invite.created:
        click.echo(f"Lưu ý: cán bộ #{o.id} đã có từ trước; mã này liên kết THÊM một kênh cho chính cán bộ đó. Nếu là "
                   f"người khác, hãy mời với họ tên đầy đủ, phân biệt. / Note: official #{o.id} already exists: this "
                   f"code links one more chat to that same official (for another person, invite a distinct full name).")
    click.echo(f"Mã liên kết dùng một lần, hết hạn {expires:%H:%M %d/%m/%Y} ({hours} giờ). Cán bộ gửi "
               f"\"/lienket <mã>\" cho trợ lý trên Telegram hoặc Zalo.")
    click.echo(f"One-time link code, expires {expires:%Y-%m-%d %H:%M %z}: the official sends \"/lienket <code>\" to the bot.")
    click.echo(invite.code)


@officials_group.command("list")
def list_command() -> None:
    """Danh sách cán bộ, kênh đã liên kết, mã chờ dùng / officials, linked chats, pending codes."""

    async def go():
        async with open_database() as db:
            return await list_officials(db)

    rows = run(go())
    if not rows:
        click.echo("Chưa có cán bộ nào. / No officials yet: motcua officials invite --agency CODE --name NAME")
        return
    click.echo(f"{'id':>4}  {'agency':<16} {'role':<8} {'state':<8} {'pending':>7}  name — chats")
    for row in rows:
        o = row.official
        state = "revoked" if not o.active else "muted" if o.muted else "active"
        chats = ", ".join(f"{c.channel}:{c.chat_id}" for c in row.chats) or "—"
        click.echo(f"{o.id:>4}  {o.agency_code:<16} {o.role:<8} {state:<8} {row.pending_invites:>7}  {o.name} — {chats}")


@officials_group.command("revoke")
@click.argument("official_id", type=int)
def revoke_command(official_id: int) -> None:
    """Thu hồi: bỏ liên kết mọi kênh, vô hiệu mã / revoke: unlink every chat, void pending codes."""

    async def go():
        async with open_database() as db:
            return await revoke_official(db, official_id)

    if not run(go()):
        click.echo(f"Không có cán bộ #{official_id} đang hoạt động. / No active official #{official_id}.", err=True)
        sys.exit(1)
    click.echo(f"Đã thu hồi cán bộ #{official_id}: các kênh đã bỏ liên kết. / Official #{official_id} revoked.")
