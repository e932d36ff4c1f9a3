"""``portal-raw/<ministry>/<code>.json``: the portal's detail pages scraped to text (chatbot_tthc).

Vietnamese field names, and the tables flattened into run-together text: the table cells follow each
other with nothing in between ("Trực tuyến5 Ngày làm việc2,000,000 Việt Nam Đồng(...)Dịch vụ bưu
chính..."). The parsers below cut them back into rows using what the portal always writes: the
submission method at the start of a row, "N bản chính,M bản sao" at the end of a document, a legal
document's number glued to its title. Some pages are wrong altogether: the "Mã thủ tục" shown on
the page differs from the file's code (the crawler stored another procedure) — those are skipped.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

from knowledge.catalogue.facts import ISSUERS
from knowledge.catalogue.importers.common import Skip, finish, national_code, required_name
from knowledge.catalogue.model import Fee, Procedure
from knowledge.catalogue.parse import (
    explains_free,
    fee_from_value,
    normalise_levels,
    not_about_fees,
    parse_number,
    parse_time,
    portal_url,
    split_list,
    split_steps,
    text_or_empty,
    text_or_rule,
    tidy,
    unique,
)
from knowledge.text import fold

SOURCE = "portal-raw"
RETRIEVED_AT = date(2026, 7, 20)
REPOSITORY = "https://github.com/chatbot-tthc/chatbot_tthc"

# The crawler groups pages by the ministry that publishes them.
MINISTRIES = {
    "bo-cong-an": "Bộ Công an",
    "bo-nong-nghiep-mt": "Bộ Nông nghiệp và Môi trường",
    "bo-tai-chinh": "Bộ Tài chính",
    "bo-tu-phap": "Bộ Tư pháp",
    "bo-xay-dung": "Bộ Xây dựng",
    "ngan-hang-nha-nuoc": "Ngân hàng Nhà nước Việt Nam",
    "toa-an-nhan-dan": "Tòa án nhân dân tối cao",
}


def matches(data: Any) -> bool:
    return isinstance(data, dict) and "ma_thu_tuc" in data and "ten_thu_tuc" in data


def read(data: dict, path: Path | None = None) -> list[Procedure]:
    return [procedure_from_portal_raw(data, ministry=MINISTRIES.get(path.parent.name) if path else None)]


def page_code(raw_text: str) -> str | None:
    """The "Mã thủ tục" the page itself shows."""
    m = re.search(r"Mã thủ tục\s*(\d[\d.]*\d)", raw_text or "")
    return m.group(1) if m else None


def _cut(text: str, *markers: str) -> str:
    """Text up to the first marker: the scraper ran on into the next section of the page."""
    for marker in markers:
        i = text.find(marker)
        if i >= 0:
            text = text[:i]
    return text


def _split_at_a_quote(d: dict) -> tuple[str, str]:
    """(the channels' text, the legal basis' text). The crawler cut the page at the words "Căn cứ pháp lý"
    wherever they first stood — inside a fee's text ("100 VNĐ(Căn cứ pháp lý: Thông tư 269/2016…)") —
    leaving the channels cut short and the rest of their table as the legal basis (": Thông tư…"):
    then both are read again from the page's text, the legal basis from its own heading."""
    channels, legal = str(d.get("cach_thuc_thuc_hien") or ""), str(d.get("can_cu_phap_ly") or "")
    raw = str(d.get("raw_text") or "")
    if not legal.lstrip().startswith(":") or "Cách Thức Thực Hiện" not in raw:
        return channels, legal
    section = raw.split("Cách Thức Thực Hiện", 1)[1]
    channels = section.split("Thành phần hồ sơ", 1)[0]
    own = [m.end() for m in re.finditer(r"Căn cứ pháp lý(?!\s*:)", raw)]
    return channels, (raw[own[-1]:] if own else "")


