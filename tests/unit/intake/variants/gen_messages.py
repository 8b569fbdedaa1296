"""A seeded generator of text-message usage reports and e-mailed purchase orders, with their truth.

People type orders the way they talk: "used 2x 7103-1204 lot L44512 at mercy dr patel", "Patel MD
- st brendan - (2) 7202-1103, 1 7106-2005 LOT# L77120", an e-mail with a greeting, a pasted table
and a signature full of phone numbers and zip codes, forwarded by a rep or quoted in a reply. The
visible corpus shows a handful of those phrasings; this generator draws every choice (how the
count is written, how the item is named - catalog number, GTIN, GS1 or HIBC UDI, the customer's
own part number, the description - lot and serial labels, the facility's nickname, the surgeon's
name form, the date words, separators between items, e-mail furniture) independently from a seeded
``random.Random``, so the same seed gives the same messages and a new seed gives phrasings nobody
tuned the parser for. The master data is generated here too, so the test needs nothing outside
the repository.
"""
from __future__ import annotations

import html
import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

from tests.unit.intake.variants.gen import line_figures, write_csvs

# ------------------------------------------------------------------ master data
#: catalog, description, uom, list price, serial controlled
ITEMS = [
    ("7103-1204", "ACETABULAR SHELL 52MM", "EA", "1450.00", True),
    ("7103-1206", "ACETABULAR SHELL 56MM", "EA", "1470.00", True),
    ("7104-1002", "ACETABULAR LINER XLPE 32MM", "EA", "650.00", False),
    ("7105-0106", "FEMORAL STEM TAPERED SIZE 6", "EA", "2300.00", True),
    ("7106-2005", "FEMORAL HEAD COCR 32MM +3.5", "EA", "765.00", False),
    ("7201-0501", "FEMORAL COMPONENT CR SIZE 5", "EA", "2450.00", True),
    ("7202-1103", "TIBIAL BASEPLATE SIZE 3", "EA", "1600.00", True),
    ("7401-0306", "LOCKING PLATE DISTAL RADIUS", "EA", "875.00", False),
    ("7402-3524", "CORTICAL SCREW 3.5 X 24MM", "EA", "42.25", False),
    ("7403-4020", "CANNULATED SCREW 4.0 X 20MM", "EA", "96.00", False),
    ("7405-0933", "TIBIAL NAIL 9MM X 330MM", "EA", "1850.00", True),
    ("7601-0040", "BONE CEMENT HV 40G", "BX", "312.75", False),
    ("7701-0005", "DBM PUTTY 5CC", "EA", "1200.00", False),
    ("7199-0904", "REVISION ACETABULAR ADAPTER", "EA", "980.00", False),
]
LIC = "H742"  # the HIBC labeler code of the generated manufacturer


def _gtin(body13: str) -> str:
    total = sum(int(d) * (3 if k % 2 == 0 else 1) for k, d in enumerate(reversed(body13)))
    return body13 + str((10 - total % 10) % 10)


GTIN = {cat: _gtin("0084712%06d" % (3100 + 7 * k)) for k, (cat, *_r) in enumerate(ITEMS)}


@dataclass(frozen=True)
class Customer:
    id: str
    name: str
    nicknames: tuple[str, ...]
    domain: str
    facility: str          # the facility site's name (where surgery happens)
    street: str
    city: str
    buyers: tuple[str, ...]
    surgeons: tuple[tuple[str, str], ...]  # (first, last)
    ref_prefix: str


