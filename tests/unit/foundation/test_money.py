from decimal import Decimal

import pytest

from o2c.kernel.errors import InvalidValue
from o2c.kernel.money import Money, from_minor, parse_decimal, round_money, to_minor


@pytest.mark.parametrize("text,expected", [
    ("1234.50", "1234.50"), ("1,234.50", "1234.50"), ("$1,234.50", "1234.50"), ("(12.00)", "-12.00"),
    ("12.00-", "-12.00"), (" 7 ", "7"), (Decimal("0.1"), "0.1"), (3, "3"),
])
def test_parse_decimal_reads_amounts_as_people_write_them(text, expected):
    assert parse_decimal(text) == Decimal(expected)


@pytest.mark.parametrize("bad", ["abc", "", "1.2.3", "NaN", "Infinity", 0.1, True])
def test_parse_decimal_refuses_what_is_not_an_exact_amount(bad):
    with pytest.raises(InvalidValue) as err:
        parse_decimal(bad, "unit_price")
    assert "unit_price" in str(err.value)


def test_half_cent_rounds_up_where_a_float_would_round_down():
    # 1.005 as a float is 1.00499999..., so float rounding loses the cent an invoice must show
    assert round(1.005, 2) == 1.0
    assert round_money(Decimal("1.005")) == Decimal("1.01")


def test_minor_units_round_trip_and_refuse_fractions_of_a_cent():
    assert to_minor(Decimal("12.34")) == 1234
    assert from_minor(1234) == Decimal("12.34")
    assert to_minor(Decimal("100"), "JPY") == 100
    with pytest.raises(InvalidValue):
        to_minor(Decimal("0.001"))


def test_money_refuses_mixing_currencies_and_floats():
    with pytest.raises(InvalidValue):
        Money.of("1.00", "USD") + Money.of("1.00", "EUR")
    with pytest.raises(InvalidValue):
        Money.of("1.00") * 1.5
    assert (Money.of("0.10") * 3).amount == Decimal("0.30")
    assert sum([Money.of("0.10")] * 10, Money.zero()).amount == Decimal("1.00")


def test_ten_dimes_are_a_dollar_only_with_decimals():
    assert sum([0.1] * 10) != 1.0
    assert sum([Decimal("0.1")] * 10) == Decimal("1.0")
