"""Renderers: the generated payments written as each bank would write them.

Each renderer takes payments and a seeded ``random.Random``, sets every payment's ``bank_ref`` as
the spec defines it for the format, and returns ``(file name, bytes)``. Layout choices (column
names, date formats, phrasing of remittance text) are drawn per file or per payment, so one seed
exercises many layouts.
"""
from __future__ import annotations

import csv
import io
import random
from datetime import date

from tests.unit.cash.variants.bankgen import Line, Payment, cents, money


def _thousands(value) -> str:
    return f"{value:,.2f}"


def _ref_short(line: Line) -> str:
    """The reference without our ``INV-`` prefix, as payers often quote it (noise kept)."""
    ref = line.ref
    for prefix in ("INV-", "INV", "inv "):
        if ref.startswith(prefix):
            return ref[len(prefix):]
    return ref


# ====================================================================== lockbox CSV

LOCKBOX_LAYOUTS = {
    # one row per invoice, $ amounts with separators, US dates
    "firstnational": dict(delim=",", date="%m/%d/%Y", per="invoice", amount=lambda v: "$" + _thousands(v),
                          cols=("Lockbox", "Batch", "Item", "Deposit Date", "Check Number", "Check Amount",
                                "Remitter Name", "ABA", "Account", "Invoice Number", "Amount Paid")),
    # pipe-delimited bank export with abbreviated upper-case headers, compact dates
    "keystonebank": dict(delim="|", date="%Y%m%d", per="invoice", amount=_thousands,
                         cols=("LBX_ID", "DEP_DT", "CHK_NO", "CHK_AMT", "PAYOR", "RT", "DDA", "INV_NO",
                               "INV_AMT_PAID", "DISC_AMT", "ADJ_AMT", "ADJ_CD")),
    # one row per check, all invoices of the check in one cell
    "pacificwest": dict(delim=",", date="%m/%d/%Y", per="check", amount=_thousands,
                        cols=("Deposit Date", "Check #", "Amount", "Remitter", "Routing", "Account No",
                              "Invoice(s)")),
}


def _lockbox_rows(layout: str, p: Payment, check: str, item: int, rng: random.Random) -> list[list[str]]:
    spec = LOCKBOX_LAYOUTS[layout]
    amt, day = spec["amount"], p.value_date.strftime(spec["date"])
    routing, account = p.account or ("0" + str(rng.randint(10 ** 7, 10 ** 8)), str(rng.randint(10 ** 6, 10 ** 9)))
    name = p.payer_name or ""
    if layout == "pacificwest":
        sep = rng.choice(("; ", " ", ", "))
        refs = sep.join(line.ref for line in p.lines)
        return [[day, check, amt(p.amount), name, routing, account, refs]]
    rows = []
    for line in p.lines or [Line("")]:
        paid = line.paid if line.paid is not None else (p.amount if len(p.lines) <= 1 else None)
        if layout == "firstnational":
            rows.append(["4471", "12", str(item), day, check, amt(p.amount), name, routing, account, line.ref,
                         amt(paid) if paid is not None and line.ref else ""])
        else:
            rows.append(["99120", day, check, amt(p.amount), name, routing, account, line.ref,
                         amt(paid) if paid is not None and line.ref else "",
                         amt(line.discount) if line.discount else "",
                         amt(line.adjustment) if line.adjustment else "",
                         "DMG" if line.reason else ""])
    return rows


def lockbox(payments: list[Payment], rng: random.Random, layout: str) -> tuple[str, bytes]:
    spec = LOCKBOX_LAYOUTS[layout]
    out = io.StringIO()
    writer = csv.writer(out, delimiter=spec["delim"], lineterminator="\r\n" if rng.random() < .5 else "\n")
    writer.writerow(spec["cols"])
    for item, p in enumerate(payments, start=1):
        p.bank_ref = str(rng.randint(100000, 999999))
        for row in _lockbox_rows(layout, p, p.bank_ref, item, rng):
            writer.writerow(row)
    return f"lockbox_{layout}.csv", out.getvalue().encode()


# ====================================================================== BAI2

