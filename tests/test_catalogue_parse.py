"""Fees, times, levels and the portal's run-together tables, on strings taken from the real catalogue."""

import unicodedata

import pytest

from knowledge.catalogue.importers.portal_raw import (
    parse_channels,
    parse_documents,
    parse_legal_basis,
    parse_results,
    split_form,
)
from knowledge.catalogue.model import TimeUnit
from knowledge.catalogue.parse import (
    fee_from_value,
    normalise_levels,
    parse_amount_vnd,
    parse_fee,
    parse_fees,
    parse_time,
    portal_url,
    split_list,
    split_steps,
    text_or_empty,
)

# --- fees --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("Miễn phí", 0),
        ("70,000 VNĐ", 70_000),
        ("2.000.000 đồng", 2_000_000),
        ("15000000/lần Đồng", 15_000_000),
        ("100,000 Việt Nam Đồng", 100_000),
        ("200.000đ/lần cấp.", 200_000),
        ("Lệ phí cấp giấy phép lái xe: 135.000 đồng/lần.", 135_000),
        ("Phí : 0 Đồng", 0),
        ("Phí : Không Đồng", 0),
        ("Phí : 2.000.000 Đồng (Thẩm định cấp phép sử dụng vật liệu nổ công nghiệp)", 2_000_000),
        # not one fixed amount in đồng: the text says what the rule is
        ("10 USD(/lần)", None),
        ("Lệ phí : 1.5 USD", None),
        ("135 VNĐ", None),  # under 1,000 đồng: the portal dropped the thousands
        ("Lệ phí cấp mới 40.000đồng/lần; lệ phí cấp lại 20.000 đồng", None),
        ("Hội đồng nhân dân cấp tỉnh quy định.", None),
        ("Miễn phí (Mức lệ phí cụ thể do Hội đồng nhân dân tỉnh quyết định)", None),
        ("15.000.0000 đồng/lần", None),  # malformed digit groups: not guessed
    ],
)
def test_fee_amounts(text, amount):
    fee = parse_fee(text)
    assert fee is not None
    assert fee.amount_vnd == amount
    assert fee.text  # the published words are kept


@pytest.mark.parametrize("text", ["Không có thông tin", "", "  ", "Phí :  Đồng", "--", None])
def test_no_fee_published_is_no_fee(text):
    assert parse_fee(text) is None
    assert parse_amount_vnd(text) is None


def test_fee_kind_follows_the_label():
    fees = parse_fees("Phí : 0.5 USD (Người nước ngoài dưới 16 tuổi)\nLệ phí : 01 USD")
    assert [(f.kind, f.amount_vnd) for f in fees] == [("SERVICE_FEE", None), ("FEE", None)]
    assert "USD" in fees[0].text


@pytest.mark.parametrize(
    ("value", "text", "currency", "amount", "shown"),
    [
        (30_000, "", "Việt Nam Đồng", 30_000, ""),
        (0, "", None, 0, ""),
        # the portal's 0 beside a rule is not "free"
        (0, "Mức lệ phí cụ thể do Hội đồng nhân dân tỉnh, thành phố trực thuộc Trung ương quyết định.", None, None,
         "Hội đồng nhân dân"),
        (20, "Đăng ký khai sinh", "USD", None, "20 USD"),
        (135, "(Lệ phí cấp giấy phép lái xe: 135.000 đồng/lần.)", "Việt Nam Đồng", 135_000, "135.000"),
        (100, "Phí công bố nội dung đăng ký doanh nghiệp: 100.000 đồng/lần (Thông tư số 47/2019/TT-BTC)", None,
         100_000, "100.000"),
        (20, "Ghi vào Sổ việc kết hôn", None, None, "không rõ đơn vị"),  # OpenGOV drops the currency
        (25, "", "VNĐ", None, "25 đồng (nguồn ghi như vậy; số tiền khó đúng"),  # the record's unit, doubted
        (None, "Theo quy định của Hội đồng nhân dân cấp tỉnh", None, None, "Hội đồng"),
    ],
)
def test_fee_from_published_value(value, text, currency, amount, shown):
    fee = fee_from_value(value, text, currency=currency)
    assert fee.amount_vnd == amount
    assert shown in fee.text


