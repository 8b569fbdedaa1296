"""Hostile input through the ``o2c`` command: nothing crashes, nothing is half-written.

A seeded corpus of bad files (zero bytes, truncated PDFs and images cut at random offsets, an
enormous PDF page, a 50000x50000 decompression bomb, random bytes under a trusted name, broken EDI
envelopes, malformed MIME, garbage mbox, spreadsheets with formulas and huge cells, bank files that
are truncated or do not add up, non-UTF-8 text, megabyte lines, billion-laughs XML) goes through
``o2c extract``, ``o2c ingest``, ``o2c cash import`` and ``o2c load`` as real subprocesses. Each
command must exit 0 or 1 (never a crash), print no traceback, name the file in what it says about
it, and leave the database unchanged when it refuses. The same corpus feeds the HTTP API tests in
``tests/integration/test_bad_input_api.py``.
"""
from __future__ import annotations

import io
import json
import os
import random
import shutil
import struct
import subprocess
import sys
import zlib
from pathlib import Path

from PIL import Image
from sqlalchemy import func, select

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SEED = int(os.environ.get("O2C_FUZZ_SEED", "20261120"))
EDI_850 = (PROJECT_ROOT / "tests" / "data" / "harborview_850.edi").read_bytes()


# ------------------------------------------------------------------ seeds (small, valid)
def _image(fmt: str, size=(160, 80)) -> bytes:
    picture = Image.new("RGB", size, "white")
    for x in range(10, 150):
        picture.putpixel((x, 40), (0, 0, 0))
    buffer = io.BytesIO()
    picture.save(buffer, format=fmt)
    return buffer.getvalue()


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)


