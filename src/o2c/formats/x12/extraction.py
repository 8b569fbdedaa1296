"""An 850 as the section-2 extraction JSON: raw values only, resolution happens in intake.

An 850 states ids, not our master data: ``customer_id``/``site_id``/``item_id`` stay null and the raw
values a resolver needs (ISA/GS sender ids, N1 codes, every product id pair, GTINs) go beside them, in
the optional ``"edi"`` keys. Confidence is 1.0 because nothing was guessed from pixels or prose.
"""
from __future__ import annotations

from decimal import Decimal

from o2c.kernel.money import decimal_text
from o2c.formats.x12.po850 import Charge, Party, PoLine, PurchaseOrder850

#: Our own catalog numbers as the buyer quotes them, best first: catalog, part, item number, manufacturer part.
VENDOR_ID_QUALIFIERS = ("VC", "VP", "VN", "MG", "VA", "MN")
#: The buyer's own part numbers (customer_items.csv customer_item_ref): part, item, catalog number,
#: purchaser's item code.
BUYER_ID_QUALIFIERS = ("BP", "IN", "CB", "PI", "BI")
#: Qualifiers whose "id" is text describing the item (PD part number description), not an identifier.
DESCRIPTION_QUALIFIERS = ("PD",)
#: Basis of unit price codes (element 639) that price a quantity other than one ordered unit:
#: per hundred, per dozen, per thousand (plain, catalog, quoted, contract, wholesale, retail).
PER_QUANTITY_BASIS = {
    **dict.fromkeys(("HP", "LC", "QH", "TC", "WC", "RC"), Decimal(100)),
    **dict.fromkeys(("PD", "LD", "TD", "WD", "RD"), Decimal(12)),
    **dict.fromkeys(("TP", "LM", "QS", "TM", "WM", "RM"), Decimal(1000)),
}
#: The unit of measure (element 355) that already is that quantity, so no division is due.
_GROUP_UOM = {Decimal(12): "DZ", Decimal(100): "HU", Decimal(1000): "TH"}
#: Retail bases: PO104 is the price the buyer sells at, not what it pays us.
RETAIL_BASIS = ("RE", "RT", "SR", "RC", "RD", "RM", "RS")
#: CTP02 price identifiers that are what the buyer pays per unit: unit cost, contract, catalog, net.
PURCHASE_PRICE_IDS = ("UCP", "CON", "CAT", "NET")
#: GTIN-carrying qualifiers: UK GTIN-14, EN EAN-13, UP UPC-A, UI/UA UPC variants, EN/UK for UDI-DI.
GTIN_QUALIFIERS = ("UK", "EN", "UP", "UI", "UA", "U2")
LOT_QUALIFIERS = ("LT", "B8")
SERIAL_QUALIFIERS = ("SN",)
EXPIRY_DATE_QUALIFIERS = ("036", "208", "510")
CUSTOMER_ROLES = ("BY", "BT", "OB", "PO")
SHIP_TO_ROLES = ("ST",)


def gtin14(value: str | None) -> str | None:
    """A GTIN padded to 14 digits (UPC-A and EAN-13 are GTINs with leading zeros dropped)."""
    if not value or not value.isdigit() or len(value) not in (8, 12, 13, 14):
        return None
    return value.zfill(14)


def line_udi(line: PoLine) -> str | None:
    """A GS1 UDI in human-readable form built from what the line states: (01) GTIN, (17) expiry,
    (10) lot, (21) serial. None without a GTIN, because a UDI starts with its device identifier."""
    gtin = gtin14(line.product_id(*GTIN_QUALIFIERS))
    if gtin is None:
        return None
    parts = [f"(01){gtin}"]
    expiry = line.date_of(*EXPIRY_DATE_QUALIFIERS)
    if expiry:
        parts.append(f"(17){expiry:%y%m%d}")
    lot = line.product_id(*LOT_QUALIFIERS) or line.reference("LT")
    if lot:
        parts.append(f"(10){lot}")
    serial = line.product_id(*SERIAL_QUALIFIERS) or line.reference("SE", "SN")
    if serial:
        parts.append(f"(21){serial}")
    return "".join(parts)