def procedure_from_portal_raw(d: dict, ministry: str | None = None) -> Procedure:
    code = national_code(d.get("ma_thu_tuc"))
    shown = page_code(str(d.get("raw_text") or ""))
    if shown and shown != code:
        raise Skip("code mismatch", f"file says {code}, its page shows {shown}")
    name = required_name(d.get("ten_thu_tuc"))
    url = str(d.get("detail_url") or "").strip()
    portal_id = url.rstrip("/").rsplit("/", 1)[-1] if "dichvucong.gov.vn" in url else None
    executing = text_or_empty(d.get("co_quan_thuc_hien")) or text_or_empty(d.get("co_quan_co_tham_quyen"))
    channels_text, legal_text = _split_at_a_quote(d)
    return finish({
        "code": code,
        "name": name,
        "field": text_or_empty(d.get("linh_vuc")),
        "promulgating_agency": ministry,
        "executing_agency": executing,
        "levels": normalise_levels(str(d.get("cap_thuc_hien") or "")),
        "subjects": split_list(str(d.get("doi_tuong_thuc_hien") or "")),
        "results": parse_results(str(d.get("ket_qua_xu_ly") or "")),
        "requirements": text_or_empty(_cut(str(d.get("yeu_cau_dieu_kien") or ""), "Từ khóa")),
        "documents": parse_documents(str(d.get("thanh_phan_ho_so") or "")),
        "channels": parse_channels(channels_text),
        "steps": split_steps(str(d.get("trinh_tu_thuc_hien") or "")),
        "legal_basis": parse_legal_basis(legal_text),
        "submit_address": text_or_empty(d.get("dia_chi_tiep_nhan")),
        "source": SOURCE,
        "source_url": url or REPOSITORY,
        "portal_url": portal_url(portal_id),
        "retrieved_at": RETRIEVED_AT,
    })


# --- results ---------------------------------------------------------------------------------
def parse_results(text: str) -> list[str]:
    """ "Trích lục ...Mã: KQ.G15.000033Từ khóa...Chọn cơ quan thực hiện..." → ["Trích lục ..."]."""
    text = _cut(tidy(text), "Từ khóa", "Chọn cơ quan thực hiện")
    return unique(text_or_empty(p) for p in re.split(r"Mã:\s*[A-Z]{2}(?:\.[A-Z0-9]+)*\.\d+", text))


# --- submission channels ("cách thức thực hiện") ---------------------------------------------
_CHANNEL_HEADER = "Hình thức nộpThời gianPhí, lệ phíMô tả"
_NO_INFO = "Không có thông tin"
_METHODS = {"Trực tuyến": "ONLINE", "Dịch vụ bưu chính": "POSTAL", "Trực tiếp": "DIRECT"}
# A row starts with the method, glued to its time (or to "Không có thông tin"/the fee when no time).
# Or glued to a time cell in words ("Trực tuyếnKhông phải trả kết quả cho người nộp thuếMiễn phí…"),
# which then runs to the fee cell.
_TEXT_TIME = r"[A-ZĐ][^()\d]{2,150}?(?=Miễn phí|Không có thông tin|\d[\d,.]*\s*(?:Việt Nam Đồng|VNĐ|Đồng))"
_ROW = re.compile(rf"(Trực tuyến|Dịch vụ bưu chính|Trực tiếp)(?=\d|Không có thông tin|Trong ngày|Miễn phí|{_TEXT_TIME})")
_TIME = re.compile(r"(\d+(?:[.,]\d+)?)\s*(Ngày làm việc|Ngày|Giờ làm việc|Giờ|Tháng|Năm|Tuần)?")
_FEE = re.compile(r"(?P<num>\d[\d,.]*)\s*(?P<cur>Việt Nam Đồng|VNĐ|VND|Đồng|đồng|USD|EUR)")
_PORTAL_NUMBER = re.compile(r"0|[1-9]\d{0,2}(?:,\d{3})*|[1-9]\d*(?:\.\d+)?")


def parse_channels(text: str) -> list[dict]:
    text = tidy(text)
    text = text[len(_CHANNEL_HEADER):] if text.startswith(_CHANNEL_HEADER) else text
    starts = list(_ROW.finditer(text))
    rows = []
    for i, m in enumerate(starts):
        end = starts[i + 1].start() if i + 1 < len(starts) else len(text)
        rows.append(_channel_row(_METHODS[m.group(1)], text[m.end():end]))
    return rows


def _split_time_and_fee(digits: str) -> tuple[str, str] | None:
    """ "1200" (a time with no unit glued to the fee "200") → ("1", "200"): the shortest time that
    leaves a well-formed portal amount ("0", "200", "100,000")."""
    for cut in range(1, len(digits)):
        head, tail = digits[:cut], digits[cut:]
        if head.isdigit() and re.fullmatch(r"0|[1-9]\d{0,2}(?:,\d{3})*", tail):
            return head, tail
    return None