# --- processing time ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "quantity", "unit"),
    [
        ("8 Giờ", 8, TimeUnit.HOUR),
        ("01 Giờ", 1, TimeUnit.HOUR),
        ("5 Ngày làm việc", 5, TimeUnit.WORKING_DAY),
        ("30 Ngày", 30, TimeUnit.DAY),
        ("6 Tháng", 6, TimeUnit.MONTH),
        ("7.5 Ngày làm việc", 7.5, TimeUnit.WORKING_DAY),
        ("7", 7, TimeUnit.OTHER),  # a bare number: the unit is not published
        ("Trong ngày", None, TimeUnit.SAME_DAY),
        ("Thực hiện trong ngày làm việc nhận được hồ sơ đầy đủ, chính xác", None, TimeUnit.SAME_DAY),
        ("Không quá 10 ngày làm việc. Đối với các xã miền núi, vùng sâu, vùng xa thì tăng thêm không quá 10 ngày",
         10, TimeUnit.WORKING_DAY),
        ("12.5 ngày làm việc + thời gian thực hiện cấp lại Giấy chứng nhận", None, TimeUnit.OTHER),
        ("Không quy định", None, TimeUnit.OTHER),
        ("2 Năm", None, TimeUnit.OTHER),
    ],
)
def test_processing_time_text(text, quantity, unit):
    time = parse_time(text)
    assert time is not None
    assert (time.quantity, time.unit) == (quantity, unit)
    # the text is kept as the note, except a bare number, which would only repeat the quantity
    assert time.text == ("" if text.isdigit() else text)


@pytest.mark.parametrize(
    ("text", "quantity", "unit"),
    [
        ("Trong 02 ngày làm việc", 2, TimeUnit.WORKING_DAY),
        ("15 ngày làm việc kể từ ngày nhận đủ hồ sơ hợp lệ", 15, TimeUnit.WORKING_DAY),
        ("Trả kết quả trong ngày làm việc tiếp theo", 1, TimeUnit.WORKING_DAY),
        ("Trong ngày hoặc 01 ngày làm việc", None, TimeUnit.OTHER),  # alternatives: no guess
    ],
)
def test_processing_time_stated_in_a_sentence(text, quantity, unit):
    time = parse_time(text)
    assert (time.quantity, time.unit) == (quantity, unit)


def test_theo_mo_ta_takes_the_note_only_when_it_states_a_time():
    assert parse_time("Theo mô tả", note="05 ngày làm việc").quantity == 5
    kept = parse_time("Theo mô tả", note="Nộp trực tiếp tại Trung tâm phục vụ hành chính công")
    assert (kept.quantity, kept.unit, kept.text) == (None, TimeUnit.OTHER, "Theo mô tả")


@pytest.mark.parametrize("text", ["Không thu phí", "Miễn thu phí, lệ phí", "Không thu lệ phí."])
def test_fees_said_free_in_other_words_are_free(text):
    assert parse_fee(text).amount_vnd == 0


@pytest.mark.parametrize("text", ["Không có thông tin", "", None, "--"])
def test_no_time_published_is_no_time(text):
    assert parse_time(text) is None


def test_processing_time_from_the_api_and_from_the_note():
    assert parse_time(3, "WORKING_DAY").unit == TimeUnit.WORKING_DAY
    assert parse_time(7.5, "WORKING_DAY").quantity == 7.5
    assert (parse_time(7, "OTHER").quantity, parse_time(7, "OTHER").unit) == (7, TimeUnit.OTHER)
    described = parse_time("Theo mô tả", "OTHER", note="Không quá 15 ngày làm việc. Trong đó: ...")
    assert (described.quantity, described.unit) == (15, TimeUnit.WORKING_DAY)


