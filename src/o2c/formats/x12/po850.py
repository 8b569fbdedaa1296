"""X12 850 Purchase Order -> typed values.

The 850 is read as the buyer wrote it: every product id qualifier pair, every reference, every party.
Nothing is resolved against master data here (a ``BP`` part number is kept as the buyer's number), so
the same values can feed intake, an audit trail and an 855 acknowledgement that echoes the order.
Quantities and prices are exact Decimals; a number that is not one refuses the file with its segment.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

from o2c.kernel.errors import InvalidValue
from o2c.kernel.money import parse_decimal
from o2c.formats.x12.errors import X12Error
from o2c.formats.x12.reader import (FunctionalGroup, Interchange, Segment, Transaction, X12File, parse_x12_date,
                                    read_x12, read_x12_file)

#: Segments that belong to the N1 party loop once an N1 has opened it.
_PARTY_SEGMENTS = {"N2", "N3", "N4", "PER", "REF"}
#: Segments that belong to the PO1 line loop once a PO1 has opened it (before CTT/AMT close the detail).
_LINE_SEGMENTS = {"PID", "REF", "DTM", "PO4", "CTP", "SAC", "MSG", "SLN", "ACK", "N9", "TC2", "MEA", "PKG", "TD5",
                  "SCH", "N1", "N2", "N3", "N4", "PER", "TXI", "ITD", "CUR", "QTY", "SDQ", "AMT", "NTE", "SI", "LIN"}


#: AMT01 qualifiers of the whole order's total (TT total transaction amount, GV gross value); read as the
#: total even after the last line when a partner leaves out the CTT that should open the summary.
_TOTAL_AMOUNTS = ("TT", "GV")


def first_by_code(wanted: tuple[str, ...], items, code, value):
    """The value of the first item whose code (qualifier, role) is in ``wanted``, searched in the
    caller's order of preference; items without a value are passed over."""
    for choice in wanted:
        for item in items:
            if code(item) == choice and value(item):
                return value(item)
    return None


@dataclass(frozen=True, slots=True)
class Reference:
    """REF: qualifier (DP department, IA vendor number, CT contract, LT lot ...), value, description."""

    qualifier: str
    value: str | None
    description: str | None = None


@dataclass(frozen=True, slots=True)
class DateReference:
    """DTM: qualifier (002 delivery requested, 010 requested ship, 036 expiration ...) and the date."""

    qualifier: str
    date: date | None
    raw: str | None


@dataclass(frozen=True, slots=True)
class Contact:
    """PER: function (BD buyer, IC information contact ...), name and (qualifier, number) pairs."""

    function: str
    name: str | None
    channels: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Party:
    """An N1 loop: role (BT bill-to, ST ship-to, BY buyer, SE seller, VN vendor ...) and address."""

    role: str
    name: str | None
    id_qualifier: str | None = None       # N103: 92 buyer-assigned, 91 seller-assigned, 1 DUNS, UL GLN ...
    id_code: str | None = None            # N104
    additional_names: tuple[str, ...] = ()
    address_lines: tuple[str, ...] = ()
    city: str | None = None
    state: str | None = None
    postal_code: str | None = None
    country: str | None = None
    contacts: tuple[Contact, ...] = ()
    references: tuple[Reference, ...] = ()


@dataclass(frozen=True, slots=True)
class Price:
    """CTP: a price the line states beside PO104 (UCP unit cost, CON contract, RES resale ...)."""

    identifier: str | None                # CTP02 price identifier code
    unit_price: Decimal | None            # CTP03
    basis: str | None = None              # CTP09 basis of unit price code (4010 layout)
    class_of_trade: str | None = None     # CTP01