def _channel_row(method: str, seg: str) -> dict:
    time, value, currency, has_fee, said_free = None, None, None, False, False
    rest = seg
    if rest.startswith(_NO_INFO):
        rest = rest[len(_NO_INFO):]
    elif not rest.startswith(("Trong ngày", "Miễn phí")) and (worded := re.match(_TEXT_TIME, rest)):
        time, rest = parse_time(worded.group(0)), rest[worded.end():]
    elif rest.startswith("Trong ngày"):
        time, rest = parse_time("Trong ngày"), rest[len("Trong ngày"):]
    else:
        t = _TIME.match(rest)
        glued = _FEE.match(rest)
        if t and t.group(2):
            time, rest = parse_time(t.group(0)), rest[t.end():]
        elif glued and (split := _split_time_and_fee(glued.group("num"))):
            time = parse_time(split[0])
            value, currency, has_fee = parse_number(split[1]), glued.group("cur"), True
            rest = rest[glued.end():]
        elif t:
            time, rest = parse_time(t.group(1)), rest[t.end():]
    if not has_fee:
        fee = _FEE.match(rest)
        if said_free := rest.startswith("Miễn phí"):
            value, has_fee, rest = 0, True, rest[len("Miễn phí"):]
        elif rest.startswith(_NO_INFO):
            rest = rest[len(_NO_INFO):]
        elif fee and _PORTAL_NUMBER.fullmatch(fee.group("num")):
            value, currency, has_fee = parse_number(fee.group("num")), fee.group("cur"), True
            rest = rest[fee.end():]
    fee_text, rest = _leading_parenthesis(rest)
    while rest.startswith("(") and (more := _leading_parenthesis(rest))[0] and _FEE_MORE.search(more[0]):
        # "(/hồ sơ)(áp dụng mức phí 1.750.000 … đến hết …)": a bracket that is only the amount's unit gives way
        unit_only = re.fullmatch(r"/\s*\w[\w\s]{0,20}", fee_text)
        fee_text, rest = (more[0] if unit_only else f"{fee_text} ({more[0]})").strip(), more[1]
    others: list[str] = []
    if has_fee and not fee_text and _FEE_CELL.match(rest):  # "800,000 Việt Nam ĐồngPhí: 800.000 đồng/hồ sơ (áp
        # dụng mức phí 400.000 … đến hết …).\n\nLệ phí: 100.000 đồng/hồ sơ.": the fee cell's text, unbracketed,
        # one paragraph a charge — the cell's number is the first one's
        fee_text, *others = [p.strip() for p in re.split(r"\n\s*\n", rest) if p.strip()]
        rest = ""
    fee_text = re.sub(r"^(Đồng|VNĐ)\s*", "", fee_text)  # the portal prints the unit of a 0 value
    case = ""
    if (lead := _FEE_CASE.match(fee_text)) and fee_text[lead.end():].strip():  # "(Đối với sân bay trực thăng…)Miễn
        case, fee_text = lead.group(1).strip(), fee_text[lead.end():].strip()  # phí từ …": the row is that case's
    if said_free and (not_about_fees(fee_text) or explains_free(fee_text)):
        # "Miễn phí(Cách thức thực hiện : …)", "Miễn phí(Theo quy định của Luật phí và lệ phí…)": still free
        fees = [Fee(amount_vnd=0, text=text_or_rule(fee_text))]
    else:  # (said_free: the cell's words, for an answer that says what the record printed)
        fees = [f.model_copy(update={"case": case, "said_free": said_free and f.published_zero})
                for f in ([fee_from_value(value, fee_text, currency=currency)] if has_fee else [])]
        fees += [fee_from_value(None, other) for other in others]
    note = text_or_rule(rest)  # ("Không quy định": no time limit is set — information)
    if not has_fee and fee_text:
        note = "\n".join(p for p in (fee_text, note) if p)
    if not fees and (said := _FEE_IN_NOTE.search(note)):  # the fee cell empty, the note says "- Không quy định phí, lệ phí"
        line = said.group(1).strip(" .;")
        fees = [fee_from_value(0, line[0].upper() + line[1:])]
    return {"method": method, "time": time, "fees": fees, "note": note}


# A second bracket after the fee cell's that is still about the fee.
_FEE_MORE = re.compile(r"\b(?:mức phí|mức thu|lệ phí|phí|miễn)\b", re.IGNORECASE)
# The case a fee row is for, bracketed before the rest of its text.
_FEE_CASE = re.compile(r"\(\s*((?:đối với|trường hợp|áp dụng (?:đối )?với)\b[^()]{3,200})\)", re.IGNORECASE)
# A fee cell's text printed without its brackets: it opens with what it prices.
_FEE_CELL = re.compile(r"(?:Phí|Lệ phí|Mức thu|Mức phí|Mức lệ phí|Giá)\s*:", re.IGNORECASE)
# A line of a channel's note that says no fee is set or charged ("- Không quy định phí, lệ phí").
_FEE_IN_NOTE = re.compile(r"^[\s\-–+•]*((?:không|chưa) (?:quy định|thu|có|phải nộp)\b[^\n]{0,40}?\b(?:phí|lệ phí)\b[^\n]*)$",
                          re.IGNORECASE | re.MULTILINE)


