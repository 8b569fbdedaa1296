"""Layout parsing: a ``TextDocument`` (positioned words) -> the RAW section-2 extraction dict.

Purchase orders, case sheets / implant usage records and usage reports are read by geometry, not
by template: label/value pairs (``pages.labels``), line tables found by their header row
(``pages.tables``) and implant sticker blocks (``pages.stickers``). Values stay raw: master-data
ids are left null for the resolver (``o2c.intake.resolve``); nothing absent from the page is
invented. Every header field and line carries a confidence and a source (page, bbox) so a reviewer
can see where it came from.
"""
from __future__ import annotations

import re
from statistics import median

from o2c.intake.confidence import line_confidence
from o2c.intake.pages import values as V
from o2c.intake.pages.geometry import PageLayout, Segment, layout_pages
from o2c.intake.pages.labels import (LabelHit, block_below, clean_value, find_labels, patient_ref_value,
                                     value_for)
from o2c.intake.pages.photo import reread_header
from o2c.intake.pages.stickers import entry_values, is_device_entry, read_sticker, sticker_clusters
from o2c.intake.pages.tables import Row, find_tables, headerless_rows
from o2c.intake.text import TextDocument

#: confidence factors: columns inferred without a readable header, sticker entries written by hand.
INFERRED_FACTOR = 0.6
HANDWRITTEN_FACTOR = 0.7
#: a sticker whose decoded barcode (check digit verified) states the lot and serial printed beside
#: it is read for sure, however faint the photo made the printed text.
BARCODE_AGREES = 0.95
#: the document's reading confidence when a device entry on the page could not be read at all: a unit
#: is missing from the order, however well the rest was read.
UNREAD_ENTRY_CONF = 0.05
UNREAD_ENTRY_WARNING = "a device entry could not be read"

_TITLE = re.compile(r"purchase\s+order|invoice|implant|usage|record|case\s+sheet|bill\s+only|quotation|"
                    r"order\s+form|delivery|remittance|packing|^page\b|^form\b|facture|rechnung", re.I)
_FAX_HEADER = re.compile(r"\bFROM\b.*\bTO\b|\bP\.?\s?\d{3}/\d{3}\b|^\W*\d{1,2}:\d{2}", re.I)
_ADDRESS_FIELDS = ("ship_to_raw", "bill_to_raw")
_BLOCK_FIELDS = ("vendor_raw", "facility_raw")
#: fields holding a person's name: handwriting spaces words widely, so a name may be split in phrases.
_NAME_FIELDS = ("rep_raw", "procedure.physician_raw", "buyer_raw")
#: header fields an order is built from; the reading confidence of the document is theirs (a scrawled
#: operating room or procedure name does not make the order uncertain). The rep is resolved and
#: scored on its own.
_ORDER_FIELDS = ("po_number", "order_date", "date", "customer_name_raw", "procedure.date", "procedure.physician_raw",
                 "procedure.patient_ref", "procedure.case_id", "total", "ship_to_raw", "bill_to_raw", "facility_raw",
                 "invoice_number", "invoice_date")


def parse_page_document(doc: TextDocument) -> dict:
    """The extraction dict (section 2 keys, raw values, ids null) for one page-like document."""
    layouts = layout_pages(doc)
    if reread_header(doc, layouts):  # a photo's unsure captions and names, read again closer
        layouts = layout_pages(doc)
    rows, header_lines = find_tables(layouts)
    _mark_rows_used(rows)
    _mark_header_lines(layouts, header_lines)
    fields, sources, hits = _header_fields(layouts)
    doc_type = classify(doc, fields)
    lines = [_row_to_line(r) for r in rows]
    unread: list[list[Segment]] = []
    if doc_type in ("case_sheet", "usage_report") or not lines:
        stickers = _sticker_lines(layouts, _page_symbols(doc), unread)
        if stickers and (doc_type in ("case_sheet", "usage_report") or not lines):
            lines.extend(stickers)
            if doc_type == "unknown":
                doc_type = "case_sheet"
    if not lines:
        skip = {id(line[0]) for lay in layouts for line in lay.lines if line and line[0].used}
        lines = [_row_to_line(r) for r in headerless_rows(layouts, skip)]
    lines = [ln for ln in lines if ln is not None]
    for n, line in enumerate(lines, 1):
        line["line_no"] = n
    customer, customer_src = customer_name(layouts, hits)
    if customer_src:
        sources["customer_name_raw"] = customer_src
    result = _assemble(doc, doc_type, fields, sources, lines, customer)
    if unread and doc_type in ("case_sheet", "usage_report"):
        for cluster in unread:
            result["warnings"].append(f"page {cluster[0].page}: {UNREAD_ENTRY_WARNING} "
                                      f"({' / '.join(s.text for s in cluster)[:60]!r}): key it from the document")
        result["confidence"] = min(result["confidence"], UNREAD_ENTRY_CONF)
    # hook: invoices - general invoice-header rules fill what the label reader missed (pages.invoice_header)
    from o2c.intake.pages.invoice_header import fill_invoice_header
    return fill_invoice_header(doc.text, result, layouts)