def _line_number(line: PoLine, ordinal: int) -> int:
    written = (line.line_no or "").strip()
    return int(written) if written.isdigit() else ordinal


def _per_unit(price: Decimal | None, basis: str | None, uom: str | None) -> tuple[Decimal | None, str | None]:
    """A price on a basis as the price of one ordered unit, with a note when it was converted or dropped."""
    if price is None or not basis:
        return price, None
    if basis in RETAIL_BASIS:
        return None, f"price {decimal_text(price)} is a retail price (basis {basis}), not the purchase price"
    divisor = PER_QUANTITY_BASIS.get(basis)
    if divisor is not None and (uom or "").upper() != _GROUP_UOM[divisor]:
        return price / divisor, f"price {decimal_text(price)} is per {divisor} (basis {basis})"
    return price, None


def line_price(line: PoLine) -> tuple[Decimal | None, str | None]:
    """What the buyer pays per ordered unit: PO104 on its PO105 basis, else a purchase-type CTP price
    (unit cost, contract, catalog, net) on its CTP09 basis; a retail price alone is no unit price."""
    if line.unit_price is not None:
        return _per_unit(line.unit_price, line.price_basis, line.uom)
    for wanted in PURCHASE_PRICE_IDS:
        for price in line.prices:
            if price.identifier == wanted and price.unit_price is not None:
                return _per_unit(price.unit_price, price.basis, line.uom)
    return None, None


def _charge_json(charge: Charge) -> dict:
    return {"indicator": charge.indicator, "code": charge.code, "amount": decimal_text(charge.amount),
            "percent": decimal_text(charge.percent), "description": charge.description}


def line_to_extraction(line: PoLine, ordinal: int) -> dict:
    """One PO1 loop as an extraction line; ``item_raw`` prefers our catalog number, then the buyer's
    part number, then a GTIN, then whatever other id the buyer gave (an ISBN, a SKU, a style number),
    then the description, so a resolver tries the most specific id first. ``unit_price`` is what the
    buyer pays per ordered unit (see ``line_price``); the price as written stays in ``edi``."""
    vendor = line.product_id(*VENDOR_ID_QUALIFIERS)
    buyer = line.product_id(*BUYER_ID_QUALIFIERS)
    gtin = line.product_id(*GTIN_QUALIFIERS)
    described = [v for q, v in line.product_ids if q in DESCRIPTION_QUALIFIERS]
    identifiers = [v for q, v in line.product_ids if q not in DESCRIPTION_QUALIFIERS]
    description = " ".join(list(line.descriptions) + described) or None
    expiry = line.date_of(*EXPIRY_DATE_QUALIFIERS)
    unit_price, price_note = line_price(line)
    pack = line.pack
    return {
        "line_no": _line_number(line, ordinal),
        "item_id": None,
        "item_raw": vendor or buyer or gtin or (identifiers[0] if identifiers else None) or description,
        "customer_item_ref": buyer,
        "quantity": decimal_text(line.quantity),
        "uom": line.uom,
        "unit_price": decimal_text(unit_price),
        "lot": line.product_id(*LOT_QUALIFIERS) or line.reference("LT"),
        "serial": line.product_id(*SERIAL_QUALIFIERS) or line.reference("SE", "SN"),
        "expiry": expiry.isoformat() if expiry else None,
        "udi": line_udi(line),
        "description": description,
        "edi": {
            "line_no_raw": line.line_no,
            "price_basis": line.price_basis,
            "stated_price": decimal_text(line.unit_price),
            "price_note": price_note,
            "prices": [{"identifier": p.identifier, "unit_price": decimal_text(p.unit_price), "basis": p.basis}
                       for p in line.prices],
            "currency": line.currency,
            "pack": None if pack is None else {"pack": decimal_text(pack.pack), "size": decimal_text(pack.size),
                                               "size_uom": pack.size_uom, "inner_pack": decimal_text(pack.inner_pack)},
            "charges": [_charge_json(c) for c in line.charges],
            "destinations": [{"location": loc, "quantity": decimal_text(q)} for loc, q in line.destinations],
            "destination_qualifier": line.destination_qualifier,
            "product_ids": [{"qualifier": q, "id": v} for q, v in line.product_ids],
            "gtin": gtin14(gtin),
            "references": [{"qualifier": r.qualifier, "value": r.value} for r in line.references],
            "dates": [{"qualifier": d.qualifier, "date": d.date.isoformat() if d.date else d.raw} for d in line.dates],
        },
    }


