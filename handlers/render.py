"""Jinja2 rendering of replies in two dialects from the same templates.

- ``html``: Telegram's HTML parse mode (and the web chat): autoescaped, so every string that comes
  from a user or from the catalogue is escaped; only ``b()``, ``i()`` and ``link()`` make tags.
- ``plain``: Zalo and the console: no markup at all.
"""

from __future__ import annotations

import html
import re
from datetime import date, datetime
from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup, escape

from handlers.types import Dialect, Reply
from knowledge.catalogue.fees import money

_TAG = re.compile(r"<[^>]+>")
TEMPLATES = Path(__file__).with_name("templates")


def _money(amount: int | None) -> str:
    """1500000 → "1.500.000 đồng" (Vietnamese thousands separator)."""
    return "" if amount is None else money(amount)


def _ddmmyyyy(value: date | datetime | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def _qty(value: float | int | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else str(value).replace(".", ",")


@cache
def _environment(dialect: Dialect) -> Environment:
    html = dialect == "html"
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=html,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        auto_reload=False,  # the templates ship with the code: no stat() of the file per message
    )
    if html:
        env.globals.update(
            b=lambda s: Markup("<b>%s</b>") % s,
            i=lambda s: Markup("<i>%s</i>") % s,
            link=lambda url, title=None: Markup('<a href="%s">%s</a>') % (url, title or url),
        )
    else:
        env.globals.update(b=str, i=str, link=lambda url, title=None: f"{title}: {url}" if title else url)
    env.globals["dialect"] = dialect
    env.filters.update(money=_money, ddmmyyyy=_ddmmyyyy, qty=_qty)
    return env


def render_reply(reply: Reply, dialect: Dialect) -> str:
    if reply.rendered:
        if dialect in reply.rendered:
            return reply.rendered[dialect]
        if "html" in reply.rendered:  # html → plain: the tags the templates make, and the escapes
            return html.unescape(_TAG.sub("", reply.rendered["html"]))
        return str(escape(next(iter(reply.rendered.values()))))
    if reply.template is None:
        text = reply.text or ""
        return str(escape(text)) if dialect == "html" else text
    # English replies use the English twin (templates/en/); a template without one stays Vietnamese.
    names = [f"en/{reply.template}.j2"] if reply.lang == "en" else []
    template = _environment(dialect).select_template([*names, f"{reply.template}.j2"])
    text = template.render(**reply.context)
    # Templates stay readable with blank lines; messages should not carry runs of them.
    lines = [line.rstrip() for line in text.strip().splitlines()]
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out)