CUSTOMERS = [
    Customer("C-01", "Mercy General Hospital", ("mercy", "mercy general", "Mercy Gen", "MERCY GENERAL"),
             "mercygeneral.example", "Mercy General Hospital", "4001 J Street", "Sacramento, CA 95816",
             ("Dana Hoffman", "Luis Ortega"), (("Anil", "Patel"), ("Thomas", "Nguyen"), ("Yvonne", "Harrington")),
             "1004"),
    Customer("C-02", "Northfield Memorial Hospital", ("northfield mem", "northfield memorial", "Northfield Meml",
                                                      "nrthfield mem"),
             "northfieldmem.example", "Northfield Memorial Hospital", "2000 Division St S", "Northfield, MN 55057",
             ("Robert Fitzgerald",), (("Elena", "Vasquez"), ("Peter", "Szabo")), "2207"),
    Customer("C-03", "Lakeshore Regional Medical Center", ("lakeshore regional", "lakeshore reg", "Lakeshore Rgnl",
                                                           "LAKESHORE REGIONAL"),
             "lakeshoreregional.example", "Lakeshore Regional Medical Center", "1200 Lake Dr", "Milwaukee, WI 53202",
             ("Sandra Whitfield", "Amy Castillo"), (("Maria", "Castellanos"), ("Kevin", "Okafor")), "3310"),
    Customer("C-04", "St. Brendan Medical Center", ("st brendan", "St. Brendan", "saint brendan", "ST BRENDAN MED CTR"),
             "stbrendan.example", "St. Brendan Medical Center", "77 Riverside Ave", "Columbus, OH 43215",
             ("Erin Walsh",), (("Grace", "Reinholt"), ("Samuel", "Lambert")), "4512"),
    Customer("C-05", "Pinecrest University Hospital", ("pinecrest ortho pavilion", "Pinecrest Ortho Pavilion",
                                                       "pinecrest orthopaedic pavilion"),
             "pinecresthealth.example", "Pinecrest Orthopaedic Pavilion", "300 Campus Dr", "Durham, NC 27710",
             ("Nina Patterson",), (("Omar", "Rahman"), ("Ingrid", "Voss")), "5820"),
]
REPS = [("R-1", "Jake Morrison", "+19165550142", "jmorrison@acme-ortho.example"),
        ("R-2", "Priya Raman", "+16145550118", "praman@acme-ortho.example"),
        ("R-3", "Carlos Ibanez", "+14145550165", "carlos@suncoastreps.example")]


def customer_ref(customer: Customer, catalog: str) -> str:
    k = next(k for k, (c, *_r) in enumerate(ITEMS) if c == catalog)
    return f"{customer.ref_prefix}{40017 + 131 * k:05d}"


def physician_id(customer: Customer, last: str) -> str:
    return f"P-{customer.id[2:]}-{last.upper()}"


def write_master(folder: Path) -> Path:
    """Master data (spec section 1 CSVs) the generated messages resolve against."""
    folder.mkdir(parents=True, exist_ok=True)
    sites, physicians = [], []
    for k, c in enumerate(CUSTOMERS):
        city, rest = c.city.split(", ")
        state, postal = rest.split()
        sites += [f"{c.id}-01,{c.id},{c.name} - Accounts Payable,PO Box {1200 + k},,{city},{state},{postal},US,bill_to",
                  f"{c.id}-02,{c.id},{c.name} - Central Receiving,{c.street} Dock B,,{city},{state},{postal},US,ship_to",
                  f"{c.id}-03,{c.id},{c.facility},{c.street},,{city},{state},{postal},US,facility"]
        physicians += [f"{physician_id(c, last)},{first} {last},,{c.id}-03" for first, last in c.surgeons]
    rows = {
        "items.csv": ["item_id,description,gtin,uom,pack_size,list_price,lot_controlled,serial_controlled"]
        + [f"{cat},{d},{GTIN[cat]},{u},1,{p},true,{str(s).lower()}" for cat, d, u, p, s in ITEMS],
        "customers.csv": ["customer_id,name,kind,email,currency"]
        + [f"{c.id},{c.name},hospital,purchasing@{c.domain},USD" for c in CUSTOMERS],
        "sites.csv": ["site_id,customer_id,name,address1,address2,city,state,postal_code,country,kind"] + sites,
        "physicians.csv": ["physician_id,name,npi,site_id"] + physicians,
        "reps.csv": ["rep_id,name,phone,email,agency,territory,kind"]
        + [f"{rid},{name},{phone},{mail},,,employee" for rid, name, phone, mail in REPS],
        "customer_items.csv": ["customer_id,customer_item_ref,item_id"]
        + [f"{c.id},{customer_ref(c, cat)},{cat}" for c in CUSTOMERS for cat, *_r in ITEMS],
    }
    return write_csvs(folder, rows)


