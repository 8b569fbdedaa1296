"""ISO 20022 camt.053 (bank to customer statement) and camt.054 (debit/credit notification).

Every version of these messages keeps the same element names for what cash application needs, so the
reader ignores namespaces and versions and looks elements up by local name. One booked credit entry
(``Ntry``) is one payment, unless it carries several transaction details (``TxDtls``, a batch booked as
one amount): each of those is then a payment of its own.

The statement checks itself: ``TxsSummry`` states the number and sum of entries, and the opening and
closing booked balances must differ by exactly the booked entries. A file that fails either check is
refused, because its entries cannot be trusted to be complete.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from lxml import etree

from o2c.cash.payment import IncomingPayment, RemittanceLine
from o2c.formats.bank.common import (
    BankFileError, ParseResult, Skipped, UnsupportedBankFormat, clean, parse_remittance_text,
)
from o2c.kernel.errors import InvalidValue
from o2c.kernel.money import parse_decimal

#: root message element -> (format name, element holding the account's entries)
MESSAGES = {
    "BkToCstmrStmt": ("camt053", "Stmt"),
    "BkToCstmrDbtCdtNtfctn": ("camt054", "Ntfctn"),
}
_NOT_PROVIDED = {"NOTPROVIDED", "NONREF", "NOT PROVIDED"}


# ------------------------------------------------------------------------------------ xml helpers

def _find(el, *path: str):
    """First element along a path of local names, or None; namespace-agnostic."""
    if el is None:
        return None
    return el.find("/".join("{*}" + p for p in path))


def _findall(el, *path: str) -> list:
    if el is None:
        return []
    return el.findall("/".join("{*}" + p for p in path))


def _text(el, *path: str) -> str | None:
    node = _find(el, *path) if path else el
    if node is None or node.text is None:
        return None
    return clean(node.text)


def _local(el) -> str:
    return etree.QName(el).localname


def load_xml(data: bytes, source: str):
    """Parse bytes safely (no entities, no network): bank files come from outside."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, remove_comments=True)
    try:
        return etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise BankFileError(source, f"not well-formed XML ({exc.msg})", line=exc.lineno) from None


# --------------------------------------------------------------------------------- value readers

def _amount(el, source: str, what: str) -> tuple[Decimal, str | None] | None:
    """Amount and currency of an ``Amt``-like element; refuses text that is not an exact number."""
    if el is None or el.text is None or not el.text.strip():
        return None
    try:
        return parse_decimal(el.text.strip(), what), el.get("Ccy")
    except InvalidValue as exc:
        raise BankFileError(source, exc.reason, line=el.sourceline, field=what) from None


def _date(el, source: str, what: str) -> date | None:
    """``<Dt>`` or ``<DtTm>`` inside a date choice; the date part of a timestamp is the bank's day."""
    if el is None:
        return None
    raw = _text(el, "Dt") or _text(el, "DtTm")
    if raw is None:
        return None
    try:
        return date.fromisoformat(raw[:10])
    except ValueError:
        raise BankFileError(source, f"{raw!r} is not an ISO date", line=el.sourceline, field=what) from None


def _party_name(parties, role: str) -> str | None:
    """Name of a related party; camt.053.001.08+ wraps the party in ``Pty``."""
    return _text(parties, role, "Nm") or _text(parties, role, "Pty", "Nm")


def _account_id(parties, role: str) -> str | None:
    return _text(parties, role, "Id", "IBAN") or _text(parties, role, "Id", "Othr", "Id")


def _agent_id(agents, role: str) -> str | None:
    inst = _find(agents, role, "FinInstnId")
    return _text(inst, "BIC") or _text(inst, "BICFI") or _text(inst, "ClrSysMmbId", "MmbId")


# ------------------------------------------------------------------------------------ remittance

def _doc_amount(el, source: str, what: str) -> Decimal | None:
    """``DscntApldAmt`` is a bare amount in v2 and wraps ``Amt`` (possibly repeated) later."""
    if el is None:
        return None
    inner = _findall(el, "Amt")
    if inner:
        return sum((_amount(a, source, what) or (Decimal(0), None))[0] for a in inner)
    found = _amount(el, source, what)
    return found[0] if found else None


