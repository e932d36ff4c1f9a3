"""A procedure record turned into what the answer templates show: labels, collapsed channels,
bounded lists. Kept apart from the templates so that both dialects show the same facts."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, OrderedDict
from dataclasses import dataclass, field, replace
from datetime import date
from urllib.parse import urlsplit

from handlers.render import render_reply
from handlers.types import Reply
from knowledge.catalogue.fees import in_force
from knowledge.catalogue.facts import place_in_steps
from knowledge.catalogue.model import Channel, Fee, LegalDoc, Method, ProcessingTime, Procedure, TimeUnit
from knowledge.catalogue.parse import STATED_TIME, parse_number
from knowledge.channels import CAPABILITIES

SECTIONS = ("documents", "fee", "time", "place", "legal")
METHOD_LABEL = {Method.ONLINE: "Trực tuyến", Method.POSTAL: "Qua bưu chính", Method.DIRECT: "Trực tiếp"}
UNIT_LABEL = {
    TimeUnit.WORKING_DAY: "ngày làm việc",
    TimeUnit.DAY: "ngày",
    TimeUnit.HOUR: "giờ",
    TimeUnit.WORKING_HOUR: "giờ làm việc",
    TimeUnit.MONTH: "tháng",
}
LEVEL_LABEL = {"xã": "cấp xã", "tỉnh": "cấp tỉnh", "bộ": "cấp trung ương", "khác": "cơ quan khác"}
# English answers: the labels and the sentences we compose in English; the record's own words
# (documents, fees, agencies, notes) stay as published, in Vietnamese.
METHOD_LABEL_EN = {Method.ONLINE: "Online", Method.POSTAL: "By post", Method.DIRECT: "In person"}
UNIT_LABEL_EN = {
    TimeUnit.WORKING_DAY: "working days",
    TimeUnit.DAY: "days",
    TimeUnit.HOUR: "hours",
    TimeUnit.WORKING_HOUR: "working hours",
    TimeUnit.MONTH: "months",
}
LEVEL_LABEL_EN = {"xã": "commune level", "tỉnh": "provincial level", "bộ": "central level", "khác": "other body"}
WHAT_EN = {"mức phí, lệ phí": "fees", "thời hạn": "times", "cơ quan": "agencies", "địa chỉ": "addresses"}
NO_INFO = {"vi": "Không có thông tin", "en": "No information"}
CONCISE_TEXT = 160  # characters of one document, heading, fee or time on the first screen
TITLE = 110  # characters of the short title; the full official name is in the full view
_BULLET = re.compile(r"^[\s*+\-•–]+")


def shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0]
    return cut.rstrip(",;:.") + "…"


# "Chi tiết tại văn bản kèm theo": a table the record points to but does not hold (one that names a
# published document, "ban hành kèm theo Thông tư số …", can be looked up).
ATTACHED = re.compile(r"\b(chi tiết tại|theo) (văn bản|biểu phí|biểu mức thu|phụ lục)[^.;]*kèm theo(?! (thông tư|nghị định|quyết định|nghị quyết))",
                      re.IGNORECASE)


def rest(count: int, what: str, button: str, lang: str = "vi") -> str:
    """What the first answer leaves out, said plainly, with the button that shows it."""
    if lang == "en":
        return f"… and {count} more {WHAT_EN.get(what, what)} — tap «{BUTTON_EN[button]}» to see them all"
    return f"… và {count} {what} khác — bấm «{button}» để xem đủ"


def fee_text(fees: list[Fee], limit: int, today: date, keep: int | None = None, lang: str = "vi") -> str:
    """The channel's fees in force today; ``keep``: at most this many, and how many are left."""
    if not fees:
        return NO_INFO[lang]
    # A fee of one case (the rows of a method differ by case and by fee) says which case it is for.
    pairs: dict[str, str] = {}  # whole line → shortened line (the fee and its case shortened apart)
    for fee in fees:
        said = " ".join(in_force(fee, today).split()).rstrip(" ;")
        pairs.setdefault(said + (f" — {fee.case}" if fee.case else ""),
                         shorten(said, limit) + (f" — {shorten(fee.case, min(limit, 90))}" if fee.case else ""))
    whole, short = list(pairs), list(pairs.values())
    lines = [s if short.count(s) == 1 else w for s, w in zip(short, whole, strict=True)]  # never two alike
    if keep is not None and len(lines) > keep:
        lines = [*lines[:keep], rest(len(lines) - keep, "mức phí, lệ phí", FEE_BUTTON, lang)]
    text = "; ".join(lines)
    if ATTACHED.search(text):  # the table it points to is not in the record
        text += (" (the fee table is not in the procedure's record: see the source page below)" if lang == "en"
                 else " (biểu phí này không có trong dữ liệu thủ tục: xem trang nguồn bên dưới)")
    return text


