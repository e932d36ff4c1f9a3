"""Case-specific processing times that a record states only in a channel's description.

The portal's time column holds one number per row; the description beside it often names other
cases with their own time ("Đối với các xã miền núi… thì thời gian thực hiện không quá 15 ngày làm
việc", "10 ngày làm việc đối với công trình (hoặc 7 ngày làm việc đối với nhà ở riêng lẻ)"). Those
are kept as further times of the channel, each with the words of its case, so that no citizen
reads the one number as theirs when the record says otherwise. A clause is read only when it names
a case ("đối với", "trường hợp", "nếu") and is not about a step, an incomplete dossier or what the
time leaves out.

A description that lists the stages of the processing ("- Thời hạn tiếp nhận và kiểm tra hồ sơ: 03
ngày làm việc; - Thời hạn thẩm định…: 50 ngày; …") gives stages, not cases: a stage's time (and the
times of the cases under a stage heading: "- Kiểm tra tính đầy đủ của hồ sơ: + Trường hợp nộp qua
bưu chính: 01 ngày làm việc") is never another case's whole time, nor the channel's time
(``stage_times``).
"""

from __future__ import annotations

import re

from knowledge.catalogue.model import ProcessingTime, TimeUnit
from knowledge.catalogue.parse import STATED_TIME, stated_time

# Clauses: sentences, lines, "; Đối với…" (a lower-case word after ";" continues a list), "(hoặc…", and
# a case after a comma ("05 ngày làm việc …, trường hợp phải xác minh thì … không quá 10 ngày làm việc").
CLAUSE = re.compile(r"(?<=[.;])\s+(?=[A-ZĐ\-+*•])|\n+|\((?=hoặc\b)|,\s+(?=trường hợp\b)")
_CASE_WORDS = re.compile(r"\b(đối với|trường hợp|nếu)\b", re.IGNORECASE)
_NOT_A_CASE_TIME = re.compile(
    r"\bbước\b|không bao gồm|không tính|chưa đầy đủ|không đầy đủ|chưa hợp lệ|không hợp lệ|bổ sung|hướng dẫn|"
    r"từ chối|trả lời|thông báo|chậm nhất|trước (?:ngày|thời hạn|kỳ)", re.IGNORECASE)
# What is left of a clause before its time once the words that only announce it are cut.
_LEAD_OUT = re.compile(r"[\s,:;]*(?:thì\s*)?(?:thời (?:gian|hạn)(?: thực hiện| giải quyết)?\s*)?"
                       r"(?:là|không quá|tối đa(?: là)?|trong vòng|trong thời hạn|trong)?\s*[:,]?\s*$", re.IGNORECASE)


# A stage of the processing, as the label before a colon names it ("Thời hạn thẩm định hồ sơ:",
# "- Kiểm tra tính đầy đủ của hồ sơ:", "Cấp Giấy chứng nhận…:").
_STAGE_LABEL = re.compile(
    r"^(?:thời (?:hạn|gian)\s+(?:thực hiện\s+|giải quyết\s+)?(?:việc\s+)?)?(?:bước\s*\d+\s*[:.\-–)]?\s*)?"
    r"(kiểm tra|tiếp nhận|thẩm định|thẩm tra|xem xét|trình|phê duyệt|trả kết quả|đánh giá|lấy ý kiến|ban hành|"
    r"ra quyết định|quyết định|cấp|thụ lý|xử lý|thông báo|xác minh|niêm yết|công bố|họp|tổ chức|thu hồi|đăng ký)\b",
    re.IGNORECASE)
_TOP = re.compile(r"^\s*(?:[-–•*]|\d+(?:\.\d+)*[.)]|[a-zđ]\))\s*", re.IGNORECASE)


# A total broken down into its stages: "Trong thời hạn 50 ngày, trong đó:" — whoever acts in each
# line after it ("- Bộ Công an có văn bản trả lời…: 15 ngày"), the line is a stage.
_BREAKDOWN = re.compile(r"\btrong đó\s*:\s*$", re.IGNORECASE)


def _stage_label(line: str, breakdown: bool = False) -> str | None:
    """The stage a line of a description names before its colon, or None."""
    head, colon, _ = _TOP.sub("", line).partition(":")
    head = head.strip()
    if not colon or not head or len(head.split()) > (60 if breakdown else 25) or _CASE_WORDS.match(head):
        return None
    return head if _STAGE_LABEL.match(head) or (breakdown and _TOP.match(line)) else None


def _after_breakdown(lines: list[str]) -> list[bool]:
    """For each line, whether a line before it announced a breakdown ("…, trong đó:")."""
    flags, seen = [], False
    for line in lines:
        flags.append(seen)
        seen = seen or bool(_BREAKDOWN.search(line))
    return flags


