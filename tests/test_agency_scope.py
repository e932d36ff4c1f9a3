"""The nesting rule of agency codes (docs/officials.md, knowledge/agency.py)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from knowledge.agency import covers, depth


@pytest.mark.parametrize("scope, agency, expected", [
    ("000.00.22.H26", "000.00.22.H26", True),  # itself
    ("000.00.22.H26", "000.31.22.H26", True),  # a unit under it
    ("000.00.22.H26", "001.31.22.H26", True),  # a unit under that
    ("000.31.22.H26", "001.31.22.H26", True),
    ("000.31.22.H26", "000.05.22.H26", False),  # a sibling
    ("000.31.22.H26", "000.00.22.H26", False),  # a parent is not inside its child
    ("000.00.00.H26", "001.31.22.H26", True),  # the province
    ("000.00.00.H26", "000.00.22.H27", False),  # another province
    ("000.00.22.H26", "000.31.23.H26", False),  # another district
    ("000.00.22.h26", " 000.31.22.H26 ", True),  # case and spaces do not matter
    ("H26.22", "H26.22", True),  # a local form covers only itself
    ("H26.22", "000.00.22.H26", False),
    ("", "000.00.22.H26", False),
    ("000.00.22.H26", "", False),
])
def test_covers(scope, agency, expected):
    assert covers(scope, agency) is expected


def test_depth_orders_the_levels():
    assert depth("000.00.00.H26") == 1
    assert depth("000.00.22.H26") == 2
    assert depth("000.31.22.H26") == 3
    assert depth("001.31.22.H26") == 4


segment = st.text(alphabet="0123456789", min_size=2, max_size=3)
code = st.builds(lambda a, b, c, d: f"{a}.{b}.{c}.H{d}", segment, segment, segment, st.integers(10, 99))


@given(code, code)
def test_covering_is_a_partial_order(a, b):
    assert covers(a, a)
    if covers(a, b) and covers(b, a):
        assert a == b
    if covers(a, b):
        assert depth(a) <= depth(b)
