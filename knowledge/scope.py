"""What is not a procedure question: small talk ("cảm ơn nhé", "bye", "ko", "bạn là ai"), and
subjects another body answers (courts, banks, telecoms, utilities, health, foreign visas, general
knowledge), each with where to go instead. Vocabulary in ``knowledge/data/scope.toml``."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from knowledge.query import PhraseTable
from knowledge.text import fold, words

DATA = Path(__file__).with_name("data") / "scope.toml"
# In order of precedence when a message says two ("ok cảm ơn" thanks, "chào nhé, mai hỏi tiếp"
# says goodbye, "bạn có phải ChatGPT không" asks who).
SMALL_TALK = ("insult", "who", "help", "thank", "goodbye", "deny", "affirm", "greet")
_FILLER = "~filler"
_STRETCHED = re.compile(r"([^\W\d_])\1{2,}")  # a letter typed three times or more, for emphasis
_NOT = "~not"


@dataclass(frozen=True)
class Outside:
    """A subject outside the catalogue, and where to go instead."""

    topic: str
    pointer: str
    pointer_en: str
    related: tuple[str, ...]  # words of a catalogue procedure name worth naming as related
    cue: str  # the cue found in the message, as typed


@dataclass(frozen=True)
class _Vocabulary:
    talk: PhraseTable
    outside: PhraseTable
    topics: dict[str, dict]


@cache
def _vocabulary() -> _Vocabulary:
    data = tomllib.loads(DATA.read_text("utf-8"))
    talk = PhraseTable()
    for kind in SMALL_TALK:
        for phrase in data["small_talk"][kind]:
            talk.add(phrase, kind)
    for phrase in data["small_talk"]["fillers"]:
        talk.add(phrase, _FILLER)
    outside = PhraseTable()
    for phrase in data["not_outside"]["words"]:
        outside.add(phrase, _NOT)
    for topic, entry in data["outside"].items():
        for phrase in entry["cues"]:
            outside.add(phrase, topic)
    return _Vocabulary(talk, outside, data["outside"])


@lru_cache(maxsize=1024)  # asked by the router's detector, its handler and the decision
def small_talk(text: str, unknown: int = 0) -> str | None:
    """The kind of small talk a message is, when it is nothing else: every word belongs to a
    small-talk phrase or a filler. A message that also asks something ("cảm ơn, cho hỏi làm
    khai sinh cần gì") is not small talk. With two kinds, the first of ``SMALL_TALK`` wins.
    ``unknown``: words that may be outside them, in a message of three words or more (the
    decision allows one, once the search has found no procedure: "dạ em cảm ơn anh Tuấn ạ")."""
    typed = [_STRETCHED.sub(r"\1", w) for w in words(text)]  # "cảm ơnnn", "helloooo"
    if not typed or len(typed) > 12:
        return None
    matches = _vocabulary().talk.matches(typed)
    if sum(end - start for start, end, _ in matches) < len(typed) - (unknown if len(typed) >= 3 else 0):
        return None
    kinds = {k for _, _, values in matches for k in values}
    return next((k for k in SMALL_TALK if k in kinds), None)


def outside(text: str) -> Outside | None:
    """The first subject outside the catalogue the message names, if any."""
    vocabulary = _vocabulary()
    typed = words(text)
    for start, end, values in vocabulary.outside.matches(typed):
        topics = [v for v in values if v != _NOT]
        if topics and _NOT not in values:
            entry = vocabulary.topics[topics[0]]
            return Outside(topics[0], entry["pointer"], entry["pointer_en"], tuple(entry.get("related", ())),
                           " ".join(typed[start:end]))
    return None


def names_cue(name: str, cue: str) -> bool:
    """Whether a procedure's name itself uses the cue ("Hỗ trợ vay vốn…" for "vay vốn"): then the
    catalogue does answer it."""
    return f" {fold(cue)} " in f" {' '.join(fold(w) for w in words(name))} "
