"""A seeded generator of purchase orders and case sheets in many layouts, with their truth.

Real senders differ in label wording, column order and naming, where a value sits relative to its
label, date and money formats, units, page breaks, total rows, notes inside the table and part
numbers. The visible corpus only shows a few of those layouts, so this generator draws each of
those choices independently from a seeded ``random.Random``: the same seed always gives the same
documents, and a new seed gives layouts nobody tuned the parser for. Documents are HTML rendered to
PDF with weasyprint; scans are those PDFs rendered to images with pypdfium2 and degraded (rotation,
blur, noise) the way a sheet-fed scanner or fax does.
"""
from __future__ import annotations

import html
import io
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

# ------------------------------------------------------------------ master data
ITEMS = [
    ("7402-3514", "CORTICAL SCREW 3.5 X 14MM", "EA", "42.24"),
    ("7402-3520", "CORTICAL SCREW 3.5 X 20MM", "EA", "44.10"),
    ("7104-1001", "ACETABULAR LINER XLPE 28MM", "EA", "650.00"),
    ("7201-0500", "FEMORAL COMPONENT SIZE 5", "EA", "2450.00"),
    ("7404-0020", "K-WIRE 2.0MM X 150MM", "BX", "1086.24"),
    ("8830-1102", "LOCKING PLATE 8 HOLE", "EA", "875.00"),
    ("8830-1210", "DISTAL RADIUS PLATE LEFT", "EA", "1210.50"),
    ("5520-0045", "BONE CEMENT 40G", "BX", "312.75"),
    ("6610-2234", "TIBIAL INSERT 10MM", "EA", "1399.00"),
    ("6610-2301", "PATELLA BUTTON 35MM", "EA", "585.25"),
]
GTIN = {cat: "0088474%07d" % (1000 + k) for k, (cat, *_rest) in enumerate(ITEMS)}
CUSTOMERS = [
    ("C-10", "Northgate Regional Medical Center", "ap@northgate.example", "NG"),
    ("C-20", "Bayview Surgical Institute", "purchasing@bayview.example", "BV"),
]