# ------------------------------------------------------------------ header fields
def _header_fields(layouts: list[PageLayout]) -> tuple[dict, dict, list[LabelHit]]:
    """First value per field over the pages (totals: the last one, the grand total is printed
    below the subtotal); address blocks are read as stacked lines under their label."""
    fields: dict[str, str] = {}
    sources: dict[str, dict] = {}
    all_hits: list[LabelHit] = []
    for layout in layouts:
        for line in layout.lines:
            for k, seg in enumerate(line):
                if seg.used:
                    continue
                for hit in find_labels(seg, ocr=layout.ocr, cell_pair=_cell_pair(layout, line, k)):
                    all_hits.append(hit)
                    _take(hit, layout, fields, sources)
    return fields, sources, all_hits


def _cell_pair(layout: PageLayout, line: list[Segment], k: int) -> bool:
    """A spreadsheet cell with another (unused) cell to its right on the row: on a grid a label
    cell and its value cell are the whole layout, there is no colon to say so."""
    return layout.grid and k + 1 < len(line) and not line[k + 1].used


def _take(hit: LabelHit, layout: PageLayout, fields: dict, sources: dict) -> None:
    f = hit.field
    if f in _ADDRESS_FIELDS or f in _BLOCK_FIELDS:
        if f in fields:
            return
        block = block_below(hit, layout)
        if block:
            text = "\n".join(s.text for s in block) if f in _ADDRESS_FIELDS else block[0].text
            fields[f] = text.strip(" :")
            sources[f] = _src(block[0], min(s.confidence for s in block), block)
        return
    if f in fields and f not in ("total",):
        return
    seg = value_for(hit, layout)
    if seg is None:
        return
    value = clean_value(f, seg.text)
    if value is None:
        return
    if f == "procedure.patient_ref":
        value = patient_ref_value(hit, seg, value)
    if f == "total" and f in fields and sources[f]["page"] == layout.number and sources[f]["bbox"][1] > seg.y0:
        return
    if f in _NAME_FIELDS and seg is not hit.inline:
        seg, value = _whole_name(seg, layout, value)
    fields[f] = value
    sources[f] = _src(seg, seg.confidence)
    seg.used = True


def _whole_name(seg: Segment, layout: PageLayout, value: str) -> tuple[Segment, str]:
    """A name written by hand ("Derek   Holt") is split into phrases by its wide word gaps: the
    phrases that follow closely on the same line, hold letters only and are no label, are the
    rest of the name."""
    line = next((ln for ln in layout.lines if any(s is seg for s in ln)), [])
    words = list(seg.words)
    parts = [seg]
    for nxt in sorted((s for s in line if s.x0 > seg.x1 - 1 and not s.used), key=lambda s: s.x0):
        if nxt.x0 - parts[-1].x1 > 2.5 * layout.line_height or find_labels(nxt, ocr=layout.ocr):
            break
        if not re.fullmatch(r"[A-Za-z][A-Za-z.,'\- ]*", nxt.text.strip()):
            break
        parts.append(nxt)
        words.extend(nxt.words)
    if len(parts) == 1:
        return seg, value
    for part in parts:
        part.used = True
    joined = Segment(words, seg.page, seg.line_index)
    return joined, clean_value("rep_raw", joined.text) or value