def short_title(name: str, limit: int = TITLE) -> str:
    """The name a citizen recognises: without "Thủ tục", cut before a qualifying clause ("theo quy
    định tại…", "đối với trường hợp…") or at a word when still too long."""
    name = re.sub(r"^Thủ tục:?\s*", "", name).strip()
    name = name[:1].upper() + name[1:]
    if len(name) <= limit:
        return name
    for marker in (" (", " theo quy định", " quy định tại", " đối với ", " trong trường hợp", " trường hợp ",
                   " thuộc ", " theo ", " của ", " tại "):
        cut = name.find(marker, 30)
        if 30 <= cut <= limit:
            return name[:cut].rstrip(" ,;:") + "…"
    return shorten(name, limit)


_ONLY_RESTATES = re.compile(r"^(không quá|tối đa|trong|trong vòng|thời hạn|là)?\s*", re.IGNORECASE)


def _adds_to(note: str, main: str) -> bool:
    """Whether a published note says more than the time it accompanies ("Không quá 7 ngày làm
    việc" does not; "15 ngày làm việc; miền núi thêm 10 ngày" does)."""
    rest = _ONLY_RESTATES.sub("", note.lower().replace(main.lower(), " ", 1)).strip(" .;,")
    return len(rest.split()) >= 3


def cut_times(text: str, shown: str, lang: str = "vi", own: ProcessingTime | None = None) -> str:
    """What a shortened text leaves out when that holds times of its own (a stage, another case):
    said, with the button that shows them ("" when nothing with a time is cut)."""
    if not shown.endswith("…"):
        return ""
    kept = len(shown) - 1
    own = {(own.quantity, own.unit)} if own is not None else set()
    left = [m for m in STATED_TIME.finditer(" ".join(text.split())) if m.start() >= kept
            and (parse_number(m.group("qty")), _UNIT_OF.get(m.group("unit").lower())) not in own]
    return f" ({rest(len(left), 'thời hạn', TIME_BUTTON, lang).removeprefix('… ')})" if left else ""


_UNIT_OF = {"ngày làm việc": TimeUnit.WORKING_DAY, "giờ làm việc": TimeUnit.WORKING_HOUR, "giờ": TimeUnit.HOUR,
            "ngày": TimeUnit.DAY, "tháng": TimeUnit.MONTH}


def time_text(time: ProcessingTime | None, limit: int, lang: str = "vi") -> str:
    en = lang == "en"
    if time is None:
        return NO_INFO[lang]
    note = shorten(time.text, limit) if time.text else ""
    note += cut_times(time.text, note, lang, time) if note else ""
    if time.quantity is not None and note.replace(",", ".") in (f"{time.quantity:g}", f"{time.quantity:g} ngày", ""):
        note = ""  # a bare number repeated as text
    if time.unit == TimeUnit.SAME_DAY:
        same_day = "The same day" if en else "Trong ngày"
        return same_day + (f" ({note})" if note and "trong ngày" not in note.lower() else "")
    if time.quantity == 0:
        if note and not re.fullmatch(r"0\s*\w*(\s\w+)?", note):
            return note
        return ("As soon as the dossier is complete (the source says 0)" if en
                else "Ngay khi nhận đủ hồ sơ (nguồn ghi 0)")
    if time.quantity is not None and time.unit in UNIT_LABEL:
        qty = int(time.quantity) if float(time.quantity).is_integer() else str(time.quantity).replace(".", ",")
        main = f"{qty} {UNIT_LABEL[time.unit]}"  # compared with the Vietnamese note
        shown = f"{qty} {UNIT_LABEL_EN[time.unit]}" if en else main
        return shown + (f" ({note})" if note and _adds_to(note, main) else "")
    if note and not re.fullmatch(r"[\d.,]+", note):
        return note
    if time.quantity is not None:
        # A bare number is no deadline a citizen can count on: said as unknown, with what is printed.
        return (f"Unknown (the source gives only the number “{time.quantity:g}”, no unit)" if en
                else f"Không rõ (nguồn chỉ ghi con số “{time.quantity:g}”, không ghi đơn vị)")
    return NO_INFO[lang]


