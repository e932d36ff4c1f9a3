"""The procedure record: one national administrative procedure (TTHC), whatever source it came from.

Every importer produces these; the database stores them as JSON beside a few indexed columns; the
search index and the answer templates read them. Text is NFC (importers call ``text.clean``).
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import BaseModel, Field


class Method(StrEnum):
    """How a dossier is submitted ("cách thức thực hiện")."""

    ONLINE = "ONLINE"  # Trực tuyến
    POSTAL = "POSTAL"  # Dịch vụ bưu chính
    DIRECT = "DIRECT"  # Trực tiếp


class TimeUnit(StrEnum):
    WORKING_DAY = "WORKING_DAY"  # ngày làm việc
    DAY = "DAY"  # ngày (calendar days)
    HOUR = "HOUR"  # giờ
    WORKING_HOUR = "WORKING_HOUR"  # giờ làm việc
    MONTH = "MONTH"
    SAME_DAY = "SAME_DAY"  # trong ngày
    OTHER = "OTHER"  # the real rule is in ``text``


class Fee(BaseModel):
    kind: str = "FEE"  # FEE (lệ phí), SERVICE_FEE (phí), PRICE_LEVEL (giá) — as published
    amount_vnd: int | None = None  # None: not a fixed amount (see text)
    text: str = ""
    # The source published 0 ("Miễn phí" on the portal) beside a text that does not say free
    # ("Theo Thông tư 112/2021/TT-BTC…", rates in đồng): the record contradicts itself or is unclear.
    published_zero: bool = False
    said_free: bool = False  # … and said it in words ("Miễn phí(…)"), not as the number 0
    # What this fee is for when the rows of one method differ by case and their fees differ
    # ("Công bố mở luồng … nối với luồng quốc gia"): never one fee claimed for every case.
    case: str = ""


class ProcessingTime(BaseModel):
    quantity: float | None = None
    unit: TimeUnit = TimeUnit.OTHER
    text: str = ""
    case: str = ""  # what this time is for when a channel has several (a stage, a case, an extension)
    added: bool = False  # an extension: this much more than the channel's time, in the case it names
    # One stage of the processing ("tiếp nhận và kiểm tra hồ sơ: 03 ngày làm việc"), not the whole
    # time: the record gives only stages for this channel (``case`` names the stage).
    stage: bool = False
    # The number the table printed when the row's description overrules it with a rule in words
    # ("1 Ngày" beside "không quy định cụ thể"): shown beside the rule as the record's conflict.
    published: str = ""


class Channel(BaseModel):
    method: Method
    time: ProcessingTime | None = None
    more_times: list[ProcessingTime] = Field(default_factory=list)  # further stages, cases, extensions
    fees: list[Fee] = Field(default_factory=list)
    note: str = ""


class Document(BaseModel):
    name: str
    originals: int | None = None  # bản chính
    copies: int | None = None  # bản sao
    form: str | None = None  # name of the form/template file, when one is published


class DocumentGroup(BaseModel):
    title: str = ""  # e.g. "Giấy tờ phải nộp", or the case it applies to
    items: list[Document] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)  # what the source lists among documents but is not one


class LegalDoc(BaseModel):
    code: str = ""  # e.g. "123/2015/NĐ-CP"
    name: str = ""
    printed: str = ""  # the number as the record printed it, when ``code`` mends it ("118/2025/NĐ-C")


class Procedure(BaseModel):
    code: str  # national code, e.g. "1.001193"
    name: str
    field: str | None = None  # lĩnh vực, e.g. "Hộ tịch"
    category_code: str | None = None
    promulgating_agency: str | None = None  # the ministry that publishes it
    executing_agency: str | None = None  # cơ quan thực hiện
    levels: list[str] = Field(default_factory=list)  # "xã" | "tỉnh" | "bộ" | "khác"
    subjects: list[str] = Field(default_factory=list)  # đối tượng thực hiện
    results: list[str] = Field(default_factory=list)  # kết quả
    requirements: str = ""  # yêu cầu, điều kiện
    documents: list[DocumentGroup] = Field(default_factory=list)
    channels: list[Channel] = Field(default_factory=list)
    steps: list[str] = Field(default_factory=list)  # trình tự thực hiện
    legal_basis: list[LegalDoc] = Field(default_factory=list)
    submit_address: str = ""  # địa chỉ tiếp nhận hồ sơ, when published
    province: str | None = None  # the province of a provincial copy (kind SPECIFIC), when the record names one
    # Methods the record's own text names (its description, steps: "nộp trực tiếp hoặc gửi qua bưu
    # chính…, có thể nộp trực tuyến") that its channel table has no row for: no time or fee is known
    # for them beyond what the channel rows say.
    other_methods: list[Method] = Field(default_factory=list)
    # Methods its text allows only under a condition ("nếu Cơ quan đại diện … sử dụng Phần mềm …, hồ
    # sơ có thể nộp trực tuyến"): never listed as an ordinary way to submit.
    conditional_methods: list[Method] = Field(default_factory=list)
    # Where the record's own numbers for the processing time disagree (a channel row against the
    # steps, "14 Giờ" in the table beside "14 ngày" in its description): one plain sentence each,
    # to be shown beside the time, never resolved by guessing.
    time_conflicts: list[str] = Field(default_factory=list)
    kind: str | None = None  # STANDARD | SPECIFIC (provincial variant) | STANDARD_INTERNAL
    # Provenance
    source: str  # importer name: opengov, portal-api, portal-raw, bqp, catalog, bundled, sync
    source_url: str | None = None
    portal_url: str | None = None  # the page on dichvucong.gov.vn, when any source knows its id
    retrieved_at: date | None = None
    retrieved_month_only: bool = False  # the source gives the month of its crawl, not the day (bqp: "2026-01")
    detailed: bool = True  # False: only the name is known ("see the source link")

    @property
    def methods(self) -> list[Method]:
        """Every method the record names: its channel rows first, then those only its text names."""
        return list(dict.fromkeys([*(c.method for c in self.channels), *self.other_methods]))

    def channel(self, method: Method) -> Channel | None:
        return next((c for c in self.channels if c.method == method), None)


# Which record wins when a code comes from several sources (richest first).
# The national portal's own records (a crawl's cleaned copy, its API answers, a live sync) are one
# family: among them the newest retrieval wins, so that a sync can bring a changed procedure up to
# date; on the same date the order of SOURCE_PREFERENCE decides.
SOURCE_RANK: dict[str, int] = {
    "opengov": 50,
    "portal-api": 50,
    "sync": 50,
    "portal-raw": 40,
    "bqp": 30,
    "bundled": 20,  # the small default written in this repo: any real source replaces it
    "catalog": 10,
    "lists": 5,  # names from spreadsheet exports: the poorest, never replaces the catalogue's
}
SOURCE_PREFERENCE: dict[str, int] = {"opengov": 3, "portal-api": 2, "sync": 1}