def party_to_json(party: Party) -> dict:
    return {
        "role": party.role, "name": party.name, "id_qualifier": party.id_qualifier, "id_code": party.id_code,
        "additional_names": list(party.additional_names), "address_lines": list(party.address_lines),
        "city": party.city, "state": party.state, "postal_code": party.postal_code, "country": party.country,
    }


def _customer_name(po: PurchaseOrder850) -> str | None:
    """The ordering customer's name: buyer or bill-to, else the ship-to as the only name given."""
    for role in CUSTOMER_ROLES + SHIP_TO_ROLES:
        party = po.party(role)
        if party and party.name:
            return party.name
    return None


def _total(po: PurchaseOrder850) -> str | None:
    for qualifier, amount in po.amounts:
        if qualifier in ("TT", "GV", "1"):
            return decimal_text(amount)
    return None


def _currency(po: PurchaseOrder850) -> str | None:
    """The header CUR; without one, the currency every line states in its own CUR (when they agree)."""
    if po.currency:
        return po.currency
    stated = {line.currency for line in po.lines if line.currency}
    return stated.pop() if len(stated) == 1 else None


def po850_to_extraction(po: PurchaseOrder850, source: str | None = None) -> dict:
    """The section-2 extraction object for one 850, with raw values and an ``"edi"`` block for resolvers."""
    ship_to = po.party(*SHIP_TO_ROLES)
    warnings = []
    if po.line_count is not None and po.line_count != len(po.lines):
        warnings.append(f"CTT01 states {po.line_count} lines, the order has {len(po.lines)}")
    requested = po.date_of("002", "010", "037", "038", "106")
    return {
        "source": source if source is not None else po.source,
        "document_type": "purchase_order",
        "channel": "edi",
        "customer_id": None,
        "customer_name_raw": _customer_name(po),
        "site_id": None,
        "po_number": po.po_number,
        "order_date": po.order_date.isoformat() if po.order_date else None,
        "currency": _currency(po),
        "procedure": None,
        "rep_id": None,
        "lines": [line_to_extraction(line, n) for n, line in enumerate(po.lines, start=1)],
        "total": _total(po),
        "confidence": 1.0,
        "warnings": warnings,
        "edi": {
            "sender_qualifier": po.sender_qualifier, "sender_id": po.sender_id,
            "receiver_qualifier": po.receiver_qualifier, "receiver_id": po.receiver_id,
            "group_sender": po.group_sender, "group_receiver": po.group_receiver,
            "interchange_control": po.interchange_control, "group_control": po.group_control,
            "transaction_control": po.transaction_control, "version": po.version,
            "purpose": po.purpose, "order_type": po.order_type, "release_number": po.release_number,
            "contract_number": po.contract_number,
            "requested_delivery_date": requested.isoformat() if requested else None,
            "ship_to_code": ship_to.id_code if ship_to else None,
            "ship_to_qualifier": ship_to.id_qualifier if ship_to else None,
            "ship_to_name": ship_to.name if ship_to else None,
            "parties": [party_to_json(p) for p in po.parties],
            "references": [{"qualifier": r.qualifier, "value": r.value, "description": r.description}
                           for r in po.references],
            "dates": [{"qualifier": d.qualifier, "date": d.date.isoformat() if d.date else d.raw} for d in po.dates],
            "contacts": [{"function": c.function, "name": c.name, "channels": [list(ch) for ch in c.channels]}
                         for c in po.contacts],
            "charges": [_charge_json(c) for c in po.charges],
            "line_count": po.line_count,
            "hash_total": decimal_text(po.hash_total),
        },
    }
