"""Messages for fuzzing the conversation core, shared by ``tests/test_fuzz.py`` (driven by
hypothesis's ``st.randoms()``) and ``bench/fuzz_pipeline.py`` (a seeded ``random.Random``).

One generator, ``message(rng, vocabulary)``, makes the mix a public chat bot gets: citizens'
questions typed every way (accents dropped, typos, NFD from a Mac, emoji, pasted markup, text that
looks like SQL or a template, very long, empty), commands with odd arguments, random Unicode (lone
surrogates included: JSON's ``"\\ud800"`` arrives as one), and button payloads that look real but
are forged (real prefixes and codes, with digits of other scripts, huge numbers, extra colons).
"""

from __future__ import annotations

import logging
import random
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

# Written for these tests: how citizens ask (colloquial, short, with and without accents).
QUESTIONS = (
    "làm lại cccd bị mất cần gì",
    "đăng ký khai sinh cho con cần giấy tờ gì",
    "phí bao nhiêu?",
    "mất mấy ngày?",
    "nộp ở đâu?",
    "sang tên sổ đỏ hết bao nhiêu tiền",
    "đăng ký tạm trú cho người thuê trọ",
    "e muốn đổi bằng lái xe máy hết hạn thì làm sao ạ",
    "hồ sơ của tôi đến đâu rồi 000.00.22.H26-260302-0001",
    "xin chào",
    "cảm ơn nhé",
    "bạn là ai",
    "giấy xác nhận tình trạng hôn nhân để đi đăng ký kết hôn",
    "cho hỏi làm hộ chiếu lần đầu ở đâu",
    "kết hôn với người nước ngoài cần những gì",
    "1",
    "3",
    "không",
    "ok",
    "how do I register a birth",
)
EMOJI = ("😀", "🙏", "👍🏽", "🇻🇳", "👨‍👩‍👧‍👦", "❤️", "🤬", "\U0001fae0", "☺\ufe0e", "🏳️‍🌈")
MARKUP = (
    "<b>", "</b>", "<i>đậm</i>", "<script>alert(1)</script>", '<a href="javascript:alert(1)">x</a>',
    "<img src=x onerror=alert(2)>", "&amp;", "&lt;", "&#x1F600;", "&", "<", ">", "</", "<b", "*đậm*", "_nghiêng_",
    "`code`", "[link](http://x.invalid)", "{{ 7*7 }}", "{% for x in y %}", "${jndi:ldap://x.invalid/a}", "%s%n%x",
    "\\", '"', "'", "<!--", "]]>", "<br/>", "<tg-spoiler>", "||spoiler||",
)
SQL = (
    "'; DROP TABLE dossiers; --", "\" OR 1=1 --", "1' UNION SELECT * FROM officials --", "%' AND 1=1 --",
    "'); DELETE FROM inbox; --", "admin'--", "1;SELECT pg_sleep(5)", "\\'", "%_%",
)
CONTROL = ("\x00", "\x07", "\x1b[31m", "\r", "\t", "\x7f", "\x85", "\u2028", "\u202e", "\ufeff", "\u200b",
           "\u200d", "\u00ad", "\ufffd", "\ufffe", "\U0010ffff", "\u0301" * 20, "\ud800", "\udfff")
LONG = (1001, 4097, 20_000, 60_000)
SECTIONS = ("documents", "fee", "time", "place", "legal", "all", "", "x")
# Digits of other scripts: str.isdigit() is true for all of them, int() fails on the first kind.
ODD_DIGITS = "".join(c for c in map(chr, range(0x110000)) if c.isdigit() and not c.isdecimal())  # ², ①, ...
OTHER_DECIMALS = "".join(c for c in map(chr, range(0x80, 0x110000)) if c.isdecimal())  # ٣, １, 𝟗, ...
# ... and numbers no id reaches.
NUMBERS = ("0", "1", "2", "5", "-1", "007", "²", "٣", "１２", "𝟗", "Ⅻ", "1e9", "9" * 13, "9" * 40,
           str(2**63), str(2**64), "1.5", " 1", "")


