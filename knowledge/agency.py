"""Agency codes and how they nest: which dossiers an official's agency covers.

The receiving agency's identifier of Circular 01/2018 art. 19 is ``V1V2V3.Z1Z2.Y1Y2.MX1X2``: read
from the right, ``MX1X2`` is the province (or ministry), ``Y1Y2`` the level-2 unit (department,
district), ``Z1Z2`` the level-3 unit (commune, division), ``V1V2V3`` the level-4 unit; a segment of
zeros means "not at that level". So ``000.00.22.H26`` is unit 22 of province H26,
``000.31.22.H26`` is unit 31 under it, ``001.31.22.H26`` is unit 001 under that.

**Our nesting rule.** Agency A covers agency B when they have the same number of segments and,
comparing from the right, each segment of A equals B's until the rest of A (to the left) is all
zeros. A code covers itself. Examples:

- ``000.00.22.H26`` covers ``000.31.22.H26`` and ``001.31.22.H26`` (its sub-units);
- ``000.31.22.H26`` covers ``001.31.22.H26`` but not ``000.05.22.H26`` (a sibling);
- ``000.00.00.H26`` covers the whole province;
- ``000.31.22.H26`` does not cover ``000.00.22.H26`` (a parent is never inside its child).

Codes that are not dotted segments (a local form, a typo) cover only themselves. Codes are
compared upper case, without spaces.
"""

from __future__ import annotations

import re

from knowledge.text import clean

_SEGMENT = re.compile(r"^[A-Z0-9]{1,4}$")
_UNIT = re.compile(r"^[A-Z]\d{2}$")


def normalise(code: str) -> str:
    return "".join(clean(code).upper().split())


def well_formed(code: str) -> bool:
    """Whether ``code`` is written as the agency part of a dossier code (knowledge/dossiers/code.py):
    1–6 dot-separated segments of up to 4 letters or digits, one of them a unit code (H26, G01)."""
    segments = normalise(code).split(".")
    return (len(segments) <= 6 and all(_SEGMENT.match(s) for s in segments)
            and any(_UNIT.match(s) for s in segments))


def _segments(code: str) -> list[str]:
    return normalise(code).split(".")


def _zero(segment: str) -> bool:
    return bool(segment) and set(segment) == {"0"}


def covers(scope: str, agency: str) -> bool:
    """True when an official of agency ``scope`` is responsible for dossiers received by ``agency``."""
    a, b = _segments(scope), _segments(agency)
    if not a or not b or a == [""] or b == [""]:
        return False
    if a == b:
        return True
    if len(a) != len(b):
        return False
    for i in range(len(a) - 1, -1, -1):  # from the right: province first
        if a[i] == b[i]:
            continue
        return all(_zero(s) for s in a[: i + 1])
    return True


def depth(code: str) -> int:
    """How specific a code is: the number of segments from the right up to its last non-zero one
    (``000.00.22.H26`` → 2, ``001.31.22.H26`` → 4). The responsible official of a dossier is the
    one whose agency covers it with the greatest depth."""
    segments = _segments(code)
    for i, segment in enumerate(segments):
        if not _zero(segment):
            return len(segments) - i
    return 0