def channel_times(channel: Channel, limit: int, keep: int | None = None, case_limit: int = 110,
                  lang: str = "vi") -> str:
    """The channel's time; with its further stages, cases or extensions, each with what it is for
    (``keep``: at most this many, and how many are left)."""
    times = [t for t in (channel.time, *channel.more_times) if t is not None]
    if not times and re.search(r"\b(ngày|tháng|giờ|quý|năm)\b", channel.note, re.IGNORECASE):
        return shorten(channel.note, limit)  # a rule, not a duration ("chậm nhất vào ngày 20 …")
    if len(times) <= 1:
        return time_text(channel.time, limit, lang)
    # One entry per time and case (channels repeat them, a final "." apart); two cases that would
    # read the same once shortened are shown whole rather than merged.
    entries: dict[tuple, ProcessingTime] = {}
    for t in times:
        entries.setdefault((t.added, time_text(t, limit, lang), " ".join(t.case.split()).rstrip(" .;")), t)
    short = [shorten(t.case, case_limit) for t in entries.values()]
    parts = []
    # Stages after a bare total (no stage, no case) are its parts: "50 ngày; trong đó 30 ngày — …".
    total, broken_down = False, False
    for ((_, value, _), t), case in zip(entries.items(), short, strict=True):
        case = case if short.count(case) == 1 else t.case
        said = f" — {case}{cut_times(t.case, case, lang, t)}" if t.case else ""
        added = ("plus " if lang == "en" else "thêm ") if t.added else ""
        if t.stage and total and not broken_down:  # (after a bare total only: "2 ngày — Cấp GCN" is a stage too)
            added, broken_down = ("of which " if lang == "en" else "trong đó "), True
        total = total or (not t.stage and not t.case)
        parts.append((added + value + said).rstrip(" ;."))  # joined with "; " below
    if keep is not None and len(parts) > keep:
        parts = [*parts[:keep], rest(len(parts) - keep, "thời hạn", TIME_BUTTON, lang)]
    return "; ".join(parts)


def _by_channel(channels: list[Channel], render, lang: str = "vi") -> list[tuple[str, str]]:
    """[(channels label, value)], channels with the same value collapsed into one line."""
    labels = METHOD_LABEL_EN if lang == "en" else METHOD_LABEL
    grouped: dict[str, list[str]] = {}
    for channel in channels:
        grouped.setdefault(render(channel), []).append(labels[channel.method])
    if len(grouped) == 1 and len(channels) > 1:
        ((value, _),) = grouped.items()
        return [("Every way of submitting" if lang == "en" else "Mọi hình thức nộp", value)]
    return [(", ".join(methods), value) for value, methods in grouped.items()]


@dataclass
class DocumentLine:
    name: str
    count: str  # "1 bản chính, 1 bản sao" or ""


@dataclass
class DocumentGroupView:
    title: str
    items: list[DocumentLine] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class ProcedureView:
    code: str
    name: str  # the short title (the full official name in the full view)
    field: str
    detailed: bool
    documents: list[DocumentGroupView]
    documents_more: int  # documents left out of the first answer
    documents_rest: str  # what the first answer leaves out of the documents, said plainly ("" if nothing)
    cases: list[str]  # the cases a citizen chooses among, when the documents differ by case
    cases_listed: bool  # False: so many that only their buttons name them
    province: str
    fees: list[tuple[str, str]]
    times: list[tuple[str, str]]
    time_conflicts: list[str]  # the record's own times disagree: said beside them, never resolved
    agency: str
    agency_rest: str  # the agencies left out ("… và 12 cơ quan khác — bấm …"), or ""
    levels: str
    address: str
    address_rest: str
    methods: str
    online: bool
    legal: list[str]
    requirements: str
    steps: list[str]
    results: str
    source_url: str
    source_label: str  # who published what the link opens
    retrieved: str
    variants: list[tuple[str, str]]  # (code, name) of the same procedure elsewhere


PORTAL = "https://dichvucong.gov.vn"
SOURCE_EN = {
    "Cổng Dịch vụ công quốc gia": "National Public Service Portal",
    "bản sao công khai dữ liệu thủ tục (chưa có trang trên Cổng DVC)":
        "a public copy of the procedure data (no page on the national portal yet)",
    "Cổng Dịch vụ công quốc gia (tra cứu theo mã thủ tục)": "National Public Service Portal (search by procedure code)",
}


def source_link(p: Procedure) -> tuple[str, str]:
    """(url, label) of the page to check the record against: the national portal's page when
    any source knows it; otherwise the public copy the record was read from, named as such."""
    if p.portal_url:
        return p.portal_url, "Cổng Dịch vụ công quốc gia"
    if p.source_url and urlsplit(p.source_url).hostname in ("dichvucong.gov.vn", "www.dichvucong.gov.vn"):
        return p.source_url, "Cổng Dịch vụ công quốc gia"
    if p.source_url:
        return p.source_url, "bản sao công khai dữ liệu thủ tục (chưa có trang trên Cổng DVC)"
    return PORTAL, "Cổng Dịch vụ công quốc gia (tra cứu theo mã thủ tục)"


def _count(originals: int | None, copies: int | None, lang: str = "vi") -> str:
    en = lang == "en"
    parts = []
    if originals:
        parts.append(f"{originals} original" + ("s" if originals > 1 else "") if en else f"{originals} bản chính")
    if copies:
        parts.append(f"{copies} cop" + ("ies" if copies > 1 else "y") if en else f"{copies} bản sao")
    return ", ".join(parts)


