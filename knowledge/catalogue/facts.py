"""From what a source printed to the facts it states: the last step of every importer (``finish``).

The portal's tables come out of every crawl with the same slips, whatever the format; they are
mended here once, so that each fact of a record is what its source says and nothing more:

- submission channels: one row per method. The portal prints a second row for the same method
  for a stage ("tiếp nhận… 1 ngày", "thẩm định… 2 ngày"), a case or an extension ("miền núi thêm
  10 ngày"): those become further times of that channel, each with the words that say what it is
  for. Fees of the rows are kept once each.
- a time published as a bare number takes its unit from the channel's own note when the note
  states that same number with a unit; otherwise it stays without one (and says so).
- documents: notes ("Lưu ý…", "Trường hợp… thì không phải nộp…", "Số bộ hồ sơ: 01 bộ") are notes
  of their group, not documents; a heading printed as an item ("…gồm các giấy tờ sau:") opens a
  group; list-label and punctuation residue is trimmed.
- legal basis: one entry per document number.
- the province of a provincial copy (kind SPECIFIC), from its agencies or title, never an address.
"""

from __future__ import annotations

import re

from knowledge.catalogue.model import (
    Channel,
    Document,
    DocumentGroup,
    Fee,
    LegalDoc,
    Method,
    ProcessingTime,
    Procedure,
    TimeUnit,
)
from knowledge.catalogue.parse import STATED_TIME, is_placeholder, is_unregulated, parse_number, stated_time
from knowledge.catalogue.times import _CASE_WORDS, _LEAD_OUT, CLAUSE, note_times, stage_times
from knowledge.text import fold

# The 34 provinces and centrally-run cities since the 2025 merger, and the 63 before it (records
# crawled in 2026 still name them).
PROVINCES = (
    "An Giang", "Bắc Ninh", "Cà Mau", "Cao Bằng", "Cần Thơ", "Đà Nẵng", "Đắk Lắk", "Điện Biên", "Đồng Nai",
    "Đồng Tháp", "Gia Lai", "Hà Nội", "Hà Tĩnh", "Hải Phòng", "Hồ Chí Minh", "Huế", "Hưng Yên", "Khánh Hòa",
    "Lai Châu", "Lạng Sơn", "Lào Cai", "Lâm Đồng", "Nghệ An", "Ninh Bình", "Phú Thọ", "Quảng Ngãi",
    "Quảng Ninh", "Quảng Trị", "Sơn La", "Tây Ninh", "Thái Nguyên", "Thanh Hóa", "Tuyên Quang", "Vĩnh Long",
    # before July 2025
    "Bà Rịa - Vũng Tàu", "Bạc Liêu", "Bắc Giang", "Bắc Kạn", "Bến Tre", "Bình Định", "Bình Dương",
    "Bình Phước", "Bình Thuận", "Đắk Nông", "Hà Giang", "Hà Nam", "Hải Dương", "Hậu Giang", "Hòa Bình",
    "Kiên Giang", "Kon Tum", "Long An", "Nam Định", "Ninh Thuận", "Phú Yên", "Quảng Bình", "Quảng Nam",
    "Sóc Trăng", "Thái Bình", "Thừa Thiên Huế", "Tiền Giang", "Trà Vinh", "Vĩnh Phúc", "Yên Bái",
)
_PROVINCE = re.compile(
    r"\b(?:tỉnh|thành phố|tp\.?)\s+(" + "|".join(sorted(map(re.escape, PROVINCES), key=len, reverse=True)) + r")\b",
    re.IGNORECASE)

_NOTE = re.compile(
    r"^(?:\d{1,2}[.)]\s*(?=số (?:bộ|lượng) hồ sơ|hồ sơ\b.{0,40}\bdo\b|chi phí|đơn vị|người))?(?:\(?\*\)?|lưu ý|ghi chú|chú ý|số (?:bộ|lượng) hồ sơ|phiếu này là|hồ sơ (?:được )?(?:lập|làm) thành|"
    # a rule on the file, its cost or who takes it ("4. Hồ sơ dự thi do Hội đồng thi phát hành…",
    # "6. Chi phí dự thi được hoàn trả…", "5. Đơn vị nhận hồ sơ … chỉ nhận hồ sơ khi…")
    r"hồ sơ\b.{0,40}\bdo\b.{0,80}\bphát hành\b|chi phí\b.{0,80}\bđược hoàn trả|"
    r"(?:đơn vị|cơ quan|bộ phận)\b.{0,80}\bchỉ (?:tiếp )?nhận hồ sơ\b|"
    r"\(?(?:trường hợp|nếu) (?:gửi|nộp) hồ sơ\b.{0,80}\bthành phần hồ sơ là|trong đó\b|"
    r"(?:trường hợp|đối với|nếu)\b.{0,300}\b(?:không|không cần|không phải|miễn)\s+(?:phải\s+)?(?:nộp|xuất trình|kèm)|"
    r"(?:người|cơ quan|công chức|cán bộ)\b.{0,80}\b(?:có trách nhiệm|chịu trách nhiệm trước pháp luật|kiểm tra|tra cứu|khai thác)|"
    # what an authority issues or rules ("5. Thủ tướng Chính phủ ban hành danh mục hàng hóa…")
    r"(?:\d+[.)]\s*)?(?:thủ tướng|chính phủ|bộ trưởng|quốc hội)\b.{0,60}?\b(?:ban hành|quy định|hướng dẫn|quyết định)\s|"
    # what a form must say ("Trong phiếu nêu rõ mục đích…")
    r"trong (?:phiếu|đơn|tờ khai|văn bản đề nghị)\s+(?:nêu|ghi|phải)\b|"
    # what the documents must be like ("Đối với các tài liệu trong hồ sơ điện tử là bản quét…")
    r"(?:đối với|trường hợp)\s+(?:các\s+)?(?:tài liệu|giấy tờ|hồ sơ|bản sao|bản chụp)\b.{0,200}?\b(?:là|phải là|phải được)\s|"
    # what the agency does, and within what time ("Cơ quan chủ quản xác nhận … trong vòng 15 …")
    r"(?:cơ quan|ủy ban|ubnd|sở|phòng|bộ phận)\b.{0,150}\btrong (?:vòng|thời hạn)\s+\d|"
    # what the copies must be ("Các bản sao là bản sao được chứng thực…"), how many sets and in
    # what form ("(01) bộ hồ sơ (bản giấy) … và một (01) bản điện tử…")
    r"các (?:bản sao|bản chụp|giấy tờ|tài liệu)\b.{0,100}?\b(?:là|phải)\s|"
    r"\(?\d{1,2}\)?\s*bộ hồ sơ\b.{0,80}\b(?:bản giấy|bản điện tử|bản chính|bản sao)|"
    # what papers made abroad or in a foreign language must have ("Tài liệu được lập bằng tiếng nước ngoài
    # phải được gửi kèm bản dịch…", "Giấy tờ do cơ quan có thẩm quyền nước ngoài cấp … phải được hợp pháp hóa…")
    r"(?:các\s+)?(?:tài liệu|giấy tờ)\s+(?:được lập|lập|do)\b.{0,120}?\bphải\b)",
    re.IGNORECASE)
