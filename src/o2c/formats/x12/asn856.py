"""856 Advance Ship Notice: what left the dock, per order and item, with lots and serials.

Hospitals receive implants against the ASN and record lot and serial for traceability (UDI, 21 CFR
821), so every shipped item carries its lot in LIN (LT) and as REF*LT, its serials as REF*SE (one per
unit), its expiry as DTM*036 and its GTIN (UK) beside our catalog number (VP). The hierarchy is the
common pick-and-pack-free one: Shipment (S) -> Order (O, with PRF = the buyer's PO) -> Item (I).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from o2c.formats.x12.errors import X12Error
from o2c.formats.x12.po850 import decimal_element, read_product_ids
from o2c.formats.x12.reader import Transaction, parse_x12_date
from o2c.formats.x12.writer import Envelope, OutgoingSet, write_interchange, x12_date


@dataclass(frozen=True, slots=True)
class ShippedItem:
    line_no: str                          # the buyer's PO line (LIN01)
    item_id: str                          # our catalog number (VP)
    quantity: Decimal
    uom: str
    gtin: str | None = None
    customer_item_ref: str | None = None  # BP
    lot: str | None = None
    serials: tuple[str, ...] = ()
    expiry: date | None = None


@dataclass(frozen=True, slots=True)
class ShippedOrder:
    po_number: str
    po_date: date | None = None
    items: tuple[ShippedItem, ...] = ()


@dataclass(frozen=True, slots=True)
class ShipNotice856:
    shipment_id: str                      # BSN02
    ship_date: date                       # BSN03
    ship_time: str = "0000"               # BSN04 HHMM
    purpose: str = "00"                   # BSN01 original
    carrier: str | None = None            # TD5 SCAC
    tracking_number: str | None = None    # REF*CN
    ship_to_name: str | None = None
    ship_to_qualifier: str | None = None
    ship_to_code: str | None = None
    orders: tuple[ShippedOrder, ...] = ()


def _item_segments(item: ShippedItem) -> list[tuple]:
    pairs = [("VP", item.item_id), ("UK", item.gtin), ("BP", item.customer_item_ref), ("LT", item.lot)]
    lin = ("LIN", item.line_no, *[v for q, value in pairs if value for v in (q, value)])
    segments = [lin, ("SN1", None, item.quantity, item.uom)]
    if item.lot:
        segments.append(("REF", "LT", item.lot))
    segments.extend(("REF", "SE", serial) for serial in item.serials)
    if item.expiry:
        segments.append(("DTM", "036", x12_date(item.expiry)))
    return segments


def asn856_body(notice: ShipNotice856) -> tuple[tuple, ...]:
    segments: list[tuple] = [("BSN", notice.purpose, notice.shipment_id, x12_date(notice.ship_date), notice.ship_time)]
    segments.append(("HL", 1, None, "S"))
    if notice.carrier:
        segments.append(("TD5", None, "2", notice.carrier))
    if notice.tracking_number:
        segments.append(("REF", "CN", notice.tracking_number))
    segments.append(("DTM", "011", x12_date(notice.ship_date)))
    if notice.ship_to_name or notice.ship_to_code:
        segments.append(("N1", "ST", notice.ship_to_name, notice.ship_to_qualifier if notice.ship_to_code else None,
                         notice.ship_to_code))
    number = 1
    for order in notice.orders:
        number += 1
        order_hl = number
        segments.append(("HL", order_hl, 1, "O"))
        segments.append(("PRF", order.po_number, None, None, x12_date(order.po_date)))
        for item in order.items:
            number += 1
            segments.append(("HL", number, order_hl, "I"))
            segments.extend(_item_segments(item))
    segments.append(("CTT", number))
    return tuple(segments)


def write_856(envelope: Envelope, notices: list[ShipNotice856], first_control: int = 1) -> str:
    sets = [OutgoingSet("856", f"{first_control + n:04d}", asn856_body(n856)) for n, n856 in enumerate(notices)]
    return write_interchange(envelope, "SH", sets)


class _AsnReader:
    """Rebuilds the S/O/I hierarchy by HL level code; parents are implied by order, as we write them."""

    def __init__(self, source: str):
        self.source = source
        self.header: dict = {}
        self.orders: list[dict] = []
        self.item: dict | None = None
        self.level = ""

    def take(self, segment) -> None:
        tag = segment.tag
        if tag == "BSN":
            self.header.update(purpose=segment.get(1), shipment_id=segment.get(2),
                               ship_date=parse_x12_date(segment.get(3)), ship_time=segment.get(4))
        elif tag == "HL":
            self.level = segment.get(3) or ""
            if self.level == "O":
                self.orders.append({"po_number": "", "po_date": None, "items": []})
            elif self.level == "I":
                if not self.orders:
                    raise X12Error(f"{segment}: item level before any order level", source=self.source)
                self.item = {"serials": [], "lot": None, "expiry": None}
                self.orders[-1]["items"].append(self.item)
        elif self.level == "S":
            self._take_shipment(segment)
        elif self.level == "O" and tag == "PRF":
            self.orders[-1].update(po_number=segment.get(1) or "", po_date=parse_x12_date(segment.get(4)))
        elif self.level == "I" and self.item is not None:
            self._take_item(segment)

    def _take_shipment(self, segment) -> None:
        if segment.tag == "TD5":
            self.header["carrier"] = segment.get(3)
        elif segment.tag == "REF" and segment.get(1) == "CN":
            self.header["tracking_number"] = segment.get(2)
        elif segment.tag == "N1" and segment.get(1) == "ST":
            self.header.update(ship_to_name=segment.get(2), ship_to_qualifier=segment.get(3),
                               ship_to_code=segment.get(4))

    def _take_item(self, segment) -> None:
        item = self.item
        if segment.tag == "LIN":
            ids = dict(read_product_ids(segment, 2))
            item.update(line_no=segment.get(1) or "", item_id=ids.get("VP") or ids.get("VC") or ids.get("VN") or "",
                        gtin=ids.get("UK") or ids.get("EN") or ids.get("UP"), customer_item_ref=ids.get("BP"),
                        lot=ids.get("LT"))
        elif segment.tag == "SN1":
            item.update(quantity=decimal_element(segment, 2, self.source), uom=segment.get(3))
        elif segment.tag == "REF" and segment.get(1) == "LT":
            item["lot"] = item["lot"] or segment.get(2)
        elif segment.tag == "REF" and segment.get(1) in ("SE", "SN") and segment.get(2):
            item["serials"].append(segment.get(2))
        elif segment.tag == "DTM" and segment.get(1) == "036":
            item["expiry"] = parse_x12_date(segment.get(2))


def parse_856(transaction: Transaction, source: str = "<input>") -> ShipNotice856:
    reader = _AsnReader(source)
    for segment in transaction.segments:
        reader.take(segment)
    if "shipment_id" not in reader.header:
        raise X12Error(f"{transaction.header}: 856 without BSN", source=source, code="x12_856_no_bsn")
    orders = tuple(
        ShippedOrder(o["po_number"], o["po_date"], tuple(
            ShippedItem(i.get("line_no", ""), i.get("item_id", ""), i.get("quantity"), i.get("uom"), i.get("gtin"),
                        i.get("customer_item_ref"), i["lot"], tuple(i["serials"]), i["expiry"])
            for i in o["items"]))
        for o in reader.orders)
    header = {k: v for k, v in reader.header.items() if v is not None}
    return ShipNotice856(orders=orders, **header)