# A case heading, after a list label: "a) ", "2. ", "(i) ", "(1.1) ".
_CASE = re.compile(r"^(?:[a-zđ]\)\s*|\d+[.)]\s*|\(\s*(?:[ivx]+|\d+(?:\.\d+)*|\*+)\s*\)\s*)?(?:trường hợp|đối với)\b",
                   re.IGNORECASE)
_LABEL = re.compile(r"^[\s*+\-•–]*(?:\(\s*(?:[ivx]+|\d+(?:\.\d+)*|\*+)\s*\)|[a-zđ]\)|\(?\d+[.)])?\s*")  # "a) ", "(1.1) ", "(*) ", "- "
_EXTRA = re.compile(r"ủy quyền|bưu chính|người đại diện|chưa có tài khoản|trực tuyến|lưu ý", re.IGNORECASE)
_MAIN_FORM = re.compile(r"^(tờ khai|đơn|phiếu|văn bản đề nghị|giấy đề nghị|bản khai|bản đăng ký)\b", re.IGNORECASE)


# Symbols a heading is printed with ("\uf0fc 3. Trường hợp…", "- ").
_LEAD = re.compile(r"^[^\w(]+")
# A heading's list label: "1. ", "1.1. ", "2.3.1. ", "1/ ", "(1) ", "(i). ", "iv) ", "a) ", "a.1) ".
_LIST_LABEL = re.compile(r"^(?:\(\s*(?:\d+(?:\.\d+)*|[ivx]+)\s*\)\.?|\d+(?:\.\d+)*(?:[.)/]|\.?(?=\s))|(?:[ivx]+|[a-zđ](?:\.\d+)?)\)"
                         r"|(?-i:[IVX]+)\.(?=\s))\s*",
                         re.IGNORECASE)
# Headings of the parts of one dossier, which every applicant brings ("Giấy tờ phải nộp", "Giấy tờ
# phải xuất trình", "Hồ sơ của người nhận con nuôi"), or of nothing in particular ("Bao gồm").
_PART = re.compile(r"^(?:(?:các )?(?:giấy tờ|tài liệu|hồ sơ|bản chính|bản sao)\b.{0,20}?\b(?:nộp|xuất trình|gửi|lưu)\b"
                   r"|(?:giấy tờ|hồ sơ|tài liệu) của\b|(?:các )?(?:thành phần )?hồ sơ(?: gồm| bao gồm)?(?: có)?\W*$"
                   r"|(?:bao )?gồm(?: có)?\W*$)", re.IGNORECASE)
# What names a case of the procedure: its own words ("Trường hợp…", "Hoàn thuế đối với…"), the
# procedure it is ("Thủ tục cấp lại…"), or the request its dossier makes ("Hồ sơ đề nghị gia hạn…").
_CASE_WORDS = re.compile(r"\b(?:trường hợp|đối với)\b", re.IGNORECASE)
_REQUEST = re.compile(r"^(?:thủ tục\b|(?:thành phần )?hồ sơ (?:(?:đề nghị|xin|đăng ký|trình|thông báo) )?"
                      r"(?:cấp|gia hạn|điều chỉnh|thay đổi|sửa đổi|bổ sung|đăng ký|thành lập|chấp thuận|phê duyệt|công nhận|"
                      r"giao|cho thuê|chuyển|tạm ngừng|tiếp tục|sát hạch|khai|miễn|hoàn|thẩm định|công bố|đề nghị|"
                      r"xác nhận|thu hồi|hủy|chấm dứt|giải thể|trao đổi|nhập khẩu|xuất khẩu)\b)", re.IGNORECASE)


def _heading(title: str) -> str:
    """A group's heading without the symbols and the list label it is printed with."""
    return _LIST_LABEL.sub("", _LEAD.sub("", title), count=1).strip()