@dataclass(frozen=True, slots=True)
class Pack:
    """PO4: how the ordered unit is packed: ``pack`` inner units of ``size`` ``size_uom`` each, and
    ``inner_pack`` eaches per inner unit (PO414), as stated."""

    pack: Decimal | None
    size: Decimal | None
    size_uom: str | None
    inner_pack: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Charge:
    """SAC: an allowance (A) or charge (C), its code (D240 freight ...) and amount as stated."""

    indicator: str | None                 # SAC01: A allowance, C charge, N no allowance or charge
    code: str | None                      # SAC02
    amount: Decimal | None                # SAC05, implied two decimals as the standard says (N2)
    percent: Decimal | None = None        # SAC07
    description: str | None = None        # SAC15


@dataclass(frozen=True, slots=True)
class PoLine:
    """A PO1 line loop with its product ids as (qualifier, id) pairs in the order written."""

    line_no: str | None                   # PO101 as written ("0001")
    quantity: Decimal | None
    uom: str | None
    unit_price: Decimal | None
    price_basis: str | None               # PO105: PE per each, CT contract, QT quoted ...
    product_ids: tuple[tuple[str, str], ...] = ()
    descriptions: tuple[str, ...] = ()
    references: tuple[Reference, ...] = ()
    dates: tuple[DateReference, ...] = ()
    parties: tuple[Party, ...] = ()
    position: int = 0                     # segment position of the PO1 in its file
    currency: str | None = None           # CUR02 inside the line loop
    prices: tuple[Price, ...] = ()        # CTP
    pack: Pack | None = None              # PO4 (the first one)
    charges: tuple[Charge, ...] = ()      # SAC
    destinations: tuple[tuple[str, Decimal], ...] = ()   # SDQ: (location id, quantity) as stated
    destination_qualifier: str | None = None             # SDQ02: 92 buyer-assigned, UL GLN ...

    def product_id(self, *qualifiers: str) -> str | None:
        """The first id whose qualifier is among ``qualifiers``, searched in the caller's order of
        preference (so ``product_id("VC", "VP")`` prefers a catalog number)."""
        for wanted in qualifiers:
            for qualifier, value in self.product_ids:
                if qualifier == wanted:
                    return value
        return None

    def reference(self, *qualifiers: str) -> str | None:
        return first_by_code(qualifiers, self.references, lambda r: r.qualifier, lambda r: r.value)

    def date_of(self, *qualifiers: str) -> date | None:
        return first_by_code(qualifiers, self.dates, lambda d: d.qualifier, lambda d: d.date)


@dataclass(frozen=True, slots=True)
class PurchaseOrder850:
    source: str
    # envelopes: who sent it and how to acknowledge it
    sender_qualifier: str
    sender_id: str                        # ISA06
    receiver_qualifier: str
    receiver_id: str                      # ISA08
    group_sender: str                     # GS02
    group_receiver: str                   # GS03
    interchange_control: str              # ISA13
    group_control: str                    # GS06
    transaction_control: str              # ST02
    version: str                          # GS08
    # BEG
    purpose: str | None                   # 00 original, 01 cancellation, 05 replace, 06 confirmation
    order_type: str | None                # SA stand-alone, NE new, DS drop ship, RE reorder, BK blanket ...
    po_number: str | None
    release_number: str | None
    order_date: date | None
    contract_number: str | None = None
    currency: str | None = None
    references: tuple[Reference, ...] = ()
    contacts: tuple[Contact, ...] = ()
    dates: tuple[DateReference, ...] = ()
    parties: tuple[Party, ...] = ()
    lines: tuple[PoLine, ...] = ()
    line_count: int | None = None         # CTT01 as stated
    hash_total: Decimal | None = None     # CTT02 as stated
    amounts: tuple[tuple[str, Decimal], ...] = ()   # AMT (TT total ...)
    notes: tuple[str, ...] = field(default=())      # MSG / NTE text
    charges: tuple[Charge, ...] = ()      # header SAC

    def party(self, *roles: str) -> Party | None:
        return first_by_code(roles, self.parties, lambda p: p.role, lambda p: p)

    def date_of(self, *qualifiers: str) -> date | None:
        return first_by_code(qualifiers, self.dates, lambda d: d.qualifier, lambda d: d.date)

    def reference(self, *qualifiers: str) -> str | None:
        return first_by_code(qualifiers, self.references, lambda r: r.qualifier, lambda r: r.value)


