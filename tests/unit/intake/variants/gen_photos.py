"""A seeded generator of phone photos of implant case sheets, with their truth and master data.

Only two photographed case sheets were ever seen. Real ones differ in how the form prints its
captions (a caption in the corner of a box, "Label: value" on a ruled line, two columns of pairs),
in their wording ("Case #", "Case No.", "Surgeon", "Attending", "Vendor Rep", "Sales Rep"), in how
the facility prints its name, in how many implant stickers are stuck on and how (DataMatrix, GS1-128
or no symbol at all), in which values are handwritten, and in how the phone took the picture
(angle, rotation, dark table around the sheet, uneven light, blur, JPEG). Each of those is drawn
independently from a seeded ``random.Random``: the same seed gives the same photos, a new seed gives
sheets nobody tuned the reader for.

The world behind the sheets (customers and their facilities, surgeons, reps, consignment closets and
trunks with the units in them) is written as spec section 1 CSVs; every sticker on a sheet is a unit
taken from the facility's closet or the rep's trunk, so a clean sheet can become an order with no
human touch. ``run`` ingests the photos into a scratch database exactly like ``o2c bench extraction``
and scores them with ``o2c.intake.scoring``.

Handwriting needs a handwriting font (Debian: fonts-dkg-handwriting, fonts-comic-neue);
``handwriting_fonts()`` is empty without them and the tests skip.
"""
from __future__ import annotations

import base64
import html
import io
import json
import random
import subprocess
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from tests.unit.intake.variants.gen import fmt_date, write_csvs

# ------------------------------------------------------------------ the world (master data)
#: (item_id, description, serial controlled) - implants carry serials, screws and cement do not.
ITEMS = [
    ("5101-0044", "ACETABULAR SHELL 48MM", True),
    ("5102-2810", "ACETABULAR LINER XLPE 28MM", True),
    ("5103-0012", "FEMORAL HEAD COCR 32MM +0", True),
    ("5104-1205", "FEMORAL STEM SIZE 5 COLLARED", True),
    ("5210-0330", "TIBIAL TRAY SIZE 3", True),
    ("5211-1009", "TIBIAL INSERT 9MM CR", True),
    ("5212-0035", "PATELLA BUTTON 35MM", True),
    ("5213-0504", "FEMORAL COMPONENT KNEE SIZE 4 LEFT", True),
    ("5310-1108", "LOCKING PLATE 8 HOLE", True),
    ("5311-3520", "CORTICAL SCREW 3.5 X 20MM", False),
    ("5312-4040", "CANCELLOUS SCREW 4.0 X 40MM", False),
    ("5400-0040", "BONE CEMENT 40G", False),
]
#: (customer_id, customer name, [(facility name, city)])
CUSTOMERS = [
    ("C-501", "Harborline Medical Center", [("Harborline Medical Center", "Portland", "OR"),
                                            ("Harborline Joint Institute", "Beaverton", "OR")]),
    ("C-502", "St. Aldric Hospital", [("St. Aldric Hospital", "Columbus", "OH")]),
    ("C-503", "Crescent Valley Surgery Center", [("Crescent Valley Surgery Center", "Fresno", "CA")]),
    ("C-504", "Windmere Regional Health", [("Windmere Regional Hospital", "Omaha", "NE"),
                                           ("Windmere Orthopedic Pavilion", "Lincoln", "NE")]),
]
PHYSICIANS = ["Hannah Okafor", "Ruth Abernathy", "Daniel Whitcombe", "Priya Venkat", "Marcus Ellery",
              "Lena Sorensen", "Victor Amado", "Grace Holloway", "Tobias Renner", "Naomi Castellan",
              "Felix Duarte", "Irene Matsuda"]
#: (rep_id, name, territory): two reps cover each state, as reps of one maker share regions.
REPS = [("R-61", "Shonda Miles", "Oregon / Washington"), ("R-62", "Kevin Albright", "Ohio / Kentucky"),
        ("R-63", "Marta Jablonski", "Nebraska / Iowa"), ("R-64", "Derek Fontaine", "Ohio / Nebraska"),
        ("R-65", "Alicia Brandt", "Northern California / Oregon"), ("R-66", "Omar Haddad", "Central California")]
MAKER = "KEYSTONE ORTHO"