# --- levels, lists, placeholders ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("published", "levels"),
    [
        ("Cấp bộ, Cấp tỉnh, Cấp xã", ["bộ", "tỉnh", "xã"]),
        ("Cấp Xã", ["xã"]),
        ("Cấp Bộ, Cấp Tỉnh, Cấp Xã, Cơ quan khác", ["bộ", "tỉnh", "xã", "khác"]),
        ("Cơ quan khác", ["khác"]),
        ("Cấp trung ương", ["bộ"]),
        ("Không có thông tin", []),
    ],
)
def test_levels(published, levels):
    assert normalise_levels(published) == levels


def test_lists_split_outside_parentheses_and_keep_compound_items():
    text = "Công dân Việt Nam, Tổ chức (không bao gồm doanh nghiệp, HTX), Cán bộ, công chức, viên chức"
    assert split_list(text) == ["Công dân Việt Nam", "Tổ chức (không bao gồm doanh nghiệp, HTX)",
                                "Cán bộ, công chức, viên chức"]


def test_placeholders_and_nfd_text():
    assert text_or_empty("Không có thông tin") == ""
    assert text_or_empty("Không.") == ""
    nfd = unicodedata.normalize("NFD", "Miễn phí")
    fee = parse_fee(nfd)
    assert fee.amount_vnd == 0 and unicodedata.is_normalized("NFC", fee.text)
    portal_id = "019d2bfd-380b-73df-9a18-5658e09794d3"
    assert portal_url(portal_id) == "https://dichvucong.gov.vn/thu-tuc-hanh-chinh/" + portal_id
    assert portal_url("<script>") is None


def test_steps_are_split_on_numbered_steps_only():
    assert split_steps("Bước 1: Nộp hồ sơ. Bước 2: Nhận kết quả.") == ["Bước 1: Nộp hồ sơ.", "Bước 2: Nhận kết quả."]
    assert split_steps("- Nộp hồ sơ\n- Nhận kết quả") == ["- Nộp hồ sơ\n- Nhận kết quả"]


# --- the portal's run-together tables (portal-raw) ---------------------------------------------
HEADER = "Hình thức nộpThời gianPhí, lệ phíMô tả"


def _channels(text):
    return [(c["method"], c["time"] and (c["time"].quantity, c["time"].unit),
             [f.amount_vnd for f in c["fees"]], c["note"]) for c in parse_channels(text)]


def test_channels_rows_with_units_fees_and_notes():
    text = (HEADER + "Trực tuyến5 Ngày làm việc2,000,000 Việt Nam Đồng(2.000.000 đồng/hồ sơ)"
            "Nộp trực tuyến qua Cổng dịch vụ công quốc gia.Dịch vụ bưu chính5 Ngày làm việcKhông có thông tin"
            "Trực tiếp8 GiờMiễn phí- Trực tiếp tại Công an cấp xã.")
    assert _channels(text) == [
        ("ONLINE", (5, TimeUnit.WORKING_DAY), [2_000_000], "Nộp trực tuyến qua Cổng dịch vụ công quốc gia."),
        ("POSTAL", (5, TimeUnit.WORKING_DAY), [], ""),
        ("DIRECT", (8, TimeUnit.HOUR), [0], "- Trực tiếp tại Công an cấp xã."),
    ]


def test_channels_time_without_unit_glued_to_the_fee():
    # bo-tai-chinh/1.007740 and 2.002044: a bare "1" (day) followed by the fee's digits
    text = HEADER + "Trực tuyến1200 VNĐ(200.000 vnđ / tờ khai độc lập (đối với vận chuyển hàng quá cảnh))"
    [(method, time, fees, _)] = _channels(text)
    assert (method, time, fees) == ("ONLINE", (1, TimeUnit.OTHER), [200_000])
    text = HEADER + ("Trực tiếp1100,000 VNĐ(- Phí công bố nội dung đăng ký doanh nghiệp: 100.000 đồng/lần "
                     "(Thông tư số 47/2019/TT-BTC).)")
    assert _channels(text)[0][1:3] == ((1, TimeUnit.OTHER), [100_000])


