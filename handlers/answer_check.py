"""An audit of first answers: render a procedure's first answer as a citizen gets it and count what
a reader would find wrong, by class. ``motcua catalogue check`` runs it over the whole catalogue
(after an import or a sync), the tests hold the fixed classes at zero, bench/ prints the table.

Each check reads the rendered text (Zalo's plain dialect, the strictest limit) beside the stored
record; none of them knows a procedure by its code.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from handlers.procedure_view import ATTACHED, MESSAGE_TARGET, case_groups, shorten
from knowledge.catalogue.fees import WHO_SETS as _WHO_SETS
from knowledge.catalogue.facts import ISSUERS, labelled_rule, place_in_steps, text_methods
from knowledge.catalogue.model import Procedure
from knowledge.channels import capabilities
from knowledge.catalogue.parse import STATED_TIME, find_amounts, is_placeholder, stated_time
from knowledge.text import fold

FIRST_MESSAGE_TARGET = MESSAGE_TARGET  # what the median first answer keeps to (handlers.procedure_view)
CHANNEL_LIMIT = capabilities("zalo").message_limit  # the smallest of the channels
TITLE_LIMIT = 150

CLASSES = {
    "doc_note": "a note or heading shown as a document",
    "doc_swallowed": "a document swallowed into the one before it",
    "doc_residue": "form-file or list-label residue in a document's name",
    "case_hidden": "documents of one case shown without saying which case",
    "case_unoffered": "a list of several cases shown as one list (one case's heading and items, the others left out) without a choice of case",
    "doc_cut": "a document's name cut inside a word or a legal number (the rest taken for a form's file name)",
    "doc_dup": "the same document twice in one list",
    "fee_invented": "an amount the record does not state as a fee",
    "fee_zero_hidden": "'Miễn phí' (0) published beside a text that says otherwise, and the answer does not say so",
    "fee_expired": "a rate shown as current after its end date",
    "fee_free_dropped": "'miễn phí' in the record, not in the answer",
    "fee_unregulated": "'không quy định' read as 'không có thông tin'",
    "fee_raw": "raw fee text: nested parentheses or an amount twice",
    "fee_waiver_cited": "a waiver ('Miễn đến hết …') read from a cited document's title ('… quy định mức thu, miễn một số khoản phí')",
    "fee_attached": "'see the attached document' with nothing to open",
    "time_no_unit": "a processing time without its unit",
    "time_zero": "a processing time of zero",
    "time_ambiguous": "several times for one channel without the case each applies to",
    "time_case_hidden": "a further case or stage time of a channel shown without its case words",
    "time_unregulated": "'không quy định' (no time limit set) in the record, shown as no information or as a number",
    "time_working_days_lost": "'N Ngày' whose description says 'N ngày làm việc', shown as calendar days",
    "time_rule_hidden": "a bare number shown as the time where the description states the rule in words",
    "time_added_unstated": "'thêm N' shown as an extension where the record states no such 'thêm N' (a computed difference)",
    "time_rule_said_missing": "'Không có thông tin' for the time where the record states it after its label ('Thời hạn giải quyết: …')",
    "fee_placeholder_unknown": "a placeholder beside a 0 ('- Không có') read as an unclear fee",
    "methods_conditional": "a method the record allows only under a condition, listed as an ordinary one",
    "retrieved_day_invented": "a retrieval day shown where the source gives only the month",
    "province_missing": "a provincial copy whose province is never named",
    "place_missing": "no agency or address named where the steps say where the file is handed in",
    "methods_dup": "a submission method listed twice",
    "legal_dup": "a legal document listed twice",
    "legal_glued": "a legal document's number glued to a word or cut",
    "title_long": f"a title over {TITLE_LIMIT} characters",
    "over_limit": f"a first message over {CHANNEL_LIMIT} characters before splitting",
}

_BULLET = re.compile(r"^• (.*)$", re.MULTILINE)
_NOTE = re.compile(
    r"^(trường hợp\b.*\b(thì )?(không|không phải|không cần) (phải )?(nộp|xuất trình)|lưu ý|ghi chú|chú ý|"
    r"số (bộ|lượng) hồ sơ|phiếu này là|hồ sơ (được )?(lập|làm) thành|\(?\*|"
    r"(đối với|trường hợp) (các )?(tài liệu|giấy tờ|hồ sơ|bản sao|bản chụp)\b.{0,200}?\b(là|phải là|phải được) |"
    r"(cơ quan|ủy ban|ubnd|sở|phòng|bộ phận)\b.{0,150}\btrong (vòng|thời hạn) \d|"
    r"(\d+[.)]\s*)?(thủ tướng|chính phủ|bộ trưởng|quốc hội)\b.{0,60}?\b(ban hành|quy định|hướng dẫn|quyết định)\s|"
    r"trong (phiếu|đơn|tờ khai|văn bản đề nghị)\s+(nêu|ghi|phải)\b)", re.IGNORECASE)
# A heading that names a case, as a reader sees it: a list label ("1.", "a)", "(ii)"), or case words
# ("Trường hợp…", "Hoàn thuế đối với…", "Thủ tục cấp lại…") — not an addition beside every case.
_CASE_HEADING = re.compile(r"^\W*(?:\(?(?:\d+(?:\.\d+)*|[ivx]+)[.)/]|\([ivx\d.]+\)|[a-zđ]\))\s*\S|\b(?:trường hợp|đối với)\b|^\W*thủ tục\b",
                           re.IGNORECASE)
_ADDITION = re.compile(r"ủy quyền|bưu chính|người đại diện|chưa có tài khoản|trực tuyến|lưu ý|ghi chú"
                       r"|^\W*(?:các )?(?:giấy tờ|tài liệu) (?:phải|cần) (?:nộp|xuất trình)"
                       # the parts of one dossier, or what each party sends ("Hồ sơ Sở Tài chính gửi Kho bạc…")
                       r"|^\W*\S+\s*(?:các )?thành phần hồ sơ (?:bao )?gồm|\b(?:nộp|gửi|trình) (?:đến|cho|kho bạc|hội đồng)",
                       re.IGNORECASE)
# A name ending in a legal number whose issuer is cut ("…Quyết định số 09/2023/QĐ-T"), a parenthesis
# left open, or a form's file name that starts inside a word ("n đề nghị.docx", "dung).docx").
_CUT_NUMBER = re.compile(r"\d/\d{4}/(?:[A-ZĐƯ]+-)+([A-ZĐƯ][A-Za-zĐƯ]*)$")
_CUT_FORM = re.compile(r"^(?:[a-zđ]\s|[^()]*\)(?!\s*[A-ZĐ]))")
_CONDITIONAL = re.compile(r"^(trường hợp|nếu)\b.{3,}?\sthì\s", re.IGNORECASE)  # without a count: a note
_HEADING = re.compile(r"(:|các giấy tờ sau|gồm|bao gồm)\s*$", re.IGNORECASE)
_SWALLOWED = re.compile(r"\d+ bản (chính|sao)\s*(?:[a-zđ]{1,4}\)|\([a-zđ]{1,4}\)|\d{1,2}[.)]\s)")
_RESIDUE = re.compile(r"^[)\]}.,;:\-–]|\.(docx?|pdf|xlsx?|rar|zip)\b|\bmẫu số\s*$"
                      r"|[^\s\w]m[ẫa]u(\s*s[ốo])?\s*[\w.]*$|\dM[ẫa]u(\s*s[ốo])?\s*[\w.]*$|(?-i:/[A-ZĐ\-]*[A-ZĐ]{2}[A-Z][a-z]+$)",
                      re.IGNORECASE)
_COMPUTED = re.compile(r"(\d[\d.]*) đồng đến hết [\d/]+ \((\d{1,3})% của (\d[\d.]*) đồng")
_END_DATE = re.compile(r"đến (?:hết )?(?:ngày )?(\d{1,2})/(\d{1,2})/(\d{4})", re.IGNORECASE)
# A document number run into the next word ("…/2025/TT-BCAngày", "…/NĐ-CPQUY ĐỊNH") or cut ("…/NĐ-C").
_LOWER = "a-zđàáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ"  # (à-ỹ holds capitals too)
_LAW_GLUED = re.compile(rf"\d/[A-ZĐ][A-ZĐ\-]*[A-ZĐ](?<!TT)(?=[{_LOWER}])|\d/(?:[A-ZĐ]+-)?(?:CP|BTC|BCA)[A-ZĐ]{{2,}}"
                        r"|[A-ZĐ]-\s[A-ZĐ]{2,}\b|-H\sĐND")
_LAW_CUT = re.compile(r"-[A-ZĐ]$")
_METHODS = ("trực tiếp", "trực tuyến", "qua bưu chính")
_METHOD_SAID = {"ONLINE": "trực tuyến", "POSTAL": "qua bưu chính", "DIRECT": "trực tiếp"}
_UNREGULATED_NOTE = re.compile(r"^\W*(?:không|chưa)\s+(?:được\s+)?quy định\b", re.IGNORECASE)
_BY_RULE = re.compile(r"\bthời (?:gian|hạn)(?: thực hiện| giải quyết)?\s+(?:là\s+)?(?:theo|do|tùy|căn cứ|được xác định)\b",
                      re.IGNORECASE)
_ZERO_SAID = r"nguồn ghi (?:số tiền 0|«Miễn phí»)"  # a contradicted fee, as knowledge.catalogue.fees.in_force says it
_ZERO_BESIDE = re.compile(_ZERO_SAID + r" kèm: ([^;\n]*)")
# A number cell glued to the end of a title ("…của Chính phủ167/2025").
_NAME_GLUED_NUMBER = re.compile(r"[^\s\d/.,]\d{1,4}/\d{4}$")


@dataclass
class Finding:
    code: str
    cls: str
    detail: str


@dataclass
class Audit:
    checked: int = 0
    lengths: list[int] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    def by_class(self) -> Counter:
        return Counter(f.cls for f in self.findings)

    def procedures_with_defects(self) -> set[str]:
        return {f.code for f in self.findings}


_HEADINGS = ("📄", "💰", "⏱", "📍", "⚖", "✅", "🧭", "📌")  # the answer's section headings


def _section(text: str, heading: str) -> str:
    """The lines of one section of the answer ("📄 Giấy tờ", "💰 Phí", ...), up to the next heading."""
    out: list[str] | None = None
    for line in text.splitlines():
        if line.startswith(_HEADINGS):
            if out is not None:
                break
            out = [] if line.startswith(heading) else None
        elif out is not None and line.strip():
            out.append(line)
    return "\n".join(out or [])


def first_answer(messages: list[dict]) -> str:
    """The whole first answer in ``messages`` (``bot.preview``'s replies of one turn): every part
    of the first reply, up to the one that carries its buttons. A reply the channel had to split
    is measured whole, so it counts as over the limit; Zalo's follow-up messages for the buttons
    past its fifth carry no text of the answer."""
    parts = []
    for message in messages:
        parts.append(message["text"])
        if message["buttons"]:
            break
    return "\n".join(parts)


def _amount_stated(value: int, texts: list[str]) -> bool:
    return any(int(v) == value and cur == "VND" for t in texts for v, cur in find_amounts(t))


def _left(section: str, what: str) -> int:
    """How many items of a kind the section says it leaves out ("… và 3 thời hạn khác")."""
    return sum(int(n) for n in re.findall(rf"… và (\d+) {what} khác", section))


def check_answer(p: Procedure, text: str, full: str, today: date) -> list[Finding]:
    """What is wrong in the first answer ``text`` about ``p`` (and in its full view ``full``, for
    what only the full view shows: the legal basis)."""
    found: list[Finding] = []

    def add(cls: str, detail: str) -> None:
        found.append(Finding(p.code, cls, detail[:160]))

    title = text.split("\n", 1)[0]
    if len(title) > TITLE_LIMIT:
        add("title_long", f"{len(title)} characters")
    if len(text) > CHANNEL_LIMIT:  # ``text``: the whole first answer (first_answer), split or not
        add("over_limit", f"{len(text)} characters")

    docs = _section(text, "📄")
    for line in _BULLET.findall(docs):
        name = re.sub(r" \((\d+ bản (chính|sao)(, )?)+\)$", "", line)
        if _NOTE.search(name) or (name == line and _CONDITIONAL.search(name)):
            add("doc_note", name)
        elif _HEADING.search(name):
            add("doc_note", name)
        if _SWALLOWED.search(name):
            add("doc_swallowed", name)
        if _RESIDUE.search(name):
            add("doc_residue", name)
    for line in docs.splitlines():  # a note printed as a group's heading
        if not line.startswith("• ") and line.endswith(":") and _NOTE.search(line):
            add("doc_note", line)
    for g in p.documents:  # (the full view lists every document of the group)
        items = [(d.name.rstrip(" .:;"), d.originals or 0, d.copies or 0) for d in g.items]
        if len(items) != len(set(items)):
            add("doc_dup", next(item[0] for item in items if items.count(item) > 1))
    shown = [re.sub(r" \((\d+ bản (chính|sao)(, )?)+\)$", "", line) for line in _BULLET.findall(docs)]
    for name in shown:  # an issuer cut short: "…/QĐ-T" of "QĐ-TTg", "…/TT-BNNM" of "TT-BNNMT"
        cut = _CUT_NUMBER.search(name)
        if cut and cut.group(1) not in ISSUERS and any(i.startswith(cut.group(1)) for i in ISSUERS):
            add("doc_cut", name)
    for g in p.documents:
        for d in g.items:
            if d.form and _CUT_FORM.match(d.form) and any(name.startswith(d.name[:40]) for name in shown):
                add("doc_cut", f"{d.name} | {d.form}")
    cased = [g for g in p.documents if g.items and g.title and _CASE_HEADING.search(g.title)
             and not _ADDITION.search(g.title[:60])]
    if len(cased) >= 2 and "chọn trường hợp" not in docs and "theo trường hợp" not in docs:
        heads = [g for g in cased if g.title[:40] in docs]
        if heads and len(heads) < len(cased):  # one case's list shown, the others' left out, no choice
            add("case_unoffered", f"{heads[0].title[:60]} (+{len(cased) - len(heads)} more)")
    offered = set(case_groups(p)) if "chọn trường hợp" in docs else set()  # cases offered, not shown
    # The group whose documents open the list (groups are shown in order): its heading must be there.
    first = next((g for n, g in enumerate(p.documents) if n not in offered and g.items), None)
    if first is not None and first.title and first.items[0].name[:50] in docs and first.title[:40] not in docs:
        add("case_hidden", first.title)

    fees = _section(text, "💰")
    record_fee_texts = [f.text for c in p.channels for f in c.fees if f.text]
    record_values = {f.amount_vnd for c in p.channels for f in c.fees if f.amount_vnd}
    computed = set()
    for reduced, pct, base in _COMPUTED.findall(fees):  # a percentage of a published amount, shown with it
        if int(base.replace(".", "")) * int(pct) // 100 == int(reduced.replace(".", "")):
            computed.add(int(reduced.replace(".", "")))
    for value, cur in find_amounts(fees):
        if (cur == "VND" and value and int(value) not in record_values | computed
                and not _amount_stated(int(value), record_fee_texts)):
            add("fee_invented", f"{int(value):,} đồng")
    for line in fees.splitlines():
        for d, m, y in _END_DATE.findall(line):
            try:
                end = date(int(y), int(m), int(d))
            except ValueError:
                continue
            if end < today and "hết hiệu lực" not in line and "đã hết" not in line:
                add("fee_expired", line)
        if "((" in line or "))" in line:
            add("fee_raw", line)
        for segment in line.split("; "):
            amounts = [v for v, _ in find_amounts(segment)]
            if len(amounts) != len(set(amounts)):
                add("fee_raw", segment)
        if "(/" in line:
            add("fee_raw", line)
        if ATTACHED.search(line) and "trang nguồn" not in line:
            add("fee_attached", line)
    # A fee left out and counted ("… và 2 mức phí, lệ phí khác — bấm …") is one button away, not hidden.
    fees_left = _left(fees, "mức phí, lệ phí")
    contradicted = [f for c in p.channels for f in c.fees if f.published_zero and not _WHO_SETS.search(f.text)]
    if contradicted and not re.search(_ZERO_SAID, fees) and not fees_left:
        add("fee_zero_hidden", contradicted[0].text)
    if any(fold(t).startswith("mien") for t in record_fee_texts) and "miễn" not in fees.lower() and not fees_left:
        add("fee_free_dropped", fees.replace("\n", " "))
    unregulated_note = any(not c.fees and _UNREGULATED_NOTE.match(line) and re.search(r"\bphí\b", line)
                           and not STATED_TIME.search(line) for c in p.channels for line in c.note.splitlines())
    if "Miễn đến hết" in fees and not any(
            "miễn" in re.sub(r"(?:mức thu|thu, nộp)\s*,\s*miễn", "", t.lower()) for t in record_fee_texts):
        add("fee_waiver_cited", fees.replace("\n", " "))
    if ((any(fold(t).strip(" .") == "khong quy dinh" for t in record_fee_texts) or unregulated_note)
            and "Không có thông tin" in fees):
        add("fee_unregulated", fees.replace("\n", " "))

    place = _section(text, "📍")
    if place and "Cơ quan" not in place and "Địa chỉ" not in place and place_in_steps(p.steps):
        add("place_missing", place.replace("\n", " "))

    times = _section(text, "⏱")
    record_texts = [*p.steps, p.requirements, *(c.note for c in p.channels)]
    for bare in re.findall(r"(?:(\d+) \(nguồn chỉ ghi con số|nguồn chỉ ghi con số “(\d+)”)", times):
        bare = "".join(bare)
        # a bare number whose unit the record states elsewhere for that same number
        if any(re.search(rf"(?<![\d.,]){bare}\s*(ngày làm việc|ngày|giờ|tháng)\b", t, re.IGNORECASE)
               for t in record_texts):
            add("time_no_unit", times.replace("\n", " "))
            break
    if "thường là ngày làm việc" in times:  # a guess
        add("time_no_unit", times.replace("\n", " "))
    if re.search(r"(?<![\d.,])0 (giờ|ngày|tháng)", times):
        add("time_zero", times.replace("\n", " "))
    seen: Counter = Counter()
    for line in _BULLET.findall(times):
        label = line.split(":", 1)[0]
        for method in _METHODS + ("mọi hình thức nộp",):
            if method in label.lower():
                seen[method] += 1
    if any(n > 1 for n in seen.values()) or (seen["mọi hình thức nộp"] and len(seen) > 1):
        add("time_ambiguous", times.replace("\n", " "))

    # A time left out and counted ("… và 1 thời hạn khác") is not one shown without its case.
    hidden = {shorten(t.case, 110)[:30]: t.case for c in p.channels for t in c.more_times if t.case}
    hidden = [case for start, case in hidden.items() if start not in times]
    if len(hidden) > _left(times, "thời hạn"):
        add("time_case_hidden", hidden[0])

    notes = [c.note for c in p.channels if c.note]
    if any(_UNREGULATED_NOTE.match(n) and not STATED_TIME.search(n) for n in notes) and "quy định" not in times:
        add("time_unregulated", times.replace("\n", " "))
    for c in p.channels:
        stated = stated_time(c.note) if c.note else None
        if stated is not None and stated.unit == "WORKING_DAY" and stated.quantity is not None:
            q = f"{stated.quantity:g}"
            if re.search(rf"(?<![\d.,]){q} ngày(?! làm việc)", times) and not re.search(rf"(?<![\d.,]){q} ngày làm việc", times):
                add("time_working_days_lost", times.replace("\n", " "))
                break
    if "chỉ ghi con số" in times and any(_BY_RULE.search(n) for n in notes):
        add("time_rule_hidden", times.replace("\n", " "))
    for qty in re.findall(r"\bthêm (\d+(?:,\d+)?) (?:ngày|giờ|tháng)", times):
        n = qty.replace(",", "[.,]")
        if not any(re.search(rf"\bthêm\s*(?:không quá\s*)?(?:là\s*)?0*{n}(?![\d.,])", t, re.IGNORECASE) for t in record_texts):
            add("time_added_unstated", f"thêm {qty}")
            break
    if "Không có thông tin" in times and any(
            labelled_rule(t) for c in p.channels for t in (c.note, *(f.text for f in c.fees))):
        add("time_rule_said_missing", times.replace("\n", " "))
    for beside in _ZERO_BESIDE.findall(fees):
        if is_placeholder(beside.split(" — ")[0].strip(" -–•*+()")):
            add("fee_placeholder_unknown", beside)
    if "lấy ngày" in text and (getattr(p, "retrieved_month_only", False) or p.source == "bqp"):
        add("retrieved_day_invented", p.retrieved_at.isoformat() if p.retrieved_at else "")

    place = _section(text, "📍")
    if p.province and p.province not in text:
        add("province_missing", p.province)
    # What the record's text allows only under a condition, read as the importer reads it.
    conditional = [m for m in text_methods([*(c.note for c in p.channels), *p.steps], conditional=True)
                   if m not in {c.method for c in p.channels}]
    for line in place.splitlines():
        if "Cách nộp" in line:
            listed = [m for m in re.split(r",\s*| — ", line.split(":", 1)[1].lower()) if m.strip()]
            methods = [m.strip() for m in listed if m.strip() in _METHODS]
            if len(methods) != len(set(methods)):
                add("methods_dup", line)
            for method in conditional:
                said = _METHOD_SAID[str(method)]
                if re.search(rf"{said}(?!\s+chỉ khi)", line.split(":", 1)[1].lower()) and "điều kiện" not in line:
                    add("methods_conditional", line)

    legal = _section(full, "⚖")
    lines = [fold(line) for line in _BULLET.findall(legal)]
    if len(lines) != len(set(lines)):
        add("legal_dup", legal.replace("\n", " "))
    for doc in p.legal_basis:
        if (_LAW_CUT.search(doc.code) or _LAW_GLUED.search(doc.code) or _LAW_GLUED.search(doc.name)
                or _NAME_GLUED_NUMBER.search(doc.name)):
            add("legal_glued", f"{doc.code} — {doc.name}")
    return found


def audit(answers: Iterable[tuple[Procedure, str, str]], today: date) -> Audit:
    """``answers``: (procedure, whole first answer (``first_answer``), full view) in Zalo's plain text."""
    result = Audit()
    for p, text, full in answers:
        result.checked += 1
        result.lengths.append(len(text))
        result.findings.extend(check_answer(p, text, full, today))
    return result
