"""Exact money.

Every amount in o2c is a ``Decimal`` paired with an ISO 4217 currency. Floats are refused at the
door: ``Money.of(0.1)`` raises, because a float has already lost the cent we were asked to keep.
Amounts keep full precision while they are computed (a unit price may have four decimals) and are
rounded to the currency's minor unit only at document boundaries (an invoice line, a payment), with
``ROUND_HALF_UP`` as invoices are conventionally rounded.

Storage keeps amounts exactly on both engines: as integer minor units (``to_minor``) where a column is
a settled amount, or as a canonical decimal string where more precision is needed (unit prices).
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from o2c.kernel.errors import InvalidValue

#: minor-unit exponents for the currencies we meet; everything else has two decimals.
_MINOR_DIGITS = {"JPY": 0, "KRW": 0, "CLP": 0, "ISK": 0, "BHD": 3, "KWD": 3, "OMR": 3, "JOD": 3, "TND": 3}


def minor_digits(currency: str) -> int:
    return _MINOR_DIGITS.get(currency.upper(), 2)


def parse_decimal(text: object, field: str = "amount") -> Decimal:
    """Read a decimal from text as people write it in files: ``1234.50``, ``1,234.50``, ``$1,234.50``,
    ``(12.00)`` for a negative. Raises ``InvalidValue`` naming the field for anything else,
    including floats, NaN and infinities."""
    if isinstance(text, bool) or isinstance(text, float):
        raise InvalidValue(field, f"{text!r} is a float; money needs an exact decimal string")
    if isinstance(text, Decimal):
        value = text
    elif isinstance(text, int):
        value = Decimal(text)
    else:
        raw = str(text).strip()
        negative = raw.startswith("(") and raw.endswith(")")
        cleaned = raw.strip("()").replace(",", "").replace("$", "").replace("€", "").replace("£", "").strip()
        if cleaned.endswith("-"):
            negative, cleaned = True, cleaned[:-1]
        try:
            value = Decimal(cleaned)
        except (InvalidOperation, ValueError):
            raise InvalidValue(field, f"{raw!r} is not a number") from None
        if negative:
            value = -value
    if not value.is_finite():
        raise InvalidValue(field, f"{text!r} is not a finite number")
    return value


def round_money(amount: Decimal, currency: str = "USD") -> Decimal:
    exp = Decimal(1).scaleb(-minor_digits(currency))
    return amount.quantize(exp, rounding=ROUND_HALF_UP)


def to_minor(amount: Decimal, currency: str = "USD") -> int:
    """Integer minor units (cents). The amount must already be a whole number of minor units."""
    scaled = amount.scaleb(minor_digits(currency))
    if scaled != scaled.to_integral_value():
        raise InvalidValue("amount", f"{amount} has more decimals than {currency} allows")
    return int(scaled)


def from_minor(units: int, currency: str = "USD") -> Decimal:
    return Decimal(units).scaleb(-minor_digits(currency))


def decimal_text(value: Decimal | None) -> str | None:
    """Canonical text of a decimal for storage and JSON: no exponent, no trailing zeros beyond
    the value's own scale (``Decimal('2')`` -> ``'2'``, ``Decimal('1450.00')`` -> ``'1450.00'``)."""
    if value is None:
        return None
    return format(value, "f")


@dataclass(frozen=True, slots=True)
class Money:
    amount: Decimal
    currency: str = "USD"

    @classmethod
    def of(cls, amount: object, currency: str = "USD") -> "Money":
        return cls(parse_decimal(amount), currency.upper())

    @classmethod
    def zero(cls, currency: str = "USD") -> "Money":
        return cls(Decimal(0), currency.upper())

    def _same(self, other: "Money") -> None:
        if self.currency != other.currency:
            raise InvalidValue("currency", f"cannot combine {self.currency} with {other.currency}")

    def __add__(self, other: "Money") -> "Money":
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: "Money") -> "Money":
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def __neg__(self) -> "Money":
        return Money(-self.amount, self.currency)

    def __mul__(self, factor: object) -> "Money":
        if isinstance(factor, float):
            raise InvalidValue("factor", "multiply money by a Decimal or int, not a float")
        return Money(self.amount * Decimal(factor), self.currency)

    __rmul__ = __mul__

    def rounded(self) -> "Money":
        return Money(round_money(self.amount, self.currency), self.currency)

    @property
    def minor(self) -> int:
        return to_minor(round_money(self.amount, self.currency), self.currency)

    def __str__(self) -> str:
        return f"{round_money(self.amount, self.currency)} {self.currency}"