def write_master(folder: Path) -> Path:
    """A small master set (section 1 CSVs) the generated documents resolve against."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = {
        "items.csv": ["item_id,description,gtin,uom,pack_size,list_price,lot_controlled"]
        + [f"{c},{d},{GTIN[c]},{u},1,{p},true" for c, d, u, p in ITEMS],
        "customers.csv": ["customer_id,name,kind,email,currency"]
        + [f"{cid},{name},hospital,{mail},USD" for cid, name, mail, _ in CUSTOMERS],
        "sites.csv": ["site_id,customer_id,name,address1,city,state,postal_code,country,kind"]
        + [f"{cid}-ST,{cid},{name} Receiving,{100 + k} Main St,Springfield,IL,6270{k},US,ship_to"
           for k, (cid, name, _, _) in enumerate(CUSTOMERS)],
        "customer_items.csv": ["customer_id,customer_item_ref,item_id"]
        + [f"{cid},{prefix}-{440000 + 17 * k},{cat}" for cid, _, _, prefix in CUSTOMERS
           for k, (cat, *_r) in enumerate(ITEMS)],
    }
    return write_csvs(folder, rows)


def write_csvs(folder: Path, files: dict[str, list[str]]) -> Path:
    """Each file's lines (header first) as a spec section 1 CSV in ``folder``; the generators' shared
    way of writing the master data their documents resolve against."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, lines in files.items():
        (folder / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def customer_ref(customer_id: str, catalog: str) -> str:
    prefix = next(p for cid, _, _, p in CUSTOMERS if cid == customer_id)
    k = next(k for k, (c, *_r) in enumerate(ITEMS) if c == catalog)
    return f"{prefix}-{440000 + 17 * k}"


# ------------------------------------------------------------------ variation tables
PO_LABELS = ["PO Number", "P.O. No.", "Purchase Order #", "Order No", "PO #", "PO No:", "P.O. Number",
             "Purchase Order No."]
DATE_LABELS = ["Date", "Order Date", "PO Date", "Date Ordered", "Issue Date"]
COLUMN_NAMES = {
    "line": ["Line", "Ln", "#", "Line #", "Seq"],
    "item": ["Item", "Catalog #", "Part No", "REF", "Product Code", "Mfr #", "Cat. No.", "Item Number"],
    "cust": ["Our Item #", "Customer Part #", "Hospital Item #", "Buyer Part #"],
    "desc": ["Description", "Item Description", "Product Description", "Desc"],
    "qty": ["Qty", "Quantity", "QTY ORD", "Order Qty", "Qty Ordered"],
    "uom": ["UOM", "U/M", "Unit"],
    "price": ["Unit Price", "Price Each", "Unit Cost", "Price", "Net Price"],
    "ext": ["Ext", "Amount", "Line Total", "Extended", "Ext. Price", "Total"],
}
DATE_FORMATS = ["us", "iso", "mon", "dmy"]
MONEY_FORMATS = ["dollar", "plain", "usd"]
TOTAL_LABELS = ["Total", "TOTAL", "Order Total", "Grand Total", "Total Amount", "PO Total"]


def fmt_date(d: date, style: str) -> str:
    if style == "us":
        return d.strftime("%m/%d/%Y")
    if style == "iso":
        return d.isoformat()
    if style == "mon":
        return f"{d.strftime('%b')} {d.day}, {d.year}"
    return d.strftime("%d-%b-%Y")


def fmt_money(v: Decimal, style: str) -> str:
    if style == "dollar":
        return f"${v:,.2f}"
    if style == "usd":
        return f"USD {v:,.2f}"
    text = f"{v:.2f}"
    return text[:-1] if text.endswith("0") and not text.endswith(".00") else text


# ------------------------------------------------------------------ documents and truth
@dataclass
class Doc:
    name: str
    kind: str  # purchase_order | case_sheet
    html: str
    truth: dict
    variant: dict = field(default_factory=dict)
    scan: bool = False


def _pick(rng: random.Random, options: list):
    return options[rng.randrange(len(options))]


def _header_pair(label: str, value: str, above: bool) -> str:
    """One label/value pair, value right of the label or under it (boxed forms)."""
    lab, val = html.escape(label), html.escape(value)
    if above:
        return (f'<td style="vertical-align:top;padding:4px 30px 10px 0"><div style="font-size:8pt">{lab}</div>'
                f'<div style="padding-left:6px">{val}</div></td>')
    sep = "" if label.rstrip().endswith((":", "#", ".")) else ":"
    return f'<td style="padding:2px 40px 2px 0">{lab}{sep}&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;{val}</td>'


def _page_html(body: str) -> str:
    return ('<html><head><style>@page { size: letter; margin: 0.6in }'
            ' body { font-family: sans-serif; font-size: 10pt }'
            ' thead { display: table-header-group } td, th { padding: 3px 6px }'
            ' </style></head><body>' + body + '</body></html>')


def purchase_order(rng: random.Random, n: int, max_lines: int = 40) -> Doc:
    """A purchase order with every layout choice drawn independently."""
    cust_id, cust_name, _, _ = _pick(rng, CUSTOMERS)
    v = {
        "po_label": _pick(rng, PO_LABELS), "date_label": _pick(rng, DATE_LABELS),
        "above": rng.random() < 0.4, "date_fmt": _pick(rng, DATE_FORMATS), "money": _pick(rng, MONEY_FORMATS),
        "uom": rng.random() < 0.6, "line_col": rng.random() < 0.6, "cust_parts": rng.random() < 0.3,
        "notes": rng.random() < 0.4, "totals": rng.random() < 0.7, "prices": rng.random() < 0.85,
        "n_lines": rng.choice([2, 3, 4, 6]) if rng.random() < 0.8 else rng.randint(26, 34),
    }
    v["n_lines"] = min(v["n_lines"], max_lines)  # a scan is one page: its order fits on it
    names = {k: _pick(rng, opts) for k, opts in COLUMN_NAMES.items()}
    order = ["item", "desc", "qty"] + (["uom"] if v["uom"] else []) + (["price", "ext"] if v["prices"] else [])
    if v["cust_parts"]:
        order[0] = "cust"
    middle = order[:]
    if rng.random() < 0.5:  # description first, or quantity before the item, as some ERPs print
        rng.shuffle(middle)
        for money_col in ("price", "ext"):  # money stays at the right, as on every real form
            if money_col in middle:
                middle.remove(money_col)
                middle.append(money_col)
    cols = (["line"] if v["line_col"] else []) + middle
    v["columns"] = [names[c] for c in cols]
    po = f"{rng.choice(['45', 'PO', 'NG', ''])}{rng.randint(100000, 999999)}"
    when = date(2026, 1, 5) + timedelta(days=rng.randint(0, 320))
    lines, truth_lines, total = [], [], Decimal("0")
    picked = rng.sample(range(len(ITEMS)), k=min(v["n_lines"], len(ITEMS)))
    while len(picked) < v["n_lines"]:
        picked.append(rng.randrange(len(ITEMS)))
    for k, idx in enumerate(picked, 1):
        cat, desc, uom, price = ITEMS[idx]
        qty = rng.choice([1, 1, 2, 3, 5, 10, 12, 24])
        unit = Decimal(price)
        ext = unit * qty
        total += ext
        cell = {"line": str(k), "item": cat, "cust": customer_ref(cust_id, cat), "desc": desc, "qty": str(qty),
                "uom": uom, "price": fmt_money(unit, v["money"]), "ext": fmt_money(ext, v["money"])}
        lines.append([cell[c] for c in cols])
        truth_lines.append({"item_id": cat, "quantity": str(qty),
                            "unit_price": f"{unit:.2f}" if v["prices"] else None})
        if v["notes"] and k == 2:
            lines.append(("note", rng.choice(["Note: deliver to OR 3 before 7am", "** Rush - surgery Monday **",
                                              "Comments: sterile, do not substitute"])))
    head = "".join(f'<th style="text-align:left;border-bottom:1px solid #000">{html.escape(c)}</th>'
                   for c in v["columns"])
    body = []
    for row in lines:
        if isinstance(row, tuple):
            body.append(f'<tr><td colspan="{len(cols)}" style="font-style:italic">{html.escape(row[1])}</td></tr>')
        else:
            body.append("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>")
    foot = ""
    shown_total = None
    if v["totals"] and v["prices"]:
        tax, freight = Decimal("0.00"), Decimal(rng.choice(["0.00", "25.00", "45.50"]))
        shown_total = total + tax + freight
        label = _pick(rng, TOTAL_LABELS)
        rows = [("Subtotal", total), ("Tax", tax), ("Freight", freight), (label, shown_total)]
        foot = "".join(f'<tr><td colspan="{len(cols) - 1}" style="text-align:right">{html.escape(a)}</td>'
                       f'<td>{fmt_money(b, v["money"])}</td></tr>' for a, b in rows)
    table = (f'<table style="width:100%;border-collapse:collapse;margin-top:24px"><thead><tr>{head}</tr></thead>'
             f'<tbody>{"".join(body)}{foot}</tbody></table>')
    pairs = [_header_pair(v["po_label"], po, v["above"]),
             _header_pair(v["date_label"], fmt_date(when, v["date_fmt"]), v["above"])]
    header = ("<table><tr>" + "".join(pairs) + "</tr></table>" if v["above"]
              else "<table>" + "".join(f"<tr>{p}</tr>" for p in pairs) + "</table>")
    title = rng.choice(["PURCHASE ORDER", "Purchase Order", "PURCHASE ORDER - ORIGINAL"])
    top = (f'<table style="width:100%"><tr><td style="font-size:17pt"><b>{html.escape(cust_name)}</b></td>'
           f'<td style="text-align:right;font-size:14pt">{title}</td></tr></table>'
           f'<p>Materials Management &middot; Supply Chain</p>{header}'
           f'<table style="width:100%;margin-top:16px"><tr><td><b>Ship To</b></td><td><b>Bill To</b></td></tr>'
           f'<tr><td>{html.escape(cust_name)} Receiving<br>100 Main St<br>Springfield, IL 62700</td>'
           f'<td>Accounts Payable<br>PO Box 12<br>Springfield, IL 62701</td></tr></table>')
    truth = {"document_type": "purchase_order", "customer_id": cust_id, "po_number": po,
             "order_date": when.isoformat(), "total": f"{shown_total:.2f}" if shown_total is not None else None,
             "lines": truth_lines}
    return Doc(f"po-{n:03d}", "purchase_order", _page_html(top + table), truth, v)


def case_sheet(rng: random.Random, n: int) -> Doc:
    """An implant record: header fields plus stickers in a grid, or a REF/LOT/EXP table."""
    cust_id, cust_name, _, _ = _pick(rng, CUSTOMERS)
    v = {"grid": rng.random() < 0.5, "above": rng.random() < 0.5, "date_fmt": _pick(rng, DATE_FORMATS),
         "n": rng.randint(2, 4),
         "case_label": _pick(rng, ["Case #", "Case ID", "Case Number"]),
         "date_label": _pick(rng, ["Date of Surgery", "Surgery Date", "Procedure Date", "DOS"]),
         "mrn_label": _pick(rng, ["Patient MRN", "MRN", "Medical Record #"]),
         "doc_label": _pick(rng, ["Surgeon", "Physician", "Attending Surgeon"])}
    when = date(2026, 1, 5) + timedelta(days=rng.randint(0, 300))
    case_id = f"CS-{rng.randint(1000, 9999)}"
    mrn = f"MRN {rng.randint(1000000, 9999999)}"
    pairs = [(v["case_label"], case_id), (v["date_label"], fmt_date(when, v["date_fmt"])),
             (v["mrn_label"], mrn), (v["doc_label"], rng.choice(["Ann Lee, MD", "Dr. Raj Patel", "M. Ortiz MD"]))]
    header = "<table>" + "".join(
        "<tr>" + "".join(_header_pair(a, b, v["above"]) for a, b in pairs[k:k + 2]) + "</tr>" for k in (0, 2)) + \
        "</table>"
    units = []
    for idx in rng.sample(range(len(ITEMS)), k=v["n"]):
        cat, desc, _, _ = ITEMS[idx]
        lot = f"L{rng.randint(10000, 99999)}"
        exp = when + timedelta(days=rng.randint(200, 1200))
        units.append((cat, desc, lot, exp))
    if v["grid"]:
        cells = [f'<td style="vertical-align:top;width:50%;padding:8px 8px 24px 8px">ACME ORTHO<br>REF {cat}<br>'
                 f'{html.escape(desc)}<br>LOT {lot}<br>EXP {exp.isoformat()}<br>'
                 f'(01){GTIN[cat]}(17){exp.strftime("%y%m%d")}(10){lot}</td>' for cat, desc, lot, exp in units]
        rows = "".join("<tr>" + "".join(cells[k:k + 2]) + "</tr>" for k in range(0, len(cells), 2))
        body = f'<p style="margin-top:24px">Place implant stickers below</p><table style="width:100%">{rows}</table>'
    else:
        names = [_pick(rng, ["REF", "Catalog #", "Part No"]), "Description", _pick(rng, ["LOT", "Lot #", "Lot No"]),
                 _pick(rng, ["EXP", "Expiration", "Exp Date"]), _pick(rng, ["Qty", "Qty Used", "Quantity"])]
        head = "".join(f'<th style="text-align:left">{html.escape(x)}</th>' for x in names)
        rows = "".join(f"<tr><td>{cat}</td><td>{html.escape(desc)}</td><td>{lot}</td>"
                       f"<td>{fmt_date(exp, v['date_fmt'])}</td><td>1</td></tr>" for cat, desc, lot, exp in units)
        body = f'<table style="width:100%;margin-top:24px"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>'
    top = (f'<table style="width:100%"><tr><td style="font-size:17pt"><b>{html.escape(cust_name)}</b></td>'
           f'<td style="text-align:right;font-size:13pt">IMPLANT USAGE RECORD</td></tr></table>')
    truth = {"document_type": "case_sheet", "customer_id": cust_id,
             "procedure": {"date": when.isoformat(), "case_id": case_id, "patient_ref": mrn},
             "lines": [{"item_id": cat, "quantity": "1", "unit_price": None, "lot": lot, "expiry": exp.isoformat()}
                       for cat, _, lot, exp in units]}
    return Doc(f"case-{n:03d}", "case_sheet", _page_html(top + header + body), truth, v)


def generate(seed: int, n_po: int = 9, n_case: int = 3, n_scan: int = 4) -> list[Doc]:
    """``n_po`` orders and ``n_case`` case sheets as text PDFs, plus ``n_scan`` more as scans."""
    rng = random.Random(seed)
    docs = [purchase_order(rng, k) for k in range(n_po)] + [case_sheet(rng, k) for k in range(n_case)]
    for k in range(n_scan):
        d = purchase_order(rng, 100 + k, max_lines=8) if k % 4 != 3 else case_sheet(rng, 100 + k)
        d.scan = True
        docs.append(d)
    return docs


# ------------------------------------------------------------------ rendering
def render_pdf(doc: Doc) -> bytes:
    from weasyprint import HTML

    return HTML(string=doc.html).write_pdf()


def render_scan(pdf: bytes, seed: int, dpi: int = 200) -> tuple[bytes, str]:
    """The first page as a degraded scan: ±2° rotation, slight blur and noise, PNG or TIFF."""
    import pypdfium2 as pdfium
    from PIL import Image, ImageFilter

    rng = random.Random(seed)
    page = pdfium.PdfDocument(pdf)[0]
    im = page.render(scale=dpi / 72).to_pil().convert("L")
    im = im.rotate(rng.uniform(-2, 2), resample=Image.BICUBIC, expand=False, fillcolor=255)
    im = im.filter(ImageFilter.GaussianBlur(radius=rng.uniform(0.4, 0.8)))
    noise = Image.effect_noise(im.size, rng.uniform(8, 16))
    im = Image.blend(im, noise.point(lambda p: 255 if p > 128 else p), 0.08)
    fmt = "TIFF" if rng.random() < 0.5 else "PNG"
    out = io.BytesIO()
    im.save(out, format=fmt, dpi=(dpi, dpi))
    return out.getvalue(), fmt.lower()


# ------------------------------------------------------------------ scoring
def _dec(text) -> Decimal | None:
    try:
        return Decimal(str(text)) if text not in (None, "") else None
    except Exception:
        return None


def line_matches(truth: dict, got: dict) -> bool:
    """Same item, same quantity, same unit price when one is printed (lot too on case sheets)."""
    if got.get("item_id") != truth["item_id"] or _dec(got.get("quantity")) != _dec(truth["quantity"]):
        return False
    if truth.get("unit_price") is not None and _dec(got.get("unit_price")) != _dec(truth["unit_price"]):
        return False
    return truth.get("lot") is None or got.get("lot") == truth["lot"]


def score(truth: dict, got: dict) -> dict:
    """Line true positives / extracted / expected, and header fields right / checked."""
    expected, lines = truth["lines"], list(got.get("lines") or [])
    tp = 0
    for t in expected:
        k = next((k for k, g in enumerate(lines) if line_matches(t, g)), None)
        if k is not None:
            tp += 1
            lines.pop(k)
    checks = {"document_type": got.get("document_type"), "customer_id": got.get("customer_id")}
    if truth["document_type"] == "purchase_order":
        checks.update(po_number=got.get("po_number"), order_date=got.get("order_date"), total=got.get("total"))
    else:
        proc = got.get("procedure") or {}
        checks.update({f"procedure.{k}": proc.get(k) for k in ("date", "case_id", "patient_ref")})
    wanted = dict(truth)
    for k in ("date", "case_id", "patient_ref"):
        wanted[f"procedure.{k}"] = (truth.get("procedure") or {}).get(k)
    wrong = []
    for key, value in checks.items():
        want = wanted.get(key)
        same = _dec(value) == _dec(want) if key == "total" and want and value else value == want
        if not same:
            wrong.append(f"{key}: {value!r} != {want!r}")
    return {"tp": tp, "got": len(got.get("lines") or []), "want": len(expected),
            "fields": len(checks), "fields_ok": len(checks) - len(wrong), "wrong": wrong}


def run(docs: list[Doc], master_dir: Path, seed: int = 0) -> list[tuple[Doc, dict, dict]]:
    """Extract every document with the real pipeline: (document, extraction, score) each."""
    from o2c.intake.master_index import MasterIndex
    from o2c.intake.pipeline import extract

    master = MasterIndex.from_csv_dir(master_dir)
    out = []
    for k, d in enumerate(docs):
        pdf = render_pdf(d)
        data, name = (render_scan(pdf, seed * 1000 + k) if d.scan else (pdf, "pdf"))
        got = extract(data, f"{d.name}.{name}", master=master, channel="upload")
        out.append((d, got, score(d.truth, got)))
    return out


def summary(results: list[tuple[Doc, dict, dict]], scans: bool | None = None) -> dict:
    """Micro-averaged line precision/recall/F1 and header accuracy (optionally scans only)."""
    sel = [s for d, _, s in results if scans is None or d.scan == scans]
    fields, ok = sum(s["fields"] for s in sel), sum(s["fields_ok"] for s in sel)
    return {**line_figures(sel), "header": round(ok / fields, 3) if fields else 1.0}


def line_figures(scores: list[dict]) -> dict:
    """Documents, and micro-averaged line precision, recall and F1 over per-document scores with
    ``tp`` (matched lines), ``got`` (lines read) and ``want`` (lines in the truth)."""
    tp, got, want = (sum(s[k] for s in scores) for k in ("tp", "got", "want"))
    p, r = tp / got if got else 0.0, tp / want if want else 1.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return {"docs": len(scores), "line_f1": round(f1, 3), "precision": round(p, 3), "recall": round(r, 3)}


if __name__ == "__main__":  # python tests/unit/intake/variants/gen.py [SEED ...]: a report per document
    import sys
    import tempfile

    seeds = [int(a) for a in sys.argv[1:]] or [1]
    with tempfile.TemporaryDirectory() as tmp:
        master_dir = write_master(Path(tmp) / "master")
        allres = []
        for seed in seeds:
            res = run(generate(seed), master_dir, seed)
            allres += res
            for d, got, s in res:
                flag = "" if s["tp"] == s["want"] == s["got"] and not s["wrong"] else "  <--"
                print(f"{seed} {d.name}{' scan' if d.scan else ''}: lines {s['tp']}/{s['want']} got {s['got']} "
                      f"{s['wrong']}{flag}")
        print("all", summary(allres), "text", summary(allres, False), "scan", summary(allres, True))