def _src(seg: Segment, conf: float, block: list[Segment] | None = None) -> dict:
    segs = block or [seg]
    bbox = [round(min(s.x0 for s in segs), 1), round(min(s.y0 for s in segs), 1),
            round(max(s.x1 for s in segs), 1), round(max(s.y1 for s in segs), 1)]
    return {"page": seg.page, "bbox": bbox, "confidence": round(conf, 3)}


def _mark_rows_used(rows: list[Row]) -> None:
    for r in rows:
        for segs in r.cells.values():
            for s in segs:
                s.used = True


def _mark_header_lines(layouts: list[PageLayout], header_lines: list[tuple[int, int]]) -> None:
    by_page = {lay.number: lay for lay in layouts}
    for page, idx in header_lines:
        for s in by_page[page].lines[idx]:
            s.used = True


# ------------------------------------------------------------------ document type and customer
def classify(doc: TextDocument, fields: dict) -> str:
    """Document type from its own words: a title saying purchase order wins (bill-only POs also
    mention the surgery), then usage reports, then implant / case records."""
    text = doc.text.lower()
    if re.search(r"purchase\s*order|\bp\.?o\.?\s*(number|#|no)|bill\s+only\s+po", text) or "po_number" in fields:
        return "purchase_order"
    if "usage report" in text:
        return "usage_report"
    if re.search(r"implant|case sheet|usage record|date of surgery|surgeon|patient", text):
        return "case_sheet"
    if "remittance" in text:
        return "remittance"
    return "unknown"


def customer_name(layouts: list[PageLayout], hits: list[LabelHit] | None = None) -> tuple[str | None, dict | None]:
    """The issuer's name: the most prominent (tallest) phrase in the top quarter of the first page
    that is not a document title, a fax transmission header, a label, an address line or the value
    of a labelled field (a handwritten "Vendor Rep" name is tall, and still the rep). The heading
    printed above the first labelled field is preferred: that is where a form names its owner."""
    if not layouts:
        return None, None
    lay = layouts[0]
    labels = [h.label_segment for h in hits or () if h.segment.page == lay.number]
    cands = []
    for line in lay.lines:
        for seg in line:
            if seg.y0 > lay.height * 0.25 or seg.used:
                continue
            t = seg.text.strip(" -|")
            if len(re.findall(r"[A-Za-z]", t)) < 4 or _TITLE.search(t) or _FAX_HEADER.search(t):
                continue
            if find_labels(seg, ocr=lay.ocr) or re.search(r"\d{3}", t) or "@" in t:
                continue
            if any(_labelled_value(seg, label, lay) for label in labels):
                continue
            cands.append(seg)
    if not cands:
        return None, None
    top_label = min((label.y0 for label in labels), default=None)
    heading = [s for s in cands if top_label is not None and s.y1 <= top_label + lay.line_height / 2]
    best = max(heading or cands, key=lambda s: (round(s.height / max(lay.line_height, 1) * 4), -s.y0))
    return re.sub(r"\s+", " ", best.text.strip(" -|,.")), _src(best, best.confidence)


def _labelled_value(seg: Segment, label: Segment, lay: PageLayout) -> bool:
    """Whether a phrase sits where a label's value is written: to its right on the same band, or
    just below it in its column."""
    if seg is label or (seg.words and label.words and seg.words[0] is label.words[0]):
        return False
    lh = lay.line_height
    right = (label.x1 - 1 <= seg.x0 < label.x1 + 0.35 * lay.width
             and seg.y0 < label.y1 + lh and seg.y1 > label.y0 - lh)
    below = (0 <= seg.y0 - label.y1 <= 2.6 * lh and label.x0 - lh <= seg.x0 < label.x1 + 0.35 * lay.width)
    return right or below