# ------------------------------------------------------------------ documents and truth
@dataclass
class Message:
    name: str
    kind: str  # sms | email
    data: bytes
    truth: dict
    sender: str | None = None
    received_at: datetime | None = None
    sidecar: dict | None = None
    variant: dict = field(default_factory=dict)


TZ = timezone(timedelta(hours=-5))
NUMBER_WORDS = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six"}
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def _pick(rng: random.Random, options):
    return options[rng.randrange(len(options))]


def _hibc(catalog: str, uom: str, expiry: date, lot: str) -> str:
    from o2c.formats.hibc import mod43_check_character

    body = f"+{LIC}{catalog.replace('-', '')}{'1' if uom == 'EA' else '2'}/$${'3'}{expiry:%y%m%d}{lot}"
    return body + mod43_check_character(body)


def _item_words(rng: random.Random, customer: Customer, cat: str, lot: str | None, serial: str | None,
                expiry: date, allow_description: bool) -> tuple[str, str, bool, bool]:
    """How the item is named, and whether that naming already carries the lot / the serial."""
    forms = ["catalog", "catalog", "catalog", "catalog_lower", "gtin", "udi_paren", "udi_plain", "hibc", "custref"]
    if allow_description:
        forms.append("description")
    form = _pick(rng, forms)
    if form == "catalog":
        return form, cat, False, False
    if form == "catalog_lower":
        return form, _pick(rng, [cat.lower(), "REF " + cat, "cat# " + cat, "#" + cat]), False, False
    if form == "gtin":
        gtin = GTIN[cat]
        return form, _pick(rng, [gtin, "GTIN " + gtin, gtin[1:], "(01)" + gtin]), False, False
    if form == "udi_paren":
        text = f"(01){GTIN[cat]}(17){expiry:%y%m%d}" + (f"(10){lot}" if lot else "") + (f"(21){serial}" if serial else "")
        return form, _pick(rng, [text, "UDI " + text]), bool(lot), bool(serial)
    if form == "udi_plain" and lot:
        return form, f"01{GTIN[cat]}17{expiry:%y%m%d}10{lot}", True, False
    if form == "hibc" and lot:
        uom = next(u for c, _, u, *_r in ITEMS if c == cat)
        text = _hibc(cat, uom, expiry, lot)
        if not text.endswith(" "):  # a space check character cannot survive being typed
            return form, text, True, False
    if form == "custref":
        return form, _pick(rng, ["", "our # ", "item "]) + customer_ref(customer, cat), False, False
    if form == "description":
        desc = next(d for c, d, *_r in ITEMS if c == cat)
        return form, _pick(rng, [desc, desc.lower(), desc.title()]), False, False
    return "catalog", cat, False, False


def _count(rng: random.Random, qty: int, item: str) -> str:
    forms = ["{n}x {i}", "{i} x{n}", "{i} x {n}", "qty {n} {i}", "{i} qty {n}", "{i} qty: {n}", "{n} ea {i}",
             "{i} {n} ea", "({n}) {i}", "{n} {i}", "{n} - {i}", "{i} (x{n})", "{i} - {n} each"]
    if qty in NUMBER_WORDS:
        forms += ["{w} {i}", "{w} x {i}"]
    return _pick(rng, forms).format(n=qty, i=item, w=NUMBER_WORDS.get(qty, ""))


def _lot_text(rng: random.Random, lot: str) -> str:
    return _pick(rng, ["lot {v}", "LOT {v}", "lot# {v}", "LOT#{v}", "L: {v}", "lt {v}", "Lot: {v}", "batch {v}",
                       "lot no. {v}"]).format(v=lot)


def _serial_text(rng: random.Random, serial: str) -> str:
    return _pick(rng, ["sn {v}", "SN {v}", "s/n {v}", "S/N: {v}", "serial {v}", "SN# {v}", "ser. {v}"]).format(v=serial)


def _physician_text(rng: random.Random, first: str, last: str) -> str:
    return _pick(rng, ["dr {l}", "Dr. {L}", "dr.{l}", "Dr {F}. {L}", "Dr. {F}. {L}", "{L} MD", "Dr {Fi} {L}",
                       "{Fi} {L}, MD", "DR {LU}", "{F}. {L} MD"]).format(
        l=last.lower(), L=last, F=first[0], Fi=first, LU=last.upper())