def _leading_parenthesis(text: str) -> tuple[str, str]:
    """("inside", "after") when text starts with a balanced "(...)"; unbalanced runs to the end."""
    if not text.startswith("("):
        return "", text
    depth = 0
    for i, ch in enumerate(text):
        depth += ch == "("
        depth -= ch == ")"
        if depth == 0:
            return text[1:i].strip(), text[i + 1:]
    return text[1:].strip(), ""


# --- documents ("thành phần hồ sơ") ----------------------------------------------------------
_DOC_HEADER = "Tên giấy tờMẫu đơn, tờ khaiSố lượng"
# "1 bản chính", "0 bản chính,1 bản sao", "1 bản sao", glued to the document's name. After other
# digits only one digit belongs to the count ("...ngày 24/07/20231 bản chính").
_COUNT = re.compile(
    r"(?:(?<=\d)(?P<o1>\d)|(?<!\d)(?P<o2>\d{1,2})) bản chính(?:,\s*(?P<c1>\d{1,2}) bản sao)?"
    r"|(?:(?<=\d)(?P<c2>\d)|(?<!\d)(?P<c3>\d{1,2})) bản sao"
)
_EXTENSIONS = r"docx?|pdf|xlsx?|rar|zip|odt|rtf"  # of the form files the portal attaches
_FORM_EXT = re.compile(rf"\.({_EXTENSIONS})$", re.IGNORECASE)


_NEXT_LABEL = re.compile(r"\s*[a-zđ]{1,4}\)|\s*[a-zđ](?:\.\d+)+\)|\s*[a-zđ]\.\s*[A-ZĐ]")  # "c) …", "b.3) …", "b. Trường hợp…"
# A file name's extension followed by the next file name ("….docMau 06-….docx").
_INNER_EXT = re.compile(rf"\.(?i:{_EXTENSIONS})(?=[A-ZĐ])")
# A legal number's issuer with a file name glued after it ("…/NĐ-CPBC tom tat. DG rui ro.docx").
_ISSUER_THEN_FILE = re.compile(r"\d/(?:\d{4}/)?(?:[A-ZĐ]+-)*?(?:" + "|".join(sorted(ISSUERS - {"QH"}, key=len, reverse=True))
                               + r")(?=[A-ZĐ][A-Za-zĐđ]*[\s._]|\d+\s)")  # (or "…TT-BNNMT22 đ sửa.docx")


def _is_count(text: str, m: re.Match) -> bool:
    """A real count is glued to the next name; "01 bản sao giấy khai sinh" is part of a name. The
    next name may start with its list label ("…1 bản chínhc) Báo cáo…", "(d) Danh sách…"). The
    portal never pads its counts: "…: 01 bản sao Báo cáo nghiên cứu khả thi" is the name's words."""
    if re.match(r"0\d", m.group(0)):
        return False
    after = text[m.end():m.end() + 2].lstrip()
    # A count cell after a sentence's end or a form file ("…xe cơ giới.0 bản chính,1 bản saovăn bản…",
    # "…sđ.docx1 bản chínhảnh màu…") ends the row even when the next name starts in lower case.
    ended = bool(re.search(r"(?:[.)]|\.(?i:docx?|pdf|xlsx?))$", text[:m.start()])) or bool(m.group("c1"))
    return not after or not after[0].islower() or ended or bool(_NEXT_LABEL.match(text, m.end()))