# An instruction for a case or a moment, without a count of its own ("Trường hợp gửi hồ sơ qua bưu
# chính thì phải gửi kèm…", "Khi các cơ quan … hoàn thành việc kết nối … không được yêu cầu …"):
# a note, not a document.
_CONDITIONAL = re.compile(r"^(?:\d+(?:\.\d+)*\.?\s+)?(?:(?:trong\s+)?(?:trường hợp|nếu)\b.{3,}?\sthì\s"
                          r"|(?:khi|sau khi)\s.{20,}?\b(?:không được|phải|được)\s)", re.IGNORECASE)  # ("6.3.1.6. Khi …")
# A case that need not bring something, whatever count the portal printed beside it ("Trường hợp không thuộc
# diện … thì không phải nộp một trong các loại giấy tờ nêu trên", "(Trường hợp chủ phương tiện … không phải
# xuất trình …)"): a note.
_EXEMPT_ROW = re.compile(r"\(?\s*(?:trường hợp|đối với|nếu)\b.{0,300}?\b(?:không phải|không cần|được miễn)\s+"
                         r"(?:phải\s+)?(?:nộp|xuất trình|kèm|tải lên)\b", re.IGNORECASE)
_ON_THE_FILE = re.compile(r"\bthì (?:các )?(?:thành phần hồ sơ|hồ sơ|giấy tờ)\b[^.;]{0,120}?\b(?:phải|được|là bản sao)\b",
                          re.IGNORECASE)
# A row that announces the list after it, with whatever count the portal printed ("Người có yêu cầu … nộp/xuất
# trình … các giấy tờ sau"): a heading.
_LEAD_IN = re.compile(r"\b(?:các|những) (?:giấy tờ|tài liệu|văn bản) (?:sau|sau đây|như sau)\s*:?\s*$", re.IGNORECASE)
_INCLUDES = re.compile(r"\b(?:bao gồm|gồm có|gồm)\s*:?\s*$", re.IGNORECASE)
_HEADING = re.compile(r"(?:gồm|bao gồm|các giấy tờ sau(?: đây)?|như sau|sau đây)\s*:?\s*$|:\s*$", re.IGNORECASE)
_RESIDUE = re.compile(r"^[\s;,.:)\]}\-–•*+\ue000-\uf8ff]+")  # (and the symbol fonts' bullets, "\uf0fc")
_CASE_TITLE = re.compile(r"^\W*(?:\(\*\)\s*)?(?:trường hợp|đối với|nếu)\b", re.IGNORECASE)
_NOTHING_TITLE = re.compile(r"^\W*(?:bao gồm|gồm|gồm có|thành phần hồ sơ(?: gồm| bao gồm)?)\W*$", re.IGNORECASE)
_EXEMPT_TITLE = re.compile(r"^\W*(?:[\d.]+\s*)?(?:các\s+)?(?:tài liệu|giấy tờ|thành phần hồ sơ)\s+(?:được\s+)?"
                           r"(?:miễn nộp|không phải nộp)\b", re.IGNORECASE)
_NOTE_TITLE = re.compile(r"^\W*(lưu ý|ghi chú|chú ý|số (?:lượng|bộ) hồ sơ)\b", re.IGNORECASE)


# --- channels --------------------------------------------------------------------------------
# A description that says no time limit (or fee) is set ("Không quy định về thời hạn giải quyết, phí,
# lệ phí", "không quy định cụ thể"), and states no time of its own.
_UNREGULATED_NOTE = re.compile(r"^\W*(?:không|chưa)\s+(?:được\s+)?quy định\b", re.IGNORECASE)
_FEE_WORDS = re.compile(r"\b(?:phí|lệ phí)\b", re.IGNORECASE)
# A rule in words for the time ("… thì thời gian thực hiện theo dự án đã được … phê duyệt").
_BY_RULE = re.compile(r"\bthời (?:gian|hạn)(?: thực hiện| giải quyết)?\s+(?:là\s+)?(?:theo|do|tùy|căn cứ|được xác định)\b",
                      re.IGNORECASE)
_CASE_THEN_RULE = re.compile(r"^(?P<case>(?:trường hợp|đối với|nếu)\b.*?)[\s,]*\bthì\s+(?P<rule>.+)$",
                             re.IGNORECASE | re.DOTALL)


def _first_clause(note: str) -> str:
    return next((c.strip(" -+*•") for c in CLAUSE.split(note) if c.strip(" -+*•")), "")


# A time stated after its label in a row's description ("- Thời hạn giải quyết: căn cứ quy chế…").
_TIME_LABEL = re.compile(r"(?:^|(?<=[\n.;(]))\W*thời (?:hạn|gian)(?: giải quyết| thực hiện| xử lý)?(?: hồ sơ)?\s*:\s*",
                         re.IGNORECASE)


def labelled_rule(text: str) -> str:
    """The rule a text states after a label for the time, up to the end of its line ("" if none)."""
    m = _TIME_LABEL.search(text)
    if not m:  # or a line that says no time limit is set ("- Không quy định thời hạn giải quyết, phí, lệ phí")
        line = next((x.strip(" -+*•\t") for x in text.splitlines() if _UNREGULATED_NOTE.match(x.strip(" -+*•\t"))
                     and re.search(r"\bthời (?:hạn|gian)\b", x, re.IGNORECASE)), "")
        return line[:1].upper() + line[1:]
    rule = text[m.end():].split("\n", 1)[0].strip(" -+*•;)")
    return rule[:1].upper() + rule[1:] if len(rule) > 3 else ""


def row_rules(c: Channel) -> Channel:
    """A row whose description says, in words, what its number cannot: the rule, kept as the time.
    - "Không quy định…" (no time limit is set) beside no time, or beside a number ("1 Ngày" and
      "không quy định cụ thể": the number kept as ``published``, shown as the record's conflict);
      beside no fee, when it names fees too ("…thời hạn giải quyết, phí, lệ phí"), it is the fee.
    - a bare number (unit OTHER) beside a rule ("…thì thời gian thực hiện theo dự án đã được
      phê duyệt"): a placeholder; the rule is the time, with the case it is for."""
    note, t, update = c.note.strip(), c.time, {}
    if t is None and (rule := labelled_rule(note) if not STATED_TIME.search(note) else "") or (
            t is None and not STATED_TIME.search(note) and (rule := labelled_rule("\n".join(f.text for f in c.fees)))):
        # no time in the row's column, but its description (or the fee's parenthesis) states it
        # after its label ("Thời hạn giải quyết hồ sơ: Ngay sau khi nhận đủ hồ sơ…"): that rule, whole
        return c.model_copy(update={"time": ProcessingTime(quantity=None, unit=TimeUnit.OTHER, text=rule)})
    if not note:
        return c
    if _UNREGULATED_NOTE.match(note) and not STATED_TIME.search(note):
        rule = _first_clause(note)
        rule = rule[:1].upper() + rule[1:]
        if t is None or t.quantity is not None:
            shown = _said(t.quantity, t.unit) if t is not None and t.unit in _UNIT_WORDS else ""
            update["time"] = ProcessingTime(quantity=None, unit=TimeUnit.OTHER, text=rule, published=shown)
        if not c.fees and (_FEE_WORDS.search(rule)):
            update["fees"] = [Fee(amount_vnd=None, text=rule)]
    elif (t is not None and t.unit == TimeUnit.OTHER and t.quantity is not None
          and not any(parse_number(m.group("qty")) == t.quantity for m in STATED_TIME.finditer(note))):
        clause = next((x.strip(" -+*•") for x in CLAUSE.split(note) if _BY_RULE.search(x)), None)
        if clause:
            m = _CASE_THEN_RULE.match(clause)
            case, rule = (m.group("case").strip(" ,"), m.group("rule").strip()) if m else ("", clause)
            rule = rule.rstrip(" .;")
            update["time"] = ProcessingTime(quantity=None, unit=TimeUnit.OTHER, text=rule[:1].upper() + rule[1:],
                                            case=case)
    return c.model_copy(update=update) if update else c


