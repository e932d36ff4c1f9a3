"""What is not a procedure question: small talk ("cảm ơn nhé", "bye", "ko", "bạn là ai"), and
subjects another body answers (courts, banks, telecoms, utilities, health, foreign visas, general
knowledge), each with where to go instead. Vocabulary in ``knowledge/data/scope.toml``.

Small talk is recognised on chat spelling made standard first (``[chat_spelling]``: "khum" →
"không", "dc" → "được", "z" → "vậy", regional "rứa" → "vậy"), emoji and emoticons read as words
(``[chat_symbols]``: "ok 👍" → "ok ok", "cảm ơn :)" → a laugh), so that the phrase lists need only standard
spellings and hold for writers other than the ones they were written from."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from knowledge.query import PhraseTable, recall
from knowledge.text import _WORD, canon, clean, fold, words  # (_WORD: on the text as typed, for capitals)

DATA = Path(__file__).with_name("data") / "scope.toml"
# In order of precedence when a message says two ("ok cảm ơn" thanks, "chào nhé, mai hỏi tiếp"
# says goodbye, "bạn có phải ChatGPT không" asks who).
SMALL_TALK = ("insult", "who", "help", "thank", "goodbye", "deny", "affirm", "greet")
_FILLER = "~filler"
_LAUGH = "~laugh"  # a filler that, alone, acknowledges ("hihi", ":)", "😊"): affirm
_WISH = "~wish"  # a well-wish: goodbye, but a greeting in a message that greets ("chào bạn, chúc …")
_STRETCHED = re.compile(r"([^\W\d_])\1{2,}")  # a letter typed three times or more, for emphasis
_DOUBLED = re.compile(r"([^\W\d_])\1")  # … or twice ("okk", "nhaa", "byee")
_EMOJI_MARKS = re.compile("[\ufe0e\ufe0f\u200d\U0001f3fb-\U0001f3ff]")  # variation selectors, skin tones, joiners
_LAUGHING = re.compile(r"k{2,}|(?:h[aeioà-ỹ]){2,}h?")  # "kkk", "hahaha", "hihihi", "hehe"
_ASK = "~ask"  # a question word: the message asks something
# A final "không" after these is the yes/no question particle ("được không", "có online không"),
# not a no; after them it stays a no ("dạ không", "thôi không ạ").
_NO_AFTER = frozenset({"dạ", "vâng", "ừ", "ừm", "ờ", "uh", "thôi", "à", "ơ", "không", "chưa"})
_YES_NO = frozenset({"có", "được", "phải", "đúng", "ok", "ổn", "rồi", "hiểu", "rõ"})  # "… không" asks, not answers
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
    spelling: dict[str, list[str]]  # chat spelling (canon) -> standard words
    symbols: re.Pattern  # the emoji and emoticons of ``[chat_symbols]``
    symbol_words: dict[str, str]
    known: frozenset[str]  # every word (recall form) of a small-talk phrase or filler
    fillers: frozenset[str]  # the fillers, in standard spelling
    kin: frozenset[str]  # kin terms and forms of address a name may follow ("chị Lan", "anh Tuấn")


def _standard(typed: list[str], spelling: dict[str, list[str]]) -> list[str]:
    return [s for w in typed for s in spelling.get(w, [w])]


@cache
def _vocabulary() -> _Vocabulary:
    data = tomllib.loads(DATA.read_text("utf-8"))
    spelling = {canon(k): words(v) for k, v in data["chat_spelling"].items()}
    talk = PhraseTable()

    def add(phrase: str, value: str) -> None:  # phrases are kept in standard spelling too ("dc" is "được")
        talk.add(" ".join(_standard(words(phrase), spelling)), value)

    small = data["small_talk"]
    for kind in SMALL_TALK:
        for phrase in small[kind]:
            add(phrase, kind)
    for phrase in small["wishes"]:
        add(phrase, _WISH)
    for phrase in small["asks"]:
        add(phrase, _ASK)
    for phrase in small["laughs"]:
        add(phrase, _LAUGH)
    for phrase in small["fillers"]:
        add(phrase, _FILLER)
    symbol_words = {_EMOJI_MARKS.sub("", k): v for k, v in data["chat_symbols"].items()}
    # Longest first; an emoticon's last character may be repeated (":)))", "=))", "👍👍").
    symbols = re.compile("|".join(re.escape(s[:-1]) + re.escape(s[-1]) + "+"
                                  for s in sorted(symbol_words, key=len, reverse=True)))
    outside = PhraseTable()
    for phrase in data["not_outside"]["words"]:
        outside.add(phrase, _NOT)
    for topic, entry in data["outside"].items():
        for phrase in entry["cues"]:
            outside.add(phrase, topic)
    return _Vocabulary(talk, outside, data["outside"], spelling, symbols, symbol_words, talk.words(),
                       frozenset(w for f in small["fillers"] for w in _standard(words(f), spelling)),
                       frozenset(" ".join(words(k)) for k in small["kin"]))


def _normal(word: str, v: _Vocabulary) -> list[str]:
    """One typed word (canon form) in standard spelling: "cảm ơnnn" → "cảm ơn", "khum" → "không",
    "okk" → "ok" (a doubled letter only when that makes a word we know), "kkkk" → a laugh."""
    if _LAUGHING.fullmatch(word):  # before the stretched letters: "kkk" is a laugh, not "k" (không)
        return ["hihi"]
    word = _STRETCHED.sub(r"\1", word)
    if word in v.spelling:
        return v.spelling[word]
    if recall(word) not in v.known and (short := _DOUBLED.sub(r"\1", word)) != word:
        if short in v.spelling:
            return v.spelling[short]
        if recall(short) in v.known:
            return [short]
    return [word]


def _matches(seq: list[str], v: _Vocabulary) -> list:
    """The phrases and fillers of ``seq``, as ``PhraseTable.matches``; when some words are left
    over, tried again without the fillers found on their own, which may stand inside a phrase
    ("có ai đang trực không" is "có ai trực không", "cảm ơn anh đã hỗ trợ" "cảm ơn đã hỗ trợ")."""
    matches = v.talk.matches(seq)
    if sum(e - s for s, e, _ in matches) == len(seq):
        return matches
    # fillers matched on their own ("em", "ạ", "đang"), not inside a phrase ("cảm ơn vì đã giúp")
    alone = {s for s, e, values in matches if e - s == 1 and values == [_FILLER]}
    pure = [j in alone for j in range(len(seq))]
    kept = [j for j in range(len(seq)) if not pure[j]]
    if len(kept) in (0, len(seq)):
        return matches
    again = [(kept[s], kept[e - 1] + 1, values) for s, e, values in v.talk.matches([seq[j] for j in kept])]
    again += [(j, j + 1, [_FILLER]) for j in range(len(seq)) if pure[j] and not any(s <= j < e for s, e, _ in again)]
    again.sort(key=lambda m: m[0])
    return again if sum(e - s for s, e, _ in again) > sum(e - s for s, e, _ in matches) else matches


def _question_particle(seq: list[str], matches: list, names: set[int], v: _Vocabulary) -> list | None:
    """``matches`` without the no of a final "không" that asks a question ("bạn là người thật
    không"); None when what is left is a yes/no question ("được không ạ", "có online không")."""
    said = [i for i, (_, _, values) in enumerate(matches) if values != [_FILLER]]
    if not said:
        return matches
    start, end, _ = matches[said[-1]]
    if seq[start] != "không" or not all(w in v.fillers for w in seq[start + 1:end]):  # "không", "không ạ"
        return matches
    padding = {j for s, e, values in matches if values == [_FILLER] for j in range(s, e)} | names
    before = [w for j, w in enumerate(seq[:start]) if j not in padding]  # said, or not understood
    if all(w in _NO_AFTER for w in before):
        return matches  # "không", "dạ không ạ", "thôi không"
    rest = matches[:said[-1]] + matches[said[-1] + 1:]
    if all(" ".join(seq[s:e]) in _YES_NO for s, e, _ in (matches[i] for i in said[:-1])):
        return None  # "có … không", "được không": a question
    return rest


def _symbol(typed: str, v: _Vocabulary) -> str:
    """The words an emoji or emoticon stands for, repeated or not (":)))" is ":)")."""
    while typed not in v.symbol_words and len(typed) > 1:
        typed = typed[:-1]
    return v.symbol_words.get(typed, "")


def _is_name(raw: str) -> bool:
    return len(raw) >= 2 and raw[0].isupper() and raw[1:].islower()


@lru_cache(maxsize=1024)  # asked by the router's detector, its handler and the decision
def small_talk(text: str, unknown: int = 0) -> str | None:
    """The kind of small talk a message is, when it is nothing else: every word belongs to a
    small-talk phrase or a filler. A message that also asks something ("cảm ơn, cho hỏi làm
    khai sinh cần gì") is not small talk. With two kinds, the first of ``SMALL_TALK`` wins.
    ``unknown``: words that may be outside them, in a message of three words or more (the
    decision allows one, once the search has found no procedure: "dạ em cảm ơn anh tuấn ạ").
    A capitalised word after a kin term is a name, not an unknown word ("cảm ơn chị Hoa")."""
    v = _vocabulary()
    typed_text = clean(text)
    if not _WORD.search(typed_text):
        # No word at all: "?", "👍", "🙂🙏". Whatever the symbols, the citizen has not said what
        # they want: the help says what to ask (tests/test_conversation.py expects help or none).
        return "help" if typed_text.strip(" .,-_~…") else None
    # Emoji and emoticons among words, as the words they stand for ("cảm ơn 🙏", "ok 👍", "hi 👋").
    typed_text = v.symbols.sub(lambda m: f" {_symbol(m.group(), v)} ", _EMOJI_MARKS.sub("", typed_text))
    tokens = list(_WORD.finditer(typed_text))
    if len(tokens) > 12:
        return None
    seq: list[str] = []  # the message's words in standard spelling
    origin: list[int] = []  # the token each comes from
    for i, m in enumerate(tokens):
        for w in _normal(canon(m.group()), v):
            seq.append(w)
            origin.append(i)
    matches = _matches(seq, v)
    covered = {j for start, end, _ in matches for j in range(start, end)}
    names: set[int] = set()
    for j in range(1, len(seq)):  # names, of one or two words: "chị Lan", "anh Văn Tuấn"
        if j in covered or origin[j] == origin[j - 1]:
            continue
        raw, before = tokens[origin[j]], tokens[origin[j - 1]]
        after_kin = (seq[j - 1] in v.kin or " ".join(seq[max(0, j - 2):j]) in v.kin
                     or (j - 1 in names and j - 2 not in names))  # a name's second word
        # in the same clause: "cảm ơn anh. Khai sinh …" starts a question, not a name
        if _is_name(raw.group()) and typed_text[before.end():raw.start()].isspace() and after_kin:
            names.add(j)
    covered |= names
    if len(covered) < len(seq) - (unknown if len(seq) >= 3 else 0):
        return None
    if any(_ASK in values for _, _, values in matches):
        return None
    matches = _question_particle(seq, matches, names, v)
    if matches is None:
        return None
    kinds = {k for _, _, values in matches for k in values}
    if _WISH in kinds:
        kinds.add("greet" if "greet" in kinds and "goodbye" not in kinds else "goodbye")
    if _LAUGH in kinds and not kinds & set(SMALL_TALK):
        kinds.add("affirm")  # "hihi", ":)" alone: an acknowledgement
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