def split_form(name: str) -> tuple[str, str | None]:
    """ "Tờ khai theo mẫuMẫu số 01.docx" → ("Tờ khai theo mẫu", "Mẫu số 01.docx"): the form's file
    name is glued to the document's name; it starts at the first glued lower→upper (or ")1")
    boundary of the last 100 characters, else at the last space."""
    if not _FORM_EXT.search(name):
        return name, None
    if (inner := _INNER_EXT.search(name)) and inner.end() < len(name):  # several files glued: "…sảnMau
        head, form = split_form(name[:inner.end()])  # 05-…doc" + "Mau 06-…doc…": the first one says where
        return head, "; ".join(f for f in (form, *_INNER_EXT.sub(r"\g<0>\n", name[inner.end():]).split("\n")) if f)
    if issuer := _ISSUER_THEN_FILE.search(name, max(0, len(name) - 120)):  # "…số 43/2026/NĐ-CPBC tom tat.docx"
        return name[:issuer.end()].strip(), name[issuer.end():].strip()
    head, semicolon, tail = name.rpartition(";")
    if semicolon and len(tail) < 100 and _FORM_EXT.search(tail) and head.strip() and head.count("(") <= head.count(")"):
        return head.strip(), tail.strip()  # "…Bộ Tài chính;phụ lục III mẫu báo cáo.docx"
    window_start = max(1, len(name) - 100)
    for i in range(window_start, len(name)):
        prev, ch = name[i - 1], name[i]
        number_dot = (prev == "." and name[i - 2:i - 1].isdigit()  # "Mẫu 14.14", "Mẫu số 11.NT" — not a date's end
                      and not re.search(r"\d{1,2}/\d{1,2}/\d{4}$", name[:i - 1]))  # ("…ngày 30/6/2023.NA5.doc")
        if (prev.islower() or prev in ".;:)]") and (ch.isupper() or ch.isdigit()) and not number_dot:
            return name[:i].strip(), name[i:].strip()
        # a file name glued to a legal number: "…/NĐ-CPMus03axethongminh.docx" — only after a whole
        # issuer ("…/QĐ-T" + "Tg ngày…" is one number, "QĐ-TTg", not a number and a file)
        if (prev.isupper() and (ch.isupper() and name[i + 1:i + 2].islower() or ch.islower())
                and (issuer := re.search(r"[-/]([A-ZĐ]+)$", name[:i])) and issuer.group(1) in ISSUERS):
            return name[:i].strip(), name[i:].strip()  # (or "…/TT-BNNMTđơn công nhận.pdf")
    if m := _last_glued_form_word(name, window_start):  # "…26/01/2026Mau so 04.docx", "….mẫu 22d.docx"
        return name[:m].strip(), name[m:].strip()
    if (cut := _restated_tail(name, window_start)) is not None:  # "…quy địnhbáo cáo kết quả khảo sát.docx"
        return name[:cut].strip(), name[cut:].strip()
    if (cut := _glued_syllables(name, window_start)) is not None:  # "…theo mẫu quy địnhvăn bản đề nghị.docx"
        return name[:cut].strip(), name[cut:].strip()
    head, _, tail = name.rpartition(" ")
    return (head.strip(), tail) if head else ("", name)


_FORM_WORD = re.compile(r"(?i)(?:m[ẫa]u|ph[ụu]\s?l[ụu]c|bi[ểe]u\s?m[ẫa]u)(?=[\s\d_.\-]|s[ốo]\b)")


def _last_glued_form_word(name: str, start: int) -> int | None:
    """Where a form word ("Mẫu", "Mau", "Phụ lục") glued to the text before it starts the file name."""
    found = [m.start() for m in _FORM_WORD.finditer(name, start)
             if m.start() and not name[m.start() - 1].isspace() and not name[m.start() - 1].islower()
             and name[m.start() - 1] != "("]  # "(mẫu NA5)" is the name's own words
    return found[-1] if found else None


def _restated_tail(name: str, start: int) -> int | None:
    """Where a file name that repeats words of the document's own name starts, glued to it
    ("Báo cáo kết quả khảo sát … theo mẫu quy địnhbáo cáo kết quả khảo sát.docx"). The words it
    repeats start a word of the name ("n đề nghị" is not restated by "Đơn đề nghị")."""
    stem = _FORM_EXT.sub("", name)
    for i in range(start, len(stem)):
        tail = stem[i:]
        if (name[i - 1].isalpha() and name[i].isalpha() and len(tail.split()) >= 2
                and re.search(r"(?<!\w)" + re.escape(fold(tail)), fold(stem[:i]))):
            return i
    return None


# One Vietnamese syllable, without its tone marks (``fold``): words are one syllable each, so a
# "word" of two ("địnhvăn") is two words run together.
_INITIAL = r"(?:ngh|ng|nh|ch|gh|gi|kh|ph|th|tr|qu|[bcdghklmnprstvx])"
_SYLLABLE = rf"{_INITIAL}?[aeiouy]{{1,3}}(?:ch|nh|ng|[cmnpt])?"
_TWO_SYLLABLES = re.compile(rf"({_SYLLABLE})({_INITIAL}[aeiouy]{{1,3}}(?:ch|nh|ng|[cmnpt])?)")


def _glued_syllables(name: str, start: int) -> int | None:
    """Where a file name of several words starts, glued in lower case to the last word of the
    document's name ("…theo mẫu quy địnhvăn bản đề nghị.docx" → "…quy định" + "văn bản đề
    nghị.docx"): at the last run of two syllables in one word."""
    stem = _FORM_EXT.sub("", name)
    found = None
    for m in re.finditer(r"(?<![^\W\d_])[^\W\d_]+(?![^\W\d_])", stem):
        word = m.group(0)
        if m.end() <= start or not word.islower() or len(word) != len(fold(word)):
            continue
        rest = stem[m.start() + two.end(1):] if (two := _TWO_SYLLABLES.fullmatch(fold(word))) else ""
        if re.search(r"[^\W\d_]\s+[^\W\d_]", rest):  # words, not "don_de_nghi (1)"
            found = m.start() + two.end(1)
    return found


