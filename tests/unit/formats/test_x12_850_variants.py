"""X12 850s in the styles of many trading partners, generated from a seed with their truth, through the
real intake pipeline (extract with a MasterIndex), with floors on line F1 and header accuracy.

Partners differ in what the standard leaves open: version (004010, 005010 with a repetition
separator), the four separators, line breaks between segments or none, which optional header
segments they send (CUR, REF, PER, DTM, FOB, ITD, TD5, N9/MSG, SAC) and in which order, how parties
are named (N1 BY/BT/ST with buyer-assigned codes or GLNs, N2/N3/N4), how a line names its item (our
catalog number under VP/VC/VN/MG, only the buyer's part number under BP/IN/CB, only a UPC/EAN/GTIN),
in which order the id pairs come, how PO101 is written, where the price is (PO104 on a basis of PE,
CT, QT, UM, per hundred or per dozen, or in CTP UCP with PO104 empty beside a retail CTP), and what
follows PO1 (PID, PO4 pack, SAC, SDQ store split, DTM, REF, a line-level N1 ship-to). Other
envelopes may come first (a 997 group before the PO group). Each choice is drawn independently, so
a seed gives combinations nobody tuned the mapping for.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from tests.unit.intake.variants.gen import write_csvs

SEED = 850
N_DOCS = 60
LINE_F1 = 0.99
HEADER = 0.99

ITEMS = [  # catalog, description, uom, price
    ("7402-3514", "CORTICAL SCREW 3.5 X 14MM", "EA", "42.24"),
    ("7104-1001", "ACETABULAR LINER XLPE 28MM", "EA", "650.00"),
    ("7201-0500", "FEMORAL COMPONENT SIZE 5", "EA", "2450.00"),
    ("7404-0020", "K-WIRE 2.0MM X 150MM", "BX", "1086.24"),
    ("8830-1102", "LOCKING PLATE 8 HOLE", "EA", "875.00"),
    ("5520-0045", "BONE CEMENT 40G", "BX", "312.75"),
    ("6610-2234", "TIBIAL INSERT 10MM", "EA", "1399.00"),
    ("6610-2301", "PATELLA BUTTON 35MM", "EA", "585.25"),
    ("3301-0100", "SUTURE ANCHOR 5.0MM", "EA", "0.35"),
]
GTIN = {cat: f"0088474{k * 7919 % 1000000:06d}" for k, (cat, *_r) in enumerate(ITEMS)}
CUSTOMERS = [  # id, name, EDI id, part-number prefix
    ("C-10", "Northgate Regional Medical Center", "NORTHGATE01", "NG"),
    ("C-20", "Bayview Surgical Institute", "6123456780001", "BV"),
    ("C-30", "Lakeside Orthopedic ASC", "LAKESIDEASC", "LK"),
]


def _check_digit(body: str) -> str:
    total = sum(int(d) * (3 if k % 2 == 0 else 1) for k, d in enumerate(reversed(body)))
    return str((10 - total % 10) % 10)


for _cat in GTIN:
    GTIN[_cat] = GTIN[_cat] + _check_digit(GTIN[_cat])


def buyer_ref(customer: str, catalog: str) -> str:
    prefix = next(p for c, _n, _e, p in CUSTOMERS if c == customer)
    k = next(k for k, (c, *_r) in enumerate(ITEMS) if c == catalog)
    return f"{prefix}{300100 + 13 * k}"


def write_master(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        "items.csv": ["item_id,description,gtin,uom,pack_size,list_price,lot_controlled"]
        + [f"{c},{d},{GTIN[c]},{u},1,{p},false" for c, d, u, p in ITEMS],
        "customers.csv": ["customer_id,name,kind,currency,edi_id"]
        + [f"{c},{n},hospital,USD,{e}" for c, n, e, _p in CUSTOMERS],
        "sites.csv": ["site_id,customer_id,name,address1,city,state,postal_code,country,kind"]
        + [f"{c}-ST,{c},{n} Receiving,{100 + k} Main St,Springfield,IL,6270{k},US,ship_to"
           for k, (c, n, _e, _p) in enumerate(CUSTOMERS)],
        "customer_items.csv": ["customer_id,customer_item_ref,item_id"]
        + [f"{c},{buyer_ref(c, cat)},{cat}" for c, *_r in CUSTOMERS for cat, *_i in ITEMS],
    }
    return write_csvs(folder, files)


# ------------------------------------------------------------------ generation
@dataclass
class Doc:
    name: str
    data: bytes
    truth: dict


SEPARATORS = [("*", ">", "~"), ("|", "\\", "~"), ("*", ":", "'"), ("^", ">", "~"), ("*", ">", "\n"),
              ("\x1d", "\x1f", "\x1c"), ("~", ">", "\r")]
LINE_ENDS = ["", "\n", "\r\n"]
ID_STYLES = ["vendor", "vendor+buyer", "buyer", "gtin", "gtin+buyer", "all"]
VENDOR_QUALIFIERS = ["VP", "VC", "VN", "MG"]
BUYER_QUALIFIERS = ["BP", "IN", "CB"]
BASES = ["PE", "CT", "QT", "UM", "", "HP", "PD", "CTP"]


def _ids(rng: random.Random, style: str, customer: str, catalog: str) -> list[tuple[str, str]]:
    gtin = GTIN[catalog]
    gtin_pair = rng.choice([("UK", gtin), ("EN", gtin[1:]), ("UP", gtin[2:])])
    pairs = {
        "vendor": [(rng.choice(VENDOR_QUALIFIERS), catalog)],
        "vendor+buyer": [(rng.choice(VENDOR_QUALIFIERS), catalog), (rng.choice(BUYER_QUALIFIERS), buyer_ref(customer, catalog))],
        "buyer": [(rng.choice(BUYER_QUALIFIERS), buyer_ref(customer, catalog))],
        "gtin": [gtin_pair],
        "gtin+buyer": [gtin_pair, (rng.choice(BUYER_QUALIFIERS), buyer_ref(customer, catalog))],
        "all": [(rng.choice(VENDOR_QUALIFIERS), catalog), gtin_pair, ("SK", str(rng.randint(10000, 99999)))],
    }[style]
    rng.shuffle(pairs)
    return pairs


def _line(rng: random.Random, n: int, numbering: str, style: str, customer: str, catalog: str,
          description: str, uom: str, price: Decimal) -> tuple[list[list[str]], dict]:
    quantity = rng.choice([1, 2, 3, 4, 5, 6, 10, 12, 24, 100])
    basis = rng.choice(BASES)
    stated, ctp = price, []
    if basis == "HP":
        stated = price * 100
    elif basis == "PD":
        stated = price * 12
    if basis == "CTP":
        basis, po104 = "", ""
        ctp = [["CTP", "", "RES", str(price * 2)], ["CTP", "", "UCP", str(price)]]
        rng.shuffle(ctp)
    else:
        po104 = format(stated.normalize(), "f") if rng.random() < 0.5 else str(stated)
    line_no = {"plain": str(n), "padded": f"{n:04d}", "tens": str(10 * n), "empty": ""}[numbering]
    po1 = ["PO1", line_no, str(quantity), uom, po104, basis]
    for qualifier, value in _ids(rng, style, customer, catalog):
        po1 += [qualifier, value]
    segments = [po1, *ctp]
    extras = []
    if rng.random() < 0.7:
        extras.append(["PID", "F", rng.choice(["", "08"]), "", "", description])
    if rng.random() < 0.3:
        extras.append(["PO4", "1", "", "", "", "", "", "", "", "", "", "", "", "", "1"])
    if rng.random() < 0.2:
        extras.append(["SAC", "N", "", "VI", "TC091102"])
    if rng.random() < 0.3:
        extras.append(["DTM", rng.choice(["002", "010"]), "20261201"])
    if rng.random() < 0.2:
        extras.append(["REF", "ZZ", f"LN{n}"])
    if rng.random() < 0.2 and quantity > 1:
        extras.append(["SDQ", uom, "92", "S01", "1", "S02", str(quantity - 1)])
    if rng.random() < 0.1:
        extras += [["N1", "ST", "Satellite Clinic", "92", "SAT1"], ["N3", "9 Side St"]]
    rng.shuffle(extras)
    truth = {"item_id": catalog, "quantity": str(quantity), "uom": uom, "unit_price": str(price)}
    return segments + extras, truth


def generate_850(rng: random.Random, k: int) -> Doc:
    customer, name, edi_id, _prefix = rng.choice(CUSTOMERS)
    version = rng.choice(["004010", "005010"])
    element, component, segment = rng.choice(SEPARATORS)
    repetition = "^" if version == "005010" and "^" not in (element, component, segment) else None
    if version == "005010" and repetition is None:
        version = "004010"
    end = "" if segment in ("\n", "\r") else rng.choice(LINE_ENDS)
    order_date = date(2026, 1, 5) + timedelta(days=rng.randint(0, 300))
    po_number = rng.choice([f"45{rng.randint(10000000, 99999999)}", f"PO-{rng.randint(1000, 9999)}",
                            f"{rng.randint(100000, 999999)}"])
    currency = rng.choice(["USD", None])
    style = rng.choice(ID_STYLES)
    numbering = rng.choice(["plain", "padded", "tens", "empty"])
    header: list[list[str]] = []
    optional = [
        [["CUR", "BY", currency]] if currency else [],
        [["REF", "DP", "ORTHO"]], [["REF", "IA", "V1234"]],
        [["PER", "BD", "Sandra Whitfield", "TE", "9195550188"]],
        [["DTM", "002", f"{order_date + timedelta(days=7):%Y%m%d}"]],
        [["FOB", "PP"]], [["ITD", "01", "3", "2", "", "10", "", "30"]], [["TD5", "", "", "", "M", "BEST WAY"]],
        [["N9", "ZZ", "NOTES"], ["MSG", "DELIVER TO DOCK 2"]], [["SAC", "C", "D240", "", "", "1500"]],
    ]
    for block in optional:
        if block and (block[0][0] == "CUR" or rng.random() < 0.5):
            header += block
    rng.shuffle(header)
    bill_to = ["N1", rng.choice(["BY", "BT"]), name, rng.choice(["92", "91", "UL"]), f"B{rng.randint(100, 999)}"]
    ship_to = ["N1", "ST", f"{name} Receiving", "92", f"D{rng.randint(10, 99)}"]
    parties = [[bill_to], [ship_to, ["N2", "Dock 2"], ["N3", "100 Main St"], ["N4", "Springfield", "IL", "62701"]]]
    rng.shuffle(parties)
    if rng.random() < 0.3:  # some partners leave the parties out entirely
        parties = [[ship_to]]
    body = [["BEG", "00", rng.choice(["SA", "NE", "KN"]), po_number, "", f"{order_date:%Y%m%d}"]] + header
    body += [segment_ for block in parties for segment_ in block]
    truth_lines = []
    catalogs = rng.sample(ITEMS, rng.randint(1, 7))
    total = Decimal(0)
    for n, (catalog, description, uom, price) in enumerate(catalogs, start=1):
        segments, truth = _line(rng, n, numbering, style, customer, catalog, description, uom, Decimal(price))
        body += segments
        truth_lines.append(truth)
        total += Decimal(truth["quantity"]) * Decimal(price)
    stated_total = None
    if rng.random() < 0.8:
        body.append(["CTT", str(len(catalogs))])
    if rng.random() < 0.5:
        body.append(["AMT", "TT", str(total)])
        stated_total = str(total)
    sender = edi_id.ljust(15)
    isa = ["ISA", "00", " " * 10, "00", " " * 10, rng.choice(["ZZ", "01", "14"]), sender, "ZZ", "KEYSTONEORTHO  ",
           f"{order_date:%y%m%d}", "0930", repetition or "U", "00501" if version == "005010" else "00401",
           f"{k + 1:09d}", rng.choice(["0", "1"]), "P", component]
    groups = []
    if rng.random() < 0.2:  # an acknowledgement group before the orders
        groups.append([["GS", "FA", edi_id, "KEYSTONEORTHO", f"{order_date:%Y%m%d}", "0930", "77", "X", version],
                       ["ST", "997", "0001"], ["AK1", "IN", "12"], ["AK9", "A", "1", "1", "1"], ["SE", "4", "0001"],
                       ["GE", "1", "77"]])
    st = ["ST", "850", "0001"] + (["005010X"] if version == "005010" and rng.random() < 0.5 else [])
    groups.append([["GS", "PO", edi_id, "KEYSTONEORTHO", f"{order_date:%Y%m%d}", "0930", str(k + 1), "X", version],
                   st, *body, ["SE", str(len(body) + 2), "0001"], ["GE", "1", str(k + 1)]])
    segments = [isa] + [s for g in groups for s in g] + [["IEA", str(len(groups)), f"{k + 1:09d}"]]
    text = "".join(element.join(s).rstrip(element) + segment + end if s[0] != "ISA" else element.join(s) + segment + end
                   for s in segments)
    truth = {"customer_id": customer, "po_number": po_number, "order_date": order_date.isoformat(),
             # without a CUR the order is in the customer's currency (master data: USD)
             "currency": currency or "USD", "total": stated_total, "lines": truth_lines}
    return Doc(f"edi-{k:03d}-{version}-{style}", text.encode("latin-1"), truth)


def generate(seed: int, n: int) -> list[Doc]:
    rng = random.Random(seed)
    return [generate_850(rng, k) for k in range(n)]


# ------------------------------------------------------------------ scoring
def _dec(value) -> Decimal | None:
    return Decimal(str(value)) if value not in (None, "") else None


def score(truth: dict, got: dict) -> dict:
    lines = list(got.get("lines") or [])
    tp = 0
    for want in truth["lines"]:
        k = next((k for k, g in enumerate(lines) if g.get("item_id") == want["item_id"]
                  and _dec(g.get("quantity")) == _dec(want["quantity"]) and g.get("uom") == want["uom"]
                  and _dec(g.get("unit_price")) == _dec(want["unit_price"])), None)
        if k is not None:
            tp += 1
            lines.pop(k)
    wrong = [f"{key}: {got.get(key)!r} != {truth[key]!r}" for key in ("customer_id", "po_number", "order_date",
                                                                      "currency", "total")
             if (_dec(got.get(key)) != _dec(truth[key]) if key == "total" else got.get(key) != truth[key])]
    if got.get("document_type") != "purchase_order":
        wrong.append(f"document_type: {got.get('document_type')!r}")
    return {"tp": tp, "got": len(got.get("lines") or []), "want": len(truth["lines"]), "fields": 6,
            "fields_ok": 6 - len(wrong), "wrong": wrong}


def run(docs: list[Doc], master_dir: Path) -> list[tuple[Doc, dict, dict]]:
    from o2c.intake.master_index import MasterIndex
    from o2c.intake.pipeline import extract

    master = MasterIndex.from_csv_dir(master_dir)
    out = []
    for doc in docs:
        got = extract(doc.data, f"{doc.name}.edi", master=master)
        out.append((doc, got, score(doc.truth, got)))
    return out


def summary(results) -> dict:
    tp, got, want = (sum(s[k] for _d, _g, s in results) for k in ("tp", "got", "want"))
    p, r = tp / got if got else 0.0, tp / want if want else 1.0
    fields, ok = sum(s["fields"] for *_x, s in results), sum(s["fields_ok"] for *_x, s in results)
    return {"line_f1": 2 * p * r / (p + r) if p + r else 0.0, "header": ok / fields}


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    return run(generate(SEED, N_DOCS), write_master(tmp_path_factory.mktemp("x12") / "master"))


def _report(results) -> str:
    return "\n".join(f"{d.name}: {s} {[(l.get('item_raw'), l.get('quantity'), l.get('unit_price')) for l in g['lines']]}"
                     for d, g, s in results if s["wrong"] or s["tp"] != s["want"] or s["got"] != s["want"])


def test_generated_850s_reach_floors(results):
    figures = summary(results)
    assert figures["line_f1"] >= LINE_F1, _report(results)
    assert figures["header"] >= HEADER, _report(results)


def test_every_generated_850_is_read_as_edi_without_warnings_about_reading(results):
    for doc, got, _s in results:
        assert got["channel"] == "edi", doc.name
        assert not any("could not read" in w for w in got.get("warnings") or []), (doc.name, got["warnings"])


def test_generation_is_deterministic():
    assert [(d.name, d.data) for d in generate(3, 5)] == [(d.name, d.data) for d in generate(3, 5)]