def test_channels_without_time_and_with_a_rule_instead_of_a_fee():
    text = (HEADER + "Trực tuyếnKhông có thông tin50,000 Việt Nam Đồng(/văn bản)"
            "Dịch vụ bưu chính7Miễn phí(Đồng (Mức lệ phí cụ thể do Hội đồng nhân dân tỉnh quyết định.))")
    (online, postal) = parse_channels(text)
    assert online["time"] is None and online["fees"][0].amount_vnd == 50_000
    assert (postal["time"].quantity, postal["time"].unit) == (7, TimeUnit.OTHER)
    assert postal["fees"][0].amount_vnd is None
    assert postal["fees"][0].text.startswith("(Mức lệ phí cụ thể")


def test_channels_method_words_inside_a_note_do_not_start_a_row():
    text = (HEADER + "Trực tuyến3 Ngày làm việcMiễn phíPhương thức điện tử: Trực tuyến qua Hệ thống dịch vụ công;"
            "Trực tiếp3 Ngày làm việcMiễn phíVăn bản giấy nộp trực tiếp tại Bộ phận Một cửa")
    assert [c[0] for c in _channels(text)] == ["ONLINE", "DIRECT"]


def test_documents_with_counts_forms_and_groups():
    text = ("* Giấy tờ phải nộp:Tên giấy tờMẫu đơn, tờ khaiSố lượngDự thảo Điều lệ của công ty luật1 bản chính"
            "Giấy tờ chứng minh về trụ sở của tổ chức hành nghề luật sư.0 bản chính,1 bản sao"
            "Giấy đề nghị đăng ký hoạt động theo mẫu thống nhấtMẫu TP-LS-02-sđ.docx1 bản chính"
            "* Giấy tờ phải xuất trình:Tên giấy tờMẫu đơn, tờ khaiSố lượng"
            "Văn bản đề nghị theo Phụ lục IX ban hành kèm theo Nghị định số 56/2023/NĐ-CP ngày 24/07/20231 bản chính"
            "* Số lượng hồ sơ: 01 (một) bộ.1 bản chính01 Tờ khai đề nghị cấp Giấy miễn thị thực1 bản chính,1 bản sao"
            "Bản sao giấy khai sinh2 bản sao")
    groups = parse_documents(text)
    assert [g["title"] for g in groups] == ["Giấy tờ phải nộp", "Giấy tờ phải xuất trình"]
    first = [(d["name"], d["originals"], d["copies"], d["form"]) for d in groups[0]["items"]]
    assert first == [
        ("Dự thảo Điều lệ của công ty luật", 1, 0, None),
        ("Giấy tờ chứng minh về trụ sở của tổ chức hành nghề luật sư.", 0, 1, None),
        ("Giấy đề nghị đăng ký hoạt động theo mẫu thống nhất", 1, 0, "Mẫu TP-LS-02-sđ.docx"),
    ]
    second = [(d["name"], d["originals"], d["copies"]) for d in groups[1]["items"]]
    assert second[0] == ("Văn bản đề nghị theo Phụ lục IX ban hành kèm theo Nghị định số 56/2023/NĐ-CP ngày 24/07/2023",
                         1, 0)
    assert second[2] == ("01 Tờ khai đề nghị cấp Giấy miễn thị thực", 1, 1)
    assert second[3] == ("Bản sao giấy khai sinh", 0, 2)


def test_documents_count_inside_a_name_is_not_a_count():
    text = ("--Tên giấy tờMẫu đơn, tờ khaiSố lượng"
            "Tờ khai.1 bản chính,1 bản sao01 bản sao giấy khai sinh hoặc trích lục1 bản sao")
    items = parse_documents(text)[0]["items"]
    assert [(d["name"], d["originals"], d["copies"]) for d in items] == [
        ("Tờ khai.", 1, 1), ("01 bản sao giấy khai sinh hoặc trích lục", 0, 1)]