def _phrase(p: Payment, rng: random.Random) -> list[str]:
    """Remittance text of one payment as 88 records, in one of the phrasings payers use."""
    if p.text:
        return [p.text]
    if not p.lines:
        return []
    style = rng.choice(("remit", "slash", "rmt", "payment_for", "obi"))
    if style == "remit":
        return ["REMIT: " + "; ".join(f"{ln.ref} {money(ln.paid)}" if ln.paid is not None else ln.ref
                                     for ln in p.lines)]
    if style == "slash":
        return ["INV " + "/".join(_ref_short(ln) for ln in p.lines)]
    if style == "rmt":
        return [f"RMT*IV*{ln.ref}*{money(ln.paid)}\\" if ln.paid is not None else f"RMT*IV*{ln.ref}\\"
                for ln in p.lines]
    if style == "payment_for":
        word = "INVOICES" if len(p.lines) > 1 else "INVOICE"
        return [f"PAYMENT FOR {word} " + " ".join(_ref_short(ln) for ln in p.lines)]
    return ["OBI:INV " + ", ".join(_ref_short(ln) for ln in p.lines)]


def bai2(payments: list[Payment], rng: random.Random) -> tuple[str, bytes]:
    """A prior-day BAI2 file whose control totals and record counts add up."""
    details: list[str] = []
    total = 0
    for k, p in enumerate(payments, start=1):
        p.bank_ref = f"{rng.randint(10 ** 9, 10 ** 10)}"
        wire = rng.random() < 0.3
        code = "195" if wire else rng.choice(("165", "301", "169"))
        party = f"ORG:{p.payer_name}" if wire else f"ORIG CO NAME:{p.payer_name} ORIG ID:{rng.randint(10**8, 10**9)}"
        if not p.payer_name:
            party = "ORIG ID:1234567890"
        if p.account:
            party += f" DACT:{p.account[1]} DABA:{p.account[0]}"
        desc = "WIRE TRANSFER IN" if wire else "ACH CREDIT"
        details.append(f"16,{code},{cents(p.amount)},0,{p.bank_ref},CR{k:05d},{desc} {party}/")
        details.extend(f"88,{text}/" for text in _phrase(p, rng))
        total += cents(p.amount)
    account_records = 2 + len(details)
    lines = ["01,021000021,ACMEMED,261120,0600,1,,,2/", "02,ACMEMED,021000021,1,261119,,USD,2/",
             "03,4412001,USD/", *details, f"49,{total},{account_records}/",
             f"98,{total},1,{account_records + 2}/", f"99,{total},1,{account_records + 4}/"]
    return "bank_variant.bai", ("\n".join(lines) + "\n").encode()


# ====================================================================== camt.053 / camt.054

def _strd(line: Line) -> str:
    amounts = ""
    if line.gross is not None:
        amounts += f'<DuePyblAmt Ccy="USD">{money(line.gross)}</DuePyblAmt>'
    if line.discount:
        amounts += f'<DscntApldAmt><Tp><Cd>PPD</Cd></Tp><Amt Ccy="USD">{money(line.discount)}</Amt></DscntApldAmt>'
    if line.paid is not None:
        amounts += f'<RmtdAmt Ccy="USD">{money(line.paid)}</RmtdAmt>'
    if line.adjustment:
        amounts += (f'<AdjstmntAmtAndRsn><Amt Ccy="USD">{money(line.adjustment)}</Amt><CdtDbtInd>DBIT</CdtDbtInd>'
                    f'<Rsn>{line.reason or "SHORT"}</Rsn></AdjstmntAmtAndRsn>')
    return (f"<Strd><RfrdDocInf><Tp><CdOrPrtry><Cd>CINV</Cd></CdOrPrtry></Tp><Nb>{line.ref}</Nb></RfrdDocInf>"
            + (f"<RfrdDocAmt>{amounts}</RfrdDocAmt>" if amounts else "") + "</Strd>")


def _ustrd(p: Payment, rng: random.Random) -> str:
    style = rng.choice(("pairs", "list", "sentence"))
    if style == "pairs":
        text = " ".join(f"{ln.ref} {money(ln.paid)}" if ln.paid is not None else ln.ref for ln in p.lines)
    elif style == "list":
        text = "INVOICES " + ",".join(_ref_short(ln) for ln in p.lines)
    else:
        text = "PAYMENT OF INVOICE " + " AND ".join(ln.ref for ln in p.lines)
    return f"<Ustrd>{text[:140]}</Ustrd>"