def case_groups(p: Procedure) -> list[int]:
    """The document groups a citizen chooses among (the documents differ by case), by position;
    empty when the record has fewer than two. Headings such as "Giấy tờ phải nộp" and additions
    such as "Trường hợp ủy quyền…" are not cases: they apply besides.

    A case is named by its heading: "Trường hợp…"/"Đối với…" at its start (the strongest sign:
    where two or more say so, a list beside them such as "1. Thành phần hồ sơ…" is what every case
    brings), else case words further on ("Hoàn thuế đối với…"), a list label ("1.", "a)"), a
    procedure or request ("Thủ tục cấp lại…", "Hồ sơ đề nghị gia hạn…"), or headings that open
    alike and end apart ("Đăng kiểm viên hạng I", "… hạng II"). Numbered cases are offered in
    the order of their numbers (the portal prints some out of order)."""
    # An addition says so near its start ("Trường hợp ủy quyền…"); a case may name a representative
    # further on ("…thông tin cá nhân của người đại diện…") and still be a case.
    named = [(n, g.title, _heading(g.title)) for n, g in enumerate(p.documents)
             if g.title and (g.items or g.notes) and not _EXTRA.search(g.title[:60])]
    strong = [n for n, title, head in named if _CASE.match(_LEAD.sub("", title)) or _CASE.match(head)]
    if len(strong) >= 2:
        return _in_label_order(p, strong)
    # (a document printed as a numbered heading, "1. Đơn đề nghị…;", is what every case brings)
    candidates = [(n, title, head) for n, title, head in named if not _PART.match(head) and not _NOTES_TITLE.match(head)
                  and not (_MAIN_FORM.match(head) and not _CASE_WORDS.search(head))]
    openings = Counter(" ".join(fold_words(head)[:2]) for _, _, head in candidates)
    found = [n for n, title, head in candidates
             if n in strong or _CASE_WORDS.search(head) or _LIST_LABEL.match(_LEAD.sub("", title)) or _REQUEST.match(head)
             or (len(fold_words(head)) > 2 and openings[" ".join(fold_words(head)[:2])] >= 2)]
    # Numbered cases beside a heading without a number ("Giấy tờ chứng minh người thuộc diện…, cụ
    # thể" after "1. Giấy tờ chứng minh là…"): the numbered ones are the cases, the other is for all.
    labelled = [n for n in found if _LIST_LABEL.match(_LEAD.sub("", p.documents[n].title))]
    found = labelled if len(labelled) >= 2 else found
    return _in_label_order(p, found) if len(found) >= 2 else []


def fold_words(text: str) -> list[str]:
    return text.lower().split()


def _in_label_order(p: Procedure, found: list[int]) -> list[int]:
    """The cases in the order of their numbers when each has a distinct one ("3.", "1.", "10."),
    else as the record lists them."""
    numbers = []
    for n in found:
        m = re.match(r"\(?(\d+(?:\.\d+)*)", _LEAD.sub("", p.documents[n].title))
        numbers.append(tuple(int(x) for x in m.group(1).split(".")) if m else None)
    if None in numbers or len(set(numbers)) != len(numbers):
        return found
    return [n for _, n in sorted(zip(numbers, found, strict=True))]


# What ends a heading and says nothing of its case ("…theo danh sách, hồ sơ gồm", "… bao gồm các giấy tờ sau").
_HEADING_TAIL = re.compile(r"[\s,:;]*(?:(?:(?:thì )?(?:thành phần )?hồ sơ )?(?:bao )?gồm(?: có)?"
                           r"|,?\s*(?:khi làm thủ tục\b.{0,40}?\s)?(?:thì )?(?:phải|cần) (?:nộp|có|chuẩn bị))"
                           r"(?: các (?:giấy tờ|tài liệu|văn bản)(?: chủ yếu)? sau(?: đây)?)?[\s:]*$", re.IGNORECASE)


def _case_words(title: str) -> str:
    """A case's heading as a button says it: without its label and a tail that names no case."""
    words = " ".join(_HEADING_TAIL.sub("", _heading(_LABEL.sub("", _LEAD.sub("", title)))).split()) or " ".join(title.split())
    return words[:1].upper() + words[1:]


def _common_words(a: list[str], b: list[str]) -> int:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return n


def case_labels(titles: list[str], limit: int) -> list[str]:
    """The cases offered, each within ``limit`` characters and told apart: when cases open with the
    same long run of words and what tells one from another would fall past the cut ("Trường hợp
    thay đổi thành viên công ty TNHH hai thành viên trở lên do…"), the run is left out ("Trường
    hợp … thừa kế") — the run all of them share, or, where that still reads alike, the longer
    one shared with the nearest."""
    labels = [_case_words(t).split() for t in titles]

    def elided(words: list[str], shared: int) -> str:
        if 4 <= shared < len(words) and len(" ".join(words[:shared + 1])) > limit - 10:
            return shorten(f"{words[0]} {words[1]} … {' '.join(words[shared:])}", limit)
        return shorten(" ".join(words), limit)

    runs = [[_common_words(words, other) for m, other in enumerate(labels) if m != n] for n, words in enumerate(labels)]
    out = [elided(words, min((r for r in run if r >= 4), default=0)) for words, run in zip(labels, runs, strict=True)]
    return [label if out.count(label) == 1 else elided(words, max(run, default=0))
            for label, words, run in zip(out, labels, runs, strict=True)]


_SAID_KIND = re.compile(r"\s*\((bản chính|bản sao)\)\s*$", re.IGNORECASE)
_NOTES_TITLE = re.compile(r"^(lưu ý|ghi chú|chú ý)\b", re.IGNORECASE)