# ------------------------------------------------------------------ lines
def _row_to_line(row: Row) -> dict | None:
    cust = row.text("customer_item")
    item = row.text("item")
    desc = row.text("description")
    qty = V.parse_quantity(row.text("quantity"))
    code = _code(item) or _code(desc)
    if not (item or desc or cust) or (qty is None and code is None):
        return None
    lot, serial = _lot_serial(row)
    raw = " ".join(t for t in (cust, item, desc) if t)
    # each value the order is built from, as read, and how sure the table's structure is: the
    # line is as sure as its weakest reading times the structure (resolution may lift a reading
    # that master data corroborates, see ``resolve.line_confidence``)
    read = {r: round(row.conf(r), 3) for r in ("item", "quantity", "unit_price") if r in row.cells}
    read["layout"] = INFERRED_FACTOR if row.inferred else 0.95
    conf = line_confidence(read)
    udi = V.parse_udi_text(row.text("udi") or "") if row.text("udi") else None
    return {
        "line_no": None,
        "item_id": None,
        "item_raw": re.sub(r"\s+", " ", raw).strip(),
        "catalog_raw": code,
        "description_raw": desc,
        "customer_item_ref": _code(cust) or (cust.strip() if cust else None),
        "quantity": qty,
        "uom": V.parse_uom(row.text("uom")),
        "unit_price": V.parse_money(row.text("unit_price"), bare=not row.inferred),
        "extended_raw": V.parse_money(row.text("ext"), bare=not row.inferred),
        "lot": lot or (udi or {}).get("lot"),
        "serial": serial or (udi or {}).get("serial"),
        "expiry": V.parse_date_text(row.text("expiry")) or (udi or {}).get("expiry"),
        "udi": (udi or {}).get("udi"),
        "confidence": round(conf, 3),
        "field_confidence": read,
        "source": row.source(),
    }


def _code(text: str | None) -> str | None:
    if not text:
        return None
    for token in text.split():
        if V.is_item_code(token):
            return V.strip_code(token)
    return None


def _lot_serial(row: Row) -> tuple[str | None, str | None]:
    """Lot and serial from their own columns or from a combined "L75846 / SN430680" cell."""
    lot = row.text("lot")
    serial = row.text("serial")
    both = row.text("lot_serial")
    if both:
        parts = [p.strip() for p in re.split(r"\s*/\s*|\s{2,}", both) if p.strip()]
        for p in parts:
            if re.match(r"^(SN|S/N|SER)", p, re.I) and serial is None:
                serial = p
            elif lot is None:
                lot = p
            elif serial is None:
                serial = p
    return (lot.strip() if lot else None), (serial.strip() if serial else None)


def _page_symbols(doc: TextDocument) -> dict[int, list[dict]]:
    """UDI barcodes on OCR'd page images (page number -> [{bbox, udi fields}]). Barcode decoding
    belongs to ``o2c.intake.barcodes``; without it stickers are read from their printed text."""
    try:
        from o2c.intake.barcodes import decode_barcodes
    except Exception:  # pragma: no cover - optional module
        return {}
    out: dict[int, list[dict]] = {}
    for n, image in enumerate(doc.images, 1):
        if image is None:
            continue
        try:
            symbols = decode_barcodes(image)
        except Exception:
            continue
        for sym in symbols:
            if sym.udi is None or not sym.udi.gtin:
                continue
            u = sym.udi
            out.setdefault(n, []).append({
                "bbox": _page_bbox(doc.pages[n - 1] if n <= len(doc.pages) else None, sym.bbox), "udi": u.normalized, "gtin": u.gtin, "lot": u.lot, "serial": u.serial,
                "expiry": u.expiry.isoformat() if u.expiry else None, "taken": False})
    return out


def _page_bbox(page, bbox) -> tuple[float, float, float, float]:
    """A barcode's box on the image as it came, in the page's (straightened) coordinates."""
    if page is None or not getattr(page, "ocr_angle", 0.0):
        return bbox
    x0, y0, x1, y1 = bbox
    corners = [page.image_point(x, y) for x, y in ((x0, y0), (x1, y0), (x0, y1), (x1, y1))]
    return (min(p[0] for p in corners), min(p[1] for p in corners),
            max(p[0] for p in corners), max(p[1] for p in corners))


def _box_distance(box, x: float, y: float) -> float:
    return max(box[0] - x, 0, x - box[2]) + max(box[1] - y, 0, y - box[3])