def _camt_entry(p: Payment, rng: random.Random, k: int) -> str:
    p.bank_ref = f"E2E{rng.randint(10 ** 8, 10 ** 9)}"
    structured = p.lines and rng.random() < 0.6
    rmt = ""
    if p.lines:
        rmt = "".join(_strd(ln) for ln in p.lines) if structured else _ustrd(p, rng)
        rmt = f"<RmtInf>{rmt}</RmtInf>"
    acct = (f"<DbtrAcct><Id><Othr><Id>{p.account[1]}</Id></Othr></Id></DbtrAcct>" if p.account else "")
    agent = (f"<RltdAgts><DbtrAgt><FinInstnId><ClrSysMmbId><MmbId>{p.account[0]}</MmbId></ClrSysMmbId>"
             f"</FinInstnId></DbtrAgt></RltdAgts>" if p.account else "")
    name = f"<Dbtr><Nm>{p.payer_name}</Nm></Dbtr>" if p.payer_name else ""
    day = p.value_date.isoformat()
    return (f'<Ntry><Amt Ccy="USD">{money(p.amount)}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>'
            f"<BookgDt><Dt>{day}</Dt></BookgDt><ValDt><Dt>{day}</Dt></ValDt><AcctSvcrRef>ASR{k:06d}</AcctSvcrRef>"
            f"<NtryDtls><TxDtls><Refs><EndToEndId>{p.bank_ref}</EndToEndId></Refs>"
            f'<Amt Ccy="USD">{money(p.amount)}</Amt><CdtDbtInd>CRDT</CdtDbtInd>'
            f"<RltdPties>{name}{acct}</RltdPties>{agent}{rmt}</TxDtls></NtryDtls></Ntry>")


def camt(payments: list[Payment], rng: random.Random, kind: str = "053") -> tuple[str, bytes]:
    entries = "".join(_camt_entry(p, rng, k) for k, p in enumerate(payments, start=1))
    if kind == "053":
        root, block, version = "BkToCstmrStmt", "Stmt", "camt.053.001.02"
    else:
        root, block, version = "BkToCstmrDbtCdtNtfctn", "Ntfctn", "camt.054.001.02"
    doc = (f'<?xml version="1.0" encoding="UTF-8"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:{version}">'
           f"<{root}><GrpHdr><MsgId>MSG{rng.randint(1, 10 ** 6)}</MsgId><CreDtTm>2026-11-20T06:00:00</CreDtTm></GrpHdr>"
           f"<{block}><Id>S1</Id><Acct><Id><Othr><Id>4412001</Id></Othr></Id><Ccy>USD</Ccy></Acct>"
           f"{entries}</{block}></{root}></Document>")
    return f"camt{kind}_variant.xml", doc.encode()


# ====================================================================== X12 820

def _rmr(line: Line) -> list[str]:
    paid = money(line.paid) if line.paid is not None else ""
    parts = ["RMR", "IV", line.ref, "PI", paid]
    if line.gross is not None:
        parts.append(money(line.gross))
        if line.discount:
            parts.append(money(line.discount))
    segs = ["*".join(parts)]
    if line.adjustment:
        segs.append(f"ADX*-{money(line.adjustment)}*{'DM' if line.reason else '01'}")
    return segs


def x12_820(payments: list[Payment], rng: random.Random) -> tuple[str, bytes]:
    sets = []
    for k, p in enumerate(payments, start=1):
        p.bank_ref = f"EFT{rng.randint(10 ** 6, 10 ** 7)}"
        routing, account = p.account or ("011000015", "000111222")
        body = [f"ST*820*{k:04d}",
                f"BPR*C*{money(p.amount)}*C*ACH*CTX*01*{routing}*DA*{account}*1560001234**01*021000021*DA*4412001*"
                f"{p.value_date:%Y%m%d}",
                f"TRN*1*{p.bank_ref}*1560001234"]
        if p.payer_name:
            body.append(f"N1*PR*{p.payer_name}")
        body.append("N1*PE*ACME MEDICAL DEVICES")
        if p.lines:
            body.append("ENT*1")
            for line in p.lines:
                body.extend(_rmr(line))
        body.append(f"SE*{len(body) + 1}*{k:04d}")
        sets.extend(body)
    seg = ["ISA*00*          *00*          *ZZ*PAYERBANK      *ZZ*ACMEMED        *261120*0800*U*00401*000000700*0*P*>",
           "GS*RA*PAYERBANK*ACMEMED*20261120*0800*700*X*004010", *sets,
           f"GE*{len(payments)}*700", "IEA*1*000000700"]
    return "remit_variant.820", ("~\n".join(seg) + "~\n").encode()


