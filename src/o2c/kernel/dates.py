"""Dates and timestamps. Business days are ``date``; moments are UTC-aware ``datetime``."""
from __future__ import annotations

from datetime import date, datetime, timezone

from o2c.kernel.errors import InvalidValue


def parse_date(text: str, field: str = "date") -> date:
    try:
        return date.fromisoformat(text.strip())
    except (ValueError, AttributeError):
        raise InvalidValue(field, f"{text!r} is not a date (YYYY-MM-DD)") from None


def parse_timestamp(text: str, field: str = "time") -> datetime:
    """ISO 8601; a time without a zone is taken as UTC."""
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except (ValueError, AttributeError):
        raise InvalidValue(field, f"{text!r} is not an ISO 8601 time") from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value


def utc(value: datetime) -> datetime:
    """Normalise a timestamp read back from a database (SQLite returns naive values) to aware UTC."""
    if value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)
