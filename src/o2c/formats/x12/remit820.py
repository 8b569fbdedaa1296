"""820 Payment Order / Remittance Advice -> ``IncomingPayment``.

One 820 transaction set is one payment: BPR says how much, which way and from which account, TRN02 is
the reference the payer and banks quote (our ``bank_ref``), N1*PR names the payer, and the ENT loops
list what it pays: RMR per invoice (paid, invoice amount, discount taken) and ADX adjustments with
reason codes. An ADX right after an RMR adjusts that invoice; an ADX before any RMR in its ENT is a
deduction on its own (a chargeback, a credit memo taken) and becomes a remittance line of its own.
Anything the payment value has no field for goes into ``extra`` (payee, method, dates, references).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from o2c.cash.payment import IncomingPayment, RemittanceLine
from o2c.formats.x12.errors import X12Error
from o2c.formats.x12.po850 import decimal_element
from o2c.formats.x12.reader import FunctionalGroup, Interchange, Segment, Transaction, X12File, parse_x12_date, \
    read_x12, read_x12_file


@dataclass
class _Line:
    """A remittance line being read; REF/DTM after it belong to it until the next RMR or ADX."""

    reference: str | None
    amount_paid: Decimal | None = None
    invoice_amount: Decimal | None = None
    discount: Decimal | None = None
    adjustment: Decimal | None = None
    adjustment_reason: str | None = None
    po_number: str | None = None
    entity: str | None = None
    kind: str = "RMR"
    reference_qualifier: str | None = None
    references: list = field(default_factory=list)
    dates: list = field(default_factory=list)

    def add_adjustment(self, amount: Decimal, reason: str | None) -> None:
        """ADX01 is signed as the payer sees it (negative = paid less); ours is positive = paid less."""
        self.adjustment = (self.adjustment or Decimal(0)) - amount
        self.adjustment_reason = self.adjustment_reason or reason

    def build(self) -> RemittanceLine:
        return RemittanceLine(self.reference, self.amount_paid, self.invoice_amount, self.discount,
                              self.adjustment, self.adjustment_reason, self.po_number)


class _RemittanceReader:
    def __init__(self, source: str):
        self.source = source
        self.bpr: Segment | None = None
        self.trn: Segment | None = None
        self.currency: str | None = None
        self.parties: dict[str, dict] = {}
        self.references: list[tuple[str, str | None]] = []
        self.dates: list[tuple[str, str | None]] = []
        self.lines: list[_Line] = []
        self.current: _Line | None = None
        self.entity: str | None = None
        self.party_role: str | None = None

    def take(self, segment: Segment) -> None:
        tag = segment.tag
        if tag == "BPR":
            self.bpr = segment
        elif tag == "TRN" and self.trn is None:
            self.trn = segment
        elif tag == "CUR":
            self.currency = segment.get(2)
        elif tag == "N1" and self.entity is None:
            self.party_role = segment.get(1)
            self.parties[self.party_role or ""] = {"name": segment.get(2), "id_qualifier": segment.get(3),
                                                   "id_code": segment.get(4)}
        elif tag == "ENT":
            self.entity, self.current = segment.get(4) or segment.get(1), None
        elif tag == "RMR":
            self._take_rmr(segment)
        elif tag == "ADX":
            self._take_adx(segment)
        elif tag in ("REF", "DTM"):
            self._take_reference_or_date(segment)

    def _take_rmr(self, segment: Segment) -> None:
        self.current = _Line(segment.get(2), decimal_element(segment, 4, self.source),
                             decimal_element(segment, 5, self.source), decimal_element(segment, 6, self.source),
                             entity=self.entity, reference_qualifier=segment.get(1))
        self.lines.append(self.current)

    def _take_adx(self, segment: Segment) -> None:
        amount = decimal_element(segment, 1, self.source) or Decimal(0)
        if self.current is not None and self.current.kind == "RMR":
            self.current.add_adjustment(amount, segment.get(2))
            return
        line = _Line(segment.get(4), entity=self.entity, kind="ADX", reference_qualifier=segment.get(3))
        line.add_adjustment(amount, segment.get(2))
        self.lines.append(line)
        self.current = line

    def _take_reference_or_date(self, segment: Segment) -> None:
        pair = (segment.get(1) or "", segment.get(2))
        if self.current is None:
            (self.references if segment.tag == "REF" else self.dates).append(pair)
            return
        if segment.tag == "REF":
            self.current.references.append(pair)
            if pair[0] == "PO" and not self.current.po_number:
                self.current.po_number = pair[1]
        else:
            self.current.dates.append(pair)


def payments_820(parsed: X12File) -> list[IncomingPayment]:
    """Every 820 in a parsed file as an ``IncomingPayment``, in file order."""
    return [parse_820(interchange, group, transaction, parsed.source)
            for interchange, group, transaction in parsed.transactions("820")]


def read_820_file(path: str | Path) -> list[IncomingPayment]:
    return payments_820(read_x12_file(path))


def read_820(data: bytes | str, source: str = "<input>") -> list[IncomingPayment]:
    return payments_820(read_x12(data, source))


def parse_820(interchange: Interchange, group: FunctionalGroup, transaction: Transaction,
              source: str = "<input>") -> IncomingPayment:
    reader = _RemittanceReader(source)
    for segment in transaction.segments:
        reader.take(segment)
    bpr, trn = reader.bpr, reader.trn
    if bpr is None:
        raise X12Error(f"{transaction.header}: 820 {transaction.control_number!r} has no BPR", source=source,
                       code="x12_820_no_bpr")
    amount = decimal_element(bpr, 2, source)
    if amount is None:
        raise X12Error(f"segment {bpr.position} (BPR): BPR02 payment amount is missing", source=source,
                       code="x12_820_no_amount")
    bank_ref = trn.get(2) if trn else None
    payer = reader.parties.get("PR", {})
    payee = reader.parties.get("PE", {})
    return IncomingPayment(
        source=source, format="x12_820",
        bank_ref=bank_ref or "",
        amount=abs(amount),
        currency=(reader.currency or "USD").upper(),
        value_date=parse_x12_date(bpr.get(16)),
        payer_name=payer.get("name"),
        payer_account=bpr.get(9),
        payer_routing=bpr.get(7),
        alt_refs=tuple(v for v in (trn.get(3) if trn else None, trn.get(4) if trn else None) if v),
        remittance=tuple(line.build() for line in reader.lines),
        is_credit=(bpr.get(3) or "C") == "C",
        source_key=f"{interchange.control_number}/{group.control_number}/{transaction.control_number}",
        extra=_extra(reader, bpr, trn, payee, amount),
    )


def _extra(reader: _RemittanceReader, bpr: Segment, trn: Segment | None, payee: dict, amount: Decimal) -> dict:
    """What the payment model has no field for, kept so nothing the payer said is lost."""
    return {
        "handling_code": bpr.get(1),              # C payment + remittance, I remittance only, D payment only
        "payment_method": bpr.get(4),             # ACH, CHK, FWT ...
        "payment_format": bpr.get(5),             # CCP, CTX ...
        "payer_routing_qualifier": bpr.get(6),
        "payer_account_qualifier": bpr.get(8),
        "originating_company_id": bpr.get(10),
        "payee_routing": bpr.get(13), "payee_account": bpr.get(15),
        "signed_amount": str(amount),
        "trace_type": trn.get(1) if trn else None,
        "bank_ref_missing": trn is None or trn.get(2) is None,
        "payee": payee or None,
        "parties": reader.parties,
        "references": [list(r) for r in reader.references],
        "dates": [list(d) for d in reader.dates],
        "lines": [{"reference": l.reference, "kind": l.kind, "qualifier": l.reference_qualifier, "entity": l.entity,
                   "references": [list(r) for r in l.references], "dates": [list(d) for d in l.dates]}
                  for l in reader.lines],
    }