# ====================================================================== NACHA CCD+ / CTX

def _rec(*parts: str) -> str:
    line = "".join(parts)
    assert len(line) <= 94, line
    return line.ljust(94)


def _addenda(text: str, seq: int, trace: str) -> str:
    return _rec("705", text.ljust(80)[:80], f"{seq:04d}", trace[-7:])


def _ccd_text(p: Payment) -> str:
    return "".join(f"RMR*IV*{ln.ref}*PI*{money(ln.paid) if ln.paid is not None else ''}\\" for ln in p.lines)


def _ctx_text(p: Payment) -> str:
    segs = []
    for line in p.lines:
        segs.extend(_rmr(line))
    return "~".join(segs) + "~"


def nacha(payments: list[Payment], rng: random.Random) -> tuple[str, bytes]:
    """One batch per payment (the payer is the batch's originating company), CCD+ when the
    remittance fits one addenda, CTX otherwise; all controls computed."""
    lines = [_rec("101", " 021000021", " 123456789", "261120", "0900", "A", "094", "10", "1",
                  "ACME BANK".ljust(23), "ORIGIN BANK".ljust(23), " " * 8)]
    entries, records = [], 0
    for b, p in enumerate(payments, start=1):
        trace = f"0910000{b:08d}"
        p.bank_ref = trace
        text = _ccd_text(p)
        sec = "CCD" if len(text) <= 80 else "CTX"
        chunks = [text] if sec == "CCD" and text else []
        if sec == "CTX":
            full = _ctx_text(p)
            chunks = [full[i:i + 80] for i in range(0, len(full), 80)]
        name = (p.payer_name or "UNKNOWN PAYER")[:16]
        lines.append(_rec("5", "220", name.ljust(16), " " * 20, "1" + str(rng.randint(10 ** 8, 10 ** 9 - 1)), sec,
                          "PAYMENTS  ", "      ", p.value_date.strftime("%y%m%d"), "   ", "1", "09100001",
                          f"{b:07d}"))
        if sec == "CCD":
            entry = _rec("6", "22", "02100002", "1", "4412001".ljust(17), f"{cents(p.amount):010d}",
                         "CUST".ljust(15), "ACME MEDICAL".ljust(22), "  ", "1" if chunks else "0", trace)
        else:
            entry = _rec("6", "22", "02100002", "1", "4412001".ljust(17), f"{cents(p.amount):010d}",
                         "CUST".ljust(15), f"{len(chunks):04d}", "ACME MEDICAL".ljust(16), "  ", "  ", "1", trace)
        lines.append(entry)
        lines.extend(_addenda(c, i, trace) for i, c in enumerate(chunks, start=1))
        count = 1 + len(chunks)
        credit = cents(p.amount)
        lines.append(_rec("8", "220", f"{count:06d}", f"{int(entry[3:11]):010d}", f"{0:012d}", f"{credit:012d}",
                          "1234567890", " " * 25, "09100001", f"{b:07d}"))
        entries.append(entry)
        records += count
    hash_ = sum(int(e[3:11]) for e in entries) % 10 ** 10
    credit = sum(int(e[29:39]) for e in entries)
    total_lines = len(lines) + 1
    blocks = (total_lines + 9) // 10
    lines.append(_rec("9", f"{len(payments):06d}", f"{blocks:06d}", f"{records:08d}", f"{hash_:010d}",
                      f"{0:012d}", f"{credit:012d}"))
    return "ach_variant.ach", ("\n".join(lines) + "\n").encode()


def render_all(groups: dict[str, list[Payment]], rng: random.Random) -> list[tuple[str, bytes]]:
    """One file per format group: ``lockbox:<layout>``, ``bai2``, ``camt053``, ``camt054``, ``x12``, ``nacha``."""
    files = []
    for key, payments in groups.items():
        if key.startswith("lockbox:"):
            files.append(lockbox(payments, rng, key.split(":", 1)[1]))
        elif key == "bai2":
            files.append(bai2(payments, rng))
        elif key in ("camt053", "camt054"):
            files.append(camt(payments, rng, key[-3:]))
        elif key == "x12":
            files.append(x12_820(payments, rng))
        elif key == "nacha":
            files.append(nacha(payments, rng))
    return files


__all__ = ["render_all", "lockbox", "bai2", "camt", "x12_820", "nacha", "date"]
