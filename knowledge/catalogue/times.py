"""Case-specific processing times that a record states only in a channel's description.

The portal's time column holds one number per row; the description beside it often names other
cases with their own time ("Đối với các xã miền núi… thì thời gian thực hiện không quá 15 ngày làm
việc", "10 ngày làm việc đối với công trình (hoặc 7 ngày làm việc đối với nhà ở riêng lẻ)"). Those
are kept as further times of the channel, each with the words of its case, so that no citizen
reads the one number as theirs when the record says otherwise. A clause is read only when it names
a case ("đối với", "trường hợp", "nếu") and is not about a step, an incomplete dossier or what the
time leaves out.
"""

from __future__ import annotations

import re

from knowledge.catalogue.model import ProcessingTime, TimeUnit
from knowledge.catalogue.parse import STATED_TIME, stated_time

# Clauses: sentences, lines, "; Đối với…" (a lower-case word after ";" continues a list), "(hoặc…".
CLAUSE = re.compile(r"(?<=[.;])\s+(?=[A-ZĐ\-+*•])|\n+|\((?=hoặc\b)")
_CASE_WORDS = re.compile(r"\b(đối với|trường hợp|nếu)\b", re.IGNORECASE)
_NOT_A_CASE_TIME = re.compile(
    r"\bbước\b|không bao gồm|không tính|chưa đầy đủ|không đầy đủ|chưa hợp lệ|không hợp lệ|bổ sung|hướng dẫn|"
    r"từ chối|trả lời|thông báo|chậm nhất|trước (?:ngày|thời hạn|kỳ)", re.IGNORECASE)
# What is left of a clause before its time once the words that only announce it are cut.
_LEAD_OUT = re.compile(r"[\s,:;]*(?:thì\s*)?(?:thời (?:gian|hạn)(?: thực hiện| giải quyết)?\s*)?"
                       r"(?:là|không quá|tối đa(?: là)?|trong vòng|trong thời hạn|trong)?\s*[:,]?\s*$", re.IGNORECASE)


def _case_of(clause: str, start: int, end: int) -> str:
    """The words of a clause that say which case its time is for."""
    before, after = clause[:start], clause[end:]
    if _CASE_WORDS.search(before):
        head, colon, _ = before.partition(":")
        case = head if colon and _CASE_WORDS.search(head) else _LEAD_OUT.sub("", before)
    else:
        case = re.split(r"\)|\bkể từ\b|[.;]", after, maxsplit=1)[0]
    return case.strip(" -+*•,;:()")


def note_times(time: ProcessingTime | None, note: str) -> tuple[str, list[ProcessingTime]]:
    """(the case the channel's own time is for, or "", the other cases' times) from a description."""
    if time is None or time.quantity is None or time.unit == TimeUnit.OTHER or not note:
        return "", []
    own, others = "", []
    for clause in CLAUSE.split(note):
        clause = clause.strip(" -+*•()")
        if not _CASE_WORDS.search(clause):
            continue
        stated, m = stated_time(clause), STATED_TIME.search(clause)
        if stated is None or m is None or stated.quantity is None or stated.unit == TimeUnit.OTHER:
            continue
        if _NOT_A_CASE_TIME.search(clause[:m.end() + 40]):  # (a parenthesis further on may name a stage)
            continue
        added = bool(re.search(r"\b(?:thêm|tăng thêm|cộng thêm)\s*(?:không quá\s*)?$", clause[:m.start()], re.IGNORECASE))
        case = re.sub(r"\s*\b(?:tăng thêm|cộng thêm|thêm)\b\s*$", "", _case_of(clause, m.start(), m.end()))
        if not case:
            continue
        if (stated.quantity, stated.unit) == (time.quantity, time.unit) and not added:
            own = own or case
        elif all((t.quantity, t.unit, t.case) != (stated.quantity, stated.unit, case) for t in others):
            others.append(ProcessingTime(quantity=stated.quantity, unit=stated.unit, case=case, added=added))
    return (own if others else ""), others