@pytest.mark.parametrize(
    ("glued", "name", "form"),
    [
        ("Tờ khai theo MẫuMau 14.14.docx", "Tờ khai theo Mẫu", "Mau 14.14.docx"),
        ("Văn bản đề nghị cấp giấy phép (theo mẫu)12.1.PLCpgiyphpcungcpDVHKnngh.docx",
         "Văn bản đề nghị cấp giấy phép (theo mẫu)", "12.1.PLCpgiyphpcungcpDVHKnngh.docx"),
        ("(Mẫu CT01 ban hành kèm theo Thông tư số 53/2025/TT-BCA).1.MuCT01banhnhkmtheoThngts53.doc",
         "(Mẫu CT01 ban hành kèm theo Thông tư số 53/2025/TT-BCA).", "1.MuCT01banhnhkmtheoThngts53.doc"),
        ("Giấy đề nghị không có mẫu", "Giấy đề nghị không có mẫu", None),
    ],
)
def test_form_file_names_are_split_off(glued, name, form):
    assert split_form(glued) == (name, form)


def test_legal_basis_titles_and_numbers_glued():
    text = ("Tên văn bản pháp lýMã văn bảnThông tư Hướng dẫn về phí và lệ phí85/2019/TT-BTC"
            "Nghị định số 123/2015/NĐ-CP ngày 15/11/2015 của Chính phủ quy định chi tiết Luật Hộ tịch123/2015/NĐ-CP"
            "Nghị định 42/2020/NĐ-CP42/2020/NĐ-CPLuật 60/2014/QH1360/2014/QH13"
            "Thông tư số 03/2023/TT-BTP ngày 02/8/2023 của Bộ trưởng Bộ Tư phápThông tư số 03/2023/TT-BTP"
            "Nghị định sửa đổi thuộc phạm vi quản lý của Bộ Tư pháp18/2026/NĐ-CPquy định mức thu08/2017/QĐ-TTg"
            "Luật Cư trú 202068/2020/QH14")
    docs = [(d["code"], d["name"]) for d in parse_legal_basis(text)]
    assert docs == [
        ("85/2019/TT-BTC", "Thông tư Hướng dẫn về phí và lệ phí"),
        ("123/2015/NĐ-CP", "Nghị định số 123/2015/NĐ-CP ngày 15/11/2015 của Chính phủ quy định chi tiết Luật Hộ tịch"),
        ("42/2020/NĐ-CP", "Nghị định 42/2020/NĐ-CP"),
        ("60/2014/QH13", "Luật 60/2014/QH13"),
        ("Thông tư số 03/2023/TT-BTP", "Thông tư số 03/2023/TT-BTP ngày 02/8/2023 của Bộ trưởng Bộ Tư pháp"),
        ("18/2026/NĐ-CP", "Nghị định sửa đổi thuộc phạm vi quản lý của Bộ Tư pháp"),
        ("08/2017/QĐ-TTg", "quy định mức thu"),
        ("68/2020/QH14", "Luật Cư trú 2020"),
    ]


def test_results_cut_before_the_page_chrome():
    text = ("Cập nhật thông tin trong Cơ sở dữ liệu quốc gia về dân cưMã: KQ.G01.000064Thông báo kết quả giải quyết"
            "Mã: KQ.G01.000065Từ khóaKhông có thông tinMô tảKhông có thông tinChọn cơ quan thực hiệnTỉnh/ Thành phố")
    assert parse_results(text) == ["Cập nhật thông tin trong Cơ sở dữ liệu quốc gia về dân cư",
                                   "Thông báo kết quả giải quyết"]


