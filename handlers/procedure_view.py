"""A procedure record turned into what the answer templates show: labels, collapsed channels,
bounded lists. Kept apart from the templates so that both dialects show the same facts."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from knowledge.catalogue.model import Channel, Fee, Method, ProcessingTime, Procedure, TimeUnit

SECTIONS = ("documents", "fee", "time", "place", "legal")
METHOD_LABEL = {Method.ONLINE: "Trực tuyến", Method.POSTAL: "Qua bưu chính", Method.DIRECT: "Trực tiếp"}
UNIT_LABEL = {
    TimeUnit.WORKING_DAY: "ngày làm việc",
    TimeUnit.DAY: "ngày",
    TimeUnit.HOUR: "giờ làm việc",
    TimeUnit.MONTH: "tháng",
}
LEVEL_LABEL = {"xã": "cấp xã", "tỉnh": "cấp tỉnh", "bộ": "cấp trung ương", "khác": "cơ quan khác"}
CONCISE_DOCUMENTS = 6
CONCISE_TEXT = 220
_BULLET = re.compile(r"^[\s*+\-•–]+")


def shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0]
    return cut.rstrip(",;:.") + "…"


def _money(amount: int) -> str:
    return f"{amount:,}".replace(",", ".") + " đồng"


def fee_text(fees: list[Fee], limit: int) -> str:
    if not fees:
        return "Không có thông tin"
    parts = []
    for fee in fees:
        note = shorten(fee.text, limit) if fee.text else ""
        if fee.amount_vnd:
            parts.append(_money(fee.amount_vnd) + (f" ({note})" if note and _money(fee.amount_vnd) not in note else ""))
        elif fee.amount_vnd == 0:
            parts.append("Miễn phí" + (f" ({note})" if note and "miễn" not in note.lower() else ""))
        else:
            parts.append(note or "Không có thông tin")
    return "; ".join(dict.fromkeys(parts))


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
    if time.quantity is not None and note.replace(",", ".") == f"{time.quantity:g}":
        note = ""  # a bare number repeated as text (older imports)
    if time.unit == TimeUnit.SAME_DAY:
        return "Trong ngày" + (f" ({note})" if note and "trong ngày" not in note.lower() else "")
    if time.quantity is not None and time.unit in UNIT_LABEL:
        qty = int(time.quantity) if float(time.quantity).is_integer() else str(time.quantity).replace(".", ",")
        main = f"{qty} {UNIT_LABEL[time.unit]}"
        return main + (f" ({note})" if note and _adds_to(note, main) else "")
    if note:
        return note
    if time.quantity is not None:
        return f"{time.quantity:g} (Cổng DVC không ghi đơn vị; thường là ngày làm việc)"
    return "Không có thông tin"


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


@dataclass
class ProcedureView:
    code: str
    name: str
    field: str
    detailed: bool
    documents: list[DocumentGroupView]
    documents_more: int  # items left out in the concise view
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


def build_view(p: Procedure, variants: list[Procedure] = (), full: bool = False) -> ProcedureView:
    limit = 2000 if full else CONCISE_TEXT
    groups: list[DocumentGroupView] = []
    shown = total = 0
    for group in p.documents:
        title = _BULLET.sub("", group.title).rstrip(":").strip()
        view = DocumentGroupView(shorten(title, 160))
        for item in group.items:
            total += 1
            if not full and shown >= CONCISE_DOCUMENTS:
                continue
            name = _BULLET.sub("", item.name).strip()
            if name:
                view.items.append(DocumentLine(shorten(name, limit), _count(item.originals, item.copies)))
                shown += 1
        if view.items:
            groups.append(view)
    methods = [METHOD_LABEL[c.method] for c in p.channels]
    return ProcedureView(
        code=p.code,
        name=p.name,
        field=p.field or "",
        detailed=p.detailed,
        documents=groups,
        documents_more=max(0, total - shown),
        fees=_by_channel(p.channels, lambda c: fee_text(c.fees, limit)),
        times=_by_channel(p.channels, lambda c: time_text(c.time, limit)),
        agency=shorten(p.executing_agency or "", 300),
        levels=", ".join(LEVEL_LABEL.get(level, level) for level in p.levels),
        address=shorten(p.submit_address, 300),
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