# ------------------------------------------------------------------------------------------- reading


def read_850_file(path: str | Path) -> list[PurchaseOrder850]:
    """Every 850 in a file (mailbags may mix in other sets, which are skipped)."""
    return purchase_orders(read_x12_file(path))


def read_850(data: bytes | str, source: str = "<input>") -> list[PurchaseOrder850]:
    return purchase_orders(read_x12(data, source))


def purchase_orders(parsed: X12File) -> list[PurchaseOrder850]:
    return [parse_850(interchange, group, transaction, parsed.source)
            for interchange, group, transaction in parsed.transactions("850")]


def parse_850(interchange: Interchange, group: FunctionalGroup, transaction: Transaction,
              source: str = "<input>") -> PurchaseOrder850:
    """Turn one 850 transaction set into a ``PurchaseOrder850``."""
    if transaction.set_id != "850":
        raise X12Error(f"{transaction.header}: transaction set {transaction.set_id} is not an 850", source=source)
    builder = _OrderBuilder(source)
    for segment in transaction.segments:
        builder.take(segment)
    beg = builder.beg
    if beg is None:
        raise X12Error(f"{transaction.header}: 850 {transaction.control_number!r} has no BEG segment",
                       source=source, code="x12_850_no_beg")
    return PurchaseOrder850(
        source=source,
        sender_qualifier=interchange.sender_qualifier, sender_id=interchange.sender_id,
        receiver_qualifier=interchange.receiver_qualifier, receiver_id=interchange.receiver_id,
        group_sender=group.sender, group_receiver=group.receiver,
        interchange_control=interchange.control_number, group_control=group.control_number,
        transaction_control=transaction.control_number, version=group.version,
        purpose=beg.get(1), order_type=beg.get(2), po_number=beg.get(3), release_number=beg.get(4),
        order_date=parse_x12_date(beg.get(5)), contract_number=beg.get(6),
        currency=builder.currency,
        references=tuple(builder.references), contacts=tuple(builder.contacts), dates=tuple(builder.dates),
        parties=tuple(p.build() for p in builder.parties), lines=tuple(line.build() for line in builder.lines),
        line_count=builder.line_count, hash_total=builder.hash_total, amounts=tuple(builder.amounts),
        notes=tuple(builder.notes), charges=tuple(builder.charges),
    )


def decimal_element(segment: Segment, index: int, source: str) -> Decimal | None:
    """An X12 numeric element as an exact Decimal; a value that is not a number refuses the file."""
    value = segment.get(index)
    if value is None:
        return None
    try:
        return parse_decimal(value, f"{segment.tag}{index:02d}")
    except InvalidValue as exc:
        raise X12Error(f"{segment}: {exc}", source=source, code="x12_bad_number") from None


def read_reference(segment: Segment) -> Reference:
    return Reference(segment.get(1) or "", segment.get(2), segment.get(3))


def read_date(segment: Segment) -> DateReference:
    return DateReference(segment.get(1) or "", parse_x12_date(segment.get(2)), segment.get(2))


def read_contact(segment: Segment) -> Contact:
    channels = []
    for index in range(3, len(segment.elements) - 1, 2):
        qualifier, number = segment.get(index), segment.get(index + 1)
        if qualifier and number:
            channels.append((qualifier, number))
    return Contact(segment.get(1) or "", segment.get(2), tuple(channels))


