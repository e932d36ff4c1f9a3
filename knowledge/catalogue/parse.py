"""Fees, processing times, levels and lists out of the text the national portal publishes.

Shared by every importer, so that "70,000 VNĐ", "2.000.000 đồng", "8 Giờ" or "Trong ngày" mean the
same thing whichever source they come from. Rules worth knowing:

- A fee is a fixed amount in VND (``amount_vnd``) only when the source gives exactly one amount in
  đồng; otherwise ``amount_vnd`` is None and the text says what the rule is.
- A published value of 0 is "Miễn phí" only when nothing else is said: the portal also shows 0 beside
  texts such as "Mức lệ phí cụ thể do Hội đồng nhân dân tỉnh quyết định", which is not free.
- Amounts under 1,000 đồng are not credible (the smallest real fees are thousands): the portal has
  "135 VNĐ" beside "135.000 đồng/lần", and bare values of 20 that are in fact USD. Such an amount is
  taken ×1000 only when the text states that amount, otherwise it is left open.
- A time without a unit ("7") is kept with unit OTHER; "Không có thông tin" is no time at all.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from knowledge.catalogue.model import Fee, ProcessingTime, TimeUnit
from knowledge.text import canon, clean, fold

PORTAL_PROCEDURE_URL = "https://dichvucong.gov.vn/thu-tuc-hanh-chinh/{id}"

# Values that mean "nothing published" (compared in canon form, trailing punctuation ignored).
_PLACEHOLDERS = {
    "",
    "-",
    "--",
    "---",
    "không có thông tin",
    "không",
    "không có",
    "không quy định",
    "chưa có thông tin",
    "null",
    "none",
    "n/a",
}
_FREE = re.compile(
    r"^\(?\s*(miễn phí|(?:miễn|không) thu(?: phí| lệ phí)?(?:,? (?:và )?(?:phí|lệ phí))*|không mất phí|0 ?(đồng|vnđ|vnd))\b[\s.;]*",
    re.IGNORECASE)
_MIN_CREDIBLE_VND = 1_000


# What ``clean`` would change. Checking is much cheaper than cleaning, and most text is clean.
_DIRTY = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad\u00a0\u2007\u202f\u3000\t\r\f\v\x00-\x08\x0e-\x1f\x7f\u00d0\u00f0]")


def tidy(text: str | None) -> str:
    """``knowledge.text.clean``, skipped when the text is already clean (same result, faster)."""
    if not text:
        return ""
    if ("  " not in text and text == text.strip() and unicodedata.is_normalized("NFC", text)
            and not _DIRTY.search(text)):
        return text
    return clean(text)


def is_placeholder(text: object) -> bool:
    if text is None:
        return True
    text = str(text)
    # (list marks and brackets around it do not make it information: "- Không có", "(Không có)")
    return len(text) < 40 and canon(text).strip(" .;:-–•*+()") in _PLACEHOLDERS


# "The law sets none": information, unlike "Không có thông tin" (the source is silent), and not "free".
_UNREGULATED = ("không quy định", "chưa quy định", "không được quy định", "chưa được quy định")


def is_unregulated(text: object) -> bool:
    return text is not None and canon(str(text)).strip(" .;:-–•*+()") in _UNREGULATED


def text_or_rule(text: object) -> str:
    """``text_or_empty``, but "Không quy định" (no rule is set) is kept: it says something."""
    return tidy(str(text)).strip(" -–•*+") if is_unregulated(text) else text_or_empty(text)


def text_or_empty(text: object) -> str:
    """The cleaned text, or "" when it is a placeholder such as "Không có thông tin"."""
    if text is None or is_placeholder(text):
        return ""
    return tidy(str(text))


def portal_url(portal_id: str | None) -> str | None:
    portal_id = (portal_id or "").strip()
    return PORTAL_PROCEDURE_URL.format(id=portal_id) if re.fullmatch(r"[0-9a-fA-F-]{16,64}", portal_id) else None


# --- amounts -------------------------------------------------------------------------------
_NUMBER = r"\d{1,3}(?:[.,]\d{3})+(?![\d])|\d+(?:[.,]\d+)?"
_CURRENCY = r"việt nam đồng|vnđ|vnd|đồng|đ(?![\w])|usd|eur|\$"
_AMOUNT = re.compile(
    rf"(?<![\d.,/])(?P<num>{_NUMBER})\s*(?:/\s*(?P<per>[^\s\d/()]+)\s*)?(?P<cur>{_CURRENCY})", re.IGNORECASE
)


def parse_number(text: str) -> float | None:
    """ "2,000,000" / "2.000.000" → 2000000; "1.5" → 1.5; "15.000.0000" (malformed groups) → None."""
    text = text.strip()
    if re.fullmatch(r"\d+", text):
        return int(text)
    if re.fullmatch(r"\d{1,3}(?:,\d{3})+", text) or re.fullmatch(r"\d{1,3}(?:\.\d{3})+", text):
        return int(re.sub(r"[.,]", "", text))
    if re.fullmatch(r"\d+[.,]\d{1,2}", text):
        return float(text.replace(",", "."))
    return None


def _currency(word: str) -> str:
    word = word.lower()
    if word in ("usd", "$"):
        return "USD"
    if word == "eur":
        return "EUR"
    return "VND"


def find_amounts(text: str) -> list[tuple[float, str]]:
    """Every "<number> <currency>" in a text, as (value, "VND" | "USD" | "EUR")."""
    found = []
    for m in _AMOUNT.finditer(tidy(text)):
        per = m.group("per") or ""
        if any(ch.isupper() for ch in per) or (per and m.group("cur") == "Đ"):
            continue  # "2252/QĐ-VP": a document's number, not "2.252 đồng per QĐ"
        value = parse_number(m.group("num"))
        if value is not None:
            found.append((value, _currency(m.group("cur"))))
    return found


def parse_amount_vnd(text: str | None) -> int | None:
    """The one fixed amount in VND a fee text states, 0 when it says free, None otherwise."""
    fee = parse_fee(text)
    return fee.amount_vnd if fee else None


_NO_FEE = ("mien ", "khong thu", "khong duoc quy dinh", "khong quy dinh", "chua quy dinh", "khong phai nop", "khong phai tra",
           "khong co phi", "khong co le phi")


def _is_free(text: str) -> bool:
    return bool(_FREE.match(tidy(text))) or fold(text).strip(" .") in ("khong", "mien phi", "0")


def fee_from_value(value: float | int | str | None, text: str = "", *, currency: str | None = None,
                   kind: str = "FEE") -> Fee:
    """A fee published as a number plus a text (portal API, OpenGOV, the portal's fee column)."""
    text = text_or_rule(text)
    kind = tidy(kind) or "FEE"
    if isinstance(value, str):
        value = parse_number(value)
    said_vnd = bool(currency) and bool(re.search("đồng|vn", currency, re.IGNORECASE))  # "Việt Nam Đồng", "VNĐ"
    cur = _currency(currency) if currency and not said_vnd else "VND"
    if value is None:
        stated = _single_vnd(text)
        return Fee(kind=kind, amount_vnd=stated, text=text)
    if cur != "VND":
        shown = f"{value:g} {cur}"
        restated = re.search(rf"(?<![\d.,]){re.escape(f'{value:g}')}\s*{cur}", text, re.IGNORECASE)
        return Fee(kind=kind, amount_vnd=None, text=text if restated else f"{shown} — {text}" if text else shown)
    if value == 0:
        # "Miễn lệ phí … đối với trường hợp đăng ký qua mạng", "(Không được quy định tại Biểu phí…)"
        # explain the 0: no fee is set; they do not contradict it
        free = not text or _is_free(text) or fold(text).lstrip("( ").startswith(_NO_FEE)
        return Fee(kind=kind, amount_vnd=0 if free else None, text=text, published_zero=not free)
    if value < _MIN_CREDIBLE_VND:
        if _single_vnd(text) == int(value * 1000):
            return Fee(kind=kind, amount_vnd=int(value * 1000), text=text)
        if said_vnd:  # "25 VNĐ": the record's own words, doubted
            note = f"{value:g} đồng (nguồn ghi như vậy; số tiền khó đúng — hãy hỏi cơ quan tiếp nhận)"
        else:  # a bare number (OpenGOV drops the currency)
            note = f"{value:g} (không rõ đơn vị / unit unclear)"
        return Fee(kind=kind, amount_vnd=None, text=f"{note}: {text}" if text else note)
    if value != int(value):
        return Fee(kind=kind, amount_vnd=None, text=text or f"{value:g}")
    return Fee(kind=kind, amount_vnd=int(value), text=text)


# Words of a text that may set, cite or contradict a fee: "Miễn phí" said in words beside a text with
# none of them ("Miễn phí(Cách thức thực hiện : … Thời hạn giải quyết : …)") stays free, the text a note.
_FEE_WORDS = re.compile(r"phí|\bthu\b|\bgiá\b|\bmức\b|\bnộp\b|đồng|vn[dđ]|usd|\bthông tư|nghị định|quyết định|nghị quyết"
                        r"|\bluật\b|hđnd|ubnd|hội đồng|ủy ban|\bbiểu\b|\btheo\b|\d+\s*%|\d[\d.,]{3,}", re.IGNORECASE)


_OTHER_FIELD = re.compile(r"\b(?:cách thức thực hiện|thời hạn giải quyết|thời gian giải quyết|trình tự thực hiện)\b",
                          re.IGNORECASE)


def not_about_fees(text: str) -> bool:
    """A note about another field (how to submit, the time) with no word about a fee."""
    return bool(_OTHER_FIELD.search(text)) and not _FEE_WORDS.search(text)


_CHARGE = re.compile(r"\bmức\b|\bthu\b|\bnộp\b|\bgiá\b|\bbằng\b|\d+\s*%", re.IGNORECASE)


def explains_free(text: str) -> bool:
    """A text beside "Miễn phí" said in words that sets no charge of its own ("Theo quy định của
    Luật phí và lệ phí…"): it explains the word, it does not contradict it."""
    rest = re.sub(r"luật phí và lệ phí", "", text, flags=re.IGNORECASE)  # the law's name prices nothing
    return not find_amounts(text) and not _CHARGE.search(rest) and "phí" not in rest.lower()


def _single_vnd(text: str) -> int | None:
    amounts = find_amounts(text)
    vnd = {int(v) for v, cur in amounts if cur == "VND" and v == int(v)}
    if len(vnd) == 1 and all(cur == "VND" for _, cur in amounts):
        value = vnd.pop()
        return value if value == 0 or value >= _MIN_CREDIBLE_VND else None
    return None


_FEE_LABEL = re.compile(r"^(lệ phí|phí|giá)\s*:\s*", re.IGNORECASE)
_LABEL_KIND = {"lệ phí": "FEE", "phí": "SERVICE_FEE", "giá": "PRICE_LEVEL"}
_ZERO = re.compile(r"(không|0)\s*(đồng|vnđ|vnd)?", re.IGNORECASE)


def parse_fee(text: str | None, kind: str = "FEE") -> Fee | None:
    """One fee from free text: "Miễn phí", "70,000 VNĐ", "2.000.000 đồng", "15000000/lần Đồng",
    "Phí : 0 Đồng", "10 USD", "Theo quy định của HĐND tỉnh". None when nothing is published."""
    text = text_or_empty(text)
    label = _FEE_LABEL.match(text)
    if label:  # bqp style: "Phí : 2.000.000 Đồng (...)", "Lệ phí : 0 Đồng", "Phí :  Đồng"
        kind = _LABEL_KIND[label.group(1).lower()]
        text = text_or_empty(text[label.end():])
        if _ZERO.fullmatch(text):
            return Fee(kind=kind, amount_vnd=0, text="Miễn phí")
        if re.fullmatch(r"(đồng|vnđ|vnd)?", text, re.IGNORECASE):
            return None
        text = _attachment(re.sub(r"^(?:đồng|vnđ|vnd)\s+(?=\()", "", text, flags=re.IGNORECASE))
    if not text:
        return None
    if _is_free(text):
        rest = _FREE.sub("", text, count=1).strip(" ()")
        free = not rest or fee_from_value(0, rest, kind=kind).amount_vnd == 0
        return Fee(kind=kind, amount_vnd=0 if free else None, text=text)
    amounts = find_amounts(text)
    values = {v for v, _ in amounts}
    if len(values) != 1 or any(cur != "VND" for _, cur in amounts):
        return Fee(kind=kind, amount_vnd=None, text=text)  # no amount, several, or not in đồng
    value = values.pop()
    credible = value == int(value) and (value == 0 or value >= _MIN_CREDIBLE_VND)
    return Fee(kind=kind, amount_vnd=int(value) if credible else None, text=text)


_ATTACHED_FILE = re.compile(r"\s*\bFile đính kèm\s*:\s*(\S+)", re.IGNORECASE)


def _attachment(text: str) -> str:
    """ "(Theo quy định của Bộ Tài chính)\nFile đính kèm: 62-btc.signed.pdf" (an amount with no
    number, the table in a file the record does not hold) → the rule, and where the table is."""
    m = _ATTACHED_FILE.search(text)
    if not m:
        return text
    rule = text[:m.start()].strip()
    rule = rule[1:-1].strip() if rule.startswith("(") and rule.endswith(")") else rule
    return f"{rule} (biểu mức thu trong tệp đính kèm {m.group(1)} trên trang nguồn)".strip()


def parse_fees(text: str | None) -> list[Fee]:
    """Several fees, one per line ("Phí : 0.5 USD (...)\\nLệ phí : 01 USD")."""
    text = text_or_empty(text)
    parts = [p for p in re.split(r"\n(?=\s*(?:lệ phí|phí|giá)\s*:)", text, flags=re.IGNORECASE) if p.strip()]
    return [fee for fee in (parse_fee(p) for p in parts) if fee]


# --- processing time -----------------------------------------------------------------------
_UNITS = {
    "ngày làm việc": TimeUnit.WORKING_DAY,
    "working_day": TimeUnit.WORKING_DAY,
    "ngày": TimeUnit.DAY,
    "day": TimeUnit.DAY,
    "ngày làm việc/ngày": TimeUnit.WORKING_DAY,
    "giờ": TimeUnit.HOUR,
    "giờ làm việc": TimeUnit.WORKING_HOUR,
    "working_hour": TimeUnit.WORKING_HOUR,
    "hour": TimeUnit.HOUR,
    "tháng": TimeUnit.MONTH,
    "month": TimeUnit.MONTH,
    "same_day": TimeUnit.SAME_DAY,
    "other": TimeUnit.OTHER,
}
# A time stated in a text: the first "<number> <unit>" ("Trong 02 ngày làm việc", "15 ngày làm
# việc kể từ ngày nhận đủ hồ sơ"), "trong ngày" (same day), "ngày làm việc tiếp theo" (one day) —
# whichever the text says first. "sau 15 giờ" is a clock time, not a duration.
STATED_TIME = re.compile(
    r"(?<!sau )(?<!trước )(?<!lúc )(?<!từ )(?<!đến )(?<!ngày )(?<!vào )"
    r"(?P<qty>\b\d+(?:[.,]\d+)?)\s*(?:\([^)]{0,20}\)\s*)?(?P<unit>ngày làm việc|giờ làm việc|giờ|ngày|tháng)\b",
    re.IGNORECASE)
_NEXT_WORKING_DAY = re.compile(r"\bngày làm việc tiếp theo\b", re.IGNORECASE)
_SAME_DAY = re.compile(r"\btrong (?:ngày|buổi)\b(?! làm việc tiếp theo)", re.IGNORECASE)
_ALTERNATIVES = re.compile(r"\bhoặc\b|\+|\bcộng (?:thêm|với)\b", re.IGNORECASE)  # no guess: several times, or a sum
_BARE_NUMBER = re.compile(r"^\s*(\d+(?:[.,]\d+)?)\s*$")


def _qty(value: float) -> float | int:
    return int(value) if value == int(value) else value


# ("Không quy định" — no time limit is set — is information, not a placeholder: it stays as text.)
_NO_TIME = {"", "-", "--", "không có thông tin", "chưa có thông tin", "null", "none"}


def stated_time(text: str) -> ProcessingTime | None:
    """The processing time a text states first, keeping the text as the note; None when it
    states none or offers alternatives ("trong ngày hoặc 1 ngày làm việc": no guess)."""
    text = tidy(text)
    if not text:
        return None
    if bare := _BARE_NUMBER.match(text):  # the portal's number without a unit: unit unknown
        qty = parse_number(bare.group(1))
        return ProcessingTime(quantity=_qty(qty), unit=TimeUnit.OTHER, text="") if qty is not None else None
    found = [m for m in (_SAME_DAY.search(text), _NEXT_WORKING_DAY.search(text), STATED_TIME.search(text)) if m]
    if not found:
        return None
    first = min(found, key=lambda m: m.start())
    if _ALTERNATIVES.search(text[first.start(): first.end() + 40]):
        return None
    if first.re is _SAME_DAY:
        return ProcessingTime(quantity=None, unit=TimeUnit.SAME_DAY, text=text)
    if first.re is _NEXT_WORKING_DAY:
        return ProcessingTime(quantity=1, unit=TimeUnit.WORKING_DAY, text=text)
    qty = parse_number(first.group("qty"))
    if qty is None:
        return None
    return ProcessingTime(quantity=_qty(qty), unit=_UNITS[first.group("unit").lower()], text=text)


def parse_time(value: object, unit: str | None = None, note: str = "") -> ProcessingTime | None:
    """A processing time from a number and unit code (portal API) or from text ("5 Ngày làm việc",
    "8 Giờ", "7", "Trong ngày", "Không quá 10 ngày làm việc. Đối với ..."). None when unpublished.
    "Theo mô tả" ("see the description") takes its text from ``note`` when the note states one."""
    unit_code = _UNITS.get((unit or "").strip().lower()) if unit else None
    if isinstance(value, bool):
        value = None
    if isinstance(value, int | float):
        if unit_code in (None, TimeUnit.OTHER) and (from_note := stated_time(note)) and from_note.quantity is not None:
            return from_note  # "7, OTHER" with a note "7 ngày làm việc kể từ ...": the note's unit
        return ProcessingTime(quantity=_qty(value), unit=unit_code or TimeUnit.OTHER, text="")
    text = tidy(str(value)) if value is not None else ""
    if canon(text).strip(" .") in _NO_TIME:
        return None
    if canon(text).strip(" .") == "theo mô tả":
        stated = stated_time(note)
        return stated or ProcessingTime(quantity=None, unit=TimeUnit.OTHER, text=text)
    stated = stated_time(text)
    if stated is not None and (first := STATED_TIME.search(text)) and _A_STEP.search(text[:first.start()][-60:]):
        stated = None  # "Thời gian thực hiện Bước 2 không quá 05 ngày làm việc. - … Bước 3 …": a step's, not the whole
    return stated or ProcessingTime(quantity=None, unit=TimeUnit.OTHER, text=text)


_A_STEP = re.compile(r"\bbước\s*\d", re.IGNORECASE)


# --- levels, lists -------------------------------------------------------------------------
LEVELS = ("bộ", "tỉnh", "xã", "khác")


def level_of(text: str) -> str | None:
    folded = fold(text)
    if not folded:
        return None
    if re.search(r"\b(bo|trung uong|bo nganh)\b", folded):
        return "bộ"
    if re.search(r"\btinh\b", folded):
        return "tỉnh"
    if re.search(r"\b(xa|phuong|dac khu)\b", folded):
        return "xã"
    return "khác"  # "Cơ quan khác", the defunct district level, anything unforeseen


def normalise_levels(values: Iterable[str] | str | None) -> list[str]:
    """ "Cấp bộ, Cấp tỉnh" / ["Cấp Xã"] → ["bộ", "tỉnh"] / ["xã"], in the fixed order bộ, tỉnh, xã, khác."""
    if values is None:
        return []
    if isinstance(values, str):
        values = split_list(values)
    found = {level_of(v) for v in values if not is_placeholder(v)}
    return [level for level in LEVELS if level in found]


def split_list(text: str | None, separators: str = ",;") -> list[str]:
    """Split on separators outside parentheses: "Tổ chức (không bao gồm doanh nghiệp, HTX), Hợp tác xã"
    is two items. Placeholders are dropped, duplicates kept once."""
    text = text_or_empty(text)
    items, depth, current = [], 0, []
    for ch in text:
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth = max(0, depth - 1)
        if ch in separators and depth == 0 or ch == "\n":
            items.append("".join(current))
            current = []
        else:
            current.append(ch)
    items.append("".join(current))
    merged: list[str] = []
    for item in (tidy(i).strip(" .") for i in items):
        if merged and item[:1].islower():  # "Cán bộ, công chức, viên chức" is one item
            merged[-1] = f"{merged[-1]}, {item}"
        elif item:
            merged.append(item)
    return unique(i for i in merged if not is_placeholder(i))


_STEP = re.compile(r"(?:^|(?<=[\n.;:!?])|(?<=[.;:!?] ))(?=Bước\s*\d+\s*[:.\-–)])")


def split_steps(text: str | None) -> list[str]:
    """ "Bước 1: ... Bước 2: ..." → one item per step; a text without numbered steps stays whole."""
    text = text_or_empty(text)
    if not text:
        return []
    parts = [tidy(p) for p in _STEP.split(text) if tidy(p)]
    return parts if len(parts) > 1 else [text]


def unique(items: Iterable[str]) -> list[str]:
    seen: dict[str, None] = {}
    for item in items:
        if item and item not in seen:
            seen[item] = None
    return list(seen)