def _adjustment(amounts, source: str) -> tuple[Decimal | None, str | None]:
    """Sum of deductions (DBIT = the payer paid less, positive) and their reasons."""
    total, reasons = None, []
    for adj in _findall(amounts, "AdjstmntAmtAndRsn"):
        found = _amount(_find(adj, "Amt"), source, "AdjstmntAmtAndRsn")
        if found:
            sign = -1 if (_text(adj, "CdtDbtInd") or "DBIT") == "CRDT" else 1
            total = (total or Decimal(0)) + sign * found[0]
        reason = _text(adj, "Rsn") or _text(adj, "AddtlInf")
        if reason:
            reasons.append(reason)
    return total, ("; ".join(reasons) or None)


def _structured_lines(rmt, source: str) -> tuple[list[RemittanceLine], list[str]]:
    """One line per referred document of each ``Strd`` block, plus creditor references found."""
    lines: list[RemittanceLine] = []
    creditor_refs: list[str] = []
    for strd in _findall(rmt, "Strd"):
        cref = _text(strd, "CdtrRefInf", "Ref")
        numbers = [n for n in (_text(d, "Nb") for d in _findall(strd, "RfrdDocInf")) if n]
        amounts = _find(strd, "RfrdDocAmt")
        adjustment, reason = _adjustment(amounts, source)
        due = _doc_amount(_find(amounts, "DuePyblAmt"), source, "DuePyblAmt")
        paid = _doc_amount(_find(amounts, "RmtdAmt"), source, "RmtdAmt")
        discount = _doc_amount(_find(amounts, "DscntApldAmt"), source, "DscntApldAmt")
        if cref and numbers:
            creditor_refs.append(cref)
        for number in numbers or ([cref] if cref else []):
            lines.append(RemittanceLine(reference=number, amount_paid=paid, invoice_amount=due,
                                        discount=discount, adjustment=adjustment, adjustment_reason=reason))
    return lines, creditor_refs


# ------------------------------------------------------------------------------------------ parse

def parse_camt(data: bytes, source: str) -> ParseResult:
    """Parse a camt.053 or camt.054 message of any version into incoming payments."""
    root = load_xml(data, source)
    message = next((c for c in root if isinstance(c.tag, str)), None) if _local(root) == "Document" else root
    name = _local(message) if message is not None else _local(root)
    if name == "BkToCstmrAcctRpt":
        raise UnsupportedBankFormat(source, "camt.052 is an intraday account report, not a booked statement; "
                                            "import the day's camt.053 instead so no payment is counted twice")
    if name not in MESSAGES:
        raise UnsupportedBankFormat(source, f"ISO 20022 message {name!r} is not a camt.053 statement or "
                                            f"camt.054 notification")
    fmt, container = MESSAGES[name]
    result = ParseResult(source=source, format=fmt)
    for s_index, stmt in enumerate(_findall(message, container), start=1):
        _parse_statement(stmt, s_index, fmt, source, result)
    return result


def _parse_statement(stmt, s_index: int, fmt: str, source: str, result: ParseResult) -> None:
    default_ccy = _text(stmt, "Acct", "Ccy")
    booked = {"CRDT": Decimal(0), "DBIT": Decimal(0)}
    counted = {"CRDT": 0, "DBIT": 0}
    all_booked = True
    for e_index, entry in enumerate(_findall(stmt, "Ntry"), start=1):
        amount, ccy = _amount(_find(entry, "Amt"), source, "Ntry/Amt") or (None, None)
        if amount is None:
            raise BankFileError(source, "entry without an amount", line=entry.sourceline, field="Amt")
        side = _text(entry, "CdtDbtInd")
        if side not in booked:
            raise BankFileError(source, f"entry credit/debit indicator {side!r} is not CRDT or DBIT",
                                line=entry.sourceline, field="CdtDbtInd")
        status = _status(entry)
        if status in (None, "BOOK"):
            booked[side] += amount
            counted[side] += 1
        else:
            all_booked = False
        key = f"stmt{s_index}/entry{e_index}"
        _parse_entry(entry, key, amount, ccy or default_ccy or "USD", side, status, fmt, source, result)
    _check_summary(stmt, booked, counted, source, result)
    if all_booked:
        _check_balances(stmt, booked, source, result)


def _status(entry) -> str | None:
    """``<Sts>BOOK</Sts>`` before 053.001.08, ``<Sts><Cd>BOOK</Cd></Sts>`` after."""
    return _text(entry, "Sts", "Cd") or _text(entry, "Sts")