def test_legal_basis_cells_glued_in_the_ways_the_portal_prints_them():
    """A number cell glued after a sentence ("….Nghị quyết số 17/…"), a title ending with another
    document's number run into its own ("…bởi Nghị định số 232/2025/NĐ-CP34/2025/TT-NHNN"), the cell's
    own "số"/"Luất số", a bare number cell ("Thông tư80"), a law named by title and year, an issuer
    with a Vietnamese letter."""
    text = ("Tên văn bản pháp lýMã văn bảnNghị quyết của Chính phủ về cắt giảm thủ tục.Nghị quyết số 17/2026/NQ-CP "
            "Luật 08/2017/QH1408/2017/QH14"
            "Thông tư hướng dẫn được sửa đổi, bổ sung bởi Nghị định số 232/2025/NĐ-CP34/2025/TT-NHNN"
            "Luật sửa đổi một số điều của 15 luậtLuất số 146/2025/QH15"
            "trong lĩnh vực trồng trọt và bảo vệ thực vậtsố 07/2026/TT-BNNMT"
            "Thông tư80Nghị định 59/2018/NĐ-CP59/2018/NĐ-CP"
            "Hướng dẫn phối hợp về hòa giải ở cơ sở01/2014/NQLT-CP-UBTƯMTTQVNCông bố thủ tục hành chínhQuyết định số 2338/QĐ-BTP"
            "Luật này quy định về hành nghề thú y.Luật Thú y 2015")
    docs = [(d["code"], d["name"]) for d in parse_legal_basis(text)]
    assert docs == [
        ("Nghị quyết số 17/2026/NQ-CP", "Nghị quyết của Chính phủ về cắt giảm thủ tục."),
        ("08/2017/QH14", "Luật 08/2017/QH14"),
        ("34/2025/TT-NHNN", "Thông tư hướng dẫn được sửa đổi, bổ sung bởi Nghị định số 232/2025/NĐ-CP"),
        ("Luật số 146/2025/QH15", "Luật sửa đổi một số điều của 15 luật"),
        ("07/2026/TT-BNNMT", "trong lĩnh vực trồng trọt và bảo vệ thực vật"),
        ("", "Thông tư 80"),
        ("59/2018/NĐ-CP", "Nghị định 59/2018/NĐ-CP"),
        ("01/2014/NQLT-CP-UBTƯMTTQVN", "Hướng dẫn phối hợp về hòa giải ở cơ sở"),
        ("Quyết định số 2338/QĐ-BTP", "Công bố thủ tục hành chính"),
        ("Luật Thú y 2015", "Luật này quy định về hành nghề thú y."),
    ]


def test_channels_with_a_time_cell_in_words():
    text = (HEADER + "Trực tuyếnKhông phải trả kết quả cho người nộp thuếMiễn phíQua Cổng dịch vụ công quốc gia"
            "Dịch vụ bưu chínhKhông phải trả kết quả cho người nộp thuếMiễn phíThông qua dịch vụ bưu chính công ích"
            "Trực tiếpKhông phải trả kết quả cho người nộp thuếMiễn phíTại TTPVHCC cấp tỉnh, xã")
    rows = parse_channels(text)
    assert [r["method"] for r in rows] == ["ONLINE", "POSTAL", "DIRECT"]
    assert all(r["fees"][0].amount_vnd == 0 for r in rows)
    assert rows[0]["time"].text == "Không phải trả kết quả cho người nộp thuế" and rows[0]["time"].quantity is None
    assert rows[2]["note"] == "Tại TTPVHCC cấp tỉnh, xã"


