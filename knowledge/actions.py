"""Action facets: what a procedure does to its paper (issue, re-issue, exchange, extend, change,
end, suspend), read from its official name, and what the citizen's situation asks for ("bị mất",
"hết hạn", "lần đầu", "ghi sai"), read from the message. Siblings that share every other word
("Cấp …" / "Cấp lại …" / "Cấp đổi …") are told apart by comparing the two.

The cues are vocabulary in ``knowledge/data/actions.toml``, not entries per procedure.
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

from knowledge.query import PhraseTable
from knowledge.text import words

DATA = Path(__file__).with_name("data") / "actions.toml"
NOT_AN_ACTION = "-"
LEAD = 2  # an official name says what it does first ("Cấp lại …", "Thủ tục đăng ký …")
_JOINS = {"và", "hoặc", "va", "hoac"}


@cache
def _tables() -> tuple[PhraseTable, PhraseTable]:
    data = tomllib.loads(DATA.read_text("utf-8"))
    tables = []
    for part in ("names", "questions"):
        table = PhraseTable()
        for action, phrases in data[part].items():
            for phrase in phrases:
                table.add(phrase, action)
        tables.append(table)
    return tables[0], tables[1]


def name_actions(name: str) -> frozenset[str]:
    """The actions an official name opens with: its first action phrase and those joined to it
    ("Cấp, cấp lại Phù hiệu…" → new and reissue; "Đăng ký thay đổi …" is a change, the longest
    phrase winning). Later words are the object ("Cấp lại giấy chứng nhận đăng ký tàu cá" is a
    re-issue, not a registration)."""
    typed = words(name)
    if typed[:2] and [w.lower() for w in typed[:2]] == ["thủ", "tục"]:
        typed = typed[2:]
    found: set[str] = set()
    end = None
    for start, stop, values in _tables()[0].matches(typed):
        if end is None and start > LEAD:
            break
        if end is not None and any(w.lower() not in _JOINS for w in typed[end:start]):
            break
        found.update(values)
        end = stop
    found.discard(NOT_AN_ACTION)
    return frozenset(found)


def question_actions(text: str) -> frozenset[str]:
    """What the citizen's situation asks for ("bị mất" → reissue, "hết hạn" → exchange or extend)."""
    found = {v for _, _, values in _tables()[1].matches(words(text)) for v in values}
    found.discard(NOT_AN_ACTION)
    return frozenset(found)