def _group_view(group, limit: int, room: int | None, lang: str = "vi") -> tuple[DocumentGroupView, int]:
    title = _BULLET.sub("", group.title).rstrip(":").strip()
    notes, items = group.notes, group.items
    if _NOTES_TITLE.match(title):  # what a "Lưu ý" heading lists are notes, not documents
        title, notes, items = "", [*notes, *(d.name for d in items)], []
    notes = [re.sub(r"^(lưu ý|ghi chú|chú ý)\s*:?\s*", "", n, flags=re.IGNORECASE) for n in notes]
    view = DocumentGroupView(shorten(title, limit), notes=[shorten(n, limit) for n in notes if n])
    items = sorted(items, key=lambda d: not _MAIN_FORM.match(d.name))  # the main form first
    for item in items:
        if room is not None and len(view.items) >= room:
            break
        name = item.name
        if (kind := _SAID_KIND.search(name)) and _count(item.originals, item.copies) in (f"1 {kind.group(1)}", f"{kind.group(1)}"):
            name = name[:kind.start()]  # "… (bản chính)" beside "1 bản chính": said once, by the count
        view.items.append(DocumentLine(shorten(name, limit), _count(item.originals, item.copies, lang)))
    return view, len(items) - len(view.items)


def _is_addition(group) -> bool:
    return bool(_CASE.match(group.title) and _EXTRA.search(group.title[:60]))


DOCUMENTS_BUTTON, FEE_BUTTON, TIME_BUTTON, PLACE_BUTTON = "📄 Giấy tờ", "💰 Lệ phí", "⏱ Thời hạn", "📍 Nơi nộp"
BUTTON_EN = {DOCUMENTS_BUTTON: "📄 Documents", FEE_BUTTON: "💰 Fees", TIME_BUTTON: "⏱ Processing time",
             PLACE_BUTTON: "📍 Where to submit"}  # the same buttons in an English answer (handlers.i18n)
FIRST_SECTIONS = ("documents", "fee", "time", "place")  # what a first answer shows
MESSAGE_TARGET = 1200  # characters of a first answer (plain text, title and source link included)
BODY_TARGET = 1200  # characters of its sections (title, code line and source link apart)
CEILING = min(c.message_limit for c in CAPABILITIES.values())  # never split: Zalo's 2,000


@dataclass(frozen=True)
class Fit:
    """How much of each list an answer shows; the first answer is tightened one rung at a time
    (``LIGHT_STEPS``, ``SOFT_STEPS``, ``HARD_STEPS``) until it fits. None: everything (the full view)."""
    documents: int | None = 5  # document lines
    text: int = CONCISE_TEXT  # characters of a document or a heading
    fees: int | None = 3  # fee lines of one channel
    times: int | None = 4  # times of one channel
    time_case: int = 110  # characters of what a further time is for
    case_label: int = 90  # characters of a case offered
    agency: int = 300
    address: int = 200
    additions: bool = True  # additions ("Trường hợp ủy quyền…") listed; False: only counted
    list_cases: bool = True  # the cases offered listed in the text; False: only their buttons


WHOLE = 1_000_000  # characters: the full view cuts nothing (the channel splits long messages at line ends)
FULL = Fit(documents=None, text=WHOLE, fees=None, times=None, time_case=WHOLE, agency=WHOLE, address=WHOLE)
# The first answer is tightened one rung at a time, each taken while the answer is longer than
# its rung's limit; what matters least goes first. LIGHT: more fees and times than a screen needs,
# additions, long lists of places — while the message is over MESSAGE_TARGET. SOFT: one fee and two
# times a channel, then the documents, down to three — while the sections are over BODY_TARGET, so
# that a list of documents that fits a phone is never cut for a long title. HARD: down to the main
# form, and at last the cases named only on their buttons (nothing else grows without bound) — only
# while the message is over CEILING.
LIGHT_STEPS = (("fees", 2), ("times", 3), ("additions", False), ("agency", 160), ("address", 120),
               ("time_case", 70), ("case_label", 60))
SOFT_STEPS = (("fees", 1), ("times", 2), ("text", 130), ("documents", 4), ("text", 110), ("documents", 3))
HARD_STEPS = (("times", 1), ("documents", 2), ("documents", 1), ("case_label", 45), ("time_case", 50), ("text", 90),
              ("agency", 100), ("address", 80), ("list_cases", False))


def first_items(text: str, limit: int, what: str, button: str, lang: str = "vi") -> tuple[str, str]:
    """``text`` (items joined by "; ", e.g. agencies) cut to whole items within ``limit``, and
    the line saying how many are left ("" if none); a single item too long is shortened at a word."""
    text = " ".join(text.split())
    items = text.split("; ")
    if len(text) <= limit or len(items) == 1:
        return shorten(text, limit), ""
    kept = [items[0]]
    for item in items[1:]:
        if len("; ".join([*kept, item])) > limit:
            break
        kept.append(item)
    return shorten("; ".join(kept), limit), rest(len(items) - len(kept), what, button, lang)