def _extends(note: str, first_note: str) -> bool:
    """Whether a further row of a method only extends the first ("miền núi thêm 10 ngày"), not a
    case of its own: its fee is the first row's."""
    words = _case_words(note, first_note)
    return bool(_EXTENSION.search(words) or not words.strip())


def _fee_case(case: str) -> str:
    """What a row is for, as a fee's label: the first line of its own words, up to a colon."""
    return case.split("\n", 1)[0].split(":", 1)[0].strip(" -+*•") if case else ""


def merge_channels(channels: list[Channel]) -> list[Channel]:
    """One channel per method, in the order the methods first appear."""
    by_method: dict[str, list[Channel]] = {}
    for channel in channels:
        by_method.setdefault(channel.method, []).append(channel)
    merged = []
    for rows in by_method.values():
        # (a row the portal repeats word for word is one row: never a second case of the same time)
        rows = [r for n, r in enumerate(rows) if all((r.time, r.note, r.fees) != (x.time, x.note, x.fees) for x in rows[:n])]
        first = rows[0]
        fees = []
        others_note = "\n".join(r.note for r in rows[1:])
        if len(rows) > 1 and any(r.fees != first.fees and (r.fees or not _extends(r.note, first.note)) for r in rows[1:]):
            # (a fee-less row that only extends the first, "miền núi thêm 10 ngày", has the first's fee)
            # Rows of one method that differ by case and by fee: each fee with its case, and a case
            # without a fee said as unknown — never one row's "Miễn phí" for every case.
            # (a fee every row has applies to every case: it stays as it is)
            common = [f for f in first.fees if all(f in r.fees for r in rows[1:])]
            fees.extend(common)
            for row in rows:
                label = _fee_case(_lines_own(first.note, others_note) if row is first
                                  else _case_words(row.note, first.note, keep_lines=True))
                for f in [f for f in row.fees if f not in common] or ([] if row.fees else [Fee(amount_vnd=None)]):
                    f = f.model_copy(update={"case": label})
                    if f not in fees:
                        fees.append(f)
        else:
            for row in rows:
                fees.extend(f for f in row.fees if f not in fees)
        times = [_with_unit(row.time, row.note) for row in rows]
        if len(rows) == 1:
            # Only stages (or a time the portal left to its description, "Theo mô tả", which lists
            # stages): no total to state, each stage with its own time.
            derived = times[0] is None or (times[0].text == first.note and not first.more_times)
            if derived and (stages := stage_times(first.note)):
                merged.append(first.model_copy(update={"time": None, "more_times": stages, "fees": fees}))
                continue
            if (not derived and not first.more_times and times[0] is not None and times[0].quantity is not None
                    and (stages := stage_times(first.note))):
                # A time beside a description that lists stages ("5 Ngày làm việc" beside "- Kiểm tra …: 05
                # ngày làm việc…; - Cấp chứng nhận…: 02 ngày làm việc kể từ ngày có kết quả…"): the time, and
                # every stage with its own (the one of the same time names what the time is for)
                main = times[0]
                same = next((t for t in stages if (t.quantity, t.unit) == (main.quantity, main.unit) and not t.added), None)
                if same is not None:
                    main, stages = main.model_copy(update={"case": same.case}), [t for t in stages if t is not same]
                merged.append(first.model_copy(update={"time": main, "more_times": stages, "fees": fees}))
                continue
            main, extended = (times[0], first.more_times) if first.more_times else normal_time(times[0], first.note)
            if not extended and not (main is not None and main.quantity is None and main.text == first.note):
                # other cases' times said only in the description (unless the time is that whole description)
                own, extended = note_times(main, first.note)
                main = main.model_copy(update={"case": own}) if main is not None and own else main
            merged.append(first.model_copy(update={"time": main, "more_times": extended, "fees": fees}))
            continue
        distinct: list[ProcessingTime] = []
        for row, time in zip(rows, times, strict=True):
            if time is None:  # a row that lists stages only: its stages, each once
                distinct.extend(t for t in stage_times(row.note) if t not in distinct)
                continue
            # The first row is labelled too when its description has words of its own (a stage
            # "Tiếp nhận…" beside "Thẩm định…"): two bare times side by side say nothing.
            case = time.case or (_own_words(first.note, others_note) if row is first else _case_words(row.note, first.note))
            # (an extension only when "thêm" says so of the time: "thêm 10 ngày", "…thì tăng thêm";
            # "phần diện tích đất tăng thêm do…" is a case, and its row's time that case's whole time)
            said = re.search(r"\b(?:tăng thêm|cộng thêm|thêm)\b\s*(?:không quá\s*)?(?:(\d+(?:[.,]\d+)?)|:|$)",
                             case.rstrip(" .;,"), re.IGNORECASE)
            added = bool(said) and (said.group(1) is None or parse_number(said.group(1)) == time.quantity)
            time = time.model_copy(update={"case": case, "added": added})
            if all((t.quantity, t.unit, t.case) != (time.quantity, time.unit, time.case) for t in distinct):
                distinct.append(time)
        notes = list(dict.fromkeys(r.note for r in rows if r.note))
        if len(notes) > 1 and distinct and distinct[0] is not None:
            # A stage every row's description states alike ("+ Thời gian xác định nghĩa vụ tài chính
            # của cơ quan thuế: Không quá 05 ngày làm việc" beside each case's own time): never cut as
            # the words rows share, but kept once, with its label, after the first time.
            # (not beside stages of the rows' own, nor an extension already said; nor a time already shown)
            listed = any(t and (t.added or t.stage) for t in distinct)
            for stage in reversed(_shared_stages(rows) if not listed else []):
                if all((t.quantity, t.unit) != (stage.quantity, stage.unit) for t in distinct if t):
                    distinct.insert(1, stage)
        if distinct and distinct[0].stage:  # no row states the whole time: the stages, none as the total
            distinct.insert(0, None)
        main = distinct[0] if distinct else None
        if main is not None and (len(distinct) == 1 or not any(t.case for t in distinct[1:])):
            main = main.model_copy(update={"case": ""})
        merged.append(first.model_copy(update={
            "time": main, "more_times": distinct[1:], "fees": fees, "note": "\n".join(notes)}))
    return merged