def test_a_form_file_name_glued_to_a_document_name_never_cuts_the_name():
    from knowledge.catalogue.importers.portal_raw import split_form

    # glued in lower case: the name ends at a word, the file keeps its words
    assert split_form("Đơn đề nghị theo mẫu quy địnhvăn bản đề nghị.docx") == ("Đơn đề nghị theo mẫu quy định",
                                                                               "văn bản đề nghị.docx")
    assert split_form("Đơn đề nghị theo mẫu quy địnhvăn bản đề nghị (thay đổi về nội dung).docx")[0] == (
        "Đơn đề nghị theo mẫu quy định")
    # a legal number is whole ("QĐ-TTg", "TT-BNNMT"), the file starts after it
    name, form = split_form("Đơn trình báo mất thẻ ABTC (mẫu TK07) ban hành kèm theo Quyết định số 09/2023/QĐ-TTg ngày "
                            "12/4/2023 của Thủ tướng Chính phủ.Đơn trình báo mất thẻ ABTC (mẫu TK07) (1).pdf")
    assert name.endswith("09/2023/QĐ-TTg ngày 12/4/2023 của Thủ tướng Chính phủ.")
    assert form == "Đơn trình báo mất thẻ ABTC (mẫu TK07) (1).pdf"
    assert split_form("Đơn theo Mẫu số 03 ban hành kèm theo Thông tư số 94/2025/TT-BNNMTđơn công nhận.pdf") == (
        "Đơn theo Mẫu số 03 ban hành kèm theo Thông tư số 94/2025/TT-BNNMT", "đơn công nhận.pdf")
    # a parenthesis of the name stays with it; a date's full stop ends the name
    assert split_form("Tờ khai đề nghị cấp thị thực (mẫu NA5) ban hành kèm theo Thông tư số 22/2023/TT-BCA ngày "
                      "30/6/2023.NA5.doc")[1] == "NA5.doc"
    assert split_form("Tờ khai (công dân Việt Nam sử dụng mẫu M01; người nước ngoài sử dụng mẫu M02).M01.docx") == (
        "Tờ khai (công dân Việt Nam sử dụng mẫu M01; người nước ngoài sử dụng mẫu M02).", "M01.docx")
    # what worked stays
    assert split_form("Tờ khai theo mẫuMẫu số 01.docx") == ("Tờ khai theo mẫu", "Mẫu số 01.docx")
    assert split_form("Báo cáo kết quả khảo sát theo mẫu quy địnhbáo cáo kết quả khảo sát.docx")[0] == (
        "Báo cáo kết quả khảo sát theo mẫu quy định")


def test_a_note_about_method_or_time_after_mien_phi_does_not_cancel_it_and_not_regulated_is_said(shared_dir):
    import json
    from datetime import date

    from knowledge.catalogue.fees import in_force

    def fees_of(ministry: str, code: str) -> list[str]:
        d = json.loads((shared_dir / "catalogue" / "portal-raw" / ministry / f"{code}.json").read_text())
        return [in_force(f, date(2026, 12, 2)) for row in parse_channels(d["cach_thuc_thuc_hien"]) for f in row["fees"]]

    # "Miễn phí(Cách thức thực hiện : … Thời hạn giải quyết : …)": the note is about other fields.
    said = fees_of("bo-tu-phap", "1.003198")
    assert said and all(s.startswith("Miễn phí") for s in said)
    # The fee cell "Không có thông tin", the note "- Không quy định phí, lệ phí".
    assert fees_of("bo-xay-dung", "6.003488") == ["Không quy định phí, lệ phí"]
    # A 0 beside a case label of a fee table stays unclear: it is no note about another field.
    assert in_force(fee_from_value(0, "Đối với cảng hàng không khác"), date(2026, 12, 2)).startswith("Không rõ")


def test_a_bare_number_cell_after_a_dated_title_ends_that_entry(shared_dir):
    import json

    # "Thông tư số 25/2022/TT-BTC ngày 28/4/2022" + number cell "25" + the next title, all glued.
    d = json.loads((shared_dir / "catalogue" / "portal-raw" / "bo-tai-chinh" / "1.009496.json").read_text())
    docs = parse_legal_basis(d["can_cu_phap_ly"])
    assert {"code": "25/2022/TT-BTC", "name": "Thông tư số 25/2022/TT-BTC ngày 28/4/2022"} in docs
    assert not any("202225" in x["name"] for x in docs)
    assert any(x["code"] == "64/2025/TT-BTC" and x["name"].startswith("Thông tư quy định mức thu") for x in docs)