def stage_lines(note: str) -> tuple[list[str], set[int]]:
    """(the lines of a description, the indexes of those that belong to a stage) when the description
    lists at least two stages, each with a time of its own or with case lines under it ("+ …")."""
    lines = note.split("\n")
    inside: set[int] = set()
    stages, heading = 0, False
    breakdown = _after_breakdown(lines)
    for n, line in enumerate(lines):
        nested = line.lstrip().startswith("+")
        if nested and heading:
            inside.add(n)
            continue
        label = None if nested else _stage_label(line, breakdown[n])
        heading = bool(label)
        if label:
            inside.add(n)
            timed = STATED_TIME.search(line) or any(
                STATED_TIME.search(x) for x in lines[n + 1:n + 4] if x.lstrip().startswith("+"))
            stages += bool(timed)
    return lines, (inside if stages >= 2 else set())


def stage_times(note: str) -> list[ProcessingTime]:
    """The stages a description lists with their own time, each labelled by its stage ("" words
    such as "Thời hạn" cut); [] unless there are at least two."""
    lines, inside = stage_lines(note)
    out: list[ProcessingTime] = []
    breakdown = _after_breakdown(lines)
    for n in sorted(inside):
        label = _stage_label(lines[n], breakdown[n])
        after = lines[n].partition(":")[2]
        stated = stated_time(after) if label else None
        if stated is None or stated.quantity is None:
            continue
        label = re.sub(r"^thời (?:hạn|gian)\s+", "", label, flags=re.IGNORECASE)
        # what the line says after its time ("(trong đó … 17 ngày…; … 03 ngày…) đối với trường hợp …")
        m = STATED_TIME.search(after)
        more = after[m.end():].strip(" .;,") if m and stated.unit != TimeUnit.SAME_DAY else ""
        # (kept only when it holds a breakdown or a case: "kể từ khi nhận hồ sơ" adds nothing)
        keep = len(more.split()) >= 3 and (STATED_TIME.search(more) or _CASE_WORDS.search(more))
        case = label[:1].upper() + label[1:] + (f" {more}" if keep else "")
        out.append(ProcessingTime(quantity=stated.quantity, unit=stated.unit, case=case, stage=True))
    if len(out) < 2:
        return []
    # an extension said beside the stages ("Đối với các xã miền núi… thì thời gian thực hiện được tăng thêm 10 ngày")
    for n, line in enumerate(lines):
        if n in inside:
            continue
        for clause in CLAUSE.split(line):
            m = re.search(r"\b(?:tăng thêm|cộng thêm|thêm)\s*(?:không quá\s*)?(?=\d)", clause, re.IGNORECASE)
            stated = stated_time(clause[m.end():]) if m else None
            if stated is not None and stated.quantity is not None and _CASE_WORDS.search(clause[:m.start()]):
                case = _LEAD_OUT.sub("", re.sub(r"\s*(?:được\s*)?$", "", clause[:m.start()])).strip(" -+*•,;:")
                out.append(ProcessingTime(quantity=stated.quantity, unit=stated.unit, case=case, added=True))
    return out


def _case_of(clause: str, start: int, end: int) -> str:
    """The words of a clause that say which case its time is for."""
    before, after = clause[:start], clause[end:]
    if _CASE_WORDS.search(before):
        head, colon, _ = before.partition(":")
        case = head if colon and _CASE_WORDS.search(head) else _LEAD_OUT.sub("", before)
    elif (not before.strip(" -+*•") and (m := _CASE_WORDS.search(after))
          and re.match(r"\s*kể từ\b[^.;()]*$", after[:m.start()])):
        # the time first, what it counts from, then its case ("60 ngày kể từ ngày nhận được Báo cáo …
        # đối với trường hợp giống đăng ký đảm bảo…"): the case's words, to the end of their sentence
        # (none that states a time or a consequence of its own: "…đối với vụ việc phức tạp thì … 45 ngày")
        case = re.split(r"(?<=[.;])\s|\)", after[m.start():], maxsplit=1)[0]
        if _NOT_A_CASE_TIME.search(case) or STATED_TIME.search(case) or re.search(r"\bthì\b", case, re.IGNORECASE):
            case = ""
    else:
        case = re.split(r"\)|\bkể từ\b|[.;]", after, maxsplit=1)[0]
    return case.strip(" -+*•,;:()")


def note_times(time: ProcessingTime | None, note: str) -> tuple[str, list[ProcessingTime]]:
    """(the case the channel's own time is for, or "", the other cases' times) from a description."""
    if time is None or not note or (time.quantity is not None and time.unit == TimeUnit.OTHER):
        return "", []  # (a rule in words, without a number, may still sit beside other cases' times)
    own, others = "", []
    lines, staged = stage_lines(note)
    free = "\n".join(line for n, line in enumerate(lines) if n not in staged)  # a stage is no case
    for clause in CLAUSE.split(free):
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