def _date_text(rng: random.Random, when: date, received: date) -> str | None:
    """How the day of surgery is written, or None when the message does not say (then the day the
    message arrived is assumed, as o2c documents)."""
    delta = (received - when).days
    options = [None, f"{when.month}/{when.day}", f"{MONTHS[when.month - 1]} {when.day}",
               f"{when.month:02d}/{when.day:02d}/{when.year}", f"{when.day} {MONTHS[when.month - 1]}"]
    if delta == 0:
        options += ["today", "today", "this am"]
    if delta == 1:
        options += ["yesterday", "yest", "last night"]
    if 2 <= delta <= 6:
        options.append(when.strftime("%A").lower()[:_pick(rng, [3, 9])].rstrip())
    return _pick(rng, options)


def sms(rng: random.Random, n: int) -> Message:
    """A rep's text after a case: facility, surgeon, day, patient, the units used."""
    customer = _pick(rng, CUSTOMERS)
    rep = _pick(rng, REPS)
    received = datetime(2026, 3, 2, 8, tzinfo=TZ) + timedelta(days=rng.randint(0, 250), minutes=rng.randint(0, 800))
    when = received.date() - timedelta(days=_pick(rng, [0, 0, 1, 1, 2, 3, 5]))
    date_text = _date_text(rng, when, received.date())
    if date_text is None:
        when = received.date()
    first, last = _pick(rng, customer.surgeons)
    facility = _pick(rng, customer.nicknames)
    v = {"sep": _pick(rng, ["newline", "newline", "comma", "semicolon", "and", "bullet", "numbered"]),
         "layout": _pick(rng, ["dash_head", "sentence", "at_end", "labels"]), "mrn": rng.random() < 0.35,
         "n": _pick(rng, [1, 1, 2, 2, 3, 4])}
    picked = rng.sample(range(len(ITEMS)), v["n"])
    parts, truth_lines = [], []
    for idx in picked:
        cat, _desc, _uom, _price, serialised = ITEMS[idx]
        lot = f"{_pick(rng, ['L', 'L', 'LT', ''])}{rng.randint(10000, 99999)}"
        serial = f"SN{rng.randint(100000, 999999)}" if serialised and rng.random() < 0.7 else None
        qty = 1 if serial else _pick(rng, [1, 1, 2, 3])
        expiry = when + timedelta(days=rng.randint(300, 1500))
        form, item, has_lot, has_serial = _item_words(rng, customer, cat, lot, serial, expiry,
                                                      allow_description=v["sep"] in ("newline", "bullet", "numbered"))
        text = _count(rng, qty, item) if not (has_serial and rng.random() < 0.5) else item
        extras = []
        if not has_lot:
            extras.append(_lot_text(rng, lot))
        if serial and not has_serial:
            extras.append(_serial_text(rng, serial))
        rng.shuffle(extras)
        if extras:
            text += _pick(rng, [" ", " ", ", ", " - "]) + " ".join(extras) if not (
                rng.random() < 0.2) else " (" + " ".join(extras) + ")"
        parts.append(text)
        truth_lines.append({"item_id": cat, "quantity": str(qty), "lot": lot, "serial": serial, "form": form})
    sep = v["sep"]
    if sep == "newline":
        body = "\n".join(parts)
    elif sep == "comma":
        body = ", ".join(parts)
    elif sep == "semicolon":
        body = "; ".join(parts)
    elif sep == "and":
        body = ", ".join(parts[:-1]) + (" and " if len(parts) > 1 else "") + parts[-1]
    elif sep == "bullet":
        body = "\n".join(f"{_pick(rng, ['-', '*', '•'])} {p}" for p in parts)
    else:
        body = "\n".join(f"{k}) {p}" for k, p in enumerate(parts, 1))
    doctor = _physician_text(rng, first, last)
    mrn = f"{rng.randint(1000000, 9999999)}" if v["mrn"] else None
    mrn_text = _pick(rng, ["MRN {m}", "mrn: {m}", "MRN#{m}", "pt MRN {m}", "MR# {m}"]).format(m=mrn) if mrn else ""
    when_text = date_text or ""
    opening = _pick(rng, ["used", "Used:", "implanted", "case done, used", "Usage -", ""])
    closing = _pick(rng, ["", "", "bill only pls", "pls bill", "thx", "pls replace", "Thanks!"])
    layout = v["layout"]
    if layout == "dash_head":
        head = " - ".join(x for x in [facility, doctor, when_text and f"({when_text})", mrn_text] if x)
        lead = "" if not opening else (opening + " " if sep in ("comma", "semicolon", "and") else opening + "\n")
        text = f"{head}\n{lead}{body}"
    elif layout == "sentence":
        gap = "\n" if "\n" in body else " "
        text = f"{opening or 'used'}{gap}{body}{gap}at {facility} w/ {doctor}" + \
               (f" {when_text}" if when_text else "") + (f" {mrn_text}" if mrn_text else "")
    elif layout == "at_end":
        text = f"{body}\n{doctor} @ {facility}" + (f" {when_text}" if when_text else "") + \
               (f", {mrn_text}" if mrn_text else "")
    else:
        text = "\n".join(x for x in [f"Facility: {facility}", f"Surgeon: {doctor}",
                                     f"Date: {when_text}" if when_text else "", mrn_text, body] if x)
    if closing:
        text += "\n" + closing
    truth = {"document_type": "usage_report", "customer_id": customer.id, "site_id": f"{customer.id}-03",
             "rep_id": rep[0], "procedure": {"date": when.isoformat(), "physician_id": physician_id(customer, last),
                                             "patient_ref": mrn},
             "lines": truth_lines}
    sidecar = {"from": rep[2], "received_at": received.isoformat(), "channel": "sms"}
    v.update(date=date_text, facility=facility, doctor=doctor)
    return Message(f"sms-{n:03d}", "sms", (text + "\n").encode(), truth, rep[2], received, sidecar, v)