_EXTENSION = re.compile(r"\b(miền núi|hải đảo|vùng sâu|tăng thêm|kéo dài)\b", re.IGNORECASE)


def _extension_clause(note: str) -> str | None:
    """The clause of a description that names an extension ("…; Đối với các xã miền núi…")."""
    return next((c.strip(" -*+") for c in CLAUSE.split(note) if _EXTENSION.search(c)), None)


_WHOLE_TIME = re.compile(r"^\W*(thời gian thực hiện|thời gian giải quyết|thời hạn giải quyết|không quá|trong thời hạn)\b",
                         re.IGNORECASE)


def normal_time(time: ProcessingTime | None, note: str,
                 normal: ProcessingTime | None = None) -> tuple[ProcessingTime | None, list[ProcessingTime]]:
    """A row whose number is the extended maximum while its note states the normal time ("Thời gian
    thực hiện: không quá 20 ngày làm việc. Đối với các xã miền núi…"), or its processing case does
    (``normal``): the normal time, and the extension with the words that say when. The extension's
    number is the one its clause states ("tăng thêm 10 ngày"); a clause that states none, or another,
    leaves the published maximum as the time of that case: a difference is never shown as the
    record's own extension ("45 ngày … 70 Ngày" is no "thêm 25 ngày")."""
    first_line = note.strip().split("\n", 1)[0] if note else ""
    stated = normal or (stated_time(first_line) if time is not None and _WHOLE_TIME.match(first_line)
                        and "bước" not in first_line.lower() else None)
    extension = _extension_clause(note) if stated is not None else None
    if extension and time is not None and any(
            not _EXTENSION.search(c) and any((x.quantity, x.unit) == (time.quantity, time.unit)
                                             for x in (stated_time(c[m.start():]) for m in STATED_TIME.finditer(c)) if x)
            for c in CLAUSE.split(note)):
        return time, []  # the published number is a case the description states, not an extended maximum
    if (extension and stated.quantity is not None and time.quantity is not None
            and stated.unit == time.unit and stated.quantity < time.quantity):
        normal = stated.model_copy(update={"text": ""})
        if normal.case == "" and len(STATED_TIME.findall(first_line)) > 1:
            # ("… không quá 45 ngày…; đối với vụ việc phức tạp … không quá 60 ngày": its other case kept)
            normal = normal.model_copy(update={"case": first_line.strip(" -+*•\t")})
        more = time.quantity - stated.quantity
        m = re.search(r"\b(?:tăng thêm|cộng thêm|thêm)\s*(?:không quá\s*)?(?=\d)", extension, re.IGNORECASE)
        said = stated_time(extension[m.end():]) if m else None
        if said is not None and said.quantity == more and said.unit in (time.unit, TimeUnit.DAY):
            # (in the clause's own unit: "tăng thêm không quá 10 ngày" beside "43 ngày làm việc")
            return normal, [time.model_copy(update={"quantity": more, "unit": said.unit, "text": "", "added": True,
                                                    "case": extension})]
        # (the clause that states the published maximum says best which case it is for)
        for clause in CLAUSE.split(note):
            if any((x.quantity, x.unit) == (time.quantity, time.unit)
                   for x in (stated_time(clause[m.start():]) for m in STATED_TIME.finditer(clause)) if x):
                extension = clause.strip(" -*+\t")
                break
        return normal, [time.model_copy(update={"text": "", "added": False, "case": extension})]
    return time, []


def _with_unit(time: ProcessingTime | None, note: str) -> ProcessingTime | None:
    """A bare number takes the unit its own row's note states for that same number; a row without
    a time takes the one its note states ("Trong thời hạn 03 ngày làm việc…"), with the note."""
    if time is None and note and not stage_times(note) and (stated := stated_time(note)) is not None:
        # (a list of stages is no one time: its first is only the first stage; nor is the first of
        # several a description states for its cases, "a) Đối với…: 05 ngày…; b) …: 33 ngày…")
        # (nor is the first of a description that states several times for its steps or cases: "- Thời gian
        # xác minh…: trong 02 ngày làm việc…; - Thời gian kiểm tra hồ sơ: 10 ngày…" — the text is said whole)
        found = {(parse_number(m.group("qty")), m.group("unit").lower()) for m in STATED_TIME.finditer(note)}
        if len(found) > 1:
            return ProcessingTime(quantity=None, unit=TimeUnit.OTHER, text=note)
        return stated
    if time is not None and time.unit == TimeUnit.HOUR and time.quantity is not None and note:
        time = _clock_time(time, note)
    if time is not None and time.unit == TimeUnit.DAY and time.quantity is not None and note:
        stated = stated_time(note)  # "10 Ngày" beside "Trong thời hạn 10 ngày làm việc…": working days
        if stated is not None and stated.quantity == time.quantity and stated.unit == TimeUnit.WORKING_DAY:
            return time.model_copy(update={"unit": TimeUnit.WORKING_DAY})
        return time
    if time is None or time.unit != TimeUnit.OTHER or time.quantity is None or not note:
        return time
    stated = stated_time(note)
    if stated is not None and stated.quantity == time.quantity and stated.unit != TimeUnit.OTHER:
        return time.model_copy(update={"unit": stated.unit})
    if stated is not None and stated.quantity is not None and stated.unit != TimeUnit.OTHER:
        # the bare number and the description disagree ("1" beside "03 ngày làm việc kể từ …"): both are
        # said, as the record prints them, and neither is chosen
        clause = next((c.strip(" -+*•") for c in CLAUSE.split(note) if STATED_TIME.search(c)), note)
        return time.model_copy(update={"quantity": None, "text": f"Nguồn ghi “{time.quantity:g}”, không ghi đơn vị; "
                                                                   f"phần mô tả ghi: {clause}"})
    return time


_CLOCK = r"(?:sau|trước|lúc|đến|từ|vào|quá)\s+(?:{q}|0{q})\s*(?:giờ|h)\b"


def _clock_time(time: ProcessingTime, note: str) -> ProcessingTime:
    """ "15 HOUR" whose description uses 15 only as a time of day ("nhận hồ sơ sau 15 giờ … thì trả
    kết quả trong ngày làm việc tiếp theo"): a cut-off, not a duration — the rule the description
    states, in its own words."""
    q = f"{time.quantity:g}"
    if not re.search(_CLOCK.format(q=re.escape(q)), note, re.IGNORECASE):
        return time
    if any(m.group("qty").lstrip("0") == q and m.group("unit").lower().startswith("giờ") for m in STATED_TIME.finditer(note)):
        return time  # the description also states it as a duration
    clause = next((c.strip(" -+*•") for c in CLAUSE.split(note) if re.search(_CLOCK.format(q=re.escape(q)), c, re.IGNORECASE)), note)
    return ProcessingTime(quantity=None, unit=TimeUnit.OTHER, text=clause)  # the rule, whole