def _documents(p: Procedure, fit: Fit, case: int | None, cases: list[int],
               lang: str = "vi") -> tuple[list[DocumentGroupView], int, str]:
    """(groups shown, documents left out, the line that says what is left out). The first answer
    shows the documents for every case and those of the case chosen, in the record's order, then
    additions ("Trường hợp ủy quyền…") — but not before the question which case: then they are
    only counted, like the notes."""
    full = fit.documents is None
    asking = bool(cases) and case not in cases and not full
    shown: list[int] = []
    added: list[int] = []
    for n, group in enumerate(p.documents):
        if n in cases and not full and n != case:
            continue
        (added if not full and _is_addition(group) else shown).append(n)
    if fit.additions and not asking:
        shown, added = shown + added, []
    groups: list[DocumentGroupView] = []
    left = notes = 0
    room = fit.documents
    listed = any(g.items for g in p.documents)  # else the notes are all the record says of its documents
    for n in shown:
        view, more = _group_view(p.documents[n], fit.text, room, lang)
        if room is not None:
            room = max(0, room - len(view.items))
        if not full and (listed or sum(map(len, view.notes)) > 300):
            notes += len(view.notes)
            view.notes = []  # in the full view ("Giấy tờ"), not on the first screen (but "Không quy định")
        left += more
        if view.items and not view.title and any(g.title for g in groups):
            # a list without a heading after lists with one is not theirs ("--" in the record)
            view.title = "Other documents" if lang == "en" else "Giấy tờ khác"
        if view.items or view.notes:
            groups.append(view)
    kinds = list(dict.fromkeys(m.group(0).lower() for n in added if (m := _EXTRA.search(p.documents[n].title[:60]))))
    left += sum(len(p.documents[n].items) for n in added)
    notes += sum(len(p.documents[n].notes) for n in added)
    return groups, left, _documents_rest(left, notes, kinds, asking, lang)


def _documents_rest(left: int, notes: int, kinds: list[str], asking: bool, lang: str = "vi") -> str:
    if not left and not notes:
        return ""
    if lang == "en":
        what = [f"{left} more document{'s' if left > 1 else ''}" if left else "",
                f"{notes} note{'s' if notes > 1 else ''}" if notes else ""]
        text = ", ".join(w for w in what if w)
        if kinds:
            text += f" (including documents for: {', '.join(kinds)})"
        lead = "There are also" if asking or not left else "… and"
        return f"{lead} {text} — tap «{BUTTON_EN[DOCUMENTS_BUTTON]}» to see them all."
    what = [f"{left} giấy tờ khác" if left else "", f"{notes} lưu ý" if notes else ""]
    text = ", ".join(w for w in what if w)
    if kinds:
        text += f" (có cả giấy tờ cho trường hợp {', '.join(kinds)})"
    lead = "Ngoài ra còn" if asking or not left else "… và"
    return f"{lead} {text} — bấm «{DOCUMENTS_BUTTON}» để xem đủ."


def _view(p: Procedure, variants, fit: Fit, today: date, case: int | None, lang: str = "vi") -> ProcedureView:
    full = fit == FULL
    limit = WHOLE if full else CONCISE_TEXT
    cases = case_groups(p)
    en = lang == "en"
    groups, left, rest_line = _documents(p, fit, case, cases, lang)
    agency, agency_rest = first_items(p.executing_agency or "", fit.agency, "cơ quan", PLACE_BUTTON, lang)
    address, address_rest = first_items(p.submit_address, fit.address, "địa chỉ", PLACE_BUTTON, lang)
    if not agency and not address and (place := place_in_steps(p.steps)):  # named only in the steps
        address = f"{place} ({'as the steps say' if en else 'theo trình tự thực hiện'})"
    return ProcedureView(
        code=p.code,
        name=p.name if full else short_title(p.name),
        field=p.field or "",
        detailed=p.detailed,
        documents=groups,
        documents_more=left,
        documents_rest=rest_line,
        cases=[] if full or case in cases else case_labels([p.documents[n].title for n in cases], fit.case_label),
        cases_listed=fit.list_cases,
        province=p.province or "",
        fees=_by_channel(p.channels, lambda c: fee_text(c.fees, limit, today, fit.fees, lang), lang),
        times=_by_channel(p.channels, lambda c: channel_times(c, limit, fit.times, fit.time_case, lang), lang),
        time_conflicts=list(p.time_conflicts),
        agency=agency,
        agency_rest=agency_rest,
        levels=", ".join((LEVEL_LABEL_EN if en else LEVEL_LABEL).get(level, level) for level in p.levels),
        address=address,
        address_rest=address_rest,
        methods=methods_text(p, lang),
        online=Method.ONLINE in p.methods,
        legal=[legal_line(d, WHOLE if full else 160, lang) for d in p.legal_basis],
        requirements=shorten(p.requirements, limit),
        steps=[shorten(s, WHOLE if full else 400) for s in p.steps],
        results=shorten("; ".join(p.results), WHOLE if full else 300),
        source_url=source_link(p)[0],
        source_label=SOURCE_EN.get(source_link(p)[1], source_link(p)[1]) if en else source_link(p)[1],
        retrieved=retrieved_text(p, lang),
        variants=[(v.code, v.name) for v in variants if v.code != p.code][:6],
    )