# ------------------------------------------------------------------ e-mail
def _money(rng: random.Random, value: Decimal, style: str) -> str:
    return {"dollar": f"${value:,.2f}", "plain": f"{value:,.2f}", "usd": f"USD {value:.2f}"}[style]


def _email_lines(rng: random.Random, customer: Customer, rows: list[dict], style: str, money: str) -> tuple[str, str]:
    """The order lines as text and as HTML (for HTML-only messages)."""
    def name(r):
        return r["ref"] if r["use_ref"] else r["cat"]

    if style == "table":
        cols = ["Qty", "UOM", "Item", "Description"] + (["Unit Price"] if rows[0]["price"] is not None else [])
        order = cols[:]
        if rng.random() < 0.5:
            order = ["Item", "Description", "Qty", "UOM"] + cols[4:]
        cells = []
        for r in rows:
            c = {"Qty": str(r["qty"]), "UOM": r["uom"], "Item": name(r), "Description": r["desc"],
                 "Unit Price": _money(rng, r["price"], money) if r["price"] is not None else ""}
            cells.append([c[k] for k in order])
        heads = [{"Item": _pick(rng, ["Item", "Item #", "Catalog #", "Part No"]) if not rows[0]["use_ref"]
                  else "Our Item #"}.get(k, k) for k in order]
        widths = [max(len(h), *(len(row[i]) for row in cells)) + 3 for i, h in enumerate(heads)]
        text = "\n".join("  " + "".join(x.ljust(w) for x, w in zip(row, widths)).rstrip() for row in [heads] + cells)
        htm = "<table><tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in heads) + "</tr>" + "".join(
            "<tr>" + "".join(f"<td>{html.escape(x)}</td>" for x in row) + "</tr>" for row in cells) + "</table>"
        return text, htm
    out = []
    for r in rows:
        price = f" @ {_money(rng, r['price'], money)}" + _pick(rng, [" ea", "", " each"]) if r["price"] is not None else ""
        if style == "bullets":
            out.append(f"- {name(r)} ({r['desc'].lower()}) qty {r['qty']} {r['uom']}{price}")
        elif style == "count_first":
            out.append(f"{r['qty']} x {name(r)} - {r['desc']}{price}")
        elif style == "labelled":
            out.append(f"Item: {name(r)}   Qty: {r['qty']}" + (f"   Price: {_money(rng, r['price'], money)}"
                                                                  if r["price"] is not None else ""))
        elif style == "pipes":
            out.append(f"| {name(r)} | {r['desc']} | {r['qty']} | {r['uom']} |"
                       + (f" {_money(rng, r['price'], money)} |" if r["price"] is not None else ""))
        else:  # sentence
            out.append(f"{_pick(rng, ['Please send', 'Need', 'We need'])} {r['qty']} {r['uom'].lower()} of "
                       f"{name(r)}{price}.")
    return "\n".join(out), "".join(f"<p>{html.escape(x)}</p>" for x in out)