def _shared_stages(rows: list[Channel]) -> list[ProcessingTime]:
    """The lines every row's description has that state a time after a label that names no case."""
    out = []
    for line in rows[0].note.splitlines():
        line = line.strip(" *-+•\t")
        if any(line not in r.note for r in rows[1:]):
            continue
        more = re.search(r"\b(?:tăng thêm|cộng thêm|thêm)\s*(?:không quá\s*)?(?=\d)", line, re.IGNORECASE)
        if more and _CASE_WORDS.match(line) and (stated := stated_time(line[more.end():])) is not None \
                and stated.quantity is not None and stated.unit != TimeUnit.OTHER:
            # an extension every row states alike ("Đối với các xã miền núi… thì … được tăng thêm 10 ngày làm việc")
            case = _LEAD_OUT.sub("", re.sub(r"\s*(?:được\s*)?$", "", line[:more.start()])).strip(" -+*•,;:")
            out.append(ProcessingTime(quantity=stated.quantity, unit=stated.unit, case=case, added=True))
            continue
        head, colon, after = line.partition(":")
        if not colon or not head.strip() or len(head.split()) > 25 or _CASE_WORDS.search(head):
            continue
        stated = stated_time(after)
        if stated is not None and stated.quantity is not None and stated.unit != TimeUnit.OTHER and STATED_TIME.search(after):
            label = re.sub(r"^thời (?:hạn|gian)\s+", "", head.strip(), flags=re.IGNORECASE)
            out.append(ProcessingTime(quantity=stated.quantity, unit=stated.unit, case=label[:1].upper() + label[1:],
                                      stage=True))
    return out


def _own_words(note: str, other_notes: str) -> str:
    """The lines of a row's description that no other row of its method has ("" when none)."""
    return " ".join(_lines_own(note, other_notes).splitlines())


def _lines_own(note: str, other_notes: str) -> str:
    lines = [line.strip(" *-+•") for line in note.splitlines() if line.strip(" *-+•")]
    return "\n".join(line for line in lines if line not in other_notes)


def _case_words(note: str, first_note: str, keep_lines: bool = False) -> str:
    """What a further row of a channel is for, in the record's words: the part of its note that the
    first row's note does not have (the portal repeats "Nộp trực tiếp tại…" on every row)."""
    lines = [line.strip(" *-+•") for line in note.splitlines() if line.strip(" *-+•")]
    own = [line for line in lines if line not in first_note] or lines
    return "\n".join(own) if keep_lines else " ".join(own)


# --- documents -------------------------------------------------------------------------------
# Where the steps say the file is handed in ("…gửi hồ sơ qua dịch vụ bưu chính cho Trung tâm Phục vụ hành
# chính công cấp xã"): named nowhere else when the record's agency and address are empty.
_PLACE_IN_STEPS = re.compile(r"\b(?:nộp|gửi)\s+(?:01\s+)?(?:bộ\s+)?hồ sơ\b[^.;:]{0,120}?\b(?:cho|tại|đến|về)\s+"
                             r"((?:Trung tâm Phục vụ hành chính công|Bộ phận (?:một cửa|tiếp nhận và trả kết quả))[^.;,()]{0,60})")


def place_in_steps(steps: list[str]) -> str:
    found = [m.group(1).strip() for s in steps for m in _PLACE_IN_STEPS.finditer(s)]
    return found[0] if found else ""


def is_note(text: str) -> bool:
    return bool(_NOTE.match(text.strip()))


def same_document(a: Document, b: Document) -> bool:
    """The same name (a final full stop apart) and the same counts: one document listed twice."""
    return (a.name.rstrip(" .:;") == b.name.rstrip(" .:;") and (a.originals or 0, a.copies or 0) == (b.originals or 0, b.copies or 0))


def _opens_sublist(item: Document, following: list[Document]) -> bool:
    """A row that ends with a colon and is followed by a row one bullet level down ("- …:" then
    "+ …"): the heading of the rows under it."""
    raw = item.name.strip()
    return (bool(following) and raw.endswith(":") and raw.startswith("-")
            and following[0].name.lstrip().startswith("+"))


def tidy_documents(groups: list[DocumentGroup]) -> list[DocumentGroup]:
    out: list[DocumentGroup] = []
    for group in groups:
        title = _RESIDUE.sub("", group.title).strip()
        head, colon, listed = title.partition(":")
        inline = [x.strip(" ;.") for x in re.split(r"(?:^|\s)[-–]\s+(?=[A-ZĐ])", listed) if x.strip(" ;.")] if colon else []
        if len(inline) >= 2:  # "a) Hồ sơ gồm: - Đơn đăng ký… - Giấy chứng nhận…": the list is documents
            title = head.strip()
            group = group.model_copy(update={"items": [Document(name=x) for x in inline] + group.items})
        if out and _NOTE_TITLE.match(title):  # "Lưu ý" printed as a group of its own
            out[-1].notes.extend([*group.notes, *(i.name for i in group.items)])
            continue
        if _EXEMPT_TITLE.match(title):  # "6.3.1.4. Các tài liệu được miễn nộp …": what need NOT be brought
            listed = "; ".join(_RESIDUE.sub("", i.name).strip() for i in group.items)
            out.append(DocumentGroup(title="", notes=[f"{title.rstrip(' :')}: {listed}" if listed else title, *group.notes]))
            continue
        notes = list(group.notes)
        # A note where the heading is ("Trong phiếu nêu rõ…", "Số lượng hồ sơ: …") — but a case stays a
        # heading, whatever it says of what need not be brought ("(*) Trường hợp…", "Trường hợp cấp lại… (Miễn nộp…)").
        if title and is_note(title) and not _HEADING.search(title) and not _CASE_TITLE.match(title):
            title, notes = "", [title, *notes] if not re.fullmatch(r"\W*(?:lưu ý|ghi chú|chú ý)\W*", title, re.IGNORECASE) else notes
        elif _NOTHING_TITLE.match(title):  # "Bao gồm": a heading that names nothing
            title = ""
        current = DocumentGroup(title=title, notes=notes)
        out.append(current)
        for n, item in enumerate(group.items):
            name = _RESIDUE.sub("", item.name).strip()
            if not name:
                continue
            if _opens_sublist(item, group.items[n + 1:n + 2]):  # "- Đối với …, hồ sơ phải bổ sung:" +
                current = DocumentGroup(title=name.rstrip(" :"), notes=[])  # "+ Bản sao…": a heading, whatever
                out.append(current)  # count the portal printed beside it
                continue
            if is_placeholder(name) or is_unregulated(name):  # "Không quy định." (1 bản chính): no document
                current.notes.append(name.rstrip(" ."))
                continue
            if any(same_document(d, item.model_copy(update={"name": name})) for d in current.items):
                continue  # the same document twice in one list (the portal repeats rows)
            counted = bool(item.originals or item.copies)
            # (a counted row may still be a rule on the whole file: "Trường hợp nộp hồ sơ trực tuyến thì thành
            # phần hồ sơ phải được chứng thực điện tử…")
            conditional = bool(_CONDITIONAL.match(name)) and (not counted or bool(_ON_THE_FILE.search(name)))
            if conditional or _EXEMPT_ROW.match(name) or is_note(name) and not (
                    counted and name.lower().startswith(("trường hợp", "đối với"))):
                current.notes.append(name)
            elif _HEADING.search(name) and len(name) < 300 and (not counted or _LEAD_IN.search(name) or (
                    _INCLUDES.search(name) and n + 1 < len(group.items))):  # "2. Văn bản chứng minh … bao gồm" + rows
                current = DocumentGroup(title=name.rstrip(" :"), notes=[])
                out.append(current)
            else:
                current.items.append(item.model_copy(update={"name": name.rstrip(" :;") if counted else name}))
    # A heading with nothing under it was a document after all (or a note): keep what it says.
    tidy: list[DocumentGroup] = []
    for group in out:
        if group.items or not group.title or group.notes:
            tidy.append(group)
        elif tidy:
            tidy[-1].notes.append(group.title)
    return [g for g in tidy if g.items or g.notes]


