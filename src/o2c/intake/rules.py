"""Validation of an incoming order: pure rules over what the document says and what we know.

A document read by extraction becomes a ``Draft`` (typed, tolerant of missing fields). The use case
gathers the ``Facts`` the rules need from the database (the customer, its credit position, items and
contracts, the stock at the places a used unit can come from, earlier documents of the customer) and
hands both to ``validate``. Rules never read the database or the clock, so each is tested with plain
objects.

Each rule is a named function in ``RULES`` returning ``Issue``s with a stable code. Messages say what a
person must decide, because they are what the exception queue shows. An issue is ``blocking`` when no
approval can fix it (there is no item to order, the quantity cannot be shipped): it needs a correction.
"""
from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Callable, Mapping

from o2c.kernel.errors import NotFound
from o2c.kernel.money import round_money
from o2c.masterdata.model import Contract, Customer, Item
from o2c.pricing.model import quote_price, to_stock_units

USAGE_DOCUMENTS = frozenset({"case_sheet", "usage_report"})
ORDER_DOCUMENTS = frozenset({"purchase_order", *USAGE_DOCUMENTS})


# ------------------------------------------------------------------ what the document says
@dataclass(frozen=True)
class DraftLine:
    line_no: int
    item_id: str | None = None
    item_raw: str | None = None
    customer_item_ref: str | None = None
    quantity: Decimal | None = None
    quantity_text: str | None = None
    uom: str | None = None
    unit_price: Decimal | None = None
    lot: str | None = None
    serial: str | None = None
    expiry: date | None = None


@dataclass(frozen=True)
class Draft:
    """The order a document asks for, before anything is decided about it."""

    document_type: str
    order_type: str                       # stock | bill_only
    received_on: date
    lines: tuple[DraftLine, ...] = ()
    customer_id: str | None = None
    customer_name_raw: str | None = None
    site_id: str | None = None
    po_number: str | None = None
    order_date: date | None = None
    procedure_date: date | None = None
    case_id: str | None = None
    patient_ref: str | None = None
    rep_id: str | None = None
    confidence: float | None = None
    checked_by: str | None = None         # a person corrected it against the document

    @property
    def reports_usage(self) -> bool:
        return self.document_type in USAGE_DOCUMENTS

    @property
    def pricing_date(self) -> date:
        """Contracts are priced on the order date; a case is priced on the day of surgery."""
        return self.order_date or self.procedure_date or self.received_on


def _text(value) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _decimal(value) -> Decimal | None:
    text = _text(value)
    if text is None:
        return None
    try:
        number = Decimal(text.replace(",", "").replace("$", ""))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _date(value) -> date | None:
    text = _text(value)
    if not text:
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        return None


def order_type_for(extraction: dict) -> str:
    """Case sheets and usage reports bill product already implanted; so does a PO that names the case
    it pays for (surgeon, patient, case number, or a 'bill only' mark). Everything else ships from stock."""
    if extraction.get("document_type") in USAGE_DOCUMENTS or extraction.get("bill_only"):
        return "bill_only"
    procedure = extraction.get("procedure") if isinstance(extraction.get("procedure"), dict) else {}
    if procedure.get("date") or procedure.get("case_id") or procedure.get("patient_ref"):
        return "bill_only"
    return "stock"


def draft_from_extraction(extraction: dict, *, received_on: date) -> Draft:
    """Typed view of a section-2 extraction dict; unreadable values become None, never an error."""
    procedure = extraction.get("procedure") if isinstance(extraction.get("procedure"), dict) else {}
    lines = []
    for number, raw in enumerate(extraction.get("lines") or [], start=1):
        if not isinstance(raw, dict):
            continue
        lines.append(DraftLine(
            line_no=int(raw.get("line_no") or number), item_id=_text(raw.get("item_id")),
            item_raw=_text(raw.get("item_raw")), customer_item_ref=_text(raw.get("customer_item_ref")),
            quantity=_decimal(raw.get("quantity")), quantity_text=_text(raw.get("quantity")),
            uom=(_text(raw.get("uom")) or "").upper() or None, unit_price=_decimal(raw.get("unit_price")),
            lot=_text(raw.get("lot")), serial=_text(raw.get("serial")), expiry=_date(raw.get("expiry"))))
    confidence = extraction.get("confidence")
    return Draft(
        document_type=_text(extraction.get("document_type")) or "unknown", order_type=order_type_for(extraction),
        received_on=received_on, lines=tuple(lines), customer_id=_text(extraction.get("customer_id")),
        customer_name_raw=_text(extraction.get("customer_name_raw")), site_id=_text(extraction.get("site_id")),
        po_number=_text(extraction.get("po_number")), order_date=_date(extraction.get("order_date")),
        procedure_date=_date(procedure.get("date")), case_id=_text(procedure.get("case_id")),
        patient_ref=_text(procedure.get("patient_ref")), rep_id=_text(extraction.get("rep_id")),
        confidence=float(confidence) if isinstance(confidence, (int, float)) else None,
        checked_by=_text(extraction.get("checked_by")))