def email_po(rng: random.Random, n: int) -> Message:
    customer = _pick(rng, CUSTOMERS)
    buyer = _pick(rng, customer.buyers)
    address = f"{buyer.split()[0][0].lower()}{buyer.split()[1].lower()}@{customer.domain}"
    sent = datetime(2026, 3, 2, 7, tzinfo=TZ) + timedelta(days=rng.randint(0, 250), minutes=rng.randint(0, 600))
    v = {"style": _pick(rng, ["table", "table", "bullets", "count_first", "labelled", "pipes", "sentence"]),
         "po_where": _pick(rng, ["subject", "body", "both"]), "wrap": _pick(rng, ["plain", "plain", "forward",
                                                                                 "reply", "html"]),
         "po_date": rng.random() < 0.35, "prices": rng.random() < 0.6, "refs": rng.random() < 0.2,
         "money": _pick(rng, ["dollar", "plain", "usd"]), "n": _pick(rng, [1, 2, 3, 4, 6])}
    po = _pick(rng, ["45000", "PO70", "", customer.ref_prefix + "-"]) + str(rng.randint(10000, 99999))
    po_date = (sent - timedelta(days=rng.randint(0, 3))).date()
    rows = []
    for idx in rng.sample(range(len(ITEMS)), v["n"]):
        cat, desc, uom, price, _s = ITEMS[idx]
        rows.append({"cat": cat, "desc": desc, "uom": uom, "qty": _pick(rng, [1, 2, 3, 5, 10, 12]),
                     "price": Decimal(price) if v["prices"] else None, "use_ref": v["refs"],
                     "ref": customer_ref(customer, cat)})
    lines_text, lines_html = _email_lines(rng, customer, rows, v["style"], v["money"])
    po_label = _pick(rng, ["PO#: {p}", "PO Number: {p}", "Purchase Order {p}", "P.O. No. {p}", "PO {p}"]).format(p=po)
    body_parts = [_pick(rng, ["Hello,", "Hi team,", "Good morning,", "Hi Jake,", ""]),
                  _pick(rng, [f"Please enter this order for {customer.name}.", "Please process the following order:",
                              "Order below, please confirm.", "Can you ship the items below asap?"])]
    if v["po_where"] in ("body", "both"):
        body_parts.append(po_label)
    if v["po_date"]:
        body_parts.append(_pick(rng, ["PO Date: {d:%m/%d/%Y}", "Order date: {d:%Y-%m-%d}",
                                      "PO date: {m} {d.day}, {d.year}"]).format(d=po_date, m=MONTHS[po_date.month - 1]))
    if rng.random() < 0.5:
        body_parts.append(f"Ship to: {customer.name} - Central Receiving, {customer.street} Dock B, {customer.city}")
    body_parts.append(lines_text)
    city = customer.city
    signature = _pick(rng, ["Thanks,\n{b}\nPurchasing\n{c}\n+1 503-555-0119",
                            "Regards,\n{b}\nBuyer, Materials Management\n{c}\n{s}, {city}\nPh 614.555.0140 | Fax 614.555.0141",
                            "Thank you!\n{b}\n{c}\nDirect: (919) 555-0188 ext 204",
                            "--\n{b} | Supply Chain | {c}\nCONFIDENTIALITY NOTICE: this e-mail may contain "
                            "protected information. If you received it in error, call 1-800-555-0100."]).format(
        b=buyer, c=customer.name, s=customer.street, city=city)
    body = "\n\n".join(p for p in body_parts if p) + "\n\n" + signature + "\n"
    subject = _pick(rng, ["PO {p}", "Order - PO# {p}", "New order {p}", "Purchase Order {p}", "PO#{p} for {c}"]).format(
        p=po, c=customer.name) if v["po_where"] in ("subject", "both") else _pick(rng, ["order", "New order",
                                                                                      "Supplies needed"])
    sender, sender_name, when = address, buyer, sent
    if v["wrap"] == "forward":
        rep = _pick(rng, REPS)
        stamp = f"{sent:%a, %b} {sent.day}, {sent.year} at {sent:%I:%M %p}"
        body = (f"{_pick(rng, ['Please enter, thanks', 'FYI - order below', 'see below'])}\n\n{rep[1].split()[0]}\n\n"
                f"---------- Forwarded message ---------\nFrom: {buyer} <{address}>\nDate: {stamp}\n"
                f"Subject: {subject}\nTo: {rep[1]} <{rep[3]}>\n\n{body}")
        sender, sender_name, subject = rep[3], rep[1], "Fwd: " + subject
        when = sent + timedelta(hours=1, minutes=rng.randint(0, 50))
    elif v["wrap"] == "reply":
        rep = _pick(rng, REPS)
        stamp = f"{sent:%a, %b} {sent.day}, {sent.year} at {sent:%I:%M %p}"
        quoted = "\n".join("> " + x if x else ">" for x in body.splitlines())
        body = (f"{_pick(rng, ['Looks good, go ahead.', 'Confirmed - please process.'])}\n\n{rep[1]}\n\n"
                f"On {stamp}, {buyer} <{address}> wrote:\n{quoted}\n")
        sender, sender_name, subject = rep[3], rep[1], "Re: " + subject
        when = sent + timedelta(hours=2)
    headers = (f"From: {sender_name} <{sender}>\nTo: Orders <orders@acme-ortho.example>\nSubject: {subject}\n"
               f"Date: {when:%a, %d %b %Y %H:%M:%S} -0500\nMessage-ID: <{n}.{rng.randint(1000, 9999)}@mail.example>\n"
               "MIME-Version: 1.0\n")
    if v["wrap"] == "html":
        paragraphs = []
        for part in body.split("\n\n"):
            paragraphs.append(lines_html if part == lines_text else
                              "<p>" + "<br>".join(html.escape(x) for x in part.splitlines()) + "</p>")
        data = headers + 'Content-Type: text/html; charset="utf-8"\n\n<html><body>' + "\n".join(paragraphs) + \
            "</body></html>\n"
    else:
        data = headers + 'Content-Type: text/plain; charset="utf-8"\n\n' + body
    truth = {"document_type": "purchase_order", "customer_id": customer.id, "site_id": f"{customer.id}-02",
             "po_number": po, "order_date": (po_date if v["po_date"] else sent.date()).isoformat(),
             "lines": [{"item_id": r["cat"], "quantity": str(r["qty"]),
                        "unit_price": f"{r['price']:.2f}" if r["price"] is not None else None} for r in rows]}
    return Message(f"email-{n:03d}", "email", data.encode(), truth, None, None, None, v)