def _parse_entry(entry, key: str, amount: Decimal, ccy: str, side: str, status: str | None, fmt: str,
                 source: str, result: ParseResult) -> None:
    ref = _text(entry, "AcctSvcrRef") or _text(entry, "NtryRef")
    if status not in (None, "BOOK"):
        result.skipped.append(Skipped(key, f"entry status {status} (not booked)", amount, ref))
        return
    if (_text(entry, "RvslInd") or "").lower() == "true":
        result.skipped.append(Skipped(key, "reversal of an earlier entry", amount, ref))
        return
    if side != "CRDT":
        result.skipped.append(Skipped(key, "debit entry", amount, ref))
        return
    details = _findall(entry, "NtryDtls", "TxDtls")
    tx_amounts = [_tx_amount(tx, source) for tx in details]
    if len(details) > 1 and any(a is None for a in tx_amounts):
        result.warnings.append(f"{key}: several transaction details without amounts; kept as one payment")
        details, tx_amounts = details[:1], [None]
    if not details:
        result.payments.append(_payment(entry, None, key, amount, ccy, fmt, source))
        return
    if len(details) > 1:
        _check_batch(entry, key, amount, tx_amounts, details, result)
    for t_index, (tx, tx_amount) in enumerate(zip(details, tx_amounts), start=1):
        tx_key = f"{key}/tx{t_index}" if len(details) > 1 else key
        tx_side = _text(tx, "CdtDbtInd") or side
        # A lone transaction is the entry: the booked amount is the cash received, even when the
        # transaction states the instructed amount before charges or in another currency.
        tx_value, tx_ccy = tx_amount if tx_amount and len(details) > 1 else (amount, ccy)
        if tx_side != "CRDT":
            result.skipped.append(Skipped(tx_key, "debit transaction inside a credit entry", tx_value, ref))
        elif _find(tx, "RtrInf") is not None:
            result.skipped.append(Skipped(tx_key, "returned payment (RtrInf)", tx_value, ref))
        else:
            result.payments.append(_payment(entry, tx, tx_key, tx_value, tx_ccy or ccy, fmt, source))


def _tx_amount(tx, source: str) -> tuple[Decimal, str | None] | None:
    """A transaction's own amount: ``Amt`` (v4+), else ``AmtDtls/TxAmt``, else the instructed amount."""
    for path in (("Amt",), ("AmtDtls", "TxAmt", "Amt"), ("AmtDtls", "InstdAmt", "Amt")):
        found = _amount(_find(tx, *path), source, "/".join(path))
        if found:
            return found
    return None


def _check_batch(entry, key: str, amount: Decimal, tx_amounts, details, result: ParseResult) -> None:
    """The details of a batch entry should add up to it; charges can explain a difference, so warn."""
    credits = sum(a[0] for a, tx in zip(tx_amounts, details) if (_text(tx, "CdtDbtInd") or "CRDT") == "CRDT")
    debits = sum(a[0] for a, tx in zip(tx_amounts, details) if _text(tx, "CdtDbtInd") == "DBIT")
    if credits - debits != amount:
        result.warnings.append(f"{key}: transaction details add up to {credits - debits}, entry says {amount}")
    else:
        result.checks.append(f"{key}: {len(details)} transaction details add up to {amount}")


def _references(entry, tx) -> tuple[str, tuple[str, ...], dict]:
    """bank_ref per the spec (EndToEndId, else AcctSvcrRef) and the other references beside it."""
    refs = _find(tx, "Refs")
    e2e = _text(refs, "EndToEndId")
    if e2e and e2e.upper() in _NOT_PROVIDED:
        e2e = None
    values = {
        "EndToEndId": e2e,
        "AcctSvcrRef": _text(refs, "AcctSvcrRef") or _text(entry, "AcctSvcrRef"),
        "InstrId": _text(refs, "InstrId"),
        "TxId": _text(refs, "TxId"),
        "PmtInfId": _text(refs, "PmtInfId"),
        "MndtId": _text(refs, "MndtId"),
        "NtryRef": _text(entry, "NtryRef"),
    }
    bank_ref = next((values[k] for k in ("EndToEndId", "AcctSvcrRef", "InstrId", "TxId", "NtryRef")
                     if values[k]), "")
    alt = tuple(dict.fromkeys(v for v in values.values() if v and v != bank_ref))
    return bank_ref, alt, values


