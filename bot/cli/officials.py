"""``motcua officials invite|list|revoke``: who receives reminders, and the one-time codes that link
their Telegram or Zalo chat (``/lienket CODE``)."""

from __future__ import annotations

import sys

import click

from bot.cli.calendar import load_calendar
from bot.cli.common import open_database, run
from knowledge.agency import covers, normalise, well_formed

KNOWN_SHOWN = 12  # agency codes listed when one is refused


async def known_agencies(db, calendar) -> tuple[list[str], list[str]]:
    """The agency codes the deployment knows: those that received a dossier (imported, ingested,
    from the backend, demo), and those of officials and of the calendar files' office hours."""
    from db.officials_repo import list_officials
    from db.scoped_dossiers import agency_codes

    named = {row.official.agency_code for row in await list_officials(db)}
    named |= {code for layer in calendar.layers for code in layer.agency_hours}
    return await agency_codes(db), sorted(named)


def is_known(agency: str, dossier_agencies: list[str], named: list[str]) -> bool:
    """Known when it is named, or covers an agency that received a dossier (a province-wide scope
    such as 000.00.00.H26 names no dossier itself)."""
    return agency in named or any(covers(agency, code) for code in dossier_agencies)


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
@click.option("--new-agency", is_flag=True,
              help="Cơ quan chưa có hồ sơ nào trong dữ liệu / an agency no dossier names yet (else refused as a likely typo).")
def invite_command(agency: str | None, name: str | None, role: str | None, official_id: int | None,
                   new_agency: bool) -> None:
    """Tạo mã liên kết dùng một lần (72 giờ) / create a one-time link code (72 h).

    The code is printed alone on the last line. The official sends "/lienket CODE" to the bot on
    Telegram or Zalo. Inviting the same name (accents included) at the same agency again gives that
    official another code (to link a second chat), and says so.

    The agency must be one the deployment knows — it received a dossier or covers agencies that did,
    or an official or the calendar file's office hours name it — so that a typo does not make an
    official who is never reminded of anything; --new-agency for one whose dossiers are still to come.
    """
    from db.officials_repo import INVITE_TTL, create_invite
    from knowledge.calendar import to_local

    if official_id is None:
        if not agency or not well_formed(agency):
            raise click.BadParameter("mã cơ quan dạng 000.00.22.H26 / an agency code such as 000.00.22.H26",
                                     param_hint="--agency")
        if not name or not name.strip():
            raise click.BadParameter("cần họ tên / a name is required", param_hint="--name")
    calendar = load_calendar(None)

    async def go():
        async with open_database() as db:
            if official_id is None and not new_agency:
                dossier_agencies, named = await known_agencies(db, calendar)
                if not is_known(normalise(agency or ""), dossier_agencies, named):
                    raise LookupError(_unknown(normalise(agency or ""), sorted({*dossier_agencies, *named})))
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


def _unknown(agency: str, known: list[str]) -> str:
    shown = ", ".join(known[:KNOWN_SHOWN]) + (f", … (+{len(known) - KNOWN_SHOWN})" if len(known) > KNOWN_SHOWN else "")
    return (f"không biết cơ quan {agency}: chưa có hồ sơ, cán bộ hay tệp lịch nào nhắc đến mã này (gõ nhầm?). "
            f"Các mã đã biết: {shown or 'chưa có'}. Nếu là cơ quan chưa có hồ sơ, thêm --new-agency.\n"
            f"unknown agency {agency}: no dossier, official or calendar file names it (a typo?). "
            f"Known: {shown or 'none yet'}. For an agency with no dossiers yet, add --new-agency.")


@officials_group.command("list")
def list_command() -> None:
    """Danh sách cán bộ, kênh đã liên kết, mã chờ dùng / officials, linked chats, pending codes."""
    from db.officials_repo import list_officials

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
    from db.officials_repo import revoke_official

    async def go():
        async with open_database() as db:
            return await revoke_official(db, official_id)

    if not run(go()):
        click.echo(f"Không có cán bộ #{official_id} đang hoạt động. / No active official #{official_id}.", err=True)
        sys.exit(1)
    click.echo(f"Đã thu hồi cán bộ #{official_id}: các kênh đã bỏ liên kết. / Official #{official_id} revoked.")
