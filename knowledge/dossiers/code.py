"""Dossier codes (mã hồ sơ), Circular 01/2018 art. 19: ``V1V2V3.Z1Z2.Y1Y2.MX1X2-YYMMDD-XXXX`` — the
receiving agency's identifier (``000.00.22.H26``), the reception date, a 4-digit daily sequence.

Citizens type them loosely: lower case, spaces around the dots and dashes, inside a sentence, other
dashes ("–"), or the shorter local prefixes some provinces print (``H26.22-250612-0012``). One
canonical form is stored and compared: upper case, no spaces, segments joined by "." and the three
parts by "-". A procedure code (``1.001193``) or a procedure-at-agency code
(``1.011442.000.00.00.H38``) never has the date and sequence tail, so it is never taken for one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from knowledge.text import clean

STRICT = re.compile(r"^\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}-\d{6}-\d{4}$")
EXAMPLE = "000.00.22.H26-251120-0001"

_SEG = r"[A-Za-z0-9]{1,4}"
_DOT = r"\s?\.\s?"
_DASH = r"\s?[-‐‑‒–—_]\s?|\s"
# The agency part: 1–6 short segments, one of them the letter + 2 digits unit code (H26, G01).
# Not preceded by a word character or a dot, so the tail of a longer dotted code never matches.
_FIND = re.compile(
    rf"(?<![\w.])(?P<agency>(?:{_SEG}{_DOT}){{0,5}}{_SEG})(?:{_DASH})(?P<date>\d{{6}})(?:{_DASH})(?P<seq>\d{{4}})(?![\w])"
)
_UNIT = re.compile(r"^[A-Z]\d{2}$")
MAX_LENGTH = 48


@dataclass(frozen=True, slots=True)
class DossierCode:
    agency: str  # "000.00.22.H26" (upper case, as typed otherwise)
    day: str  # "251120" (YYMMDD)
    seq: str  # "0001"

    @property
    def canonical(self) -> str:
        return f"{self.agency}-{self.day}-{self.seq}"

    @property
    def tail(self) -> str:
        """"251120-0001": the part every local form of the same dossier shares."""
        return f"{self.day}-{self.seq}"

    @property
    def strict(self) -> bool:
        return bool(STRICT.match(self.canonical))

    @property
    def received_on(self) -> date:
        return _date(self.day)  # type: ignore[return-value]

    def __str__(self) -> str:
        return self.canonical


def _date(yymmdd: str) -> date | None:
    try:
        return date(2000 + int(yymmdd[:2]), int(yymmdd[2:4]), int(yymmdd[4:]))
    except ValueError:
        return None


def _build(match: re.Match) -> DossierCode | None:
    segments = [s.upper() for s in re.split(r"\s?\.\s?", match.group("agency"))]
    if not any(_UNIT.match(s) for s in segments) or _date(match.group("date")) is None:
        return None
    return DossierCode(".".join(segments), match.group("date"), match.group("seq"))


def find_codes(text: str | None) -> list[DossierCode]:
    """Every dossier code in a message, in order, without repeats."""
    found: list[DossierCode] = []
    for match in _FIND.finditer(clean(text)):
        code = _build(match)
        if code is not None and code not in found:
            found.append(code)
    return found


def find_code(text: str | None) -> DossierCode | None:
    codes = find_codes(text)
    return codes[0] if codes else None


def find_impossible_code(text: str | None) -> DossierCode | None:
    """The first thing in a message written as a dossier code whose date part is no date (month 13,
    day 32): ``find_code`` skips it, but the citizen meant a code and is told it is not a valid one
    (handlers/intents/dossier.py), not answered with procedures its digits happen to match."""
    for match in _FIND.finditer(clean(text)):
        segments = [s.upper() for s in re.split(r"\s?\.\s?", match.group("agency"))]
        if any(_UNIT.match(s) for s in segments) and _date(match.group("date")) is None:
            return DossierCode(".".join(segments), match.group("date"), match.group("seq"))
    return None


def parse_code(value: str | None) -> DossierCode | None:
    """A value that is one dossier code and nothing else (a field of an import), or None."""
    text = clean(value)
    if not text or len(text) > 2 * MAX_LENGTH:
        return None
    match = _FIND.fullmatch(text)
    return _build(match) if match else None


def canonical(value: str) -> str:
    """The stored form of a code; raises ValueError when ``value`` is not one."""
    code = parse_code(value)
    if code is None:
        raise ValueError(f"không phải mã hồ sơ / not a dossier code (e.g. {EXAMPLE})")
    return code.canonical


def agency_parts(agency: str) -> set[str]:
    """The meaningful segments of an agency identifier: "000.00.22.H26" → {"22", "H26"} (the zero
    placeholders say nothing), for matching a local short form against the full one."""
    return {s for s in agency.split(".") if s.strip("0")}


def same_dossier(a: DossierCode, b: DossierCode) -> bool:
    """Whether two codes name the same dossier. Two full codes: only when they are the same code
    (case, spaces, dashes and invisible characters normalised away) — a zero segment is a segment:
    ``000.31.22.H26`` is not ``001.31.22.H26``. A short local form (``H26.22-250612-0012``) and a
    code: same date and sequence, and every meaningful segment of the short one among the other's
    segments (the caller must still check that exactly one stored dossier is named)."""
    if a.tail != b.tail:
        return False
    if a.strict and b.strict:
        return a.canonical == b.canonical
    if not a.strict and not b.strict:
        return bool(agency_parts(a.agency)) and agency_parts(a.agency) == agency_parts(b.agency)
    short, full = (a, b) if b.strict else (b, a)
    parts = agency_parts(short.agency)
    return bool(parts) and parts <= set(full.agency.split("."))