# --- legal basis -----------------------------------------------------------------------------
# Who issues legal documents, as their numbers end ("…/NĐ-CP", "…/TT-BTC"): a number run into
# an upper-case title ("136/2025/NĐ-CPQUY ĐỊNH…") is cut after the issuer.
ISSUERS = frozenset((
    "CP", "TTg", "QH", "UBTVQH", "CTN", "VPCP", "BTC", "BCA", "BTP", "BXD", "NHNN", "BYT", "BNV", "BQP", "BCT",
    "BGDĐT", "BLĐTBXH", "BKHĐT", "BNNPTNT", "BNNMT", "BTNMT", "BGTVT", "BTTTT", "BVHTTDL", "BNG", "BKHCN",
    "TANDTC", "VKSNDTC", "KTNN", "HĐND", "UBND", "BDTTG", "UBDT", "TTCP", "BKH", "BHXH", "TCHQ", "TCT",
    "UBCKNN", "TLĐ",
))
_RUN_ON = re.compile(r"^(?P<head>.*\d/(?:\d{4}/)?(?:[A-ZĐ]+-)*)(?P<seg>[A-ZĐ]{3,})$")
_GLUED_WORD = re.compile(r"(\d/[A-ZĐ][A-ZĐ\-]*[A-ZĐ](?<!TT)(?<!-[A-ZĐ])|QH\d{2})(?=(\w))")  # ("…/NĐ-CP-Quy định": no)


_SPACED = re.compile(r"(\d/(?:\d{4}/)?[A-ZĐ]+)-\s+(?=[A-ZĐ]{2})")


_DASHED_TITLE = re.compile(r"(\d/(?:\d{4}/)?[A-ZĐ][A-ZĐ\-]*[A-ZĐ])-(?=[A-ZĐ](\w))")


def _unglue(text: str) -> str:
    """"…/TT-BCAngày" → "…/TT-BCA ngày" ("NQ-HĐND" stays: Đ is a capital); "…/TT- BTP" → "…/TT-BTP";
    "…/NĐ-CP-Quy định" → "…/NĐ-CP - Quy định"."""
    text = _DASHED_TITLE.sub(lambda m: m.group(1) + (" - " if m.group(2).islower() else "-"), _SPACED.sub(r"\1-", text))
    return _GLUED_WORD.sub(lambda m: m.group(1) + " " if m.group(2).islower() else m.group(1), text)


def _whole_code(doc: LegalDoc) -> LegalDoc:
    """A number cut short ("21/2008/TTLT") that its own title gives whole ("21/2008/TTLT-BQP-…")."""
    if doc.code and (m := re.search(re.escape(doc.code) + r"(?:-[A-ZĐ][A-ZĐ0-9]+)+(?!\w)", doc.name)):
        return doc.model_copy(update={"code": m.group(0)})
    return doc


# A number cell cut before its issuer and glued to the end of its title ("…ngày 30/6/2025 của Chính
# phủ167/2025"): the title's own number, or the number as printed, is the entry's code.
_GLUED_NUMBER = re.compile(r"(?<=[^\s\d/.,])(\d{1,4}(?:/\d{4})?)\s*$")


def _number_cell(doc: LegalDoc) -> LegalDoc:
    m = _GLUED_NUMBER.search(doc.name) if not doc.code else None
    if m is None or "/" not in m.group(1):
        return doc
    name = doc.name[:m.start()].rstrip()
    whole = re.search(re.escape(m.group(1)) + r"/[A-ZĐ][A-ZĐa-z0-9\-]*[A-ZĐa-z0-9]", name)
    return doc.model_copy(update={"code": whole.group(0) if whole else m.group(1), "name": name})


def _split_run_on(doc: LegalDoc, next_name: str = "") -> tuple[LegalDoc, str]:
    """(the entry with its number cut after the issuer, the capitals that start the next title).
    One capital is enough when the next title starts with the rest of its word ("S" + "ỬA ĐỔI")."""
    m = _RUN_ON.match(doc.code)
    if m and m.group("seg") not in ISSUERS:
        seg = m.group("seg")
        issuer = max((i for i in ISSUERS if seg.startswith(i)), key=len, default=None)
        rest_of_word = next_name[:1].isupper() and not re.match(r"[A-ZĐ]", next_name[:1])
        if issuer and len(seg) - len(issuer) >= (1 if rest_of_word else 2):
            return doc.model_copy(update={"code": m.group("head") + issuer}), seg[len(issuer):]
    if doc.code.endswith("NĐ-C"):  # a decree's number cut: decrees (NĐ) are the Government's (CP) —
        # mended, and marked as mended: the record printed "NĐ-C" (``printed``)
        return doc.model_copy(update={"code": doc.code + "P", "printed": doc.printed or doc.code}), ""
    return doc, ""


def _prepend(head: str, name: str) -> str:
    """The capitals cut from a number in front of the title they began: "QUY" + "ĐỊNH MỨC…" is
    "QUY ĐỊNH MỨC…"; "TH" + "ÔNG TƯ…" was one word the number's pattern stopped in ("THÔNG TƯ…")."""
    glued = name[:1].isupper() and not re.match(r"[A-ZĐ]", name[:1])
    return f"{head}{name}" if glued else f"{head} {name}".strip()


def _law_key(code: str) -> str:
    number = re.search(r"\d[\d.]*[a-z]?/(?:\d{4}/)?[\wĐđ\-]+", code)
    return fold(number.group(0) if number else code).replace(" ", "")


def unique_legal(docs: list[LegalDoc]) -> list[LegalDoc]:
    """One entry per document number (the longer name kept); entries without a number by name."""
    seen: dict[str, LegalDoc] = {}
    carried = ""
    for n, doc in enumerate(docs):
        doc = doc.model_copy(update={"name": _prepend(carried, doc.name)}) if carried else doc
        doc, carried = _split_run_on(doc, docs[n + 1].name if n + 1 < len(docs) else "")
        doc = _whole_code(_number_cell(LegalDoc(code=_unglue(doc.code), name=_unglue(doc.name), printed=doc.printed)))
        key = _law_key(doc.code) if doc.code else fold(doc.name)
        old = seen.get(key)
        if old is None:
            seen[key] = doc
        elif len(doc.name) > len(old.name):
            seen[key] = old.model_copy(update={"name": doc.name})
    # (an entry without a number whose words another entry's title holds is that title's number cell
    # restating it: "Thông tư số 84/2025/TT-BNNMT ngày 31 tháng 12 năm 2025 …" → "ngày 31 tháng 12 năm 2025 …")
    # ("Luật Đất đai" inside "…hướng dẫn Luật Đất đai" is a law of its own: only a long run of a title's words is dropped)
    named = [fold(d.name) for d in seen.values() if d.code]
    return [d for d in seen.values()
            if d.code or not any(fold(d.name) == n or (len(d.name) >= 25 and fold(d.name) in n) for n in named)]