def _assign_symbols(boxes: list[tuple[float, float, float, float] | None], symbols: list[dict],
                    lh: float) -> dict[int, dict]:
    """Each decoded symbol to the sticker it is printed on: the printed sticker nearest to the
    symbol's centre (within a few line heights), the closest pair first, one symbol per sticker.
    ``boxes[k]`` is sticker k's box, None for a block that takes no symbol (handwriting)."""
    pairs = []
    for j, sym in enumerate(symbols):
        cx, cy = (sym["bbox"][0] + sym["bbox"][2]) / 2, (sym["bbox"][1] + sym["bbox"][3]) / 2
        for k, box in enumerate(boxes):
            if box is not None:
                d = _box_distance(box, cx, cy)
                if d < 8 * lh:
                    pairs.append((d, j, k))
    out: dict[int, dict] = {}
    used: set[int] = set()
    for _, j, k in sorted(pairs):
        if j in used or k in out:
            continue
        out[k] = symbols[j]
        used.add(j)
    return out


def _barcode_agrees(sticker: dict, symbol: dict) -> bool:
    """The printed lot and serial (at least one printed) read the same as the barcode's."""
    from o2c.intake.master_index import catalog_key

    pairs = [(sticker.get(k), symbol.get(k)) for k in ("lot", "serial")]
    printed = [(a, b) for a, b in pairs if a]
    return bool(printed) and all(b and catalog_key(a) == catalog_key(b) for a, b in printed)


def _sticker_lines(layouts: list[PageLayout], symbols: dict[int, list[dict]] | None = None,
                   unread: list[list[Segment]] | None = None) -> list[dict]:
    """Lines from sticker blocks; blocks that record a device but could not be read go to ``unread``."""
    out = []
    symbols = symbols or {}
    for lay in layouts:
        clusters = sticker_clusters(lay)
        reads = [read_sticker(c) for c in clusters]
        page_symbols = symbols.get(lay.number, [])
        boxes = [(min(s.x0 for s in c), min(s.y0 for s in c), max(s.x1 for s in c), max(s.y1 for s in c))
                 if st is not None and not st["handwritten"] else None for c, st in zip(clusters, reads)]
        on_sticker = _assign_symbols(boxes, page_symbols, lay.line_height)
        for k, (cluster, st) in enumerate(zip(clusters, reads)):
            if st is None:
                if unread is not None and is_device_entry(cluster):
                    unread.append(cluster)
                    partial = entry_values(cluster)
                    if partial:  # kept as read, to be checked against the stock it was taken from
                        out.append(_partial_line(cluster, partial, lay.number))
                continue
            segs = st["segments"]
            sym = on_sticker.get(k)
            conf = min(s.confidence for s in segs) * (HANDWRITTEN_FACTOR if st["handwritten"] else 0.95)
            if sym is not None:
                sym["taken"] = True
                if _barcode_agrees(st, sym):
                    conf = max(conf, BARCODE_AGREES)
                for key in ("udi", "gtin", "lot", "serial", "expiry"):
                    st[key] = sym[key] or st[key]
            out.append({
                "line_no": None, "item_id": None, "item_raw": st["item_raw"], "catalog_raw": st["ref"],
                "description_raw": None, "customer_item_ref": None,
                # one sticker (or one written entry) records one implanted unit
                "quantity": "1", "uom": "EA", "unit_price": None, "extended_raw": None,
                "lot": st["lot"], "serial": st["serial"], "expiry": st["expiry"], "udi": st["udi"],
                "gtin": st["gtin"], "confidence": round(conf, 3),
                "source": {"page": lay.number, "bbox": [round(min(s.x0 for s in segs), 1),
                                                        round(min(s.y0 for s in segs), 1),
                                                        round(max(s.x1 for s in segs), 1),
                                                        round(max(s.y1 for s in segs), 1)]},
            })
        if unread is not None and clusters:
            unread.extend(_stray_symbols(page_symbols, out, lay.number))
    return out


def _stray_symbols(symbols: list[dict], lines: list[dict], page: int) -> list[list[Segment]]:
    """A decoded UDI symbol no printed sticker took, whose lot and serial no line has: a sticker
    is on the page whose text could not be read, so a unit would be missing from the order (a line
    that has its lot or serial is the same unit, read from its text)."""
    from o2c.intake.master_index import catalog_key
    from o2c.intake.text import Word

    def key(v):
        return catalog_key(v) if v else None

    seen = {key(ln.get(k)) for ln in lines for k in ("lot", "serial")} - {None}
    stray = []
    for sym in symbols:
        if sym["taken"] or {key(sym.get("lot")), key(sym.get("serial"))} & seen:
            continue
        x0, y0, x1, y1 = sym["bbox"]
        stray.append([Segment([Word(f"barcode {sym['udi']}", x0, y0, x1, y1)], page, -1)])
    return stray


