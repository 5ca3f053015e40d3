from decimal import Decimal

import pytest

from servicecenter.money import DENOMINATIONS, format_cny, quantize, to_chinese_capital


def test_quantize_rounds_half_up_to_cents():
    assert quantize(Decimal("2.345")) == Decimal("2.35")
    assert quantize(Decimal("2.344")) == Decimal("2.34")
    assert quantize("10") == Decimal("10.00")


def test_floats_are_refused():
    with pytest.raises(TypeError):
        quantize(0.1)


def test_garbage_is_not_an_amount():
    with pytest.raises(ValueError):
        quantize("12元")


def test_format_cny():
    assert format_cny(Decimal("1234.5")) == "¥1,234.50"
    assert format_cny(Decimal("-3")) == "-¥3.00"


@pytest.mark.parametrize(
    ("amount", "capital"),
    [
        ("123.45", "壹佰贰拾叁元肆角伍分"),
        ("0.50", "伍角整"),
        ("0.05", "伍分"),
        ("0", "零元整"),
        ("100", "壹佰元整"),
        ("1005.08", "壹仟零伍元零捌分"),
        ("1010", "壹仟零壹拾元整"),
        ("10000", "壹万元整"),
        ("100010", "壹拾万零壹拾元整"),
        ("20000.50", "贰万元伍角整"),
        ("100000001", "壹亿零壹元整"),
        ("3600.07", "叁仟陆佰元零柒分"),
    ],
)
def test_amounts_in_chinese_capital_numerals(amount, capital):
    assert to_chinese_capital(Decimal(amount)) == capital


def test_denominations_are_largest_first_and_end_at_ten_fen():
    values = [value for value, _label in DENOMINATIONS]
    assert values == sorted(values, reverse=True)
    assert values[0] == Decimal("100.00") and values[-1] == Decimal("0.10")