def read_product_ids(segment: Segment, first: int) -> tuple[tuple[str, str], ...]:
    """Qualifier/id pairs from element ``first`` on (PO106/107, PO108/109 ... or IT106 ..., LIN02 ...)."""
    pairs = []
    for index in range(first, len(segment.elements) - 1, 2):
        qualifier, value = segment.get(index), segment.get(index + 1)
        if qualifier and value:
            pairs.append((qualifier, value))
    return tuple(pairs)


def read_price(segment: Segment, source: str) -> Price:
    return Price(segment.get(2), decimal_element(segment, 3, source), segment.get(9), segment.get(1))


def read_pack(segment: Segment, source: str) -> Pack:
    return Pack(decimal_element(segment, 1, source), decimal_element(segment, 2, source), segment.get(3),
                decimal_element(segment, 14, source))


def read_charge(segment: Segment, source: str) -> Charge:
    """SAC05 is an N2 amount (implied decimal point two places from the right): ``2000`` is 20.00."""
    raw = segment.get(5)
    amount = None
    if raw is not None:
        digits = raw.lstrip("-")
        if not digits.isdigit():
            raise X12Error(f"{segment}: SAC05 {raw!r} is not an N2 amount", source=source, code="x12_bad_number")
        amount = Decimal(raw).scaleb(-2)
    return Charge(segment.get(1), segment.get(2), amount, decimal_element(segment, 7, source), segment.get(15))


def read_destinations(segment: Segment, source: str) -> tuple[tuple[str, Decimal], ...]:
    """SDQ03..SDQ22: (location, quantity) pairs."""
    pairs = []
    for index in range(3, len(segment.elements) - 1, 2):
        location = segment.get(index)
        quantity = decimal_element(segment, index + 1, source)
        if location and quantity is not None:
            pairs.append((location, quantity))
    return tuple(pairs)


class _PartyBuilder:
    """Accumulates the N1 loop's N2/N3/N4/PER/REF until the loop ends."""

    def __init__(self, segment: Segment):
        self.role, self.name = segment.get(1) or "", segment.get(2)
        self.id_qualifier, self.id_code = segment.get(3), segment.get(4)
        self.names: list[str] = []
        self.lines: list[str] = []
        self.city = self.state = self.postal = self.country = None
        self.contacts: list[Contact] = []
        self.references: list[Reference] = []

    def take(self, segment: Segment) -> None:
        if segment.tag == "N2":
            self.names.extend(v for v in (segment.get(1), segment.get(2)) if v)
        elif segment.tag == "N3":
            self.lines.extend(v for v in (segment.get(1), segment.get(2)) if v)
        elif segment.tag == "N4":
            self.city, self.state = segment.get(1), segment.get(2)
            self.postal, self.country = segment.get(3), segment.get(4)
        elif segment.tag == "PER":
            self.contacts.append(read_contact(segment))
        elif segment.tag == "REF":
            self.references.append(read_reference(segment))

    def build(self) -> Party:
        return Party(self.role, self.name, self.id_qualifier, self.id_code, tuple(self.names), tuple(self.lines),
                     self.city, self.state, self.postal, self.country, tuple(self.contacts), tuple(self.references))


