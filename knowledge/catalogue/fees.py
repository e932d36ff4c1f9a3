"""The fee in force on a given day, from a fee's published amount and text.

Fee texts carry time-limited rates: "Kể từ ngày 01/7/2025 đến hết ngày 31/12/2026 mức thu … bằng 50%
mức thu nêu trên", "(Miễn kể từ ngày 07/4/2026 đến 30/6/2026 theo Thông tư 40/2026/TT-BTC)",
"… áp dụng đến hết ngày 31/12/2023". ``in_force`` reads each clause's period and says which rate
applies on ``today``, until when, and what follows; an expired clause is named as expired, never
shown as current. Amounts are only ever the record's own (a percentage of the published amount is
computed and shown beside the rule it comes from).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from knowledge.catalogue.model import Fee
from knowledge.catalogue.parse import find_amounts

_DATE = r"(\d{1,2})/(\d{1,2})/(\d{4})"
_FROM = re.compile(rf"từ ngày\s*{_DATE}", re.IGNORECASE)
_UNTIL = re.compile(rf"đến(?: hết)?(?: ngày)?\s*{_DATE}", re.IGNORECASE)
_PERCENT = re.compile(r"bằng\s*(\d{1,3})\s*%", re.IGNORECASE)
# A waiver of THIS fee: "Miễn" opening the clause, a bracket or the text after the unit ("đồng (Miễn phí
# từ ngày …)", "đồng/lần Miễn lệ phí từ …"), never a word of a cited document's title ("Thông tư …
# quy định mức thu, miễn một số khoản phí …") nor a waiver for some payers only ("Miễn lệ phí cho …").
_FREE = re.compile(r"(?:^|[(:\-–]\s*|\b(?:đồng|đ)(?:/\S+)*\s+)miễn\b(?!\s*,)(?!\s+một số)", re.IGNORECASE)
_CITED_TITLE = re.compile(r"\b(?:thông tư|nghị định|quyết định|nghị quyết|luật)\b[^()]*?\bquy định\b[^()]*",
                          re.IGNORECASE)
_FOR_SOME = re.compile(r"\b(?:đối với|cho|trường hợp|thuộc diện)\b", re.IGNORECASE)


def _waiver(text: str) -> bool:
    """The clause waives this fee for everyone (in its period), as the record states it."""
    text = _CITED_TITLE.sub("", text)
    return bool(_FREE.search(text)) and not _FOR_SOME.search(text) and not _PERCENT.search(text)


_CLAUSE = re.compile(r"(?<=[.;])\s+(?=[A-ZĐ(\-])|\s+-\s+(?=[A-ZĐ])|\n+")
# A dated waiver run on after the rates ("… 40.000.000 đồng/lần cấp (…) Miễn phí từ ngày 07/4/2026 đến
# 30/6/2026 …"): its dates are its own, the rates before it are undated.
_RUN_ON = re.compile(r"(?<=[\w)])\s+(?=(?:Miễn ?|Miễ )(?:lệ )?phí (?:kể )?từ ngày)")


def money(amount: int) -> str:
    return f"{amount:,}".replace(",", ".") + " đồng"


def _date(m: re.Match | None) -> date | None:
    if m is None:
        return None
    try:
        return date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
    except ValueError:
        return None


@dataclass(frozen=True)
class Clause:
    text: str
    start: date | None
    end: date | None

    def state(self, today: date) -> str:
        if self.end is not None and self.end < today:
            return "expired"
        if self.start is not None and self.start > today:
            return "future"
        return "current" if (self.start or self.end) else "always"


def clauses(text: str) -> list[Clause]:
    out = []
    parts = []
    for part in _CLAUSE.split(text.strip().strip("()").strip()):
        run_on = _RUN_ON.search(part)
        head = part[:run_on.start()] if run_on else ""
        parts += [head, part[run_on.end():]] if _vnd(head) and not _FROM.search(head) else [part]
    for part in parts:
        part = part.strip(" -;")
        if part:
            out.append(Clause(part, _date(_FROM.search(part)), _date(_UNTIL.search(part))))
    return out


def _ddmmyyyy(d: date) -> str:
    return d.strftime("%d/%m/%Y")


# A text that says who sets the amount ("do HĐND tỉnh quyết định"): plain enough beside a 0.
WHO_SETS = re.compile(r"\b(?:do|theo quy định của|theo)\s+(?:hội đồng nhân dân|hđnd|ủy ban nhân dân|ubnd)\b",
                       re.IGNORECASE)


def in_force(fee: Fee, today: date) -> str:
    """What a citizen pays under this fee today, in words, from the record only."""
    if fee.published_zero:  # "Miễn phí" beside a text that says otherwise or no more: say so
        said = in_force(fee.model_copy(update={"published_zero": False}), today)
        printed = "«Miễn phí»" if fee.said_free else "số tiền 0"  # what the record printed, as it printed it
        if _vnd(fee.text):
            return f"Không rõ — nguồn ghi {printed} nhưng nêu mức thu: {said}"
        if WHO_SETS.search(fee.text):
            return said
        return f"Không rõ mức thu — nguồn ghi {printed} kèm: {said}"
    parts = clauses(fee.text) if fee.text else []
    dated = [c for c in parts if c.start or c.end]
    base = money(fee.amount_vnd) if fee.amount_vnd else ("Miễn phí" if fee.amount_vnd == 0 else "")
    if not dated:
        return _plain(fee, base)
    current = [c for c in dated if c.state(today) == "current"]
    expired = [c for c in dated if c.state(today) == "expired"]
    later = [c for c in dated if c.state(today) == "future"]
    undated = [c.text for c in parts if c not in dated]
    pieces: list[str] = []
    for c in current:
        until = f" đến hết {_ddmmyyyy(c.end)}" if c.end else ""
        if (pct := _PERCENT.search(c.text)) and fee.amount_vnd:
            reduced = fee.amount_vnd * int(pct.group(1)) // 100
            of = "" if fee.amount_vnd in _vnd(c.text) else f" của {base}"
            pieces.append(f"{money(reduced)}{until} ({pct.group(1)}%{of}: {c.text})")
        elif _waiver(c.text):
            pieces.append(f"Miễn{until} ({c.text})")
        else:
            pieces.append(f"{c.text}")
    restated = fee.amount_vnd and any(fee.amount_vnd in _vnd(u) for u in undated)
    if current and base:
        after = max((c.end for c in current if c.end), default=None)
        pieces.append(f"sau đó: {base}" if after else base)
    elif base and not restated:
        pieces.insert(0, base)
    if expired:  # said early: a shortened line must not lose it
        ends = ", ".join(sorted({_ddmmyyyy(c.end) for c in expired if c.end}))
        pieces.insert(1 if pieces else 0, f"mức ưu đãi đến {ends} đã hết hạn")
    pieces += [u for u in undated if not (fee.amount_vnd and u == money(fee.amount_vnd))]
    pieces += [f"từ {_ddmmyyyy(c.start)}: {c.text}" for c in later if c.start]
    return "; ".join(dict.fromkeys(p for p in pieces if p))


def _vnd(text: str) -> set[int]:
    return {int(v) for v, cur in find_amounts(text) if cur == "VND"}


def _plain(fee: Fee, base: str) -> str:
    text = fee.text.strip()
    if text.startswith("(") and text.endswith(")"):
        text = text[1:-1].strip()
    if not text:
        return base or "Không có thông tin"
    if not base:
        return text
    if fee.amount_vnd == 0:
        said = text.lower()  # "Không quy định (về) phí, lệ phí" says it in the record's words
        return text if said.startswith(("miễn", "không thu")) or said.startswith("không quy định") and "phí" in said \
            else f"Miễn phí ({text})"
    unit = re.match(r"(?:đồng|vnđ|vnd)?\s*(/.*)", text, re.IGNORECASE | re.DOTALL)
    if unit:  # the unit cut from its amount: "550.000 đồng" + "/1 lần (Thông tư …)"
        return base + unit.group(1)
    # The text restating the amount ("20.000 vnđ /tờ khai") says it better than the amount twice.
    if fee.amount_vnd in _vnd(text):
        return text
    return f"{base} ({text})"
