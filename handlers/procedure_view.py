"""A procedure record turned into what the answer templates show: labels, collapsed channels,
bounded lists. Kept apart from the templates so that both dialects show the same facts."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlsplit

from knowledge.catalogue.fees import in_force
from knowledge.catalogue.model import Channel, Fee, Method, ProcessingTime, Procedure, TimeUnit

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
CONCISE_DOCUMENTS = 5
CONCISE_TEXT = 160
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


def fee_text(fees: list[Fee], limit: int, today: date) -> str:
    if not fees:
        return "Không có thông tin"
    text = "; ".join(dict.fromkeys(shorten(in_force(fee, today), limit) for fee in fees))
    if ATTACHED.search(text):  # the table it points to is not in the record
        text += " (biểu phí này không có trong dữ liệu thủ tục: xem trang nguồn bên dưới)"
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


def time_text(time: ProcessingTime | None, limit: int) -> str:
    if time is None:
        return "Không có thông tin"
    note = shorten(time.text, limit) if time.text else ""
    if time.quantity is not None and note.replace(",", ".") in (f"{time.quantity:g}", f"{time.quantity:g} ngày", ""):
        note = ""  # a bare number repeated as text
    if time.unit == TimeUnit.SAME_DAY:
        return "Trong ngày" + (f" ({note})" if note and "trong ngày" not in note.lower() else "")
    if time.quantity == 0:
        return note if note and not re.fullmatch(r"0\s*\w*(\s\w+)?", note) else "Ngay khi nhận đủ hồ sơ (nguồn ghi 0)"
    if time.quantity is not None and time.unit in UNIT_LABEL:
        qty = int(time.quantity) if float(time.quantity).is_integer() else str(time.quantity).replace(".", ",")
        main = f"{qty} {UNIT_LABEL[time.unit]}"
        return main + (f" ({note})" if note and _adds_to(note, main) else "")
    if note and not re.fullmatch(r"[\d.,]+", note):
        return note
    if time.quantity is not None:
        return f"{time.quantity:g} (nguồn chỉ ghi con số, không ghi đơn vị)"
    return "Không có thông tin"


def channel_times(channel: Channel, limit: int) -> str:
    """The channel's time; with its further stages, cases or extensions, each with what it is for."""
    times = [t for t in (channel.time, *channel.more_times) if t is not None]
    if not times and re.search(r"\b(ngày|tháng|giờ|quý|năm)\b", channel.note, re.IGNORECASE):
        return shorten(channel.note, limit)  # a rule, not a duration ("chậm nhất vào ngày 20 …")
    if len(times) <= 1:
        return time_text(channel.time, limit)
    parts = []
    for t in times:
        parts.append(("thêm " if t.added else "") + time_text(t, limit) + (f" — {shorten(t.case, 110)}" if t.case else ""))
    return "; ".join(dict.fromkeys(parts))


def _by_channel(channels: list[Channel], render) -> list[tuple[str, str]]:
    """[(channels label, value)], channels with the same value collapsed into one line."""
    grouped: dict[str, list[str]] = {}
    for channel in channels:
        grouped.setdefault(render(channel), []).append(METHOD_LABEL[channel.method])
    if len(grouped) == 1 and len(channels) > 1:
        ((value, _),) = grouped.items()
        return [("Mọi hình thức nộp", value)]
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
    documents_more: int  # items left out in the concise view
    cases: list[str]  # the cases a citizen chooses among, when the documents differ by case
    province: str
    fees: list[tuple[str, str]]
    times: list[tuple[str, str]]
    agency: str
    levels: str
    address: str
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


def _count(originals: int | None, copies: int | None) -> str:
    parts = []
    if originals:
        parts.append(f"{originals} bản chính")
    if copies:
        parts.append(f"{copies} bản sao")
    return ", ".join(parts)