class _LineBuilder:
    def __init__(self, segment: Segment, source: str):
        self.segment = segment
        self.quantity = decimal_element(segment, 2, source)
        self.unit_price = decimal_element(segment, 4, source)
        self.ids = list(read_product_ids(segment, 6))
        self.descriptions: list[str] = []
        self.references: list[Reference] = []
        self.dates: list[DateReference] = []
        self.parties: list[_PartyBuilder] = []
        self.source = source
        self.currency: str | None = None
        self.prices: list[Price] = []
        self.pack: Pack | None = None
        self.charges: list[Charge] = []
        self.destinations: list[tuple[str, Decimal]] = []
        self.destination_qualifier: str | None = None

    def take(self, segment: Segment) -> None:
        tag = segment.tag
        if tag == "CUR":
            self.currency = self.currency or segment.get(2)
        elif tag == "CTP":
            self.prices.append(read_price(segment, self.source))
        elif tag == "PO4":
            self.pack = self.pack or read_pack(segment, self.source)
        elif tag == "SAC":
            self.charges.append(read_charge(segment, self.source))
        elif tag == "SDQ":
            self.destination_qualifier = self.destination_qualifier or segment.get(2)
            self.destinations.extend(read_destinations(segment, self.source))
        elif tag == "PID":
            text = segment.get(5) or segment.get(4)
            if text:
                self.descriptions.append(text)
        elif tag == "REF" and not self.parties:
            self.references.append(read_reference(segment))
        elif tag == "DTM":
            self.dates.append(read_date(segment))
        elif tag == "N1":
            self.parties.append(_PartyBuilder(segment))
        elif tag in _PARTY_SEGMENTS and self.parties:
            self.parties[-1].take(segment)

    def build(self) -> PoLine:
        return PoLine(self.segment.get(1), self.quantity, self.segment.get(3), self.unit_price, self.segment.get(5),
                      tuple(self.ids), tuple(self.descriptions), tuple(self.references), tuple(self.dates),
                      tuple(p.build() for p in self.parties), self.segment.position, self.currency,
                      tuple(self.prices), self.pack, tuple(self.charges), tuple(self.destinations),
                      self.destination_qualifier)


class _OrderBuilder:
    """Walks the 850 body once; which loop a segment belongs to depends on what opened last."""

    def __init__(self, source: str):
        self.source = source
        self.beg: Segment | None = None
        self.currency: str | None = None
        self.references: list[Reference] = []
        self.contacts: list[Contact] = []
        self.dates: list[DateReference] = []
        self.parties: list[_PartyBuilder] = []
        self.lines: list[_LineBuilder] = []
        self.line_count: int | None = None
        self.hash_total: Decimal | None = None
        self.amounts: list[tuple[str, Decimal]] = []
        self.notes: list[str] = []
        self.charges: list[Charge] = []
        self.open_party: _PartyBuilder | None = None
        self.in_summary = False

    def take(self, segment: Segment) -> None:
        tag = segment.tag
        if tag == "PO1":
            self.open_party = None
            self.lines.append(_LineBuilder(segment, self.source))
        elif tag == "CTT":
            self._take_totals(segment)
        elif tag == "AMT" and (self.in_summary or not self.lines or segment.get(1) in _TOTAL_AMOUNTS):
            amount = decimal_element(segment, 2, self.source)
            if amount is not None:
                self.amounts.append((segment.get(1) or "", amount))
        elif self.lines and not self.in_summary and tag in _LINE_SEGMENTS:
            self.lines[-1].take(segment)
        else:
            self._take_header(segment)

    def _take_totals(self, segment: Segment) -> None:
        self.in_summary = True
        count = segment.get(1)
        self.line_count = int(count) if count and count.isdigit() else None
        self.hash_total = decimal_element(segment, 2, self.source)

    def _take_header(self, segment: Segment) -> None:
        tag = segment.tag
        if tag == "N1":
            self.open_party = _PartyBuilder(segment)
            self.parties.append(self.open_party)
        elif tag in _PARTY_SEGMENTS and self.open_party is not None:
            self.open_party.take(segment)
        elif tag == "BEG" and self.beg is None:
            self.beg = segment
        elif tag == "CUR":
            self.currency = segment.get(2)
        elif tag == "SAC":
            self.charges.append(read_charge(segment, self.source))
        elif tag == "REF":
            self.references.append(read_reference(segment))
        elif tag == "PER":
            self.contacts.append(read_contact(segment))
        elif tag == "DTM":
            self.dates.append(read_date(segment))
        elif tag in ("MSG", "NTE"):
            text = segment.get(1) if tag == "MSG" else segment.get(2)
            if text:
                self.notes.append(text)
        if tag not in _PARTY_SEGMENTS and tag != "N1":
            self.open_party = None
