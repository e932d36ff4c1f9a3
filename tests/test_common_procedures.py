"""The curated list of common procedures and their everyday names (knowledge/data/common_procedures.txt).

The shared catalogue is read directly here (not through the importers), as the catalogue README says:
detailed records are ``opengov/procedures``, ``portal-raw`` (skipping the pages whose own "Mã thủ tục"
differs from the file's code) and ``bqp``.
"""

from __future__ import annotations

import json
import re
import unicodedata
from functools import cache
from pathlib import Path

import pytest

from knowledge.common import COMMON_PATH, CommonProceduresError, load_common
from knowledge.text import fold, words


@pytest.fixture(scope="module")
def common() -> dict[str, tuple[str, ...]]:
    return load_common()


@cache
def _detailed_codes(shared: Path) -> frozenset[str]:
    catalogue = shared / "catalogue"
    codes = {json.loads(p.read_text("utf-8"))["code"] for p in (catalogue / "opengov" / "procedures").glob("*.json")}
    for p in (catalogue / "portal-raw").glob("*/*.json"):
        record = json.loads(p.read_text("utf-8"))
        shown = re.search(r"Mã thủ tục\s*(\d[\d.]*\d)", record.get("raw_text") or "")
        if shown and shown.group(1) != record["ma_thu_tuc"]:
            continue  # the crawler stored another procedure under this code
        codes.add(record["ma_thu_tuc"])
    for p in (catalogue / "bqp").glob("*.json"):
        codes.add(json.loads(p.read_text("utf-8"))["metadata"]["mã_thủ_tục"])
    return frozenset(codes)


# --- the shipped file ---------------------------------------------------------------------------
def test_file_parses_into_150_to_200_procedures(common):
    assert 150 <= len(common) <= 200, len(common)
    assert all(re.fullmatch(r"\d\.\d{6}", code) for code in common)


def test_file_is_nfc_and_starts_with_a_bilingual_explanation():
    text = COMMON_PATH.read_text("utf-8")
    assert unicodedata.normalize("NFC", text) == text
    header = []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        header.append(line)
    header_text = "\n".join(header)
    assert "cách gọi" in header_text and "everyday name" in header_text
    assert header_text.index("cách gọi") < header_text.index("everyday name")  # Vietnamese first


def test_every_code_is_a_detailed_record_in_the_shared_catalogue(common, shared_dir):
    known = _detailed_codes(shared_dir)
    missing = sorted(code for code in common if code not in known)
    assert missing == [], f"codes with no detailed record in the shared catalogue: {missing}"


def test_no_code_is_one_provinces_copy(common, shared_dir):
    listing = shared_dir / "catalogue" / "opengov" / "catalog.jsonl"
    if not listing.is_file():
        pytest.skip("opengov/catalog.jsonl is not in the shared catalogue")
    specific = set()
    for line in listing.read_text("utf-8").splitlines():
        record = json.loads(line)
        if record.get("type") == "SPECIFIC":
            specific.add(record["code"])
    assert sorted(code for code in common if code in specific) == []


def test_no_name_is_listed_under_two_codes(common):
    owners: dict[str, set[str]] = {}
    for code, names in common.items():
        for name in names:
            owners.setdefault(" ".join(fold(w) for w in words(name)), set()).add(code)
    shared = {name: sorted(codes) for name, codes in owners.items() if len(codes) > 1}
    assert shared == {}


def test_every_procedure_has_4_to_12_names_of_2_to_12_syllables(common):
    assert [code for code, names in common.items() if not 4 <= len(names) <= 12] == []
    bad = [(code, name) for code, names in common.items() for name in names if not 2 <= len(words(name)) <= 12]
    assert bad == []


def test_names_are_clean_nfc_text(common):
    for names in common.values():
        for name in names:
            assert name == name.strip() and "  " not in name
            assert unicodedata.normalize("NFC", name) == name


def test_the_everyday_names_the_brief_promises_are_there(common):
    named = {fold(name): code for code, names in common.items() for name in names}
    assert named[fold("làm giấy khai sinh cho con")] == "1.001193"
    assert named[fold("nhập hộ khẩu")] == "1.004222"
    assert named[fold("sang tên sổ đỏ")] == "1.013831"
    assert named[fold("rút bảo hiểm xã hội một lần")] == "1.001613"
    assert named[fold("làm căn cước cho con dưới 14 tuổi")] == "1.014062"
    assert named[fold("đổi bằng lái quân đội sang dân sự")] == "3.000349"


