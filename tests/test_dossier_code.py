"""Dossier codes as citizens type them, and never a procedure code."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from knowledge.dossiers.code import canonical, find_code, find_codes, parse_code, same_dossier

CODE = "000.00.22.H26-251120-0001"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (CODE, CODE),
        ("000.00.22.h26-251120-0001", CODE),
        ("000.00.22.H26 - 251120 - 0001", CODE),
        ("000 . 00 . 22 . h26 – 251120 – 0001", CODE),
        ("cho hỏi hồ sơ 000.00.22.H26-251120-0001 của tôi đến đâu rồi?", CODE),
        ("mã hồ sơ: 000.00.22.H26-251120-0001.", CODE),
        ("(000.00.22.H26-251120-0001)", CODE),
        ("H26.22-250612-0012", "H26.22-250612-0012"),
        ("h26.22 - 250612 - 0012 ạ", "H26.22-250612-0012"),
        ("000.00.22.H26 251120 0001", CODE),
        ("G01.15-240229-0099", "G01.15-240229-0099"),  # 29/02/2024 exists
    ],
)
def test_codes_are_found_and_canonicalised(text, expected):
    assert find_code(text) is not None
    assert find_code(text).canonical == expected


@pytest.mark.parametrize(
    "text",
    [
        "1.001193",
        "thủ tục 1.001193 cần gì",
        "1.011442.000.00.00.H38",
        "1.011442.000.00.00.H38-250612-0012",  # a procedure-at-agency code with a tail is not a dossier
        "000.00.22.H26-251320-0001",  # month 13
        "000.00.22.H26-250230-0001",  # 30 February
        "000.00.22.226-251120-0001",  # no unit code (letter + 2 digits)
        "0912-345-678",
        "2025-11-20",
        "",
        "000.00.22.H26-251120-00011",  # 5-digit sequence
    ],
)
def test_other_things_are_not_dossier_codes(text):
    assert find_code(text) is None


def test_several_codes_in_order_without_repeats():
    text = f"{CODE} và h26.22-250612-0012, lại {CODE.lower()}"
    assert [c.canonical for c in find_codes(text)] == [CODE, "H26.22-250612-0012"]


def test_parse_code_takes_one_code_only():
    assert parse_code(f" {CODE} ").canonical == CODE
    assert parse_code(f"hồ sơ {CODE}") is None
    assert canonical("000.00.22.h26 - 251120-0001") == CODE
    with pytest.raises(ValueError, match="not a dossier code"):
        canonical("1.001193")


def test_short_local_form_names_the_full_code():
    full, short = parse_code("000.00.22.H26-250612-0012"), parse_code("H26.22-250612-0012")
    assert same_dossier(short, full) and same_dossier(full, short)
    assert not same_dossier(parse_code("H26.23-250612-0012"), full)
    assert not same_dossier(parse_code("H26.22-250612-0013"), full)


procedure_codes = st.builds(lambda a, b: f"{a}.{b:06d}", st.integers(1, 3), st.integers(0, 999_999))
agency_suffix = st.builds(
    lambda a, b, c, l, d: f"{a:03d}.{b:02d}.{c:02d}.{l}{d:02d}",
    st.integers(0, 999), st.integers(0, 99), st.integers(0, 99), st.sampled_from("ABCGHKX"), st.integers(0, 99),
)
filler = st.text(st.sampled_from(list("abc xyz,.:;?!()đêơ-")), max_size=30)


@given(procedure_codes, filler, filler, st.sampled_from(["", " ", "-", ".", ": "]))
def test_a_procedure_code_in_any_sentence_is_never_a_dossier_code(code, before, after, glue):
    assert find_code(f"{before}{glue}{code}{glue}{after}") is None


@given(procedure_codes, agency_suffix)
def test_a_procedure_at_agency_code_is_never_a_dossier_code(code, agency):
    assert find_code(f"{code}.{agency}") is None
    assert find_code(f"mã {code}.{agency} là gì") is None


@given(agency_suffix, st.dates(), st.integers(0, 9999), procedure_codes)
def test_a_dossier_code_beside_a_procedure_code_is_the_one_found(agency, day, seq, procedure):
    code = f"{agency}-{day:%y%m%d}-{seq:04d}"
    found = find_code(f"thủ tục {procedure}, hồ sơ {code.lower()}")
    assert found is not None and found.canonical == code


def test_a_full_code_matches_only_itself():
    """Review #11: zero segments were dropped and subsets matched even between full codes, so a
    code of one agency showed another agency's dossier."""
    stored = parse_code("001.31.22.H26-261027-0001")
    for other in ("000.31.22.H26-261027-0001", "000.00.22.H26-261027-0001", "001.31.22.H27-261027-0001"):
        assert not same_dossier(parse_code(other), stored) and not same_dossier(stored, parse_code(other))
    for same in ("001.31.22.h26-261027-0001", "001 . 31.22.H26 – 261027 – 0001", "001.31.22.H26\u200b-261027-0001"):
        assert same_dossier(parse_code(same), stored), same
    assert same_dossier(parse_code("H26.22.31-261027-0001"), stored)  # a short form, if it is the only one
