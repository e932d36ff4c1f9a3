from __future__ import annotations

import click

from bot.cli.common import run


@click.group("db")
def db_group() -> None:
    """Database schema / Cơ sở dữ liệu."""


@db_group.command("upgrade")
def upgrade() -> None:
    """Create or migrate the schema of MOTCUA_DATABASE_URL to the newest revision."""
    from bot.config import get_settings
    from db.engine import Database
    from db.migrate import revisions

    async def go() -> tuple[tuple[str, ...], tuple[str, ...]]:
        db = Database(get_settings().resolved_database_url)
        try:
            before = await revisions(db.engine)
            await db.migrate()
            return before, await revisions(db.engine)
        finally:
            await db.dispose()

    before, after = run(go())
    newest = ", ".join(after)
    if not before:  # what `dev.py run` prints on a fresh clone: the schema did not exist
        click.echo(f"đã tạo cơ sở dữ liệu / schema created ({newest})")
    elif set(before) != set(after):
        click.echo(f"đã nâng cấp cơ sở dữ liệu / schema migrated: {', '.join(before)} → {newest}")
    else:
        click.echo(f"cơ sở dữ liệu đã mới nhất / schema up to date ({newest})")
