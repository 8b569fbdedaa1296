"""ANSI X12 EDI: read interchanges (850 orders, 820 remittances) and write 997, 855, 856 and 810.

``reader`` turns bytes into envelopes and segments, tolerating what real partners send; the
transaction modules map one set each to and from o2c's own values. Public names are re-exported here.
"""
from o2c.formats.x12.errors import X12Error
from o2c.formats.x12.reader import (FunctionalGroup, Interchange, Segment, Separators, Transaction, X12File,
                                    decode_x12, read_x12, read_x12_file)
from o2c.formats.x12.po850 import PoLine, PurchaseOrder850, parse_850, purchase_orders, read_850, read_850_file
from o2c.formats.x12.extraction import po850_to_extraction

__all__ = [
    "X12Error", "FunctionalGroup", "Interchange", "Segment", "Separators", "Transaction", "X12File",
    "decode_x12", "read_x12", "read_x12_file",
    "PoLine", "PurchaseOrder850", "parse_850", "purchase_orders", "read_850", "read_850_file",
    "po850_to_extraction",
]

from o2c.formats.x12.writer import Envelope, OutgoingSet, format_segment, write_interchange  # noqa: E402
from o2c.formats.x12.ack997 import FunctionalAck997, SetAcknowledgement, acknowledge_group, parse_997, write_997  # noqa: E402
from o2c.formats.x12.ack855 import LineAcknowledgement, PoAcknowledgement855, accept_order, parse_855, write_855  # noqa: E402
from o2c.formats.x12.asn856 import ShipNotice856, ShippedItem, ShippedOrder, parse_856, write_856  # noqa: E402
from o2c.formats.x12.invoice810 import Invoice810, parse_810, write_810  # noqa: E402
from o2c.formats.x12.remit820 import parse_820, payments_820, read_820, read_820_file  # noqa: E402

__all__ += [
    "Envelope", "OutgoingSet", "format_segment", "write_interchange",
    "FunctionalAck997", "SetAcknowledgement", "acknowledge_group", "parse_997", "write_997",
    "LineAcknowledgement", "PoAcknowledgement855", "accept_order", "parse_855", "write_855",
    "ShipNotice856", "ShippedItem", "ShippedOrder", "parse_856", "write_856",
    "Invoice810", "parse_810", "write_810",
    "parse_820", "payments_820", "read_820", "read_820_file",
]