# --- province --------------------------------------------------------------------------------
def province_of(p: Procedure) -> str | None:
    """The province of a provincial copy: a record the catalogue marks as one province's variant
    (kind SPECIFIC, published by that province), named by its publishing or executing agency or its
    title; of a record of unknown kind, only the province that published it. A national procedure (STANDARD, or of unknown kind) has none, even when a crawl happened to
    take one province's department as its agency ("Sở Tư pháp Thành phố Hà Nội") or its agency's
    street address is in Hà Nội: an address never makes a procedure a province's."""
    if p.kind == "SPECIFIC":
        texts = (p.promulgating_agency or "", p.executing_agency or "", p.name)
    elif p.kind is None:  # kind unknown: a province that published it ("UBND tỉnh Lạng Sơn") makes it its copy
        texts = (p.promulgating_agency or "",)
    else:
        return None
    for text in texts:
        if m := _PROVINCE.search(text):
            name = m.group(1)
            return next((x for x in PROVINCES if x.lower() == name.lower()), name)
    return None


_OF_PROVINCE = re.compile(r"\s*[-–,]?\s*" + _PROVINCE.pattern + r"\s*$", re.IGNORECASE)


def national_agency(p: Procedure, others: list[str]) -> str | None:
    """The executing agency of a national procedure without the province a crawl chose: "Sở Nông
    nghiệp và Môi trường Thành phố Hải Phòng; Sở Nông nghiệp và Môi trường" → "Sở Nông nghiệp và Môi
    trường". An agency named with a province is replaced only by the same agency named without one,
    in this record or another record of the code (the catalogue's "Sở Nông nghiệp và Môi trường");
    otherwise it stays as published. A provincial copy (SPECIFIC) keeps its province's agencies."""
    agency = p.executing_agency or ""
    if p.kind not in ("STANDARD", "STANDARD_INTERNAL") or not _PROVINCE.search(agency):
        return p.executing_agency
    sep = ";" if ";" in agency else ","
    items = [x.strip() for x in agency.split(sep) if x.strip()]
    known = {fold(x.strip()): x.strip() for text in [agency, *others] for x in re.split(r"[;,]", text or "") if x.strip()
             and not _PROVINCE.search(x)}
    out = []
    for item in items:
        bare = _OF_PROVINCE.sub("", item).strip()
        item = known.get(fold(bare), item) if bare != item else item
        if item not in out:
            out.append(item)
    return f"{sep} ".join(out)


_UNIT_OF = {"ngày làm việc": TimeUnit.WORKING_DAY, "giờ làm việc": TimeUnit.WORKING_HOUR, "giờ": TimeUnit.HOUR,
            "ngày": TimeUnit.DAY, "tháng": TimeUnit.MONTH}


def _units_from_text(channels: list[Channel], texts: list[str]) -> list[Channel]:
    """Bare numbers that the steps or requirements state, with a unit, as that same number — only
    when it is the longest time they state in that unit: a smaller one is a stage ("01 ngày làm
    việc kể từ ngày kết thúc việc kiểm tra" beside "09 ngày làm việc"), not the whole time. Only a
    number with its unit counts ("ngày làm việc tiếp theo" is a deadline rule, not one day)."""
    stated: dict[float, set[TimeUnit]] = {}
    longest: dict[TimeUnit, float] = {}
    for text in texts:
        for m in STATED_TIME.finditer(text):
            qty, unit = parse_number(m.group("qty")), _UNIT_OF[m.group("unit").lower()]
            if qty is not None:
                stated.setdefault(qty, set()).add(unit)
                longest[unit] = max(longest.get(unit, 0), qty)
    out = []
    for c in channels:
        t = c.time
        units = stated.get(t.quantity, ()) if t is not None and t.quantity is not None else ()
        if t is not None and t.unit == TimeUnit.OTHER and len(units) == 1 and longest[next(iter(units))] <= t.quantity:
            c = c.model_copy(update={"time": t.model_copy(update={"unit": next(iter(units))})})
        out.append(c)
    return out


_METHOD_WORDS = {"ONLINE": "trực tuyến", "POSTAL": "qua bưu chính", "DIRECT": "trực tiếp"}
_UNIT_WORDS = {TimeUnit.WORKING_DAY: "ngày làm việc", TimeUnit.DAY: "ngày", TimeUnit.HOUR: "giờ",
               TimeUnit.WORKING_HOUR: "giờ làm việc", TimeUnit.MONTH: "tháng"}
# A step that states the whole time of the decision, counted from the dossier's receipt.
_FROM_RECEIPT = re.compile(r"kể từ (?:ngày|khi|thời điểm)\s+(?:\S+\s+){0,2}?(?:nhận|tiếp nhận)\s+(?:được\s+)?(?:đủ\s+)?"
                           r"(?:\S+\s+)?hồ sơ", re.IGNORECASE)
# ... and is about every applicant's dossier: not a case, an incomplete dossier, an extension, or
# another agency's opinion.
_NOT_THE_DECISION = re.compile(r"bổ sung(?:,? (?:hoàn thiện|sửa đổi))? hồ sơ|yêu cầu bổ sung|chưa đầy đủ|không đầy đủ|chưa hợp lệ|không hợp lệ|hoàn thiện|sửa đổi hồ sơ|"
                               r"\bthêm\b|kéo dài|gia hạn|không tính|không bao gồm|khiếu nại|thông báo|"
                               r"trường hợp|\bnếu\b|đối với|ý kiến|xác minh|chậm nhất", re.IGNORECASE)


def _said(qty: float, unit: TimeUnit) -> str:
    return f"{qty:g} {_UNIT_WORDS.get(unit, '')}".strip()


def _short(text: str, limit: int = 160) -> str:
    text = " ".join(text.split()).strip(" -+*•;")
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + "…"


