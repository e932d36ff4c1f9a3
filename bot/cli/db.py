from __future__ import annotations

import click

from bot.cli.common import open_database, run


@click.group("db")
def db_group() -> None:
    """Database schema / Cơ sở dữ liệu."""


@db_group.command("upgrade")
def upgrade() -> None:
    """Create or migrate the schema of MOTCUA_DATABASE_URL to the newest revision."""

    async def go() -> None:
        async with open_database():
            pass

    run(go())
    click.echo("schema up to date")
