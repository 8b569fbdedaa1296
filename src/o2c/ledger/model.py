"""Double-entry bookkeeping: every business event becomes a balanced journal entry.

Amounts are integer minor units (cents) so that sums are exact on every database. An entry whose
debits and credits differ is refused before it is stored, which is what keeps the trial balance at
zero. Posting rules map business events to accounts; they are pure functions listed in ``RULES`` so a
company can see (and later configure) how each event is booked.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from o2c.kernel.errors import Conflict

# The chart of accounts o2c posts to. Account codes are stable strings; ERP connectors map them.
AR = "1200 Accounts receivable"
CASH = "1000 Cash"
INVENTORY = "1300 Inventory"
INVENTORY_CONSIGNED = "1310 Inventory at customer sites"
UNAPPLIED_CASH = "2100 Unapplied cash"
TAX_PAYABLE = "2200 Sales tax payable"
CONTRACT_LIABILITY = "2300 Deferred revenue"
OPENING_EQUITY = "3900 Opening balance equity"
REVENUE = "4000 Product revenue"
FREIGHT_REVENUE = "4100 Freight revenue"
SALES_DISCOUNTS = "4900 Sales discounts"
COGS = "5000 Cost of goods sold"
DEDUCTIONS = "1250 Customer deductions"
WRITE_OFFS = "6900 Bad debt and write-offs"


@dataclass(frozen=True, slots=True)
class Posting:
    account: str
    debit: int = 0
    credit: int = 0
    customer_id: str | None = None


@dataclass(frozen=True, slots=True)
class JournalEntry:
    event: str
    document_ref: str
    postings: tuple[Posting, ...] = field(default=())

    def check_balanced(self) -> None:
        debits = sum(p.debit for p in self.postings)
        credits = sum(p.credit for p in self.postings)
        if debits != credits:
            raise Conflict(f"journal entry for {self.event} {self.document_ref} is unbalanced: "
                           f"debits {debits} != credits {credits}", code="unbalanced_entry")
        if any(p.debit < 0 or p.credit < 0 for p in self.postings):
            raise Conflict(f"journal entry for {self.event} {self.document_ref} has a negative amount",
                           code="unbalanced_entry")


def entry(event: str, document_ref: str, *lines: tuple[str, int, int] | tuple[str, int, int, str | None]
          ) -> JournalEntry:
    """Build an entry from (account, debit, credit[, customer]) rows, dropping zero rows."""
    postings = []
    for row in lines:
        account, debit, credit = row[0], row[1], row[2]
        customer = row[3] if len(row) > 3 else None
        if debit or credit:
            postings.append(Posting(account, debit, credit, customer))
    result = JournalEntry(event, document_ref, tuple(postings))
    result.check_balanced()
    return result


def invoice_issued(number: str, customer_id: str, *, subtotal: int, freight: int, tax: int,
                   recognise_revenue: bool = True) -> JournalEntry:
    """Dr AR; Cr revenue (or deferred revenue when control has not passed yet), freight and tax."""
    revenue_account = REVENUE if recognise_revenue else CONTRACT_LIABILITY
    return entry("invoice_issued", number,
                 (AR, subtotal + freight + tax, 0, customer_id),
                 (revenue_account, 0, subtotal),
                 (FREIGHT_REVENUE, 0, freight),
                 (TAX_PAYABLE, 0, tax))


def credit_memo_issued(number: str, customer_id: str, *, subtotal: int, freight: int, tax: int) -> JournalEntry:
    return entry("credit_memo_issued", number,
                 (REVENUE, subtotal, 0), (FREIGHT_REVENUE, freight, 0), (TAX_PAYABLE, tax, 0),
                 (AR, 0, subtotal + freight + tax, customer_id))


def inventory_account(location_kind: str | None) -> str:
    """Stock in a hospital's consignment closet is still ours but is reported apart from the warehouse."""
    return INVENTORY_CONSIGNED if location_kind == "consignment" else INVENTORY


def goods_shipped(shipment_id: str, cost: int, inventory_account: str = INVENTORY) -> JournalEntry:
    """Control passes to the customer (shipped stock, or consigned product used in surgery): the
    inventory leaves the books into COGS."""
    return entry("goods_shipped", shipment_id, (COGS, cost, 0), (inventory_account, 0, cost))


def stock_transferred(ref: str, cost: int, from_account: str, to_account: str) -> JournalEntry:
    """Stock moved between our own locations (replenishing a consignment closet): no sale, no COGS,
    only a reclassification when the two locations are reported in different accounts."""
    return entry("stock_transferred", ref, (to_account, cost, 0), (from_account, 0, cost))


def opening_inventory(ref: str, cost: int, inventory_account: str = INVENTORY) -> JournalEntry:
    return entry("opening_inventory", ref, (inventory_account, cost, 0), (OPENING_EQUITY, 0, cost))


def opening_receivable(invoice_number: str, customer_id: str, amount: int) -> JournalEntry:
    return entry("opening_receivable", invoice_number, (AR, amount, 0, customer_id), (OPENING_EQUITY, 0, amount))


def payment_received(payment_id: str, customer_id: str | None, *, cash: int, applied: int, discount: int,
                     deduction: int, unapplied: int) -> JournalEntry:
    """Dr cash (what the bank received), discounts and deductions taken; Cr AR for what was settled and
    unapplied cash for what could not be tied to an invoice yet."""
    return entry("payment_received", payment_id,
                 (CASH, cash, 0),
                 (SALES_DISCOUNTS, discount, 0),
                 (DEDUCTIONS, deduction, 0, customer_id),
                 (AR, 0, applied + discount + deduction, customer_id),
                 (UNAPPLIED_CASH, 0, unapplied, customer_id))


def unapplied_cash_applied(ref: str, customer_id: str, amount: int) -> JournalEntry:
    return entry("unapplied_cash_applied", ref, (UNAPPLIED_CASH, amount, 0, customer_id), (AR, 0, amount, customer_id))


def write_off(invoice_number: str, customer_id: str, amount: int) -> JournalEntry:
    return entry("write_off", invoice_number, (WRITE_OFFS, amount, 0), (AR, 0, amount, customer_id))