def generate(seed: int, n_sms: int = 40, n_email: int = 30) -> list[Message]:
    rng = random.Random(seed)
    return [sms(rng, k) for k in range(n_sms)] + [email_po(rng, k) for k in range(n_email)]


# ------------------------------------------------------------------ scoring
def _dec(text) -> Decimal | None:
    try:
        return Decimal(str(text)) if text not in (None, "") else None
    except Exception:
        return None


def _alnum(text) -> str | None:
    import re

    value = re.sub(r"[^0-9A-Za-z]", "", str(text or "")).upper()
    for prefix in ("MRN", "MR"):
        if value.startswith(prefix) and len(value) > len(prefix):
            value = value[len(prefix):]
            break
    return value or None


def score(truth: dict, got: dict) -> dict:
    """Lines match on item and quantity (as the acceptance scorer does); lot, serial and unit price
    are then checked on matched lines; header fields right / checked."""
    lines = list(got.get("lines") or [])
    tp, fields_ok, fields, wrong = 0, 0, 0, []
    for t in truth["lines"]:
        k = next((k for k, g in enumerate(lines) if g.get("item_id") == t["item_id"]
                  and _dec(g.get("quantity")) == _dec(t["quantity"])), None)
        if k is None:
            wrong.append(f"line {t['item_id']} x{t['quantity']} ({t.get('form', '')}) missing")
            continue
        tp += 1
        g = lines.pop(k)
        for key in ("lot", "serial", "unit_price"):
            if key in t and not (key == "unit_price" and t[key] is None):
                fields += 1
                same = _dec(g.get(key)) == _dec(t[key]) if key == "unit_price" else \
                    (g.get(key) or None) == t[key]
                fields_ok += same
                if not same:
                    wrong.append(f"{t['item_id']} {key}: {g.get(key)!r} != {t[key]!r}")
    for g in lines:
        wrong.append(f"extra line {g.get('item_id')} x{g.get('quantity')} {g.get('item_raw')!r}")
    checks = {"document_type": got.get("document_type"), "customer_id": got.get("customer_id"),
              "site_id": got.get("site_id")}
    if truth["document_type"] == "purchase_order":
        checks.update(po_number=got.get("po_number"), order_date=got.get("order_date"))
    else:
        proc = got.get("procedure") or {}
        checks.update({"rep_id": got.get("rep_id"), "procedure.date": proc.get("date"),
                       "procedure.physician_id": proc.get("physician_id"),
                       "procedure.patient_ref": _alnum(proc.get("patient_ref"))})
    want = dict(truth)
    for key, value in (truth.get("procedure") or {}).items():
        want[f"procedure.{key}"] = _alnum(value) if key == "patient_ref" else value
    head_ok = 0
    for key, value in checks.items():
        if value == want.get(key):
            head_ok += 1
        else:
            wrong.append(f"{key}: {value!r} != {want.get(key)!r}")
    return {"tp": tp, "got": len(got.get("lines") or []), "want": len(truth["lines"]), "fields": fields,
            "fields_ok": fields_ok, "header": len(checks), "header_ok": head_ok, "wrong": wrong}