def png_claiming(width: int, height: int) -> bytes:
    """A PNG whose header claims ``width`` x ``height`` but whose data is a few bytes."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header)
            + _png_chunk(b"IDAT", zlib.compress(b"\x00" * 4096)) + _png_chunk(b"IEND", b""))


def jpeg_claiming(width: int, height: int) -> bytes:
    """A real small JPEG whose SOF0 frame header is rewritten to claim ``width`` x ``height``."""
    data = bytearray(_image("JPEG"))
    at = data.find(b"\xff\xc0")
    data[at + 5:at + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def pdf(media_box: str = "0 0 612 792", text: str = "PO 4500012399 2x K-1002 @ 1395.00") -> bytes:
    """A one-page PDF with a text layer, written by hand (offsets computed) so the page size is ours."""
    stream = f"BT /F1 12 Tf 72 700 Td ({text}) Tj ET".encode()
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               f"<< /Type /Page /Parent 2 0 R /MediaBox [{media_box}] /Contents 4 0 R "
               f"/Resources << /Font << /F1 5 0 R >> >> >>".encode(),
               b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def xlsx(rows: list[list]) -> bytes:
    from openpyxl import Workbook
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


BILLION_LAUGHS = (b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
                  + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
                             for i in range(1, 10))
                  + b']>\n<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt>'
                  b"<Stmt><Id>&lol9;</Id></Stmt></BkToCstmrStmt></Document>\n")

BAI2 = """01,BANK,US,261120,0600,1,,,2/
02,US,BANK,1,261119,,USD,2/
03,123,USD,010,1000,,,100,35050,2,/
16,165,30050,V,261118,,BR1,CR1,ACH CREDIT ORIG CO NAME:ACME HOSP REMIT: INV-1 200.00;
16,195,5000,0,BR2,,WIRE IN ORG:BETA CLINIC OBI:INV-3
49,71100,4/
98,71100,1,6/
99,71100,1,8/
"""

CAMT = b"""<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt>
<GrpHdr><MsgId>M</MsgId></GrpHdr><Stmt><Id>S</Id><Acct><Id><IBAN>DE1</IBAN></Id><Ccy>EUR</Ccy></Acct>
<Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">1000.00</Amt><CdtDbtInd>CRDT</CdtDbtInd>
<Dt><Dt>2026-11-19</Dt></Dt></Bal><Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">1040.00</Amt>
<CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2026-11-19</Dt></Dt></Bal>
<Ntry><NtryRef>N9</NtryRef><Amt Ccy="EUR">40.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>
<BookgDt><Dt>2026-11-19</Dt></BookgDt></Ntry></Stmt></BkToCstmrStmt></Document>"""

X12_820 = "~\n".join([
    "ISA*00*          *00*          *ZZ*MERCYGEN       *ZZ*KEYSTONE       *261201*0800*U*00401*000000500*0*P*>",
    "GS*RA*MERCYGEN*KEYSTONE*20261201*0800*500*X*004010", "ST*820*0001",
    "BPR*C*3060.42*C*ACH*CTX*01*053000219*DA*2000014804300*1560001234**01*031100209*DA*998877*20261202",
    "TRN*1*EFT-778812*1560001234", "N1*PR*Mercy General Hospital*92*AP01", "ENT*1",
    "RMR*IV*INV-2026-0042*PI*3104.42*3166.50*62.08", "SE*7*0001", "GE*1*500", "IEA*1*000000500"]) + "~"

LOCKBOX = ("Lockbox No.;Batch #;Txn ID;Deposit Dt;CHECK_NO;Chk Amt;Payer Name;Inv #;Amt Paid\n"
           'L1;1;T-1;11/16/2026;1001;"1,500.00";Mercy;INV-1;"1,000.00"\n')


def _cuts(rng: random.Random, data: bytes, count: int, *, before: float = 1.0) -> list[int]:
    """``count`` offsets to cut ``data`` at, all within its first ``before`` fraction."""
    return sorted(rng.sample(range(1, int((len(data) - 1) * before)), count))


# ------------------------------------------------------------------ the hostile corpora
def hostile_documents(seed: int = SEED) -> dict[str, bytes]:
    """File name -> bytes of documents that must each be refused or read, never crash anything."""
    rng = random.Random(seed)
    docs: dict[str, bytes] = {}
    for ext in ("pdf", "edi", "eml", "png", "txt", "mbox", "xlsx"):
        docs[f"empty.{ext}"] = b""
    for name, data in (("po.pdf", pdf()), ("scan.png", _image("PNG")), ("scan.tif", _image("TIFF")),
                       ("photo.jpg", _image("JPEG")), ("sheet.xlsx", xlsx([["item", "qty"], ["K-1002", 2]]))):
        stem, ext = name.split(".")
        for cut in _cuts(rng, data, 2):
            docs[f"{stem}-cut{cut}.{ext}"] = data[:cut]
    docs["huge-page.pdf"] = pdf("0 0 14400000 14400000")
    docs["negative-page.pdf"] = pdf("0 0 -1 nan")
    docs["bomb.png"] = png_claiming(50000, 50000)
    docs["bomb.jpg"] = jpeg_claiming(50000, 50000)
    for ext in ("pdf", "edi", "eml", "png", "xlsx"):
        docs[f"random.{ext}"] = rng.randbytes(2048)
    docs["random-pdf-head.pdf"] = b"%PDF-1.7\n" + rng.randbytes(1500)
    docs["random-png-head.png"] = b"\x89PNG\r\n\x1a\n" + rng.randbytes(800)
    docs["random-zip-head.xlsx"] = b"PK\x03\x04" + rng.randbytes(800)
    # EDI with broken envelopes and terminators
    docs["isa-short.edi"] = EDI_850[:60]
    docs["no-terminator.edi"] = EDI_850.replace(b"\n", b"").replace(b"\r", b"").replace(b"~", b"")
    docs["wrong-terminator.edi"] = EDI_850[:105] + b"!" + EDI_850[106:].replace(b"~", b"\n")
    docs["no-iea.edi"] = EDI_850[:EDI_850.rfind(b"IEA")]
    docs["bad-counts.edi"] = EDI_850.replace(b"SE*8*", b"SE*999*").replace(b"GE*1*", b"GE*7*")
    docs["nul.edi"] = EDI_850.replace(b"*", b"\x00*", 20)
    docs["cut.edi"] = EDI_850[:_cuts(rng, EDI_850, 1)[0]]
    docs["binary-segments.edi"] = EDI_850[:120] + rng.randbytes(400) + b"~IEA*1*000000417~"
    # e-mail and mbox
    docs["no-boundary-end.eml"] = (b"From: a@b.example\nTo: c@d.example\nSubject: PO\nMIME-Version: 1.0\n"
                                   b'Content-Type: multipart/mixed; boundary="XX"\n\n--XX\nContent-Type: text/plain\n\n'
                                   b"2x K-1002\n--XX\nContent-Type: application/pdf; name=po.pdf\n"
                                   b"Content-Transfer-Encoding: base64\n\n" + rng.randbytes(50).hex().encode())
    docs["bad-charset.eml"] = (b"From: =?x-unknown?B?////?= <a@b.example>\nSubject: =?utf-8?Q?=FF=FE?=\n"
                               b"Content-Type: text/plain; charset=x-no-such-charset\n"
                               b"Content-Transfer-Encoding: quoted-printable\n\n2x K-1002 =ZZ =\xff\xfe\n")
    docs["bad-base64.eml"] = (b"From: a@b.example\nSubject: PO\nMIME-Version: 1.0\n"
                              b'Content-Type: multipart/mixed; boundary="B"\n\n--B\n'
                              b'Content-Type: application/pdf; name="po.pdf"\nContent-Transfer-Encoding: base64\n\n'
                              b"%%%not*base64!!!===\n--B\nContent-Type: image/png; name=x.png\n"
                              b"Content-Transfer-Encoding: base64\n\niVBORw0KGgo=\n--B--\n")
    docs["no-boundary.eml"] = (b"From: a@b.example\nSubject: PO\nContent-Type: multipart/mixed\n\nbody\n")
    nested = b"".join(b'Content-Type: multipart/mixed; boundary="b%d"\n\n--b%d\n' % (i, i) for i in range(200))
    docs["deep-nesting.eml"] = b"From: a@b.example\nSubject: deep\nMIME-Version: 1.0\n" + nested + b"\nhello\n"
    docs["bad-date.eml"] = b"From: a@b.example\nDate: Mon, 99 Foo 99999 99:99:99 +9999\nSubject: x\n\n1x K-1002\n"
    docs["long-header.eml"] = (b"From: " + b"a" * 3000 + b"@b.example\nSubject: PO " + b"9" * 400
                               + b"\n\nPO Number: PO" + b"7" * 300 + b"\n2x K-1002\n")
    docs["garbage.mbox"] = b"From garbage\n" + rng.randbytes(1200) + b"\nFrom \n\x00\x00\nFrom x\nSubject:\n"
    docs["headers-only.mbox"] = b"From a@b Mon Jan 1 00:00:00 2026\nFrom: a@b.example\nSubject: x\n" * 3
    # spreadsheets
    docs["formulas.csv"] = (b'item,qty,price\n=cmd|" /C calc"!A0,2,@SUM(1+1)\n+K-1002,-2,"=1/0"\n'
                            b"K-1002," + b"9" * 5000 + b",1e9999\n")
    docs["huge-cell.csv"] = b'item,qty\n"' + b"A" * 300_000 + b'",1\n'
    docs["formulas.xlsx"] = xlsx([["item", "qty", "price"], ["=HYPERLINK(\"http://x\")", "=1/0", "=A1*1e308"],
                                  ["K-1002", "Z" * 32000, 2]])
    # text
    docs["latin1.txt"] = "2x K-1002 für Müller, Größe 52mm, café ☃".encode("latin-1", "replace")
    docs["utf16.txt"] = "used 2x K-1002 lot L1 at mercy".encode("utf-16")
    docs["long-line.txt"] = b"used 2x K-1002 lot " + b"9" * 200_000 + b" at mercy dr " + b"a" * 100_000
    docs["many-lines.txt"] = b"2x K-1002 @ $1.00\n" * 1500
    docs["controls.txt"] = bytes(range(0, 32)) * 20
    docs["billion-laughs.xml"] = BILLION_LAUGHS
    return docs


def hostile_bank_files(seed: int = SEED) -> dict[str, bytes]:
    """File name -> bytes of bank files every one of which ``o2c cash import`` must refuse."""
    rng = random.Random(seed + 1)
    bai2, lockbox = BAI2.encode(), LOCKBOX.encode()
    files = {"empty.bai": b"", "empty.xml": b"", "empty.csv": b"", "empty.820": b""}
    for name, data in (("bai2", bai2), ("camt.xml", CAMT), ("x12.820", X12_820.encode())):
        for cut in _cuts(rng, data, 2, before=0.8):          # inside the data, before the trailers
            files[f"cut{cut}-{name}"] = data[:cut]
    files["wrong-total.bai"] = bai2.replace(b"49,71100", b"49,71101")
    files["nul.bai"] = bai2.replace(b",", b"\x00,", 5)
    files["random.bai"] = rng.randbytes(1024)
    files["wrong-balance-camt.xml"] = CAMT.replace(b">1040.00<", b">9999.00<")
    files["billion-laughs-camt.xml"] = BILLION_LAUGHS
    files["deep-camt.xml"] = b"<Document>" + b"<a>" * 5000 + b"</a>" * 5000 + b"</Document>"
    files["wrong-amount.820"] = X12_820.replace("BPR*C*3060.42", "BPR*C*abc").encode()
    files["no-iea.820"] = X12_820[:X12_820.rfind("IEA")].encode()
    files["random.820"] = b"ISA" + rng.randbytes(300)
    files["formulas-lockbox.csv"] = lockbox.replace(b'"1,500.00"', b"=1+1").replace(b"Mercy", b"@SUM(A1)")
    files["huge-cell-lockbox.csv"] = lockbox.replace(b"Mercy", b"M" * 300_000).replace(b'"1,500.00"', b"x")
    files["wrong-delimiter-lockbox.csv"] = b"\x00".join(lockbox.split(b";"))
    files["utf16-lockbox.csv"] = LOCKBOX.replace("1,500.00", "?").encode("utf-16")
    return files


def odd_bank_files() -> dict[str, bytes]:
    """Bank files that add up but carry hostile text: they may be imported, never crash the import."""
    bai2, lockbox = BAI2.encode(), LOCKBOX.encode()
    return {"nul-name.bai": bai2.replace(b"ACME HOSP", b"AC\x00ME\x00"),
            "latin1-name.bai": bai2.replace(b"ACME", "ÄCMÉ".encode("latin-1")),
            "control-chars.bai": bai2.replace(b"BETA CLINIC", bytes(range(1, 31)).replace(b",", b"").replace(b"/", b"")),
            "nul-lockbox.csv": lockbox.replace(b"Mercy", b"Mer\x00cy").replace(b"INV-1", b"INV\x00-1"),
            "latin1-lockbox.csv": lockbox.replace(b"Mercy", "Mércy Ünïon".encode("latin-1")),
            "formula-lockbox.csv": lockbox.replace(b"Mercy", b"=HYPERLINK(\"http://x\")").replace(b"INV-1", b"@SUM(1)"),
            "nul-camt.xml": CAMT.replace(b"<NtryRef>N9</NtryRef>", b"<NtryRef>N&#0;9</NtryRef>"),
            "long-line.bai": bai2.replace(b"ACME", b"A" * 500_000),
            "external-entity-camt.xml": CAMT.replace(b'<?xml version="1.0"?>', b'<?xml version="1.0"?><!DOCTYPE d '
                                                     b'[<!ENTITY x SYSTEM "file:///etc/passwd">]>')
                                            .replace(b"<NtryRef>N9</NtryRef>", b"<NtryRef>&x;</NtryRef>")}


def _csv(header: str, *rows: str) -> bytes:
    return ("\n".join((header,) + rows) + "\n").encode()


def hostile_master_dirs(root: Path, demo_master: Path, seed: int = SEED) -> list[Path]:
    """Copies of the demo master data, each with one CSV broken in one way; every one must be refused."""
    rng = random.Random(seed + 2)
    good = (demo_master / "customers.csv").read_bytes()
    header, _, rest = good.partition(b"\n")
    breakages = {
        "latin1": good + "C-ÜBER,Müller Klinik\n".encode("latin-1"),
        "utf16": good.decode("utf-8-sig").encode("utf-16"),
        "nul": good.replace(b",", b"\x00,", 3),
        "huge-field": header + b"\n" + b"C-HUGE," + b"N" * 2_000_000 + b"\n" + rest,
        "semicolons": good.replace(b",", b";"),
        "random": rng.randbytes(4096),
        "unclosed-quote": good + b'C-Q,"never closed\n',
        "formula": good + b"=cmd|' /C calc'!A0,@SUM(1)," + b",".join(b"=1" for _ in range(12)) + b"\n",
        "bom-twice": b"\xef\xbb\xbf\xef\xbb\xbf" + good,
        "too-long": good + b"C-" + b"L" * 100 + b"," + b"N" * 5000 + b"," * 9 + b"\n",
        "header-only-garbage": b"\xff\xfe\x00\x00" + rng.randbytes(64),
    }
    dirs = []
    for name, data in breakages.items():
        target = root / f"master-{name}"
        shutil.copytree(demo_master, target)
        (target / "customers.csv").write_bytes(data)
        dirs.append(target)
    return dirs


# ------------------------------------------------------------------ helpers
COUNTED = ("documents", "orders", "order_lines", "payments", "payment_applications", "journal_entries",
           "audit_log", "outbox", "intake_exceptions", "cash_exceptions", "customers", "items")


def row_counts(url: str | None = None) -> dict[str, int]:
    from o2c.storage import schema as t
    from o2c.storage.uow import unit_of_work
    with unit_of_work(read_only=True, url=url) as uow:
        return {name: uow.conn.execute(select(func.count()).select_from(t.metadata.tables[name])).scalar_one()
                for name in COUNTED if name in t.metadata.tables}


def o2c(*args: str, timeout: int = 240) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT / "src")}
    env.pop("O2C_DEBUG", None)
    return subprocess.run([sys.executable, "-m", "o2c", *args], capture_output=True, text=True, env=env,
                          cwd=PROJECT_ROOT, timeout=timeout)


def assert_clean(result: subprocess.CompletedProcess, *, allowed=(0, 1)) -> None:
    assert "Traceback" not in result.stderr + result.stdout, result.stderr[-3000:]
    assert "internal error" not in result.stderr, result.stderr[-3000:]
    assert result.returncode in allowed, (result.returncode, result.stderr[-3000:])


def write_all(folder: Path, files: dict[str, bytes]) -> list[str]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, data in files.items():
        (folder / name).write_bytes(data)
        paths.append(str(folder / name))
    return paths


def json_lines(stdout: str) -> list[dict]:
    return [json.loads(line) for line in stdout.splitlines() if line.startswith("{")]


# ------------------------------------------------------------------ the tests
def test_the_corpus_is_seeded_and_hostile() -> None:
    docs = hostile_documents()
    assert docs == hostile_documents() and docs != hostile_documents(SEED + 1)
    assert docs["empty.pdf"] == b"" and any(n.startswith("po-cut") for n in docs)
    assert struct.unpack(">II", docs["bomb.png"][16:24]) == (50000, 50000)
    assert len(hostile_bank_files()) >= 20


def test_the_bank_seeds_are_valid_so_each_mutation_is_what_breaks_them() -> None:
    from o2c.formats.bank import parse_bai2, parse_camt, parse_lockbox_csv
    from o2c.formats.x12 import read_820
    assert [p.bank_ref for p in parse_bai2(BAI2, "seed.bai").payments] == ["BR1", "BR2"]
    assert len(parse_camt(CAMT, "seed.xml").payments) == 1
    assert len(read_820(X12_820, source="seed.820")) == 1
    assert len(parse_lockbox_csv(LOCKBOX, "seed.csv").payments) == 1


def test_extract_reads_or_refuses_every_hostile_document_and_writes_nothing(db_url, tmp_path) -> None:
    paths = write_all(tmp_path / "docs", hostile_documents())
    before = row_counts()
    result = o2c("extract", "--json", *paths, str(tmp_path / "docs" / "missing.pdf"))
    assert_clean(result)
    assert result.returncode == 1                          # the missing file is refused, the rest read
    outputs = json_lines(result.stdout)
    assert [o["source"] for o in outputs] == [*paths, str(tmp_path / "docs" / "missing.pdf")]
    for output in outputs:
        if output["document_type"] == "unknown" and not output["lines"]:
            assert output["warnings"], output
            problem = output["warnings"][0]
            assert problem.strip() and "object at 0x" not in problem, output
    by_name = {Path(o["source"]).name: o for o in outputs}
    for bomb in ("bomb.png", "bomb.jpg", "huge-page.pdf"):          # refused before a pixel is decoded
        assert by_name[bomb]["lines"] == [], bomb
        assert "limit" in by_name[bomb]["warnings"][0] or "too large" in by_name[bomb]["warnings"][0], by_name[bomb]
        assert bomb in by_name[bomb]["warnings"][0]
    assert "missing.pdf" in by_name["missing.pdf"]["warnings"][0]
    assert row_counts() == before


def test_ingest_keeps_each_hostile_document_once_and_creates_nothing_from_it(db_url, tmp_path) -> None:
    files = hostile_documents()
    paths = write_all(tmp_path / "docs", files)
    before = row_counts()
    result = o2c("ingest", "--json", *paths)
    assert_clean(result)
    outputs = json_lines(result.stdout)
    assert len(outputs) >= len(paths) and {o["source"] for o in outputs} == set(paths)
    statuses = {o["status"] for o in outputs}
    assert statuses <= {"exception", "duplicate", "rejected"}, statuses
    assert result.returncode == (1 if "rejected" in statuses else 0)
    for output in outputs:
        assert output["order_id"] is None
        if output["status"] == "rejected":
            assert output["exceptions"] and output["exceptions"][0]["message"].strip(), output
    after = row_counts()
    stored = len({o["document_id"] for o in outputs if o["document_id"]})
    assert after["documents"] - before["documents"] == stored      # kept, each exactly once
    for table in ("orders", "order_lines", "payments", "journal_entries", "customers", "items"):
        assert after[table] == before[table], table
    again = o2c("ingest", "--json", *paths[:3])                    # the service still answers, idempotently
    assert_clean(again)
    assert {o["status"] for o in json_lines(again.stdout)} <= {"duplicate", "rejected"}
    assert row_counts()["documents"] == after["documents"]
    verify = o2c("audit", "verify", "--json")
    assert_clean(verify, allowed=(0,))


def test_cash_import_refuses_hostile_bank_files_and_stores_nothing(db_url, tmp_path) -> None:
    files = hostile_bank_files()
    paths = write_all(tmp_path / "bank", files)
    before = row_counts()
    result = o2c("cash", "import", *paths)
    assert_clean(result)
    assert result.returncode == 1
    refused = [line for line in result.stderr.splitlines() if line.startswith("o2c: refused")]
    for path in paths:
        assert any(path in line for line in refused), (path, result.stderr[-2000:])
    assert json_lines(result.stdout) == []
    assert row_counts() == before
    assert_clean(o2c("audit", "verify"), allowed=(0,))


def test_cash_import_of_files_with_hostile_text_never_crashes(db_url, tmp_path) -> None:
    paths = write_all(tmp_path / "odd", odd_bank_files())
    before = row_counts()
    result = o2c("cash", "import", "--json", *paths)
    assert_clean(result)
    imported = json_lines(result.stdout)
    assert all("\x00" not in json.dumps(line) and "root:" not in json.dumps(line) for line in imported)
    assert imported, result.stderr                  # the test is not vacuous: some of these are importable
    refused = [line for line in result.stderr.splitlines() if line.startswith("o2c: refused")]
    assert len({line["source"] for line in imported}) + len(refused) == len(paths), result.stderr
    assert row_counts()["payments"] == before["payments"] + len({line["payment_id"] for line in imported})
    assert_clean(o2c("audit", "verify"), allowed=(0,))


def test_load_refuses_broken_master_csvs_naming_the_file(db_url, tmp_path, demo_master, capsys) -> None:
    from o2c.cli.main import main
    before = row_counts()
    for folder in hostile_master_dirs(tmp_path, demo_master):
        code = main(["load", str(folder)])
        out, err = capsys.readouterr()
        assert code == 1, (folder.name, out, err[-2000:])
        assert "Traceback" not in err and "internal error" not in err, err[-2000:]
        assert "customers.csv" in err, (folder.name, err[-2000:])
        if folder.name == "master-too-long":
            assert "customers.csv:5: customer_id: is 102 characters long; at most 64 fit" in err, err[-2000:]
        assert row_counts() == before, folder.name
    result = o2c("load", str(tmp_path / "master-nul"))            # as a person runs it
    assert_clean(result)
    assert result.returncode == 1 and "customers.csv" in result.stderr
    assert row_counts() == before
    good = o2c("load", str(demo_master))                          # the service still answers
    assert_clean(good, allowed=(0,))


def test_long_payment_keys_fit_their_column_and_stay_distinct() -> None:
    from decimal import Decimal
    from o2c.cash.importing import payment_keys
    from o2c.cash.payment import IncomingPayment
    head = "lockbox=L1/batch=1/item_id=" + "T" * 400
    payments = [IncomingPayment("lb.csv", "lockbox", "1", Decimal("1.00"), source_key=head + tail)
                for tail in ("A", "B", "")]
    keys = payment_keys(b"file", payments)
    assert len(set(keys)) == 3 and all(len(key) <= 200 for key in keys)
    assert payment_keys(b"file", payments) == keys                       # stable: a re-import is recognised