@dataclass(frozen=True)
class Vocabulary:
    """What real messages are made of: questions to mutate, and the ids real payloads carry."""

    questions: tuple[str, ...]
    procedure_codes: tuple[str, ...]
    dossier_codes: tuple[str, ...]
    payload_prefixes: tuple[str, ...]  # the core's button payloads ("p", "s", "ap", ...)
    commands: tuple[str, ...]  # the core's slash commands ("tra_cuu", ...)
    # Real buttons' payloads, as the core showed them in a chat (``harvest``): (channel, chat id, payload).
    payloads: tuple[tuple[str, str, str], ...] = ()

    @property
    def probes(self) -> tuple[str, ...]:
        """Messages that reach each feature: questions, dossier codes, officials' commands."""
        codes = self.dossier_codes
        official = ("/tre_han", "/sap_den_han", "/sap_den_han 3 2", "/thong_ke", "/help", "/start",
                    *(f"/{c} {code}" for c in ("ho_so", "xin_loi", "nhac") for code in codes[:3]))
        citizen = (*codes, *(f"/theo_doi {code}" for code in codes[:2]), "/huy_theo_doi *", "/tra_cuu")
        return (*self.questions[: len(QUESTIONS)], *official, *citizen)


def vocabulary(index, *, dossier_codes: Iterable[str] = (), questions: Iterable[str] = ()) -> Vocabulary:
    """From the catalogue's search index and the core's router: nothing listed by hand here."""
    from handlers.intents import router  # every feature's, combined

    procedures = [index.get(code) for code in sorted(index.by_code)]
    return Vocabulary(
        questions=tuple(dict.fromkeys([*QUESTIONS, *questions, *(p.name for p in procedures)])),
        procedure_codes=tuple(p.code for p in procedures) or ("1.001193",),
        dossier_codes=tuple(dossier_codes) or ("000.00.22.H26-260302-0001",),
        payload_prefixes=tuple(sorted(router.payloads)),
        commands=tuple(sorted(router.commands)),
    )


async def harvest(deps, vocab: Vocabulary, chats: Iterable[tuple[str, str]]) -> Vocabulary:
    """The vocabulary with the payloads of the buttons the core shows in ``chats`` for the probe
    messages, and of the buttons behind those (what a forger starts from). A kind of button none
    of them showed (a procedure's cases: the bundled catalogue has none) gets the usual shapes,
    "prefix:number:code", "prefix:code", "prefix:number"."""
    from handlers import Incoming, handle

    chats = list(chats)
    found: dict[tuple[str, str, str], None] = {}
    for channel, chat_id in chats:
        shown = []
        for text in vocab.probes:
            replies = await handle(Incoming(channel, chat_id, text=text, user_id=chat_id), deps)
            shown += [b.payload for r in replies for b in r.buttons if b.payload]
        for payload in dict.fromkeys(shown):
            found[(channel, chat_id, payload)] = None
            replies = await handle(Incoming(channel, chat_id, payload=payload, user_id=chat_id), deps)
            found.update(((channel, chat_id, b.payload), None) for r in replies for b in r.buttons if b.payload)
    shown = {payload.split(":")[0] for _, _, payload in found}
    code = vocab.procedure_codes[0]
    for prefix in (p for p in vocab.payload_prefixes if p not in shown):
        for channel, chat_id in chats:
            found.update(((channel, chat_id, f"{prefix}:{shape}"), None) for shape in (f"1:{code}", code, "1"))
    return replace(vocab, payloads=tuple(found))


# --- mutations of a question --------------------------------------------------------------------
def no_diacritics(text: str, rng: random.Random) -> str:
    stripped = "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))
    return stripped.replace("đ", "d").replace("Đ", "D")


def typo(text: str, rng: random.Random) -> str:
    chars = list(text)
    for _ in range(rng.randint(1, 3)):
        if not chars:
            break
        i = rng.randrange(len(chars))
        edit = rng.randrange(4)
        if edit == 0:
            del chars[i]
        elif edit == 1 and i + 1 < len(chars):
            chars[i], chars[i + 1] = chars[i + 1], chars[i]
        elif edit == 2:
            chars.insert(i, chars[i])
        else:
            chars[i] = rng.choice("aăâeêioôơuưydđ ")
    return "".join(chars)