def po_key(po_number: str | None) -> str | None:
    """PO numbers compare without spaces and case: 'po 4500 12' is '450012'-the-same PO."""
    return re.sub(r"\s+", "", po_number).upper() if po_number else None


def unit_key(text: str | None) -> str:
    """Lots and serials as people and OCR write them: only letters and digits count."""
    return re.sub(r"[^0-9A-Za-z]", "", text or "").upper()


# ------------------------------------------------------------------ what we know
@dataclass(frozen=True)
class CreditPosition:
    credit_limit: Decimal | None = None
    on_hold: bool = False
    past_due: Decimal = Decimal("0")
    oldest_past_due_days: int = 0
    hold_reasons: tuple[str, ...] = ()


@dataclass(frozen=True)
class StockUnit:
    """Available units of one item/lot/serial at a consignment closet or rep trunk."""

    location_id: str
    item_id: str
    lot: str | None
    serial: str | None
    expiry: date | None
    available: int


@dataclass(frozen=True)
class PriorDocument:
    """An earlier document of the same customer, as duplicate and bill-only checks need it."""

    document_id: str
    status: str
    channel: str | None
    received_at: str | None
    order_id: str | None
    order_type: str | None
    po_number: str | None
    procedure_date: date | None
    case_id: str | None
    patient_ref: str | None
    lines_key: str | None
    item_eaches: Mapping[str, Decimal] = field(default_factory=dict)

    @property
    def reports_usage(self) -> bool:
        return self.order_type == "bill_only" and not self.po_number


@dataclass(frozen=True)
class Facts:
    customer: Customer | None = None
    items: Mapping[str, Item] = field(default_factory=dict)
    contracts: Mapping[str, tuple[Contract, ...]] = field(default_factory=dict)
    credit: CreditPosition | None = None
    usage_locations: tuple[str, ...] = ()          # in preference order: site closet, other closets, trunk
    stock: tuple[StockUnit, ...] = ()
    lot_expiry: Mapping[tuple[str, str], date] = field(default_factory=dict)   # (item_id, lot key) -> expiry
    prior: tuple[PriorDocument, ...] = ()
    confirms: PriorDocument | None = None          # the earlier case a bill-only PO confirms


@dataclass(frozen=True)
class Policy:
    price_tolerance: Decimal = Decimal("0.00")
    approval_threshold: Mapping[str, Decimal] = field(default_factory=dict)
    past_due_hold_days: int = 90
    min_confidence: float = 0.6
    max_line_quantity: int = 100

    @classmethod
    def from_settings(cls, intake: Mapping) -> "Policy":
        """The company's choices from ``settings()["intake"]`` (exact decimals, never floats)."""
        return cls(price_tolerance=Decimal(str(intake.get("price_tolerance", "0.00"))),
                   approval_threshold={k: Decimal(str(v)) for k, v in (intake.get("approval_threshold") or {}).items()},
                   past_due_hold_days=int(intake.get("past_due_hold_days", 90)),
                   min_confidence=float(intake.get("min_confidence", 0.6)),
                   max_line_quantity=int(intake.get("max_line_quantity", 100)))


@dataclass(frozen=True)
class Issue:
    code: str
    message: str
    line_no: int | None = None
    field: str | None = None
    blocking: bool = False

    def as_dict(self) -> dict:
        return {"code": self.code, "message": self.message}


# ------------------------------------------------------------------ derived values
def consumes_stock(draft: Draft, facts: Facts) -> bool:
    """A usage report, or a bill-only PO with no earlier case to confirm, uses consigned units now."""
    return draft.order_type == "bill_only" and facts.confirms is None


def stock_quantity(line: DraftLine, item: Item) -> int | None:
    """The line's quantity in the item's stocking unit, or None when it cannot be one."""
    if line.quantity is None or line.quantity <= 0 or line.quantity != line.quantity.to_integral_value():
        return None
    try:
        return to_stock_units(item, int(line.quantity), line.uom)
    except NotFound:
        return None