def _partial_line(cluster: list[Segment], values: dict, page: int) -> dict:
    """A device entry whose item could not be read but whose lot or serial partly could: a line
    with no item, the readings as they are, the unread-entry confidence, and ``source.unread``
    so that resolution may check it against the units at the facility (``resolve``)."""
    return {
        "line_no": None, "item_id": None, "item_raw": " ".join(s.text for s in cluster), "catalog_raw": None,
        "description_raw": None, "customer_item_ref": None, "quantity": "1", "uom": "EA", "unit_price": None,
        "extended_raw": None, "lot": values.get("lot"), "serial": values.get("serial"), "expiry": None, "udi": None,
        "gtin": None, "confidence": UNREAD_ENTRY_CONF,
        "source": {"page": page, "unread": True,
                   "bbox": [round(min(s.x0 for s in cluster), 1), round(min(s.y0 for s in cluster), 1),
                            round(max(s.x1 for s in cluster), 1), round(max(s.y1 for s in cluster), 1)]},
    }


# ------------------------------------------------------------------ assembly
def _currency(doc: TextDocument) -> str | None:
    text = doc.text
    m = re.search(r"\b(USD|EUR|GBP|CAD|CHF|AUD|JPY|INR|MXN|SEK|DKK|NOK|PLN)\b", text)
    if m:
        return m.group(1)
    for sym, code in (("$", "USD"), ("€", "EUR"), ("£", "GBP"), ("₹", "INR")):
        if sym in text:
            return code
    return None


def _assemble(doc: TextDocument, doc_type: str, fields: dict, sources: dict, lines: list[dict],
              customer: str | None) -> dict:
    order_date = fields.get("order_date")
    if order_date is None and doc_type == "purchase_order" and "date" in fields:
        order_date = fields["date"]
        sources["order_date"] = sources.get("date")
    proc_keys = ("procedure.date", "procedure.physician_raw", "procedure.patient_ref", "procedure.case_id")
    procedure = None
    if any(k in fields for k in proc_keys) or doc_type == "case_sheet":
        procedure = {"date": fields.get("procedure.date"), "physician_id": None,
                     "physician_raw": fields.get("procedure.physician_raw"),
                     "patient_ref": fields.get("procedure.patient_ref"),
                     "case_id": fields.get("procedure.case_id")}
    confs = [ln["confidence"] for ln in lines] + [s["confidence"] for k, s in sources.items()
                                                  if s and k in _ORDER_FIELDS]
    header_conf = [s["confidence"] for k, s in sources.items() if s and k in ("po_number", "order_date")]
    doc_conf = min(confs) if confs else 0.0
    if not lines:
        doc_conf *= 0.5
    result = {
        "document_type": doc_type,
        "customer_id": None,
        "customer_name_raw": customer,
        "site_id": None,
        "po_number": fields.get("po_number"),
        "order_date": order_date,
        "currency": _currency(doc),
        "procedure": procedure,
        "rep_id": None,
        "lines": lines,
        "total": fields.get("total"),
        "confidence": round(median(confs) if confs and header_conf else doc_conf, 3) if confs else 0.0,
        "warnings": list(doc.warnings),
        "bill_to_raw": fields.get("bill_to_raw"),
        "ship_to_raw": fields.get("ship_to_raw"),
        "vendor_raw": fields.get("vendor_raw"),
        "rep_raw": fields.get("rep_raw"),
        "facility_raw": fields.get("facility_raw"),
        "buyer_raw": fields.get("buyer_raw"),
        "terms_raw": fields.get("terms_raw"),
        "invoice_number": fields.get("invoice_number"),
        "invoice_date": fields.get("invoice_date") or (fields.get("date") if doc_type != "purchase_order" else None),
        "due_date": fields.get("due_date"),
        "source_kind": doc.source_kind,
        "header_sources": {k: v for k, v in sources.items() if v and not k.startswith("_")},
    }
    if doc_type == "unknown" and re.search(r"\binvoice\b", doc.text, re.I):
        result["document_kind"] = "invoice"
    return result