def nfd(text: str, rng: random.Random) -> str:
    return unicodedata.normalize(rng.choice(("NFD", "NFKD")), text)


def _insert(text: str, piece: str, rng: random.Random) -> str:
    i = rng.randint(0, len(text))
    return text[:i] + piece + text[i:]


def emoji(text: str, rng: random.Random) -> str:
    for _ in range(rng.randint(1, 4)):
        text = _insert(text, rng.choice(EMOJI), rng)
    return text


def markup(text: str, rng: random.Random) -> str:
    return _insert(text, rng.choice(MARKUP), rng) if rng.random() < 0.7 else f"<b>{text}</b>{rng.choice(MARKUP)}"


def sql(text: str, rng: random.Random) -> str:
    return _insert(text, rng.choice(SQL), rng)


def control(text: str, rng: random.Random) -> str:
    for _ in range(rng.randint(1, 3)):
        text = _insert(text, rng.choice(CONTROL), rng)
    return text


def very_long(text: str, rng: random.Random) -> str:
    size = rng.choice(LONG)
    if rng.random() < 0.3:
        return (rng.choice(("a", "đ", "😀", "<", " ", "\n", "x ")) * size)[:size]
    return ((text or "?") + rng.choice((" ", "\n", ""))) * (size // max(1, len(text) + 1) + 1)


def empty(text: str, rng: random.Random) -> str:
    return rng.choice(("", " ", "\n\n", "\u200b", "\t", "\ufeff", "?", "."))


def case(text: str, rng: random.Random) -> str:
    return rng.choice((text.upper(), text.lower(), "".join(c.upper() if rng.random() < 0.5 else c for c in text)))


MUTATIONS: tuple[Callable[[str, random.Random], str], ...] = (
    no_diacritics, typo, nfd, emoji, markup, sql, control, very_long, empty, case,
)


def mutated_question(rng: random.Random, vocab: Vocabulary) -> str:
    text = rng.choice(vocab.questions)
    for mutation in rng.sample(MUTATIONS, rng.choice((0, 1, 1, 2, 3))):
        text = mutation(text, rng)
    return text


# --- other kinds of message -----------------------------------------------------------------------
def random_unicode(rng: random.Random, size: int | None = None) -> str:
    """Code points from every plane, unassigned and private ones, controls and lone surrogates too."""
    size = rng.choice((0, 1, 2, 5, 20, 200)) if size is None else size
    ranges = ((0x20, 0x7E), (0x00, 0x1F), (0xA0, 0x24F), (0x300, 0x36F), (0x1E00, 0x1EFF), (0x2000, 0x206F),
              (0xD800, 0xDFFF), (0xE000, 0xF8FF), (0xFFF0, 0xFFFF), (0x1F300, 0x1FAFF), (0x20000, 0x2FFFF),
              (0xE0000, 0x10FFFF), (0x0, 0x10FFFF))
    out = []
    for _ in range(size):
        low, high = rng.choice(ranges)
        out.append(chr(rng.randint(low, high)))
    return "".join(out)


def odd_piece(rng: random.Random, vocab: Vocabulary, numeric: bool = False) -> str:
    """What a forger puts in a payload's field; digits of other scripts where there was a number."""
    if numeric and rng.random() < 0.6:
        return rng.choice((rng.choice(NUMBERS), "".join(rng.choices(ODD_DIGITS, k=rng.randint(1, 3))),
                           "".join(rng.choices(OTHER_DECIMALS, k=rng.randint(1, 3))), str(rng.randint(-10**6, 10**20))))
    return rng.choice((rng.choice(NUMBERS), rng.choice(vocab.procedure_codes), rng.choice(vocab.dossier_codes),
                       rng.choice(SECTIONS), random_unicode(rng, rng.randint(0, 4)), mutated_question(rng, vocab)[:80]))


def forge(payload: str, rng: random.Random, vocab: Vocabulary) -> str:
    """A real payload with one or two of its fields replaced, one added or one dropped."""
    parts = payload.split(":")
    for _ in range(rng.choice((1, 1, 2))):
        i = rng.randint(0, len(parts))
        if i == len(parts):
            parts.append(odd_piece(rng, vocab))
        elif rng.random() < 0.1 and len(parts) > 1:
            del parts[i]
        else:
            parts[i] = odd_piece(rng, vocab, numeric=parts[i].strip().isdigit())
    return ":".join(parts)


def forged_payload(rng: random.Random, vocab: Vocabulary) -> str:
    """A button payload as a modified client, a typed "#mc:" on Zalo or a script could send: mostly
    a real button's payload with a field changed, sometimes one built from the prefixes."""
    if vocab.payloads and rng.random() < 0.7:
        return forge(rng.choice(vocab.payloads)[2], rng, vocab)
    prefix = rng.choice(vocab.payload_prefixes)
    if rng.random() < 0.15:
        prefix = rng.choice((prefix.upper(), prefix + " ", "", "x", prefix * 2, random_unicode(rng, 2)))
    pieces = []
    for _ in range(rng.choice((0, 1, 2, 2, 3, 4))):
        kind = rng.randrange(7)
        if kind == 0:
            pieces.append(rng.choice(vocab.procedure_codes))
        elif kind == 1:
            pieces.append(rng.choice(vocab.dossier_codes))
        elif kind == 2:
            pieces.append(rng.choice(SECTIONS))
        elif kind == 3:
            pieces.append(odd_piece(rng, vocab, numeric=True))
        elif kind == 4:
            pieces.append(rng.choice("ovrsdkabcx") + rng.choice(("", "1", "ip")))
        elif kind == 5:
            pieces.append(mutated_question(rng, vocab)[:200])
        else:
            pieces.append(random_unicode(rng))
    return ":".join([prefix, *pieces])


def command(rng: random.Random, vocab: Vocabulary) -> str:
    name = rng.choice(vocab.commands)
    if rng.random() < 0.1:
        name = rng.choice((name.upper(), name + "@motcua_bot", name + "@", "x" + name))
    args = rng.choice(("", rng.choice(NUMBERS), rng.choice(vocab.dossier_codes), rng.choice(vocab.procedure_codes),
                       f"{rng.choice(NUMBERS)} {rng.choice(NUMBERS)}", mutated_question(rng, vocab),
                       random_unicode(rng)))
    return f"/{name} {args}" if args or rng.random() < 0.5 else f"/{name}"


def dossier_code(rng: random.Random, vocab: Vocabulary) -> str:
    code = rng.choice(vocab.dossier_codes)
    return rng.choice((code, code.lower(), code.replace("-", " - "), typo(code, rng), f"hồ sơ {code} sao rồi",
                       code[:-1], code + rng.choice(NUMBERS), f"{code} {rng.choice(vocab.dossier_codes)}"))


@dataclass(frozen=True)
class Message:
    kind: str  # what the generator made: question, command, unicode, payload, dossier
    text: str = ""
    payload: str | None = None


def message(rng: random.Random, vocab: Vocabulary) -> Message:
    """One message of the mix: about half questions, a fifth forged payloads, the rest commands,
    random Unicode, dossier codes and the probes (officials' commands) with a mutation."""
    roll = rng.random()
    if roll < 0.50:
        return Message("question", mutated_question(rng, vocab))
    if roll < 0.70:
        return Message("payload", payload=forged_payload(rng, vocab))
    if roll < 0.78:
        return Message("command", command(rng, vocab))
    if roll < 0.86:
        return Message("unicode", random_unicode(rng))
    if roll < 0.93:
        return Message("dossier", dossier_code(rng, vocab))
    probe = rng.choice(vocab.probes)
    return Message("probe", rng.choice(MUTATIONS)(probe, rng) if rng.random() < 0.5 else probe)


OURS = {"bot", "handlers", "db", "knowledge"}


class LoggedErrors(logging.Handler):
    """The errors our code logs (the core logs the exception it turned into the "busy" reply;
    aiohttp logs a request that is not HTTP, a 400, as an error: not ours)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.split(".")[0] in OURS:
            self.records.append(record)

    def report(self) -> str:  # printable: a message may hold the lone surrogates it was sent
        return "\n".join(self.format(r) for r in self.records).encode("utf-8", "backslashreplace").decode()