def line_eaches(line: DraftLine, item: Item | None) -> Decimal | None:
    """Eaches a line stands for, so '2 BX' and '10 EA' of a box of five compare equal."""
    if line.quantity is None:
        return None
    if item is None or not line.uom or line.uom == "EA" or line.uom != item.uom.upper():
        return line.quantity
    return line.quantity * max(item.pack_size, 1)


def item_eaches(draft: Draft, items: Mapping[str, Item]) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for line in draft.lines:
        eaches = line_eaches(line, items.get(line.item_id or ""))
        if line.item_id and eaches is not None:
            totals[line.item_id] += eaches
    return dict(totals)


def lines_key(eaches: Mapping[str, Decimal]) -> str | None:
    """One hash for 'which items, how many': the same order sent twice hashes alike on any channel."""
    if not eaches:
        return None
    text = ";".join(f"{item}={format(qty.normalize(), 'f')}" for item, qty in sorted(eaches.items()))
    return hashlib.sha256(text.encode()).hexdigest()


def quote_for(line: DraftLine, draft: Draft, facts: Facts):
    """The contract quote for a line (per the line's unit), or None when it cannot be priced."""
    item = facts.items.get(line.item_id or "")
    quantity = stock_quantity(line, item) if item else None
    if item is None or quantity is None or facts.customer is None:
        return None
    try:
        return quote_price(item, facts.customer, list(facts.contracts.get(item.item_id, ())), quantity=quantity,
                           uom=item.uom, on=draft.pricing_date)
    except NotFound:
        return None


def order_total(draft: Draft, facts: Facts) -> Decimal:
    """What the order will be invoiced at: contract prices on the stocking unit."""
    total = Decimal("0")
    for line in draft.lines:
        item = facts.items.get(line.item_id or "")
        quantity = stock_quantity(line, item) if item else None
        quote = quote_for(line, draft, facts)
        if quantity is not None and quote is not None:
            total += quote.unit_price * quantity
    return total


@dataclass(frozen=True)
class UsePick:
    line_no: int
    item_id: str
    location_id: str
    lot: str | None
    serial: str | None
    quantity: int


@dataclass(frozen=True)
class UsagePlan:
    location_id: str | None
    picks: tuple[UsePick, ...] = ()
    missing: tuple[int, ...] = ()      # line numbers whose units are not at the location


def _units_for(line: DraftLine, units: list[list], item: Item, wanted: int) -> list[tuple[list, int]]:
    """Stock units matching the line's item, lot and serial; expired ones too (a rule flags them)."""
    chosen, remaining = [], wanted
    matching = [u for u in units if u[0].item_id == item.item_id and u[1] > 0
                and (not line.lot or unit_key(u[0].lot) == unit_key(line.lot))
                and (not line.serial or unit_key(u[0].serial) == unit_key(line.serial))]
    matching.sort(key=lambda u: (u[0].expiry is None, u[0].expiry or date.max, u[0].lot or "", u[0].serial or ""))
    for unit in matching:
        if remaining == 0:
            break
        take = min(unit[1], remaining)
        chosen.append((unit, take))
        remaining -= take
    return chosen if remaining == 0 else []


def _plan_at(location: str, draft: Draft, facts: Facts) -> UsagePlan:
    units = [[u, u.available] for u in facts.stock if u.location_id == location]
    picks, missing = [], []
    for line in draft.lines:
        item = facts.items.get(line.item_id or "")
        wanted = stock_quantity(line, item) if item else None
        if item is None or wanted is None:
            continue
        chosen = _units_for(line, units, item, wanted)
        if not chosen:
            missing.append(line.line_no)
        for unit, take in chosen:
            unit[1] -= take
            picks.append(UsePick(line.line_no, item.item_id, location, unit[0].lot, unit[0].serial, take))
    return UsagePlan(location, tuple(picks), tuple(missing))


def plan_usage(draft: Draft, facts: Facts) -> UsagePlan:
    """Which consigned units the case used: the first place (facility closet, then the customer's other
    closets, then the rep's trunk) that holds every used unit, else the one that holds the most."""
    best = None
    for location in facts.usage_locations:
        plan = _plan_at(location, draft, facts)
        if not plan.missing:
            return plan
        if best is None or len(plan.missing) < len(best.missing):
            best = plan
    return best or UsagePlan(None, (), tuple(l.line_no for l in draft.lines))


