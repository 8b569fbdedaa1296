"""Column types that keep values exact on every engine.

SQLite has no exact decimal type (NUMERIC columns hold REAL), so unit prices, tax rates and other
decimals with more precision than cents are stored as canonical decimal text there and as NUMERIC on
PostgreSQL. Settled amounts are stored as integer minor units in plain integer columns, so that the
database can sum them exactly (aging, trial balance).
"""
from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

from sqlalchemy import JSON, DateTime, LargeBinary, Numeric, String
from sqlalchemy.types import TypeDecorator

from o2c.kernel.money import decimal_text


def natural_scale(value: Decimal) -> Decimal:
    """The value with trailing zeros dropped but at least two decimals: 1450 -> 1450.00, 0.07250 -> 0.0725.
    Both engines hand values back in this form, so text output never depends on the engine."""
    result = value.normalize()
    if result.as_tuple().exponent > -2:
        result = result.quantize(Decimal("0.01"))
    return result


class ExactDecimal(TypeDecorator):
    impl = String(40)
    cache_ok = True

    def load_dialect_impl(self, dialect):
        if dialect.name == "postgresql":
            return dialect.type_descriptor(Numeric(24, 8, asdecimal=True))
        return dialect.type_descriptor(String(40))

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if isinstance(value, float):
            raise TypeError("floats are not stored as exact decimals")
        value = natural_scale(Decimal(value))
        return value if dialect.name == "postgresql" else decimal_text(value)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return natural_scale(Decimal(value))


class UTCDateTime(TypeDecorator):
    """Timestamps are stored as UTC and always come back timezone-aware, SQLite included."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


class SealedBlob(TypeDecorator):
    """Raw document bytes, encrypted at rest: case sheets and usage reports carry patient data.

    Values written before sealing existed (no prefix) are read back as they are."""

    impl = LargeBinary
    cache_ok = True
    PREFIX = b"o2c-sealed:v1:"

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        from o2c.compliance.protected import seal_bytes
        return self.PREFIX + seal_bytes(bytes(value))

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        value = bytes(value)
        if not value.startswith(self.PREFIX):
            return value
        from o2c.compliance.protected import unseal_bytes
        return unseal_bytes(value[len(self.PREFIX):])


class PatientJSON(TypeDecorator):
    """JSON whose patient references (``patient_ref`` at the top or under ``procedure``) are sealed
    before they are stored and unsealed when read, so callers never handle ciphertext and the
    database never holds the plain reference."""

    impl = JSON
    cache_ok = True

    def process_bind_param(self, value, dialect):
        from o2c.compliance.protected import seal_patient_fields
        return seal_patient_fields(value)

    def process_result_value(self, value, dialect):
        from o2c.compliance.protected import unseal_patient_fields
        return unseal_patient_fields(value)
