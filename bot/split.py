"""Split a long message into parts a platform accepts (Telegram 4,096, Zalo 2,000 characters)."""

from __future__ import annotations

import re

_OPEN_MARKUP = re.compile(r"<[^>]*$|&[#\w]*$")  # a tag or an entity cut in two


def split_text(text: str, limit: int, *, html: bool = False) -> list[str]:
    """Parts of at most ``limit`` characters, cut at line ends; a line longer than the limit is cut
    at a space (never inside an HTML tag or entity when ``html``). Never returns an empty list."""
    if len(text) <= limit:
        return [text]
    parts: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:
            if current:
                parts.append(current)
                current = ""
            head = _cut(line, limit, html)
            parts.append(head.rstrip())
            line = line[len(head):].lstrip(" ")
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) <= limit:
            current = candidate
        else:
            parts.append(current)
            current = line
    if current or not parts:
        parts.append(current)
    return [p for p in parts if p.strip()] or [text[:limit]]


# Where a long line reads best cut: after a list item or a sentence ("…; b) …", "…. Trường hợp…").
_BOUNDARY = re.compile(r"[;.:]\s")


def _cut(line: str, limit: int, html: bool) -> str:
    head = line[:limit]
    ends = [m.end() for m in _BOUNDARY.finditer(head)]
    space = head.rfind(" ")
    if ends and ends[-1] > limit * 2 // 3:
        head = head[: ends[-1]]
    elif space > limit // 2:
        head = head[: space + 1]
    if html and (open_markup := _OPEN_MARKUP.search(head)):
        head = head[: open_markup.start()] or head
    return head