def methods_text(p: Procedure, lang: str = "vi") -> str:
    """The ways to submit: the record's channel rows first, then those only its text names; a way
    its text allows only under a condition is said with that."""
    labels = METHOD_LABEL_EN if lang == "en" else METHOD_LABEL
    text = ", ".join(labels[m] for m in p.methods).lower().capitalize()
    iffy = ", ".join(labels[m] for m in p.conditional_methods if m not in p.methods).lower()
    if iffy:
        said = (f"{iffy} only under conditions the record states (see the source page)" if lang == "en"
                else f"{iffy} chỉ khi đáp ứng điều kiện nguồn nêu (xem trang nguồn)")
        text = f"{text}; {said}" if text else said.capitalize()
    return text


def legal_line(d: LegalDoc, limit: int, lang: str = "vi") -> str:
    """A legal document as the record names it; a number we mended says what the record printed."""
    code = d.code
    if d.printed and d.printed != d.code:
        code += (f" (the record prints “{d.printed}”)" if lang == "en" else f" (nguồn ghi “{d.printed}”)")
    return shorten(f"{code} — {d.name}" if d.name and d.code not in d.name else (d.name or code), limit)


def retrieved_text(p: Procedure, lang: str = "vi") -> str:
    """When the record was retrieved, as precisely as its source says: a crawl known only by its
    month (bqp: "2026-01") is "tháng 01/2026", never a made-up first of the month."""
    if p.retrieved_at is None:
        return ""
    if p.retrieved_month_only:
        return p.retrieved_at.strftime("in %m/%Y" if lang == "en" else "tháng %m/%Y")
    return p.retrieved_at.strftime("%d/%m/%Y")


def rendered_length(view: ProcedureView, sections=FIRST_SECTIONS, lang: str = "vi") -> int:
    """Characters of the answer as the plain channels send it (Zalo: NFC), buttons apart."""
    reply = Reply(template="procedure", context={"v": view, "sections": list(sections), "full": False, "lang": lang},
                  lang=lang)
    return len(unicodedata.normalize("NFC", render_reply(reply, "plain")))


VIEWS_KEPT = 512  # answers composed lately: the procedures citizens ask about most come back all day
_views: OrderedDict[tuple, tuple[Procedure, ProcedureView]] = OrderedDict()


def build_view(p: Procedure, variants: list[Procedure] = (), full: bool = False, *, today: date,
               case: int | None = None, sections=FIRST_SECTIONS, lang: str = "vi") -> ProcedureView:
    """``case``: the document group the citizen chose (``case_groups``); None shows the documents
    that apply to every case and asks which case, when there are several. The first answer
    (``full`` False) is composed to the targets when it can be, never over CEILING (``sections``:
    what it shows); what it leaves out it says, one button away.

    Composing measures rendered drafts, so the views are kept: a view is a function of the record
    object (a catalogue re-import makes new ones), its variants, the day and the case. The caller
    must not change the view it gets."""
    key = (id(p), tuple(v.code for v in variants), full, today, case, tuple(sections), lang)
    kept = _views.get(key)
    if kept is not None:  # the entry holds its record, so no other object can have that id
        _views.move_to_end(key)
        return kept[1]
    view = _compose(p, variants, full, today, case, tuple(sections), lang)
    _views[key] = (p, view)
    while len(_views) > VIEWS_KEPT:
        _views.popitem(last=False)
    return view


def _compose(p: Procedure, variants, full: bool, today: date, case: int | None, sections,
             lang: str = "vi") -> ProcedureView:
    if full:
        return _view(p, variants, FULL, today, case, lang)
    fit = Fit()
    view = _view(p, variants, fit, today, case, lang)
    frame = rendered_length(view, (), lang)  # title, code line and source: the same at every rung
    # Never decreasing, so the first rung within its limit ends the climb.
    limits = ([MESSAGE_TARGET] * len(LIGHT_STEPS) + [min(frame + BODY_TARGET, CEILING)] * len(SOFT_STEPS)
              + [CEILING] * len(HARD_STEPS))
    for (knob, value), limit in zip(LIGHT_STEPS + SOFT_STEPS + HARD_STEPS, limits, strict=True):
        if rendered_length(view, sections, lang) <= limit:
            break
        fit = replace(fit, **{knob: value})
        view = _view(p, variants, fit, today, case, lang)
    return view
