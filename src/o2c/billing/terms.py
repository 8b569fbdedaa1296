"""Payment terms such as ``NET30``, ``2/10 NET30``, ``1.5/15 NET45`` or ``DUE ON RECEIPT``.

Terms decide the due date (which drives aging and dunning) and the early-payment discount that cash
application may grant. They are parsed once from the customer's master data into this value.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from o2c.kernel.errors import InvalidValue

_TERMS = re.compile(r"^\s*(?:(?P<pct>\d+(?:\.\d+)?)\s*%?\s*/\s*(?P<days>\d+)\s*,?\s*)?"
                    r"(?:N(?:ET)?\s*(?P<net>\d+))\s*$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class PaymentTerms:
    net_days: int
    discount_percent: Decimal | None = None
    discount_days: int | None = None

    @classmethod
    def parse(cls, text: str | None) -> "PaymentTerms":
        if text is None or not text.strip():
            return cls(30)
        cleaned = text.strip().upper()
        if cleaned in ("DUE ON RECEIPT", "COD", "NET0", "NET 0"):
            return cls(0)
        match = _TERMS.match(cleaned)
        if not match:
            raise InvalidValue("payment_terms", f"{text!r} is not a payment term like NET30 or 2/10 NET30")
        pct = match.group("pct")
        return cls(int(match.group("net")),
                   Decimal(pct) if pct else None,
                   int(match.group("days")) if match.group("days") else None)

    def due_date(self, invoice_date: date) -> date:
        return invoice_date + timedelta(days=self.net_days)

    def discount_until(self, invoice_date: date) -> date | None:
        if self.discount_days is None:
            return None
        return invoice_date + timedelta(days=self.discount_days)

    def discount_on(self, amount: Decimal, invoice_date: date, paid_on: date) -> Decimal:
        """The discount a payment made on ``paid_on`` may take, unrounded (0 when outside the window)."""
        until = self.discount_until(invoice_date)
        if until is None or self.discount_percent is None or paid_on > until:
            return Decimal(0)
        return amount * self.discount_percent / Decimal(100)

    def __str__(self) -> str:
        net = f"NET{self.net_days}"
        if self.discount_percent is None:
            return net
        return f"{format(self.discount_percent.normalize(), 'f')}/{self.discount_days} {net}"