def confirmed_case(draft: Draft, prior: tuple[PriorDocument, ...], items: Mapping[str, Item]) -> PriorDocument | None:
    """The earlier case or usage report a bill-only PO pays for: same case number or patient when the
    PO states one, else the same surgery date, and in every case the same items."""
    if draft.document_type != "purchase_order" or draft.order_type != "bill_only":
        return None
    wanted = item_eaches(draft, items)
    for earlier in prior:
        if not earlier.reports_usage or earlier.status == "rejected":
            continue
        if draft.case_id and earlier.case_id and unit_key(draft.case_id) != unit_key(earlier.case_id):
            continue
        if draft.patient_ref and earlier.patient_ref and unit_key(draft.patient_ref) != unit_key(earlier.patient_ref):
            continue
        if draft.procedure_date and earlier.procedure_date and draft.procedure_date != earlier.procedure_date:
            continue
        if set(wanted) and set(wanted) == set(earlier.item_eaches):
            return earlier
    return None


# ------------------------------------------------------------------ the rules
Rule = Callable[[Draft, Facts, Policy], list[Issue]]
RULES: dict[str, Rule] = {}


def rule(code: str):
    def register(function: Rule) -> Rule:
        RULES[code] = function
        return function
    return register


def _money(amount: Decimal) -> str:
    return f"{amount.quantize(Decimal('0.01')):,}"


def _line_name(line: DraftLine) -> str:
    return line.item_id or line.item_raw or line.customer_item_ref or "?"


@rule("unknown_customer")
def unknown_customer(draft: Draft, facts: Facts, policy: Policy) -> list[Issue]:
    """Nothing can be priced, credit-checked or shipped before we know who is ordering."""
    if facts.customer is not None:
        return []
    read = f" (the document names {draft.customer_name_raw!r})" if draft.customer_name_raw else ""
    return [Issue("unknown_customer", f"the customer could not be identified{read}: choose the customer "
                  "(set customer_id); o2c remembers the sender for next time", field="customer_id", blocking=True)]


@rule("unknown_item")
def unknown_item(draft: Draft, facts: Facts, policy: Policy) -> list[Issue]:
    """A line we cannot tie to a catalog item cannot be ordered; a person picks the item (and o2c learns
    the customer's part number)."""
    return [Issue("unknown_item", f"line {line.line_no}: {_line_name(line)!r} is not a known item or part number "
                  "of this customer: choose the item (set item_id on the line) or reject the order",
                  line_no=line.line_no, field="item_id", blocking=True)
            for line in draft.lines if not line.item_id or line.item_id not in facts.items]


@rule("quantity")
def quantity(draft: Draft, facts: Facts, policy: Policy) -> list[Issue]:
    """Quantities must be whole, positive, whole packs, and plausible: a misread '1000' for '10' must
    never ship."""
    issues = []
    for line in draft.lines:
        item = facts.items.get(line.item_id or "")
        if item is None:
            continue
        if line.quantity is None or line.quantity <= 0 or line.quantity != line.quantity.to_integral_value():
            shown = line.quantity_text or "nothing"
            issues.append(Issue("quantity", f"line {line.line_no}: quantity {shown!r} of {item.item_id} is not a "
                                "whole positive number: set the quantity", line.line_no, "quantity", True))
            continue
        units = stock_quantity(line, item)
        if units is None:
            issues.append(Issue("quantity", f"line {line.line_no}: {line.quantity} {line.uom or ''} of {item.item_id}"
                                f" is not a whole number of {item.uom} of {item.pack_size}: set the quantity or unit",
                                line.line_no, "quantity", True))
        elif units > policy.max_line_quantity:
            issues.append(Issue("quantity", f"line {line.line_no}: quantity {line.quantity} of {item.item_id} is far "
                                f"above the sanity limit of {policy.max_line_quantity} {item.uom}: confirm with the "
                                "customer, then correct the quantity or approve", line.line_no, "quantity"))
    return issues


