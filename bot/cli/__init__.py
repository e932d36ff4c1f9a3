"""The ``motcua`` command line. Each command group lives in its own module, imported only when that
command runs (or its own --help is asked for): click's "lazily loading subcommands" pattern.

Why: importing every command module up front pulled in SQLAlchemy, numpy and the search index,
python-telegram-bot, aiohttp, jinja2 and pydantic-settings before anything was done — ~1 s for
``motcua --help`` (20x a bare ``import click``; bench/cli_start.py). The one-line summaries the
top-level --help lists are kept here, beside the module paths, so listing them imports nothing;
tests/test_cli_start.py checks that they are the commands' own.
"""

from __future__ import annotations

import importlib
import logging

import click

# name → ("module:attribute", the command's one-line summary as its --help shows it)
COMMANDS: dict[str, tuple[str, str]] = {
    "ask": ("bot.cli.ask:ask", "Preview the bot's answers / Xem trước câu trả lời của trợ lý."),
    "calendar": ("bot.cli.calendar:calendar_group", "Lịch làm việc / Working-day calendar."),
    "catalogue": ("bot.cli.catalogue:catalogue_group", "Danh mục thủ tục hành chính / The procedure catalogue."),
    "chat": ("bot.cli.chat:chat", "Chat with the bot in the terminal / Trò chuyện với trợ lý ngay trên dòng lệnh."),
    "db": ("bot.cli.db:db_group", "Database schema / Cơ sở dữ liệu."),
    "deadline": ("bot.cli.calendar:deadline",
                 "Hạn giải quyết hồ sơ / the due date of a dossier, with the reason in Vietnamese."),
    "dossiers": ("bot.cli.dossiers:dossiers_group", "Hồ sơ: nhập và dữ liệu mẫu / Dossiers: import and demo data."),
    "feedback": ("bot.cli.feedback:feedback_group", "Phản ánh, kiến nghị của người dân / citizens' feedback (PAKN)."),
    "officials": ("bot.cli.officials:officials_group", "Cán bộ nhận nhắc việc / officials who receive reminders."),
    "report": ("bot.cli.report:report", "Báo cáo tháng kèm biểu đồ / the monthly report with charts (CSV, XLSX, PNG)."),
    "reminders": ("bot.cli.reminders:reminders_group",
                  "Nhắc việc cán bộ và thông báo công dân / reminders and notices."),
    "run": ("bot.cli.run:run_service", "Chạy dịch vụ: web chat, Telegram, Zalo / run the service (web chat, Telegram, Zalo)."),
    "search": ("bot.cli.search:search", "Find procedures for a question / Tìm thủ tục theo câu hỏi."),
}


class LazyGroup(click.Group):
    """A group whose subcommands are imported by name when resolved (click docs, "Lazily Loading
    Subcommands"); its own --help lists them from ``COMMANDS`` without importing any."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(COMMANDS))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            module, attribute = COMMANDS[cmd_name][0].split(":")
            self.add_command(getattr(importlib.import_module(module), attribute), cmd_name)
        return super().get_command(ctx, cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max(len(n) for n in names)
        rows = []
        for name in names:
            if name in self.commands:
                rows.append((name, self.commands[name].get_short_help_str(limit)))
            else:  # the same shortening click applies to a loaded command's help
                rows.append((name, click.Command(name, help=COMMANDS[name][1]).get_short_help_str(limit)))
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
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
