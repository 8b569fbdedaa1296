"""Bank payment files -> ``IncomingPayment``: BAI2, ISO 20022 camt.053/054, NACHA ACH and lockbox CSV.

``detect_and_parse`` sniffs the format from the content; ``parse_bank_file`` does the same and also
returns what was skipped (debits, returns...) and which control totals were verified.
"""
from o2c.formats.bank.bai2 import parse_bai2
from o2c.formats.bank.camt import parse_camt
from o2c.formats.bank.common import BankFileError, ParseResult, Skipped, UnsupportedBankFormat, parse_remittance_text
from o2c.formats.bank.detect import detect_and_parse, parse_bank_file, sniff
from o2c.formats.bank.lockbox import parse_lockbox_csv
from o2c.formats.bank.nacha import parse_nacha, parse_x12_remittance

__all__ = [
    "BankFileError", "ParseResult", "Skipped", "UnsupportedBankFormat", "detect_and_parse", "parse_bai2",
    "parse_bank_file", "parse_camt", "parse_lockbox_csv", "parse_nacha", "parse_remittance_text",
    "parse_x12_remittance", "sniff",
]