@rule("price_mismatch")
def price_mismatch(draft: Draft, facts: Facts, policy: Policy) -> list[Issue]:
    """The printed price must be the customer's contract price on the order date (within the
    tolerance); a line without a price is simply priced from the contract."""
    issues = []
    for line in draft.lines:
        item = facts.items.get(line.item_id or "")
        if item is None or facts.customer is None or stock_quantity(line, item) is None:
            continue
        quote = quote_for(line, draft, facts)
        if quote is None:
            issues.append(Issue("no_price", f"line {line.line_no}: {item.item_id} has no contract for "
                                f"{facts.customer.customer_id} and no list price: add a price to master data",
                                line.line_no, "unit_price", True))
            continue
        if line.unit_price is None:
            continue
        expected = round_money(quote.unit_price * (stock_quantity(line, item) or 0) / line.quantity)
        if abs(line.unit_price - expected) > policy.price_tolerance:
            source = {"customer_contract": "customer contract", "gpo_contract": "GPO contract"}.get(quote.source, "list")
            contract = f" {quote.contract_id}" if quote.contract_id else ""
            issues.append(Issue("price_mismatch", f"line {line.line_no}: printed price {line.unit_price} for "
                                f"{item.item_id} but the {source} price{contract} on {draft.pricing_date} is "
                                f"{_money(expected)}: approve to bill the contract price, or ask the customer "
                                "for a corrected PO", line.line_no, "unit_price"))
    return issues


@rule("missing_po")
def missing_po(draft: Draft, facts: Facts, policy: Policy) -> list[Issue]:
    """A stock order ships and is invoiced against the customer's PO number; hospitals refuse invoices
    without one. Bill-only usage gets its PO later."""
    if draft.order_type != "stock" or draft.po_number:
        return []
    return [Issue("missing_po", "stock order without a PO number: ask the customer for the PO number "
                  "(set po_number), or approve to ship without one", field="po_number")]


def _same_order(draft: Draft, earlier: PriorDocument, own_key: str | None) -> bool:
    if draft.order_type != (earlier.order_type or "stock"):
        return False
    mine, theirs = po_key(draft.po_number), po_key(earlier.po_number)
    if mine and theirs and mine != theirs:
        return False
    if draft.order_type == "bill_only":
        if draft.case_id and earlier.case_id and unit_key(draft.case_id) != unit_key(earlier.case_id):
            return False
        if draft.procedure_date != earlier.procedure_date:
            return False
    return bool(own_key) and own_key == earlier.lines_key


@rule("duplicate")
def duplicate(draft: Draft, facts: Facts, policy: Policy) -> list[Issue]:
    """The same PO number from the same customer, or the same lines arriving by a second channel (EDI,
    then e-mail of the same order), must not become a second order."""
    own_key = lines_key(item_eaches(draft, facts.items))
    for earlier in facts.prior:
        if earlier.status == "rejected" or (facts.confirms and earlier.document_id == facts.confirms.document_id):
            continue
        same_po = po_key(draft.po_number) and po_key(draft.po_number) == po_key(earlier.po_number)
        if same_po or _same_order(draft, earlier, own_key):
            what = f"PO {draft.po_number}" if same_po else "lines"
            outcome = f"which became order {earlier.order_id}" if earlier.order_id else f"({earlier.status})"
            via = f" by {earlier.channel}" if earlier.channel else ""
            return [Issue("duplicate", f"duplicate: same {what} as document {earlier.document_id} received{via} "
                          f"{earlier.received_at or ''} {outcome}; nothing was created. Approve only if this is "
                          "really a second order", field="po_number")]
    return []


@rule("bill_only_pending")
def bill_only_pending(draft: Draft, facts: Facts, policy: Policy) -> list[Issue]:
    """A bill-only PO pays for a case whose own report is still in the queue: billing it now would
    bill a case nobody has checked."""
    earlier = facts.confirms
    if earlier is None or earlier.order_id:
        return []
    return [Issue("bill_only_pending", f"this PO pays for the case reported in document {earlier.document_id}, "
                  f"which is still {earlier.status}: resolve that document first, then rerun this one",
                  field="po_number", blocking=True)]


@rule("expired_lot")
def expired_lot(draft: Draft, facts: Facts, policy: Policy) -> list[Issue]:
    """A unit implanted after its expiry is a patient-safety and complaint matter before it is a billing
    one: quality must look at it before anyone bills it."""
    if not consumes_stock(draft, facts):
        return []
    when = draft.procedure_date or draft.pricing_date
    issues = []
    for line in draft.lines:
        if not line.lot or not line.item_id:
            continue
        expiry = line.expiry or facts.lot_expiry.get((line.item_id, unit_key(line.lot)))
        if expiry and expiry < when:
            issues.append(Issue("expired_lot", f"line {line.line_no}: lot {line.lot} of {line.item_id} expired "
                                f"{expiry}, before the procedure on {when}: have quality review the unit, then "
                                "approve to bill it or reject", line.line_no, "lot"))
    return issues