def time_conflicts(channels: list[Channel], steps: list[str]) -> list[str]:
    """Where the record's own numbers for the time disagree, in plain words (never resolved):
    - a table row in hours whose description states the same number in days ("14 Giờ" beside
      "không vượt quá 14 ngày");
    - a channel's whole time shorter than a step's time for the decision itself, counted from the
      dossier's receipt ("Trực tiếp: 1 ngày làm việc" beside "Trong thời hạn 11 ngày làm việc kể từ
      ngày nhận đủ hồ sơ hợp lệ, … có quyết định"): a stage is never longer than the whole."""
    out: list[str] = []
    for c in channels:
        for t in (c.time, *c.more_times):
            if t is None or t.quantity is None or t.unit not in (TimeUnit.HOUR, TimeUnit.WORKING_HOUR):
                continue
            words = f"{t.case}\n{c.note}"
            day = next((m for m in STATED_TIME.finditer(words) if parse_number(m.group("qty")) == t.quantity
                        and m.group("unit").lower().startswith("ngày")), None)
            if day is not None:
                out.append(f"Nguồn ghi không thống nhất: bảng ghi {_METHOD_WORDS[c.method]} “{_said(t.quantity, t.unit)}”, "
                           f"phần mô tả ghi “{_short(day.group(0), 60)}”.")
    # a case's time in the table shorter than the time its own words state ("13 ngày làm việc" for
    # "Đối với các xã biên giới…: Không quá 17 ngày làm việc"): a part is never longer than the whole
    # (only a label "<case>: <its one time>", so that no breakdown or extension is read as the case's time)
    shorter: dict[tuple, list[str]] = {}
    for c in channels:
        for t in (c.time, *c.more_times):
            if t is None or t.quantity is None or not t.case or t.added or t.stage:
                continue
            head, colon, after = t.case.rpartition(":")
            said = list(STATED_TIME.finditer(t.case))
            if not colon or len(said) != 1 or not _CASE_WORDS.search(head) or not STATED_TIME.search(after):
                continue
            qty = parse_number(said[0].group("qty"))
            if qty is not None and qty > t.quantity and _UNIT_OF.get(said[0].group("unit").lower()) == t.unit:
                key = (_said(t.quantity, t.unit), _short(head.strip(), 60), _short(after.strip(" .;"), 60))
                shorter.setdefault(key, []).append(_METHOD_WORDS[c.method])
    for (shown, case, rule), methods in shorter.items():
        out.append(f"Nguồn ghi không thống nhất: bảng ghi {', '.join(dict.fromkeys(methods))} “{shown}” cho "
                   f"“{case}”, phần mô tả ghi “{rule}”.")
    overruled: dict[tuple[str, str], list[str]] = {}  # a number the description's rule overrules
    for c in channels:
        for t in (c.time, *c.more_times):
            if t is not None and t.published:
                overruled.setdefault((t.published, t.text), []).append(_METHOD_WORDS[c.method])
    for (shown, rule), methods in overruled.items():
        out.append(f"Nguồn ghi không thống nhất: bảng ghi {', '.join(dict.fromkeys(methods))} “{shown}”, "
                   f"phần mô tả ghi “{_short(rule, 60)}”.")
    decided: list[tuple[float, TimeUnit, str]] = []
    for step in steps:
        for clause in re.split(r"(?<=[.;])\s+|\n+", step):
            if not _FROM_RECEIPT.search(clause) or _NOT_THE_DECISION.search(clause):
                continue
            m = STATED_TIME.search(clause)
            qty = parse_number(m.group("qty")) if m else None
            if qty is not None and m.start() < _FROM_RECEIPT.search(clause).start():
                decided.append((qty, _UNIT_OF[m.group("unit").lower()], clause))
    by_value: dict[tuple, list[str]] = {}
    for c in channels:
        t = c.time
        if t is None or t.quantity is None or c.more_times:  # (several rows: the first may be a stage)
            continue
        for qty, unit, clause in decided:
            comparable = unit == t.unit or (unit == TimeUnit.WORKING_DAY and t.unit == TimeUnit.DAY)
            if comparable and qty > t.quantity:
                by_value.setdefault((t.quantity, t.unit, clause), []).append(_METHOD_WORDS[c.method])
                break
    for (qty, unit, clause), methods in by_value.items():
        out.append(f"Nguồn ghi không thống nhất: bảng ghi {', '.join(methods)} “{_said(qty, unit)}”, "
                   f"trình tự thực hiện ghi “{_short(clause)}”.")
    return list(dict.fromkeys(out))


# Submission methods as a record's text names them, in a sentence about filing the dossier ("nộp trực
# tiếp hoặc gửi hồ sơ qua hệ thống bưu chính …, có thể nộp trực tuyến"), never about the result.
_FILING = re.compile(r"\bnộp (?:\S+ ){0,3}?hồ sơ|\bnộp (?:trực tiếp|trực tuyến|qua)\b|gửi (?:\S+ ){0,2}?hồ sơ|"
                     r"hồ sơ (?:được )?(?:nộp|gửi)|cách thức nộp", re.IGNORECASE)
_NOT_FILING = re.compile(r"\btrả\b|nhận kết quả|gửi kết quả|chuyển kết quả|thông báo", re.IGNORECASE)
_METHOD_TEXT = (
    (Method.ONLINE, re.compile(r"trực tuyến|môi trường (?:điện tử|mạng)|cổng dịch vụ công|qua mạng", re.IGNORECASE)),
    (Method.POSTAL, re.compile(r"bưu chính|bưu điện", re.IGNORECASE)),
    (Method.DIRECT, re.compile(r"\btrực tiếp\b", re.IGNORECASE)),
)


# A sentence that allows a method only under a condition it names ("nếu Cơ quan đại diện … sử dụng
# Phần mềm…, trong điều kiện cơ sở hạ tầng kỹ thuật cho phép, hồ sơ có thể nộp trực tuyến").
_ON_CONDITION = re.compile(r"\bnếu\b|trong điều kiện|\bkhi\b.{0,80}\b(?:triển khai|kết nối|đáp ứng|cho phép)|"
                           r"(?:đã|được) triển khai|(?:kỹ thuật|hạ tầng)\b.{0,30}\bcho phép", re.IGNORECASE)


def text_methods(texts: list[str], conditional: bool = False) -> list[Method]:
    """The methods the record's own sentences about filing name, in the order first named; those
    named only in a sentence that allows them under a condition are left out (``conditional``:
    only those)."""
    found: dict[Method, int] = {}
    if_so: dict[Method, int] = {}
    for text in texts:
        for clause in re.split(r"[.;\n]+", text):
            if not _FILING.search(clause) or _NOT_FILING.search(clause):
                continue
            into = if_so if _ON_CONDITION.search(clause) else found
            for method, words in _METHOD_TEXT:
                if words.search(clause) and method not in into:
                    into[method] = len(into)
    if conditional:
        return sorted((m for m in if_so if m not in found), key=if_so.get)
    return sorted(found, key=found.get)


def tidy_procedure(p: Procedure) -> Procedure:
    channels = _units_from_text(merge_channels([row_rules(c) for c in p.channels]), [*p.steps, p.requirements])
    listed = {c.method for c in channels}
    return p.model_copy(update={
        "channels": channels,
        "other_methods": [m for m in text_methods([*(c.note for c in channels), *p.steps]) if m not in listed],
        "conditional_methods": [m for m in text_methods([*(c.note for c in channels), *p.steps], conditional=True)
                                if m not in listed],
        "time_conflicts": list(dict.fromkeys([*p.time_conflicts, *time_conflicts(channels, p.steps)])),
        "documents": tidy_documents(p.documents),
        "legal_basis": unique_legal(p.legal_basis),
    })