_CASE = re.compile(r"^(?:[a-zđ]\)\s*|\d+[.)]\s*)?(?:trường hợp|đối với)\b", re.IGNORECASE)
_LABEL = re.compile(r"^[\s*+\-•–]*(?:[a-zđ]\)|\(?\d+[.)])?\s*")  # "a) ", "2. ", "- "
_EXTRA = re.compile(r"ủy quyền|bưu chính|người đại diện|chưa có tài khoản|trực tuyến|lưu ý", re.IGNORECASE)
_MAIN_FORM = re.compile(r"^(tờ khai|đơn|phiếu|văn bản đề nghị|giấy đề nghị|bản khai|bản đăng ký)\b", re.IGNORECASE)


def case_groups(p: Procedure) -> list[int]:
    """The document groups a citizen chooses among (the documents differ by case), by position;
    empty when the record has fewer than two. Headings such as "Giấy tờ phải nộp" and additions
    such as "Trường hợp ủy quyền…" are not cases: they apply besides."""
    found = [n for n, g in enumerate(p.documents) if _CASE.match(g.title) and not _EXTRA.search(g.title)]
    return found if len(found) >= 2 else []


def _group_view(group, limit: int, room: int | None) -> tuple[DocumentGroupView, int]:
    title = _BULLET.sub("", group.title).rstrip(":").strip()
    notes = [re.sub(r"^(lưu ý|ghi chú|chú ý)\s*:?\s*", "", n, flags=re.IGNORECASE) for n in group.notes]
    view = DocumentGroupView(title if limit > CONCISE_TEXT else shorten(title, 160),
                             notes=[shorten(n, limit) for n in notes if n])
    items = sorted(group.items, key=lambda d: not _MAIN_FORM.match(d.name))  # the main form first
    for item in items:
        if room is not None and len(view.items) >= room:
            break
        view.items.append(DocumentLine(shorten(item.name, limit), _count(item.originals, item.copies)))
    return view, len(group.items) - len(view.items)


def build_view(p: Procedure, variants: list[Procedure] = (), full: bool = False, *, today: date,
               case: int | None = None) -> ProcedureView:
    """``case``: the document group the citizen chose (``case_groups``); None shows the documents
    that apply to every case and asks which case, when there are several."""
    limit = 2000 if full else CONCISE_TEXT
    cases = case_groups(p)
    groups: list[DocumentGroupView] = []
    left = 0
    room = None if full else CONCISE_DOCUMENTS
    for n, group in enumerate(p.documents):
        if n in cases and not full and case != n:
            continue
        view, more = _group_view(group, limit, room)
        if room is not None:
            room = max(0, room - len(view.items))
            if not full:
                view.notes = []  # notes in the full view ("Giấy tờ"), not on the first screen
        left += more
        if view.items or view.notes:
            groups.append(view)
    methods = [METHOD_LABEL[c.method] for c in p.channels]
    return ProcedureView(
        code=p.code,
        name=p.name if full else short_title(p.name),
        field=p.field or "",
        detailed=p.detailed,
        documents=groups,
        documents_more=left,
        cases=[] if full or case in cases else [shorten(_LABEL.sub("", p.documents[n].title), 90) for n in cases],
        province=p.province or "",
        fees=_by_channel(p.channels, lambda c: fee_text(c.fees, limit, today)),
        times=_by_channel(p.channels, lambda c: channel_times(c, limit)),
        agency=shorten(p.executing_agency or "", 300),
        levels=", ".join(LEVEL_LABEL.get(level, level) for level in p.levels),
        address=shorten(p.submit_address, 300 if full else 200),
        methods=", ".join(methods).lower().capitalize() if methods else "",
        online=Method.ONLINE in p.methods,
        legal=[shorten(f"{d.code} — {d.name}" if d.name and d.code not in d.name else (d.name or d.code), 300 if full else 160) for d in p.legal_basis],
        requirements=shorten(p.requirements, limit),
        steps=[shorten(s, 2000 if full else 400) for s in p.steps],
        results=shorten("; ".join(p.results), 300),
        source_url=source_link(p)[0],
        source_label=source_link(p)[1],
        retrieved=p.retrieved_at.strftime("%d/%m/%Y") if p.retrieved_at else "",
        variants=[(v.code, v.name) for v in variants if v.code != p.code][:6],
    )