def _numbered_word(chunk: str, m: re.Match) -> int:
    """1 when the first of a two-digit count is the number of the word before it ("…công trình đường
    sắt bước 1" + "1 bản chính", not "bước" + "11 bản chính"), else 0."""
    two = m.group("o2") or m.group("c3") or ""
    return int(len(two) == 2 and bool(re.search(r"\b(?:bước|số|điểm|khoản|mục|mẫu|phụ lục)\s$", chunk[:m.start()],
                                                re.IGNORECASE)))


def _document(name: str, m: re.Match | None, numbered: int = 0) -> dict:
    name, form = split_form(tidy(name))
    if m is None:
        return {"name": name, "form": form}
    originals = m.group("o1") or m.group("o2")
    originals = originals[numbered:] if originals and m.group("o2") else originals
    copies = m.group("c1") or m.group("c2") or m.group("c3")
    copies = copies[numbered:] if copies and m.group("c3") else copies
    return {
        "name": name,
        "originals": int(originals) if originals else 0,
        "copies": int(copies) if copies else 0,
        "form": form,
    }


def _title(text: str) -> str:
    return text_or_empty(text).strip(" *:")


def parse_documents(text: str) -> list[dict]:
    text = tidy(text)
    chunks = text.split(_DOC_HEADER)
    if len(chunks) == 1:  # no table header: a scraping accident (often the steps' tail)
        return []
    groups, title = [], _title(chunks[0])
    for n, chunk in enumerate(chunks[1:], start=1):
        items, pos = [], 0
        for m in _COUNT.finditer(chunk):
            if m.start() < pos or not _is_count(chunk, m):
                continue
            cut = m.start() + _numbered_word(chunk, m)
            items.append(_document(chunk[pos:cut], m, cut - m.start()))
            pos = m.end()
        tail = chunk[pos:]
        if n == len(chunks) - 1 and text_or_empty(tail):
            items.append(_document(tail, None))  # a last document without a count
            tail = ""
        groups.append({"title": title, "items": items})
        title = _title(tail)
    return groups


# --- legal basis ("căn cứ pháp lý") ----------------------------------------------------------
_LAW_HEADER = "Tên văn bản pháp lýMã văn bản"
# "85/2019/TT-BTC", "66.7/2025/NQ-CP", "60/2014/QH13", "72/2011/TTLT-BTC-BGTVT", "08/2017/QĐ-TTg"
# A segment never ends in an upper-case letter that, with the lower-case letter after it, starts the
# next title ("85/2019/TT-BTCNghị định" → "85/2019/TT-BTC", but "18/2026/NĐ-CPquy định" keeps "CP"):
# a Vietnamese word starts upper + vowel, or Ch/Gh/Kh/Nh/Ph/Th, Ng, Tr. "TTg" is the one mixed-case
# segment. Two digits end "QH13"; elsewhere ("C06") only when they do not start the next number
# ("NĐ-CP42/2020/...", "TT-BTC281/2016/...").
_WORD_SECOND = "aàáảãạăằắẳẵặâầấẩẫậeèéẻẽẹêềếểễệiìíỉĩịoòóỏõọôồốổỗộơờớởỡợuùúủũụưừứửữựyỳýỷỹỵhgr"
_UPPER = "A-ZĐƯ"  # "01/2014/NQLT-CP-UBTƯMTTQVN": "TƯ" (trung ương) in an issuer's initials
_SEGMENT = rf"(?:TTg|[{_UPPER}]*QH\d{{2}}|[A-ZĐ][{_UPPER}]*(?:\d{{2}}(?![\d/.a-z]))?)(?![{_WORD_SECOND}])"
_LAW_CODE = re.compile(rf"\d+(?:\.\d+|\.[a-z])?[a-z]?/(?:\d{{4}}/)?{_SEGMENT}(?:-{_SEGMENT})*")
_KIND_ABBREVIATIONS = "TTLT|TT|NĐ|QĐ|NQ"  # "NĐ 23/2026/NĐ-CP", "TT29/2025"
_KINDS = r"(?:Luật|Luất|Bộ luật|Thông tư liên tịch|Thông tư|Nghị định|Nghị quyết|Quyết định|Pháp lệnh|Chỉ thị)"
# The number cell's own words before its number ("Luật số", "Nghị định số", a bare "số"), glued to
# the end of the title cell ("…bảo vệ thực vậtsố 07/2026/TT-BNNMT", "…MÔI TRƯỜNGLuất số 146/2025/QH15").
_LAW_KIND_TAIL = re.compile(
    rf"(?:(?<=\S)({_KINDS}(?: số)?|(?<=[\w.;,)])(?<!\d)số|(?<=[.;,)])(?:{_KIND_ABBREVIATIONS}))|(?<=\s)({_KINDS} số))\s*$")