def _payment(entry, tx, key: str, amount: Decimal, ccy: str, fmt: str, source: str) -> IncomingPayment:
    bank_ref, alt, refs = _references(entry, tx)
    parties = _find(tx, "RltdPties")
    rmt = _find(tx, "RmtInf")
    unstructured = " ".join(t for t in (_text(u) for u in _findall(rmt, "Ustrd")) if t) or None
    lines, creditor_refs = _structured_lines(rmt, source)
    if not lines:
        lines = list(parse_remittance_text(unstructured))
    extra_info = _text(tx, "AddtlTxInf") or _text(entry, "AddtlNtryInf")
    free_text = unstructured or (None if lines else extra_info)
    return IncomingPayment(
        source=source, format=fmt, bank_ref=bank_ref, amount=amount, currency=(ccy or "USD").upper(),
        value_date=_date(_find(entry, "ValDt"), source, "ValDt") or _date(_find(entry, "BookgDt"), source,
                                                                           "BookgDt"),
        payer_name=_party_name(parties, "Dbtr") or _party_name(parties, "UltmtDbtr"),
        payer_account=_account_id(parties, "DbtrAcct"),
        payer_routing=_agent_id(_find(tx, "RltdAgts"), "DbtrAgt"),
        alt_refs=tuple(dict.fromkeys(alt + tuple(creditor_refs))),
        free_text=free_text, remittance=tuple(lines), source_key=key,
        extra={"refs": {k: v for k, v in refs.items() if v}, "booking_date": _date(_find(entry, "BookgDt"),
                                                                                   source, "BookgDt"),
               "bank_tx_code": _bank_tx_code(tx if tx is not None else entry) or _bank_tx_code(entry),
               "additional_info": extra_info,
               "ultimate_debtor": _party_name(parties, "UltmtDbtr"), "line": entry.sourceline},
    )


def _bank_tx_code(el) -> str | None:
    domain = _find(el, "BkTxCd", "Domn")
    if domain is not None:
        parts = [_text(domain, "Cd"), _text(domain, "Fmly", "Cd"), _text(domain, "Fmly", "SubFmlyCd")]
        return "/".join(p for p in parts if p) or None
    return _text(el, "BkTxCd", "Prtry", "Cd")


# ---------------------------------------------------------------------------------------- checks

def _check_summary(stmt, booked: dict, counted: dict, source: str, result: ParseResult) -> None:
    """``TxsSummry`` totals must match the booked entries we read (refuse the file otherwise)."""
    summary = _find(stmt, "TxsSummry")
    if summary is None:
        return
    for block, side in (("TtlCdtNtries", "CRDT"), ("TtlDbtNtries", "DBIT")):
        _check_count_sum(summary, block, counted[side], booked[side], source, result)
    _check_count_sum(summary, "TtlNtries", counted["CRDT"] + counted["DBIT"], None, source, result)


def _check_count_sum(summary, block: str, count: int, total: Decimal | None, source: str,
                     result: ParseResult) -> None:
    node = _find(summary, block)
    if node is None:
        return
    stated_count = _text(node, "NbOfNtries")
    if stated_count is not None and stated_count.isdigit() and int(stated_count) != count:
        raise BankFileError(source, f"TxsSummry/{block} states {stated_count} entries but the statement has "
                                    f"{count} booked", line=node.sourceline)
    stated_sum = _amount(_find(node, "Sum"), source, f"{block}/Sum")
    if total is not None and stated_sum is not None and stated_sum[0] != total:
        raise BankFileError(source, f"TxsSummry/{block} sum is {stated_sum[0]} but the booked entries add up "
                                    f"to {total}", line=node.sourceline)
    result.checks.append(f"TxsSummry/{block} ok")


def _balance(stmt, codes: tuple[str, ...], source: str) -> Decimal | None:
    for bal in _findall(stmt, "Bal"):
        code = _text(bal, "Tp", "CdOrPrtry", "Cd")
        if code in codes:
            found = _amount(_find(bal, "Amt"), source, "Bal/Amt")
            if found is None:
                return None
            return -found[0] if _text(bal, "CdtDbtInd") == "DBIT" else found[0]
    return None


def _check_balances(stmt, booked: dict, source: str, result: ParseResult) -> None:
    """Opening booked balance + credits - debits must be the closing booked balance."""
    opening = _balance(stmt, ("OPBD", "PRCD"), source)
    closing = _balance(stmt, ("CLBD",), source)
    if opening is None or closing is None:
        return
    expected = opening + booked["CRDT"] - booked["DBIT"]
    if expected != closing:
        raise BankFileError(source, f"opening balance {opening} + credits {booked['CRDT']} - debits "
                                    f"{booked['DBIT']} = {expected}, but the closing balance is {closing}; "
                                    f"the statement is incomplete or altered", line=stmt.sourceline)
    result.checks.append(f"balances ok: {opening} -> {closing}")
