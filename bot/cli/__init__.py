"""The ``motcua`` command line. Each command group lives in its own module and is added here."""

from __future__ import annotations

import logging

import click

from bot.cli.ask import ask
from bot.cli.calendar import calendar_group, deadline
from bot.cli.chat import chat
from bot.cli.catalogue import catalogue_group
from bot.cli.db import db_group
from bot.cli.dossiers import dossiers_group
from bot.cli.officials import officials_group
from bot.cli.reminders import reminders_group
from bot.cli.run import run_service
from bot.cli.search import search


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", is_flag=True, help="Log more (never secrets).")
def main(verbose: bool) -> None:
    """motcua — trợ lý thủ tục hành chính một cửa / one-stop administrative procedures bot."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # The HTTP client under python-telegram-bot logs every request URL at INFO, and the Bot API's
    # URLs carry the bot token: never at INFO, whatever -v says.
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.WARNING)


main.add_command(db_group)
main.add_command(catalogue_group)
main.add_command(calendar_group)
main.add_command(deadline)
main.add_command(run_service)
main.add_command(search)
main.add_command(ask)
main.add_command(chat)
main.add_command(dossiers_group)
main.add_command(officials_group)
main.add_command(reminders_group)
