"""The procedures citizens deal with most, and the everyday names they use for them.

``knowledge/data/common_procedures.txt`` is curated by hand and extended by officials: one line per
procedure, ``<national code> = <name>, <name>, ...``, ``#`` starting a comment. The search treats
the listed codes as common (a small ranking prior) and indexes the names as an extra field, so that
"sang tên sổ đỏ" or "rút bảo hiểm một lần" reach the official procedure.

The loader is strict on purpose: a file edited by hand fails loudly, naming the line, rather than
silently indexing a typo'd code or a name shared by two procedures (which would rank neither).
"""

from __future__ import annotations

import re
from pathlib import Path

from knowledge.text import clean, fold, words

COMMON_PATH = Path(__file__).with_name("data") / "common_procedures.txt"

MIN_SYLLABLES = 2  # one word ("visa", "đất") names no single procedure
MAX_SYLLABLES = 12  # longer is a sentence or a copied official name, not an everyday name

_CODE = re.compile(r"\d\.\d{6}")
# What a name typed by a citizen is made of: letters, digits, spaces and a little punctuation
# ("thuế bán nhà 2%", "TNHH 1/2 thành viên"). Markup, emoji or quotes are an editing accident.
_NOT_IN_NAME = re.compile(r"[^\w\s%./'()+&-]|_")


class CommonProceduresError(ValueError):
    """A malformed line in the common-procedures file (the message names the line)."""


def _name_key(name: str) -> str:
    """Names compared as the search compares them: case, accents and punctuation ignored."""
    return " ".join(fold(w) for w in words(name))


def _lines(path: Path) -> list[str]:
    """The file's lines, decoded one by one so that bad bytes are reported with their line."""
    lines = []
    for lineno, raw in enumerate(path.read_bytes().splitlines(), 1):
        try:
            lines.append(raw.decode("utf-8"))
        except UnicodeDecodeError as exc:
            raise CommonProceduresError(f"{path.name} line {lineno}: not valid UTF-8 ({exc.reason})") from None
    if lines:
        lines[0] = lines[0].removeprefix("\ufeff")
    return lines


def load_common(path: Path = COMMON_PATH) -> dict[str, tuple[str, ...]]:
    """Code -> its everyday names (NFC, in file order).

    Raises ``CommonProceduresError`` (a ``ValueError``) naming the line when a line is not
    ``code = name, ...``, a code is not like ``1.001193`` or is listed twice, a name is empty, has a
    character other than letters, digits, spaces and ``%./'()+&-``, has fewer than 2 or more than 12
    syllables, or is listed twice (under one code or two)."""
    path = Path(path)
    common: dict[str, tuple[str, ...]] = {}
    code_line: dict[str, int] = {}
    name_owner: dict[str, tuple[str, int]] = {}  # name key -> (code, line)

    for lineno, raw in enumerate(_lines(path), 1):
        line = clean(raw.split("#", 1)[0])
        if not line:
            continue

        def fail(problem: str) -> CommonProceduresError:
            return CommonProceduresError(f"{path.name} line {lineno}: {problem}: {raw.strip()!r}")

        if "=" not in line:
            raise fail("expected 'code = name, name, ...'")
        code, _, names_text = (part.strip() for part in line.partition("="))
        if not _CODE.fullmatch(code):
            raise fail(f"{code!r} is not a national procedure code like 1.001193")
        if code in code_line:
            raise fail(f"code {code} is already listed on line {code_line[code]}")
        if "=" in names_text:
            raise fail("more than one '=' (names are separated by commas)")

        names: list[str] = []
        for part in names_text.split(","):
            name = clean(part)
            if not name:
                raise fail("an empty name (a doubled or trailing comma, or no names at all)")
            if bad := _NOT_IN_NAME.search(name):
                raise fail(f"name {name!r} has a character not allowed in a name: {bad.group()!r}")
            count = len(words(name))
            if not MIN_SYLLABLES <= count <= MAX_SYLLABLES:
                raise fail(f"name {name!r} has {count} syllables (allowed {MIN_SYLLABLES} to {MAX_SYLLABLES})")
            key = _name_key(name)
            if key in name_owner:
                other, other_line = name_owner[key]
                where = "earlier on this line" if other_line == lineno else f"under {other} on line {other_line}"
                raise fail(f"name {name!r} is already listed {where}")
            name_owner[key] = (code, lineno)
            names.append(name)

        code_line[code] = lineno
        common[code] = tuple(names)
    return common