@rule("lot_not_at_location")
def lot_not_at_location(draft: Draft, facts: Facts, policy: Policy) -> list[Issue]:
    """Bill-only product comes out of the consignment closet at the facility or the rep's trunk; a unit
    that is not there is a misread lot, a wrong facility, or stock nobody recorded."""
    if not consumes_stock(draft, facts) or facts.customer is None:
        return []
    if not facts.usage_locations:
        return [Issue("lot_not_at_location", "no consignment closet at this facility and no trunk stock for the rep: "
                      "say where the used product came from (set site_id or rep_id) or reject", blocking=True)]
    plan = plan_usage(draft, facts)
    places = ", ".join(facts.usage_locations)
    by_no = {line.line_no: line for line in draft.lines}
    issues = []
    for line_no in plan.missing:
        line = by_no[line_no]
        unit = " ".join(filter(None, [line.item_id, f"lot {line.lot}" if line.lot else None,
                                      f"serial {line.serial}" if line.serial else None]))
        issues.append(Issue("lot_not_at_location", f"line {line_no}: {unit} (quantity {line.quantity}) is not on hand "
                            f"at {places}: check the lot/serial on the sticker and correct it, or reject",
                            line_no, "lot", True))
    return issues


@rule("credit_hold")
def credit_hold(draft: Draft, facts: Facts, policy: Policy) -> list[Issue]:
    """No new goods ship to a customer on hold or whose past-due balance already exceeds its credit
    limit or has gone unpaid too long. Bill-only product is already implanted: billing it is how the
    money comes in, so it is not held."""
    credit = facts.credit
    if draft.order_type != "stock" or credit is None or facts.customer is None:
        return []
    name = facts.customer.customer_id
    if credit.on_hold:
        reason = "is on credit hold" + (f" ({'; '.join(credit.hold_reasons)})" if credit.hold_reasons else "")
    elif credit.credit_limit is not None and credit.past_due > credit.credit_limit:
        reason = (f"is over its credit limit: past-due balance {_money(credit.past_due)} exceeds the limit "
                  f"{_money(credit.credit_limit)}")
    elif credit.past_due > 0 and credit.oldest_past_due_days > policy.past_due_hold_days:
        reason = (f"has invoices {credit.oldest_past_due_days} days past due (credit hold after "
                  f"{policy.past_due_hold_days})")
    else:
        return []
    return [Issue("credit_hold", f"customer {name} {reason}: collect first, or have credit approve the order",
                  field="customer_id")]


@rule("approval_required")
def approval_required(draft: Draft, facts: Facts, policy: Policy) -> list[Issue]:
    """Large orders need a manager's yes before they are confirmed (limits per order type)."""
    limit = policy.approval_threshold.get(draft.order_type)
    if limit is None or facts.customer is None:
        return []
    total = order_total(draft, facts)
    if total <= limit:
        return []
    return [Issue("approval_required", f"order total {_money(total)} is over the {_money(limit)} approval limit "
                  f"for {draft.order_type} orders: a manager must approve it")]


@rule("low_confidence")
def low_confidence(draft: Draft, facts: Facts, policy: Policy) -> list[Issue]:
    """An order read with little certainty, or missing what it cannot go without, must be checked by a
    person against the document before it binds anyone (once a person corrected it, they have)."""
    issues = []
    if not draft.lines:
        issues.append(Issue("low_confidence", "no order lines could be read: key the lines from the document "
                            "or reject it", field="lines", blocking=True))
    if draft.reports_usage and draft.procedure_date is None:
        issues.append(Issue("low_confidence", "the date of surgery could not be read: set procedure.date",
                            field="procedure.date", blocking=True))
    if draft.confidence is not None and draft.confidence < policy.min_confidence and not draft.checked_by:
        issues.append(Issue("low_confidence", f"read with low confidence ({draft.confidence:.2f}, minimum "
                            f"{policy.min_confidence:.2f}): check customer, items and quantities against the "
                            "document, then approve or correct"))
    return issues


def validate(draft: Draft, facts: Facts, policy: Policy) -> list[Issue]:
    """Every problem of the draft, in rule order; an empty list means the order can be created."""
    issues: list[Issue] = []
    for check in RULES.values():
        issues.extend(check(draft, facts, policy))
    return issues
