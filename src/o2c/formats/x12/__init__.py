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