def gtin_for(k: int) -> str:
    body = "0085003451%03d" % (100 + k)
    total = sum(int(c) * (3 if i % 2 == 0 else 1) for i, c in enumerate(reversed(body)))
    return body + str((10 - total % 10) % 10)


GTIN = {cat: gtin_for(k) for k, (cat, _, _) in enumerate(ITEMS)}


@dataclass
class Unit:
    location: str
    item_id: str
    lot: str
    serial: str | None
    expiry: date


@dataclass
class World:
    facilities: list[dict]          # site_id, customer_id, name, city, closet
    physicians: list[dict]          # physician_id, name, site_id
    units: list[Unit]
    used: set = field(default_factory=set)


def world() -> World:
    """The same world for every seed (its own fixed random draw), so one master serves every run."""
    rng = random.Random(4242)
    facilities, physicians, units = [], [], []
    for cid, _, sites in CUSTOMERS:
        for k, (name, city, state) in enumerate(sites, start=3):
            site = f"S-{cid[2:]}-{k:02d}"
            facilities.append({"site_id": site, "customer_id": cid, "name": name, "city": city, "state": state,
                               "closet": f"CON-{cid[2:]}-{k:02d}"})
    for k, name in enumerate(PHYSICIANS):
        physicians.append({"physician_id": f"P-{701 + k}", "name": name,
                           "site_id": facilities[k % len(facilities)]["site_id"]})
    places = [f["closet"] for f in facilities] + [f"TRK-{rid}" for rid, _, _ in REPS]
    for place in places:
        for cat, _, serial in ITEMS:
            for _ in range(rng.randint(1, 3)):
                units.append(Unit(place, cat, f"L{rng.randint(10000, 99999)}",
                                  f"SN{rng.randint(100000, 999999)}" if serial else None,
                                  date(2027, 1, 1) + timedelta(days=rng.randint(0, 1400))))
    return World(facilities, physicians, units)


def write_master(folder: Path, w: World | None = None) -> Path:
    """Section 1 CSVs for the world: customers, sites, items, physicians, reps, locations, inventory."""
    w = w or world()
    folder.mkdir(parents=True, exist_ok=True)
    sites = ["site_id,customer_id,name,address1,address2,city,state,postal_code,country,kind"]
    for cid, cname, _ in CUSTOMERS:
        sites.append(f"S-{cid[2:]}-01,{cid},{cname} - Accounts Payable,PO Box {cid[2:]}0,,Springfield,IL,62701,US,"
                     "bill_to")
        sites.append(f"S-{cid[2:]}-02,{cid},{cname} - Central Receiving,1 Dock Rd,,Springfield,IL,62701,US,ship_to")
    for f in w.facilities:
        sites.append(f"{f['site_id']},{f['customer_id']},{f['name']},{len(f['name'])} Main St,,{f['city']},"
                     f"{f['state']},{60000 + len(f['name'])},US,facility")
    rows = {
        "customers.csv": ["customer_id,name,kind,email,currency,credit_limit,payment_terms"]
        + [f"{cid},{name},hospital,ap@{cid.lower()}.example,USD,5000000.00,NET30" for cid, name, _ in CUSTOMERS],
        "sites.csv": sites,
        "items.csv": ["item_id,description,gtin,uom,pack_size,list_price,lot_controlled,serial_controlled"]
        + [f"{cat},{desc},{GTIN[cat]},EA,1,{500 + 37 * k}.00,true,{'true' if s else 'false'}"
           for k, (cat, desc, s) in enumerate(ITEMS)],
        "physicians.csv": ["physician_id,name,npi,site_id"]
        + [f"{p['physician_id']},{p['name']},{1700000000 + k},{p['site_id']}" for k, p in enumerate(w.physicians)],
        "reps.csv": ["rep_id,name,phone,email,agency,territory,kind"]
        + [f"{rid},{name},+1555010{k:04d},{name.split()[0].lower()}@keystone.example,,{area},employee"
           for k, (rid, name, area) in enumerate(REPS)],
        "locations.csv": ["location_id,kind,name,customer_id,site_id,rep_id", "WH-01,warehouse,Main DC,,,"]
        + [f"{f['closet']},consignment,{f['name']} Consignment Closet,{f['customer_id']},{f['site_id']},"
           for f in w.facilities]
        + [f"TRK-{rid},trunk,Trunk Stock - {name},,,{rid}" for rid, name, _ in REPS],
        "inventory.csv": ["location_id,item_id,quantity,lot,serial,expiry"]
        + [f"{u.location},{u.item_id},1,{u.lot},{u.serial or ''},{u.expiry.isoformat()}" for u in w.units],
    }
    return write_csvs(folder, rows)