# The number cell's own words glued to the end of the title: "…bảo vệ thực vậtsố 07/2026/…", "…tài nguyên
# nước.NĐ 23/2026/NĐ-CP".
_GLUED_CELL_WORDS = re.compile(rf"(?:(?<=[^\s\d])số|(?<=[.;,)])(?:{_KIND_ABBREVIATIONS}))\s*$")
# A number cell glued to the end of the title cell: "…Môi trường.Nghị quyết số ", "…tín dụngLuật số ".
_CELL_AFTER_SENTENCE = re.compile(rf"(?<=[^\s\d]){_KINDS}(?: số)?\s*$")  # (after a space, "…; Thông tư số …" is prose)
# A number cell without a number of the form "N/YYYY/…": "Thông tư80" (kind and a bare number glued to
# the next title) or "…hành nghề thú y.Luật Thú y 2015" (a law named by its title and year).
_BARE_CELL = re.compile(rf"^({_KINDS})\s?(\d{{1,4}})(?=[A-ZĐ])")
_DATED_BARE_CELL = re.compile(r"(\bngày \d{1,2}/\d{1,2}/(?:19|20)\d\d)(\d{1,4})(?=[A-ZĐ])")
# A title printed twice, once in each cell ("Luật Nuôi con nuôiLuật Nuôi con nuôi"); a title's number
# and a number cell that restates it in short ("…số 29/2025/TT-BTC" + "TT29/2025").
_TWICE = re.compile(r"^(\S.{3,120}?\S)\1(?=[A-ZĐ])")
_RESTATED_CELL = re.compile(rf"(\d{{1,4}}/\d{{4}}/[A-ZĐ]+(?:-[A-ZĐ]+)*)((?:{_KIND_ABBREVIATIONS})(\d{{1,4}}/\d{{4}}))(?![\d/])")
# A number cell in short, without its issuer, glued between two titles ("…HẢI QUAN.42/2020Nghị định số
# 46/2020/NĐ-CP46/2020Luật…"): read as the whole number its own title gives, when it gives one.
_SHORT_CELL = re.compile(r"(?<=[^\d\s/])(?<!TT)(?<!NĐ)(?<!QĐ)(?<!NQ)(\d{1,4}/\d{4})(?![\d/])(?=[A-ZĐ])")  # (not "…TT29/2025")
_SLASHED_ISSUER = re.compile(r"(\d{1,4}/\d{4}/[A-ZĐ]+)/([A-ZĐ]+)(?![\wĐ])")  # "198/2016/TT/BTC" is "…/TT-BTC"


def _whole_number(before: str, short: str) -> str:
    whole = [m.group(0) for m in _LAW_CODE.finditer(before) if m.group(0).startswith(short + "/")]
    return whole[-1] if whole else short


# A number of the old form, without a year ("73-CP", "12-HĐBT"), glued between two titles.
_OLD_NUMBER = re.compile(r"(?<=[^\s\d])(\d{1,4}-(?:CP|HĐBT|TTg))(?=[A-ZĐ])")
_NAMED_LAW = re.compile(rf"(?<=[.;])\s?({_KINDS} [^.;\d]{{2,60}}(?:\d{{4}})?)$")


_NEXT_SECTION = re.compile(r"(?<=\S)(?:Cơ quan thực hiện|Cơ quan có thẩm quyền|Yêu cầu, điều kiện|Trình tự thực hiện"
                           r"|Thành phần hồ sơ|Kết quả thực hiện|Đối tượng thực hiện)(?=\S)")