# --- an official's edits ---------------------------------------------------------------------------
def _write(tmp_path: Path, text: str | bytes) -> Path:
    path = tmp_path / "common_procedures.txt"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def test_comments_blank_lines_and_spacing_are_tolerated(tmp_path):
    path = _write(
        tmp_path,
        "\ufeff# a header\n\n# --- Hộ tịch ---\n"
        "1.001193 =  làm giấy khai sinh ,đăng ký khai sinh cho bé   # Thủ tục đăng ký khai sinh\n"
        "   \n1.000894=đăng ký kết hôn,làm giấy hôn thú\n",
    )
    assert load_common(path) == {
        "1.001193": ("làm giấy khai sinh", "đăng ký khai sinh cho bé"),
        "1.000894": ("đăng ký kết hôn", "làm giấy hôn thú"),
    }


def test_decomposed_unicode_is_stored_as_nfc(tmp_path):
    path = _write(tmp_path, unicodedata.normalize("NFD", "1.001193 = làm giấy khai sinh, khai sinh cho bé\n"))
    names = load_common(path)["1.001193"]
    assert names == ("làm giấy khai sinh", "khai sinh cho bé")
    assert all(unicodedata.is_normalized("NFC", n) for n in names)


def test_an_empty_file_lists_nothing(tmp_path):
    assert load_common(_write(tmp_path, "# only comments\n")) == {}


@pytest.mark.parametrize(
    ("lines", "lineno", "says"),
    [
        (["1.001193 làm giấy khai sinh, khai sinh cho bé"], 1, "expected 'code = name"),
        (["1.00119 = làm giấy khai sinh"], 1, "not a national procedure code"),
        (["khai sinh = làm giấy khai sinh"], 1, "not a national procedure code"),
        (["1.001193.01 = làm giấy khai sinh"], 1, "not a national procedure code"),
        (["1.001193 =   # no names"], 1, "empty name"),
        (["1.001193 = làm giấy khai sinh,"], 1, "empty name"),
        (["1.001193 = làm giấy khai sinh,, khai sinh cho bé"], 1, "empty name"),
        (["1.001193 = khai sinh = làm giấy khai sinh"], 1, "more than one '='"),
        (["1.001193 = visa"], 1, "has 1 syllables"),
        (["1.001193 = " + " ".join(["làm"] * 13)], 1, "has 13 syllables"),
        (["1.001193 = làm giấy khai sinh", "", "1.001193 = khai sinh cho bé"], 3, "already listed on line 2"),
        (["1.001193 = làm giấy khai sinh", "# x", "1.000894 = LÀM GIẤY KHAI SINH"], 3, "under 1.001193 on line 2"),
        (["1.001193 = làm giấy khai sinh, lam giay khai sinh"], 1, "earlier on this line"),
        (["1.001193 = <script>alert(1)</script>"], 1, "character not allowed in a name: '<'"),
        (["1.001193 = làm khai sinh cho bé 👶"], 1, "character not allowed"),
        (["1.001193 = '; DROP TABLE procedures; --"], 1, "character not allowed in a name: ';'"),
    ],
)
def test_a_malformed_line_is_reported_with_its_number(tmp_path, lines, lineno, says):
    path = _write(tmp_path, "# header\n" + "\n".join(lines) + "\n")
    with pytest.raises(CommonProceduresError) as error:
        load_common(path)
    message = str(error.value)
    assert f"line {lineno + 1}:" in message  # +1 for the header line
    assert says in message
    assert isinstance(error.value, ValueError)


def test_bytes_that_are_not_utf8_are_reported_with_their_line(tmp_path):
    path = _write(tmp_path, "# header\n1.001193 = làm giấy khai sinh\n".encode() + b"1.000894 = k\xe9t h\xf4n\n")
    with pytest.raises(CommonProceduresError, match=r"line 3: not valid UTF-8"):
        load_common(path)