# ------------------------------------------------------------------ fonts
HANDWRITING = ("DkgHandwriting", "Comic Neue")


def handwriting_fonts() -> list[str]:
    """The handwriting font families fontconfig knows (empty without them: the tests skip)."""
    try:
        listed = subprocess.run(["fc-list", ":", "family"], capture_output=True, text=True, timeout=20).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    return [f for f in HANDWRITING if f.lower() in listed.lower()]


# ------------------------------------------------------------------ variation tables
LABELS = {
    "mrn": ["Patient MRN", "MRN", "Medical Record #", "Patient MRN #", "MRN #"],
    "case": ["Case #", "Case ID", "Case No.", "Case Number"],
    "date": ["Date of Surgery", "Surgery Date", "Procedure Date", "DOS", "Date of Procedure"],
    "surgeon": ["Surgeon", "Physician", "Attending Surgeon", "Surgeon Name"],
    "rep": ["Vendor Rep", "Rep", "Sales Rep", "Company Rep", "Rep Name"],
}
EXTRAS = [("Procedure", ["Total Hip Arthroplasty", "Total Knee Arthroplasty", "ORIF Distal Radius",
                         "Revision Hip", "Unicompartmental Knee"]),
          ("OR Room", ["OR 4", "OR 10", "OR 7", "Suite B"]),
          ("Vendor", [MAKER.title(), "Keystone"])]
TITLES = ["IMPLANT / DEVICE USAGE RECORD", "IMPLANT RECORD", "Implant Log", "IMPLANT USAGE SHEET",
          "Implantable Device Record"]
SUBTITLES = ["Perioperative Services", "Department of Surgery", "Surgical Services", "Operating Room"]
DATE_FORMATS = ["us", "iso", "mon", "dmy"]


def _pick(rng: random.Random, options):
    return options[rng.randrange(len(options))]


# ------------------------------------------------------------------ the sheet
@dataclass
class Sheet:
    name: str
    html: str
    truth: dict
    variant: dict
    received_at: str