def parse_legal_basis(text: str) -> list[dict]:
    """Title and number cells glued: "...Luật Hộ tịch123/2015/NĐ-CPNghị định..." — a number ends an
    entry when it is glued to the title before it or to the next title after it."""
    text = tidy(text)
    text = text[len(_LAW_HEADER):] if text.startswith(_LAW_HEADER) else text
    text = _NEXT_SECTION.split(text, 1)[0]  # the page's next section run into the cell ("…QH12Cơ quan thực hiện…")
    text = _SHORT_CELL.sub(lambda m: _whole_number(text[:m.start()], m.group(1)), text)
    text = re.sub(r"(\d/\d{4}/[A-ZĐ]+)_(?=[A-ZĐ])", r"\1-", text)  # "31/2025/TT_BCA"
    text = _SLASHED_ISSUER.sub(lambda m: f"{m.group(1)}-{m.group(2)}" if m.group(2) in ISSUERS else m.group(0), text)
    if not text_or_empty(text):
        return []
    docs, pos = [], 0
    for m in _LAW_CODE.finditer(text):
        start, code, end = m.start(), m.group(0), m.end()
        before = text[start - 1] if start else " "
        last = re.split(r"[-/]", code)[-1]
        if last not in ISSUERS and last + text[end:end + 1] in ISSUERS and text[end + 1:end + 2].islower():
            code, end = code + text[end], end + 1  # "…/NĐ-CPhướng dẫn…": a known issuer is never cut ("C" + "Phướng")
        if re.match(r"(19|20)\d\d\d{1,4}/", code):  # "ngày 29/6/202443/2024/QH15": a year glued on
            start, code = start + 4, code[4:]
            before = text[start - 1]
        elif re.match(r"(19|20)\d\d\.\d{1,4}/", code) and re.search(r"(?:năm |\d[/-])$", text[:start]):  # "năm 2025.09/2026/…", "15/5/2026.55/2026/…"
            start, code = start + 5, code[5:]
            before = text[start - 1]
        after = text[end:end + 1]
        # (after an old number, "…Việt Nam.73-CPQuyết định số 53/2013/…", the kind starts the next title)
        glued_before = start == pos or not before.isspace() or _GLUED_CELL_WORDS.search(text[pos:start]) or (
            bool(_CELL_AFTER_SENTENCE.search(text[pos:start])) and not _OLD_NUMBER.search(text[pos:start]))
        # a number run into the next one ("…/QH1550/2025/TT-NHNN") ends here too — unless the title
        # itself ends with it, apart from the words before it ("…bởi Nghị định số 232/2025/NĐ-CP" +
        # "34/2025/TT-NHNN"): then the next one is this title's number
        run_into_next = after.isdigit() and not text.startswith(code, end)  # not the number cell restating it
        if run_into_next and not glued_before:
            continue
        glued_after = after.isupper() or after.islower() or run_into_next or end == len(text.rstrip())
        if start < pos or not (glued_before or glued_after):
            continue
        name = text[pos:start]
        while dated := _DATED_BARE_CELL.search(name):  # "…TT-BTC ngày 28/4/202225Thông tư quy định…": the
            # title ends at its date, the number cell holds a bare "25", the next title follows
            title = text_or_empty(name[:dated.end(1)])
            docs.append({"code": (number := _LAW_CODE.search(title)) and number.group(0) or "", "name": title})
            name = name[dated.end():]
        while bare := _BARE_CELL.match(name):  # "Thông tư80Nghị định …": an entry of its own
            docs.append({"code": "", "name": f"{bare.group(1)} {bare.group(2)}"})
            name = name[bare.end():]
        while twice := _TWICE.match(name):  # "Luật Nuôi con nuôiLuật Nuôi con nuôiThông tư …": a law whose
            docs.append({"code": "", "name": twice.group(1)})  # number cell restates its title
            name = name[twice.end():]
        while (cell := _RESTATED_CELL.search(name)) and cell.group(1).startswith(cell.group(3) + "/"):
            # "Thông tư số 29/2025/TT-BTCTT29/2025": a title ending with its number, and a number cell
            # that restates it in short
            docs.append({"code": cell.group(1), "name": text_or_empty(name[:cell.end(1)])})
            name = name[cell.end():]
        while old := _OLD_NUMBER.search(name):  # "…Việt Nam.73-CPQuyết định số …": a number of before 2000
            docs.append({"code": old.group(1), "name": text_or_empty(name[:old.start()])})
            name = name[old.end():]
        kind = _LAW_KIND_TAIL.search(name)
        if kind:  # "...Bộ Tư phápThông tư số 03/2023/TT-BTP": the kind belongs to the number
            word = kind.group(1) or kind.group(2)
            # (a bare "số", or "Luật số" after a space: the cell's words, the number alone says it)
            abbreviated = word in ("NĐ", "TT", "QĐ", "NQ", "TTLT", "số") or kind.group(2) is not None  # "…nước.NĐ 23/2026/NĐ-CP": the number says it
            word = word.replace("Luất", "Luật")  # the portal's typo
            name, code = name[:kind.start()], code if abbreviated else f"{word} {code}"
        name = text_or_empty(name)
        docs.append({"code": code, "name": "" if name.lower() == "số" else name})  # "số 50/2025/TT-NHNN": a cell's word
        pos = end
    tail = text_or_empty(text[pos:])
    if tail and (named := _NAMED_LAW.search(tail)):  # "…hành nghề thú y.Luật Thú y 2015"
        docs.append({"code": named.group(1).strip(), "name": text_or_empty(tail[:named.start()])})
    elif tail:
        docs.append({"code": "", "name": tail})
    return docs