def run(messages: list[Message], master_dir: Path) -> list[tuple[Message, dict, dict]]:
    """Every message through the real pipeline (sniffing, e-mail parsing, resolution)."""
    from o2c.intake.master_index import MasterIndex
    from o2c.intake.pipeline import extract

    master = MasterIndex.from_csv_dir(master_dir)
    out = []
    for m in messages:
        name = f"{m.name}.txt" if m.kind == "sms" else f"{m.name}.eml"
        got = extract(m.data, name, master=master, channel=m.kind, sender=m.sender, received_at=m.received_at,
                      sidecar=m.sidecar)
        out.append((m, got, score(m.truth, got)))
    return out


def summary(results: list[tuple[Message, dict, dict]], kind: str | None = None) -> dict:
    sel = [s for m, _, s in results if kind is None or m.kind == kind]
    fields, fields_ok = sum(s["fields"] for s in sel), sum(s["fields_ok"] for s in sel)
    header, header_ok = sum(s["header"] for s in sel), sum(s["header_ok"] for s in sel)
    return {**line_figures(sel), "line_fields": round(fields_ok / fields, 3) if fields else 1.0,
            "header": round(header_ok / header, 3) if header else 1.0}


if __name__ == "__main__":  # python -m tests.unit.intake.variants.gen_messages [SEED ...]
    import sys
    import tempfile

    seeds = [int(a) for a in sys.argv[1:]] or [1]
    with tempfile.TemporaryDirectory() as tmp:
        master_dir = write_master(Path(tmp) / "master")
        everything = []
        for seed in seeds:
            results = run(generate(seed), master_dir)
            everything += results
            for m, got, s in results:
                if s["wrong"]:
                    print(f"--- {seed} {m.name} {m.variant}\n{m.data.decode()[:1500]}\n  => {s['wrong']}")
        print("sms", summary(everything, "sms"), "\nemail", summary(everything, "email"))