def _png_uri(image) -> str:
    out = io.BytesIO()
    image.save(out, format="PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def _hri(u: Unit) -> str:
    return f"(01){GTIN[u.item_id]}(17){u.expiry.strftime('%y%m%d')}(10){u.lot}" + (f"(21){u.serial}" if u.serial else "")


def _symbol(u: Unit, kind: str) -> str:
    from o2c.intake.barcodes import create_barcode_image, create_gs1_datamatrix
    if kind == "datamatrix":
        return _png_uri(create_gs1_datamatrix(_hri(u), scale=4))
    return _png_uri(create_barcode_image(_hri(u), "Code128", gs1_data=True, scale=2))


def _sticker(rng: random.Random, u: Unit, v: dict, desc: str) -> str:
    """A printed implant sticker: maker, REF, description, LOT / SN / EXP, an optional symbol and its
    human-readable line."""
    kind = v["symbol"]
    sep = ":" if v["key_colon"] else ""
    keys = [f"<b>REF{sep} {u.item_id}</b>", f"LOT{sep} {u.lot}"] + ([f"SN{sep} {u.serial}"] if u.serial else []) \
        + [f"EXP{sep} {u.expiry.isoformat()}"]
    if v["keys_inline"]:
        text = (f'<div style="font-weight:bold">{keys[0]} <span style="font-size:7pt;font-weight:normal">'
                f'{html.escape(desc)}</span></div><div style="font-family:monospace;font-weight:bold">'
                + "&nbsp;&nbsp; ".join(keys[1:]) + "</div>")
    else:
        text = (f"<div>{keys[0]}</div><div style=\"font-size:7pt\">{html.escape(desc)}</div>"
                + "".join(f'<div style="font-family:monospace;font-weight:bold">{k}</div>' for k in keys[1:]))
    hri = f'<div style="font-family:monospace;font-size:5.5pt">{_hri(u)}</div>' if kind != "none" else ""
    maker = f'<div style="font-size:7pt;font-weight:bold">{MAKER}</div>'
    box = "border:1px solid #333;padding:6px 8px;margin:6px;background:#fff"
    if kind == "datamatrix":
        return (f'<div style="{box}">{maker}<table><tr><td style="vertical-align:top">'
                f'<img src="{_symbol(u, kind)}" style="width:0.62in"></td>'
                f'<td style="vertical-align:top;padding-left:10px;font-size:8.5pt">{text}</td></tr></table>{hri}</div>')
    if kind == "gs1_128":
        return (f'<div style="{box};font-size:8.5pt">{maker}{text}'
                f'<img src="{_symbol(u, kind)}" style="height:0.42in;max-width:3.3in;margin-top:4px">{hri}</div>')
    return f'<div style="{box};font-size:8.5pt">{maker}{text}</div>'


def _handwritten_entry(rng: random.Random, u: Unit, hand: str) -> str:
    """A device written in by hand where no sticker was available: catalog, lot, serial."""
    style = f"font-family:'{hand}';font-size:{rng.randint(17, 21)}pt;line-height:1.15"
    rows = [u.item_id, f"{_pick(rng, ['lot', 'Lot', 'LOT'])} {u.lot}"]
    if u.serial:
        rows.append(f"{_pick(rng, ['sn', 'SN', 'S/N'])} {u.serial}")
    return (f'<div style="border:1px solid #333;padding:6px 10px;margin:6px;min-height:1in">'
            f'<div style="font-size:7pt;color:#444">{_pick(rng, ["(no sticker)", "No sticker available"])}</div>'
            + "".join(f'<div style="{style}">{html.escape(r)}</div>' for r in rows) + "</div>")


def _value(text: str, hand: str | None, rng: random.Random) -> str:
    if hand:
        return f"<span style=\"font-family:'{hand}';font-size:{rng.randint(15, 19)}pt\">{html.escape(text)}</span>"
    return f"<b>{html.escape(text)}</b>"


def _header(rng: random.Random, v: dict, pairs: list[tuple[str, str, str | None]]) -> str:
    """The label/value pairs in the drawn style: boxes with a caption in the corner, "Label: value" on
    ruled lines, or a two-column table of pairs."""
    cells = []
    for label, value, hand in pairs:
        val = _value(value, hand, rng)
        lab = html.escape(label)
        if v["header"] == "boxes":
            cells.append(f'<td style="border:1px solid #444;padding:2px 6px;width:50%;height:0.36in">'
                         f'<div style="font-size:7pt;color:#333">{lab}</div>'
                         f'<div style="text-align:center;font-size:10.5pt">{val}</div></td>')
        else:
            sep = "" if label.endswith(("#", ":")) else ":"
            cells.append(f'<td style="padding:5px 6px;width:50%;border-bottom:1px solid #666">'
                         f'<span style="font-size:9pt">{lab}{sep}</span>&nbsp;&nbsp; {val}</td>')
    if v["header"] == "lines":  # one pair a line, the whole width
        rows = "".join(f"<tr>{c}</tr>" for c in cells)
        return f'<table style="width:72%;border-collapse:collapse;margin-top:8px">{rows}</table>'
    half = (len(cells) + 1) // 2
    if v["header"] == "two_col":  # the left column first, then the right one
        left, right = cells[:half], cells[half:] + ["<td></td>"] * (half - len(cells[half:]))
        rows = "".join(f"<tr>{a}{b}</tr>" for a, b in zip(left, right))
    else:
        rows = "".join("<tr>" + "".join(cells[k:k + 2]) + "</tr>" for k in range(0, len(cells), 2))
    spacing = "border-collapse:separate;border-spacing:8px 5px" if v["header"] == "boxes" else "border-collapse:collapse"
    return f'<table style="width:100%;{spacing};margin-top:8px">{rows}</table>'


def _heading(rng: random.Random, v: dict, facility: str) -> str:
    title = html.escape(v["title"])
    sub = html.escape(v["subtitle"])
    name = html.escape(facility)
    if v["heading"] == "centered":
        return (f'<div style="text-align:center"><div style="font-family:serif;font-size:19pt;font-weight:bold">{name}'
                f'</div><div style="font-size:9pt">{sub}</div><div style="font-size:13pt;font-weight:bold;'
                f'margin-top:6px">{title}</div></div>')
    if v["heading"] == "banner":
        return (f'<div style="border-bottom:2px solid #000;padding-bottom:4px"><span style="font-size:18pt;'
                f'font-weight:bold">{name}</span></div><div style="font-size:9pt">{sub}</div>'
                f'<div style="text-align:right;font-size:12pt;font-weight:bold">{title}</div>')
    return (f'<table style="width:100%"><tr><td><div style="font-family:serif;font-size:18pt;font-weight:bold">{name}'
            f'</div><div style="font-family:serif;font-size:9.5pt">{sub}</div></td><td style="text-align:right;'
            f'vertical-align:top"><div style="font-size:12.5pt;font-weight:bold">{title}</div><div style="font-size:7.5pt">'
            f'Form OR-{rng.randint(100, 399)} rev {rng.randint(1, 12):02d}/20{rng.randint(19, 25)}</div></td></tr></table>')


def case_sheet(rng: random.Random, n: str, w: World, hands: list[str]) -> Sheet:
    """One case sheet: every layout choice drawn independently."""
    fac = _pick(rng, w.facilities)
    states = {"OR": "Oregon", "OH": "Ohio", "CA": "California", "NE": "Nebraska"}
    rep_id, rep_name, _ = _pick(rng, [r for r in REPS if states[fac["state"]] in r[2]])
    doctors = [p for p in w.physicians if p["site_id"] == fac["site_id"]] or w.physicians
    doc = _pick(rng, doctors)
    v = {"header": _pick(rng, ["boxes", "lines", "two_col"]), "heading": _pick(rng, ["left", "centered", "banner"]),
         "title": _pick(rng, TITLES), "subtitle": _pick(rng, SUBTITLES), "date_fmt": _pick(rng, DATE_FORMATS),
         "labels": {k: _pick(rng, opts) for k, opts in LABELS.items()},
         "n": rng.choice([1, 2, 2, 3, 3, 4, 5, 6]), "symbol": _pick(rng, ["datamatrix", "datamatrix", "gs1_128", "none"]),
         "key_colon": rng.random() < 0.3, "keys_inline": rng.random() < 0.5, "columns": rng.choice([1, 2, 2]),
         "hand": _pick(rng, hands), "hand_rep": rng.random() < 0.8, "hand_surgeon": rng.random() < 0.25,
         "hand_date": rng.random() < 0.2, "no_sticker": rng.random() < 0.3, "from_trunk": rng.random() < 0.15,
         "doctor_style": rng.randrange(3), "mrn_prefix": rng.random() < 0.6, "extras": rng.randint(0, 3)}
    when = date(2026, 3, 2) + timedelta(days=rng.randint(0, 250))
    case_id = _pick(rng, [f"CS-{rng.randint(260000, 269999)}", f"C{rng.randint(10000, 99999)}",
                          f"{when:%y}-{rng.randint(10000, 99999)}"])
    digits = f"{rng.randint(0, 9999999):07d}"
    mrn = f"MRN {digits}" if v["mrn_prefix"] else digits
    first, last = doc["name"].split()
    surgeon = [f"{first} {last}, MD", f"Dr. {first} {last}", f"{first[0]}. {last} MD"][v["doctor_style"]]
    hand = v["hand"]
    pairs = [(v["labels"]["mrn"], mrn, None), (v["labels"]["case"], case_id, None),
             (v["labels"]["date"], fmt_date(when, v["date_fmt"]), hand if v["hand_date"] else None),
             (v["labels"]["surgeon"], surgeon, hand if v["hand_surgeon"] else None)]
    extras = rng.sample(EXTRAS, k=v["extras"])
    pairs += [(lab, _pick(rng, vals), hand if lab == "OR Room" else None) for lab, vals in extras]
    pairs.append((v["labels"]["rep"], rep_name, hand if v["hand_rep"] else None))
    # the units: from the facility's closet (or the rep's trunk), never one used on an earlier sheet
    place = f"TRK-{rep_id}" if v["from_trunk"] else fac["closet"]
    stock = [u for u in w.units if u.location == place and id(u) not in w.used]
    kinds = sorted({u.item_id for u in stock})  # one unit of each device, as in one operation
    chosen = [_pick(rng, [u for u in stock if u.item_id == cat]) for cat in rng.sample(kinds, k=min(v["n"], len(kinds)))]
    for u in chosen:
        w.used.add(id(u))
    descs = {cat: d for cat, d, _ in ITEMS}
    written = rng.randrange(len(chosen)) if v["no_sticker"] and len(chosen) > 1 else None
    blocks = [_handwritten_entry(rng, u, hand) if k == written else _sticker(rng, u, v, descs[u.item_id])
              for k, u in enumerate(chosen)]
    cols = 1 if v["symbol"] == "gs1_128" and not v["keys_inline"] else v["columns"]
    rows = "".join("<tr>" + "".join(f'<td style="vertical-align:top;width:{100 // cols}%">{b}</td>'
                                    for b in blocks[k:k + cols]) + "</tr>" for k in range(0, len(blocks), cols))
    instructions = _pick(rng, ["Place implant stickers below (one per device).", "AFFIX IMPLANT STICKERS HERE",
                               "Implant stickers:"])
    body = (f'<p style="margin-top:14px;font-size:9pt">{instructions}&nbsp; Billing: [X] Consignment / Bill Only'
            f'&nbsp; [ ] Stock</p><table style="width:100%;border-collapse:collapse">{rows}</table>'
            '<table style="width:100%;margin-top:60px;font-size:8pt"><tr><td style="border-top:1px solid #000;'
            'width:45%">Circulating RN signature</td><td style="width:10%"></td><td style="border-top:1px solid #000">'
            'Rep signature / date</td></tr></table>')
    page = ('<html><head><style>@page { size: letter; margin: 0.55in } body { font-family: sans-serif;'
            ' font-size: 10pt } td { padding: 2px }</style></head><body>'
            + _heading(rng, v, fac["name"]) + _header(rng, v, pairs) + body + "</body></html>")
    lines = []
    for k, u in enumerate(chosen, start=1):
        lines.append({"line_no": k, "item_id": u.item_id, "quantity": "1", "uom": "EA", "unit_price": None,
                      "lot": u.lot, "serial": u.serial,
                      "expiry": None if k - 1 == written else u.expiry.isoformat(),
                      "udi": None if k - 1 == written or v["symbol"] == "none" else _hri(u)})
    truth = {"source": f"docs/{n}.jpg", "document_type": "case_sheet", "channel": "upload",
             "customer_id": fac["customer_id"], "customer_name_raw": fac["name"], "site_id": fac["site_id"],
             "po_number": None, "order_date": None, "currency": "USD",
             "procedure": {"date": when.isoformat(), "physician_id": doc["physician_id"], "physician_raw": surgeon,
                           "patient_ref": mrn, "case_id": case_id},
             "rep_id": rep_id, "lines": lines, "total": None, "expect_status": "created", "expect_reason": None,
             "family": "case_sheet", "template": "gen_case_photo"}
    received = (when + timedelta(days=1)).isoformat() + "T07:30:00"
    return Sheet(n, page, truth, v, received)


def generate(seed: int, n: int = 8, hands: list[str] | None = None) -> list[Sheet]:
    rng = random.Random(seed)
    w = world()
    hands = hands or handwriting_fonts() or ["serif"]
    return [case_sheet(rng, f"photo-{seed:03d}-{k:02d}", w, hands) for k in range(n)]


# ------------------------------------------------------------------ the photograph
def photograph(pdf: bytes, seed: int) -> bytes:
    """The first page as a phone photo: paper tint, perspective, rotation up to 8 degrees, a dark
    table around it, light falling off across the sheet, slight blur and noise, JPEG."""
    import pypdfium2 as pdfium
    from PIL import Image, ImageChops, ImageDraw, ImageFilter

    rng = random.Random(seed)
    page = pdfium.PdfDocument(pdf)[0]
    sheet = page.render(scale=rng.uniform(190, 215) / 72).to_pil().convert("RGB")
    tint = Image.new("RGB", sheet.size, (rng.randint(236, 250), rng.randint(232, 246), rng.randint(218, 236)))
    sheet = ImageChops.multiply(sheet, tint)
    sw, sh = sheet.size
    margin = int(sw * rng.uniform(0.05, 0.1))
    W, H = sw + 2 * margin, sh + 2 * margin
    table = (rng.randint(40, 75), rng.randint(38, 65), rng.randint(35, 60))
    canvas = Image.new("RGB", (W, H), table)
    canvas.paste(sheet, (margin, margin))
    mask = Image.new("L", (W, H), 0)
    mask.paste(255, (margin, margin, margin + sw, margin + sh))
    # perspective: the sheet's corners move by a few per cent (the phone was not held square)
    j = lambda s: rng.uniform(-s, s) * sw  # noqa: E731
    quad = [(margin + j(0.03), margin + j(0.03)), (margin + j(0.03), margin + sh + j(0.03)),
            (margin + sw + j(0.03), margin + sh + j(0.03)), (margin + sw + j(0.03), margin + j(0.03))]
    coeffs = _perspective(quad, [(margin, margin), (margin, margin + sh), (margin + sw, margin + sh),
                                 (margin + sw, margin)])
    back = Image.new("RGB", (W, H), table)
    canvas = canvas.transform((W, H), Image.PERSPECTIVE, coeffs, Image.BICUBIC, fillcolor=table)
    mask = mask.transform((W, H), Image.PERSPECTIVE, coeffs, Image.BICUBIC, fillcolor=0)
    angle = rng.uniform(-8, 8)
    canvas = canvas.rotate(angle, resample=Image.BICUBIC, fillcolor=table)
    mask = mask.rotate(angle, resample=Image.BICUBIC, fillcolor=0)
    photo = Image.composite(canvas, back, mask)
    # light: brighter near a random point, darker away from it
    light = Image.new("L", (W // 8, H // 8))
    cx, cy = rng.uniform(0.2, 0.8) * W / 8, rng.uniform(0.1, 0.7) * H / 8
    fall = rng.uniform(0.25, 0.45)
    draw = ImageDraw.Draw(light)
    reach = (W * W + H * H) ** 0.5 / 8
    for r in range(int(reach), 0, -2):
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=int(255 * (1 - fall * r / reach)))
    light = light.resize((W, H), Image.BILINEAR).filter(ImageFilter.GaussianBlur(20))
    photo = ImageChops.multiply(photo, Image.merge("RGB", (light, light, light)))
    photo = photo.filter(ImageFilter.GaussianBlur(rng.uniform(0.5, 1.1)))
    noise = Image.effect_noise((W, H), rng.uniform(4, 9)).convert("RGB")
    photo = Image.blend(photo, ImageChops.multiply(photo, noise.point(lambda p: 200 + p // 5)), 0.5)
    photo = photo.resize((int(W * 1904 / W), int(H * 1904 / W)), Image.LANCZOS)
    out = io.BytesIO()
    photo.save(out, format="JPEG", quality=rng.randint(72, 90))
    return out.getvalue()


def _perspective(src: list[tuple[float, float]], dst: list[tuple[float, float]]) -> list[float]:
    """PIL's PERSPECTIVE coefficients mapping output points ``dst`` to input points ``src``... solved
    by Gaussian elimination (8 unknowns)."""
    rows, rhs = [], []
    for (x, y), (u, v) in zip(dst, src):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rhs.append(u)
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
        rhs.append(v)
    n = 8
    m = [r + [b] for r, b in zip(rows, rhs)]
    for c in range(n):
        p = max(range(c, n), key=lambda r: abs(m[r][c]))
        m[c], m[p] = m[p], m[c]
        for r in range(n):
            if r != c:
                f = m[r][c] / m[c][c]
                m[r] = [a - f * b for a, b in zip(m[r], m[c])]
    return [m[r][n] / m[r][r] for r in range(n)]


# ------------------------------------------------------------------ corpus, ingest, score
def write_corpus(folder: Path, sheets: list[Sheet], seed: int) -> Path:
    """A bench corpus: master/, docs/*.jpg, manifest.json, truth/*.json."""
    from weasyprint import HTML

    write_master(folder / "master")
    (folder / "docs").mkdir(parents=True, exist_ok=True)
    (folder / "truth").mkdir(exist_ok=True)
    entries = []
    for k, s in enumerate(sheets):
        data = photograph(HTML(string=s.html).write_pdf(), seed * 1000 + k)
        (folder / "docs" / f"{s.name}.jpg").write_bytes(data)
        truth = dict(s.truth, source=f"docs/{s.name}.jpg")
        (folder / "truth" / f"{s.name}.json").write_text(json.dumps(truth, indent=2), encoding="utf-8")
        entries.append({"file": f"docs/{s.name}.jpg", "stem": s.name, "channel": "upload", "from": None,
                        "received_at": s.received_at})
    (folder / "manifest.json").write_text(json.dumps({"documents": entries}, indent=2), encoding="utf-8")
    return folder


def ingest_corpus(folder: Path) -> dict[str, dict]:
    """Every photo through the real intake (extraction, resolution, rules, orders) into a scratch
    SQLite database loaded with the master: results by stem, as ``o2c bench extraction`` takes them."""
    from o2c.cli.intake import ingest_file
    from o2c.masterdata.service import load_master_data
    from o2c.storage.db import dispose_engines
    from o2c.storage.migrate import migrate
    from o2c.storage.uow import unit_of_work

    (folder / "bench.db").unlink(missing_ok=True)  # a scratch database: a run never sees an earlier one
    url = f"sqlite:///{folder / 'bench.db'}"
    migrate(url)
    with unit_of_work("bench", url=url) as uow:
        load_master_data(uow, folder / "master")
    results = {}
    try:
        for entry in json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["documents"]:
            results[entry["stem"]] = ingest_file(str(folder / entry["file"]), channel=entry["channel"], sender=None,
                                                 received_at=entry["received_at"], actor="bench", url=url)
    finally:
        dispose_engines()
    return results


def wrong_created(truth: dict, result: dict) -> list[str]:
    """Why a created order is wrong (empty when it was not created or is right): every line's item,
    quantity, lot and serial as the truth, nothing more, and the right customer, rep and physician."""
    if result.get("status") != "created":
        return []
    got = result.get("extraction") or {}
    why = []
    want = sorted((t["item_id"], t["quantity"], t.get("lot"), t.get("serial")) for t in truth["lines"])
    have = sorted((g.get("item_id"), str(g.get("quantity")), g.get("lot"), g.get("serial"))
                  for g in got.get("lines") or [])
    if want != have:
        why.append(f"lines {have} != {want}")
    if got.get("customer_id") != truth["customer_id"]:
        why.append(f"customer_id {got.get('customer_id')!r} != {truth['customer_id']!r}")
    # a rep or surgeon left unread is missing, not wrong; another one than the sheet's is wrong
    if got.get("rep_id") not in (None, truth["rep_id"]):
        why.append(f"rep_id {got.get('rep_id')!r} != {truth['rep_id']!r}")
    physician = (got.get("procedure") or {}).get("physician_id")
    if physician not in (None, truth["procedure"]["physician_id"]):
        why.append(f"physician {physician!r} != {truth['procedure']['physician_id']!r}")
    return why


def evaluate(folder: Path, results: dict[str, dict]) -> dict:
    """Bench figures (line F1, header fields, straight through, wrong created) plus the rep and what
    went wrong per sheet."""
    from o2c.intake.scoring import load_truths, score_outputs

    truths = load_truths(folder / "truth")
    report = score_outputs(results, truths)
    reps = [(results[s].get("extraction") or {}).get("rep_id") == t["rep_id"] for s, t in truths.items()]
    wrong = {s: wrong_created(t, results[s]) for s, t in truths.items()}
    per_doc = {d["stem"]: d["errors"] for d in report["per_document"]}
    return {"docs": len(truths), "line_f1": report["line_f1"], "header": report["header_acc"],
            "fields": report["fields"], "rep": sum(reps) / len(reps),
            "straight_through": report["straight_through_counts"],
            "wrong_created": {s: w for s, w in wrong.items() if w},
            "errors": {s: per_doc[s] + ([] if reps[k] else [f"rep_id: got {(results[s].get('extraction') or {}).get('rep_id')!r}"])
                       + ([f"status {results[s]['status']} " + ",".join(e['code'] for e in results[s]['exceptions'])]
                          if results[s]["status"] != "created" else [])
                       for k, s in enumerate(truths)}}


if __name__ == "__main__":  # python -m tests.unit.intake.variants.gen_photos [SEED ...] [--n N] [--keep DIR]
    import argparse
    import tempfile

    ap = argparse.ArgumentParser()
    ap.add_argument("seeds", nargs="*", type=int, default=[1])
    ap.add_argument("--n", type=int, default=8)
    ap.add_argument("--keep")
    args = ap.parse_args()
    for seed in args.seeds:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(args.keep) / f"seed{seed}" if args.keep else Path(tmp)
            write_corpus(folder, generate(seed, args.n), seed)
            results = ingest_corpus(folder)
            if args.keep:
                (folder / "results.json").write_text(json.dumps(results, default=str, indent=1), encoding="utf-8")
            figures = evaluate(folder, results)
            for stem, errs in figures.pop("errors").items():
                if errs:
                    print(f"  {stem}: {errs}")
            print(seed, json.dumps({k: figures[k] for k in ("docs", "line_f1", "header", "rep", "straight_through",
                                                            "wrong_created")}), flush=True)
