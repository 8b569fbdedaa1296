"""The open-item book: every receivable, indexed once so that matching a payment is a few lookups.

Indexes are by reference key at four strengths (exact, formatting-free, prefix-free core, OCR-undone
core), by PO number, by customer (oldest first) and by (customer, amount in cents). Amounts are kept
as integer cents inside the book because integer comparison is what makes 10,000 payments against
100,000 open items run in seconds; ``Decimal`` is what goes in and comes out.

The book is mutable on purpose: payments in one run see the items as reduced by earlier payments.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Iterable

from o2c.cash.model import OpenItem
from o2c.cash.normalize import LEVEL_CORE, LEVEL_EXACT, LEVEL_FORMAT, LEVEL_OCR, compact, reference_keys
from o2c.kernel.money import from_minor, round_money, to_minor

_LEVELS = (LEVEL_EXACT, LEVEL_FORMAT, LEVEL_CORE, LEVEL_OCR)


def cents(amount: Decimal, currency: str = "USD") -> int:
    """Exact minor units of an amount, rounded to the currency's minor unit."""
    if currency == "USD" and amount.as_tuple().exponent == -2:
        return int(amount.scaleb(2))     # the common case, without a quantize per item
    return to_minor(round_money(amount, currency), currency)


class OpenItemBook:
    """Index over open items, built once per run and reduced as payments are applied."""

    def __init__(self, items: Iterable[OpenItem] = ()):
        self._items: dict[str, OpenItem] = {}
        self._open: dict[str, int] = {}
        self._refs: dict[str, dict[str, list[str]]] = {level: defaultdict(list) for level in _LEVELS}
        self._po: dict[str, list[str]] = defaultdict(list)
        self._by_customer: dict[str, list[str]] = defaultdict(list)
        self._by_amount: dict[tuple[str, int], set[str]] = defaultdict(set)
        self._by_amount_any: dict[int, set[str]] = defaultdict(set)
        self._sorted: set[str] = set()
        for item in items:
            self.add(item)

    # ------------------------------------------------------------ building

    def add(self, item: OpenItem) -> None:
        """Index one item. A second item with the same number replaces the first."""
        number = item.invoice_number
        if number in self._items:
            self._unindex_amount(number)
        self._items[number] = item
        self._open[number] = cents(item.open_amount, item.currency)
        for level, key in zip(_LEVELS, reference_keys(number)):
            if key:
                bucket = self._refs[level][key]
                if number not in bucket:
                    bucket.append(number)
        if item.po_number and compact(item.po_number):
            self._po[compact(item.po_number)].append(number)
        self._by_customer[item.customer_id].append(number)
        self._sorted.discard(item.customer_id)
        self._index_amount(number)

    def _index_amount(self, number: str) -> None:
        amount = self._open[number]
        if amount > 0:
            self._by_amount[(self._items[number].customer_id, amount)].add(number)
            self._by_amount_any[amount].add(number)

    def _unindex_amount(self, number: str) -> None:
        amount = self._open[number]
        self._by_amount.get((self._items[number].customer_id, amount), set()).discard(number)
        self._by_amount_any.get(amount, set()).discard(number)

    # ------------------------------------------------------------ reading

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, number: str) -> bool:
        return number in self._items

    def item(self, number: str) -> OpenItem:
        """The item with its current open amount (after earlier applications in this run)."""
        base = self._items[number]
        amount = from_minor(self._open[number], base.currency)
        return base if amount == base.open_amount else replace(base, open_amount=amount)

    def open_cents(self, number: str) -> int:
        return self._open[number]

    def is_open(self, number: str) -> bool:
        return self._open.get(number, 0) > 0

    def find_reference(self, ref: str) -> list[tuple[str, str]]:
        """Invoice numbers a payer's reference may mean, with the strongest level that links them.

        Stops at the first level that finds anything: an exact hit is never diluted by OCR guesses.
        """
        for level, key in zip(_LEVELS, reference_keys(ref)):
            if key and key in self._refs[level]:
                return [(number, level) for number in self._refs[level][key]]
        return []

    def find_po(self, po: str) -> list[str]:
        key = compact(po)
        return list(self._po.get(key, ())) if key else []

    def customer_items(self, customer_id: str, currency: str | None = None) -> list[OpenItem]:
        """The customer's open items, oldest first (invoice date, then number)."""
        numbers = self._by_customer.get(customer_id, [])
        if customer_id not in self._sorted:
            numbers.sort(key=lambda n: (self._items[n].invoice_date or date.min, n))
            self._sorted.add(customer_id)
        return [self.item(n) for n in numbers
                if self._open[n] > 0 and (currency is None or self._items[n].currency == currency)]

    def customer_ids(self) -> list[str]:
        return list(self._by_customer)

    def by_amount(self, customer_id: str, amount: Decimal, currency: str = "USD") -> list[str]:
        """Open items of this customer whose open amount is exactly ``amount``."""
        found = self._by_amount.get((customer_id, cents(amount, currency)), set())
        return sorted(n for n in found if self._items[n].currency == currency)

    def by_amount_anywhere(self, amount: Decimal, currency: str = "USD") -> list[str]:
        """Open items of any customer with exactly this amount; only ever used for suggestions."""
        found = self._by_amount_any.get(cents(amount, currency), set())
        return sorted(n for n in found if self._items[n].currency == currency)

    # ------------------------------------------------------------ discounts

    def discount_offer(self, number: str, paid_on: date | None, grace_days: int = 0) -> Decimal | None:
        """The early-payment discount the invoice still offers on ``paid_on``, or None.

        Only an untouched invoice offers it (the discount is on the billed amount), and only when
        the payment date is known: an unknown date cannot prove the payer paid in time.
        """
        item = self._items[number]
        if not item.discount_percent or not item.discount_days or not item.invoice_date or paid_on is None:
            return None
        if self._open[number] != cents(item.gross, item.currency):
            return None
        if (paid_on - item.invoice_date).days > item.discount_days + grace_days:
            return None
        return round_money(item.gross * item.discount_percent / 100, item.currency)

    # ------------------------------------------------------------ applying

    def reduce(self, number: str, amount: Decimal) -> None:
        """Take cash plus discount off an item's open amount (never below zero)."""
        item = self._items[number]
        self._unindex_amount(number)
        self._open[number] = max(0, self._open[number] - cents(amount, item.currency))
        self._index_amount(number)
