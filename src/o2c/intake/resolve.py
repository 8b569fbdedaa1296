"""Resolution: tie what a document says to master data ids.

Readers (PDF/scan layout, X12, e-mail and SMS text) produce a raw section-2 dict with ids null and
the raw text beside them. ``resolve`` fills ``customer_id``, ``site_id``, ``rep_id``,
``procedure.physician_id``, each line's ``item_id`` and ``uom`` (and ``quantity_base`` in the
item's selling unit), the expiry a UDI states, a confidence per field and warnings for everything
it could not settle. It never invents: an id that no rule finds stays null, with a warning that
says why, so that the exception queue (and a person) can decide.

Who sent the document matters: an EDI sender id or a buyer's e-mail address names the customer; a
rep's phone or address names the rep, and then the customer comes from the text (the facility a rep
texts from). Usage reports and case sheets belong to the facility site where the surgery happened;
purchase orders to the ship-to site.
"""
from __future__ import annotations

import copy
import re
from datetime import datetime
from decimal import Decimal

from o2c.intake.confidence import corroborate, line_confidence
from o2c.intake.master_index import (Match, MasterIndex, catalog_key, email_key, phone_key, printed_reading,
                                     serial_near_miss)
from o2c.kernel.money import decimal_text, parse_decimal

USAGE_TYPES = {"usage_report", "case_sheet"}
_RAW_TEXT_KEYS = ("facility_raw", "customer_name_raw", "ship_to_raw", "bill_to_raw")


def resolve(raw: dict, master: MasterIndex, *, sender: str | None = None, channel: str | None = None,
            received_at: datetime | None = None) -> dict:
    """The raw extraction with master ids filled in, per-field confidence and warnings. The input
    is not modified."""
    doc = copy.deepcopy(raw)
    doc.setdefault("warnings", [])
    doc.setdefault("lines", [])
    confidence: dict[str, float] = {}
    sender = sender or doc.get("sender_raw")
    _edi_ship_to(doc)
    rep = _rep_from_sender(master, sender)
    if rep and not doc.get("rep_id"):
        doc["rep_id"] = rep.id
        confidence["rep_id"] = rep.score
    customer, site_hint = _customer(doc, master, sender, is_rep=bool(rep and rep.how.startswith("rep_")
                                                                      and rep.how != "rep_name"))
    if customer:
        doc["customer_id"] = customer.id
        confidence["customer_id"] = customer.score
        if customer.score < 0.9:
            doc["warnings"].append(f"customer {customer.id} matched by {customer.how} ({customer.score:.2f})")
    elif not doc.get("customer_id"):
        by_physician = _customer_from_physician(doc, master)
        if by_physician:
            doc["customer_id"], site_hint = by_physician
            confidence["customer_id"] = 0.8
            doc["warnings"].append(f"customer {doc['customer_id']} taken from the physician's site")
        else:
            doc["warnings"].append("customer not identified")
    site = _site(doc, master, site_hint)
    if site:
        doc["site_id"] = site.id
        confidence["site_id"] = site.score
    elif doc.get("customer_id") and not doc.get("site_id"):
        doc["warnings"].append("site not identified")
    if not doc.get("rep_id") and doc.get("rep_raw"):
        _rep_from_text(master, doc, confidence)
    _physician(doc, master, confidence)
    read_as = [ln.get("confidence") if isinstance(ln, dict) else None for ln in doc["lines"]]
    _lines(doc, master, confidence)
    if _is_usage(doc):
        if not doc.get("rep_id"):
            _rep_from_stock(doc, master, confidence)
        _settle_printed_lots(doc, master)
        _check_unread_against_stock(doc, master, read_as, confidence)
        _confirm_by_stock(doc, master, confidence)
    if _is_usage(doc):
        _fold_label_lines(doc)
    if doc.get("document_type") in (None, "") and doc["lines"]:
        doc["document_type"] = "purchase_order"
    if not doc.get("currency") and doc.get("customer_id"):
        doc["currency"] = (master.customers.get(doc["customer_id"]) or {}).get("currency") or "USD"
    doc["field_confidence"] = confidence
    return doc


# ------------------------------------------------------------------ who
def _rep_from_sender(master: MasterIndex, sender: str | None) -> Match | None:
    if not sender:
        return None
    return master.rep_by_email(sender) if "@" in sender else master.rep_by_phone(sender)


def _rep_from_text(master: MasterIndex, doc: dict, confidence: dict) -> None:
    """The rep a document names (a handwritten "Vendor Rep" box too), resolved once the facility is
    known so that reps covering it are preferred; a name several reps fit stays unresolved."""
    found = master.rep_candidates(doc["rep_raw"], customer_id=doc.get("customer_id"), site_id=doc.get("site_id"))
    if len(found) == 1:
        doc["rep_id"] = found[0].id
        confidence["rep_id"] = found[0].score
        if found[0].score < 0.9:
            doc["warnings"].append(f"rep {found[0].id} matched by a partly read name {doc['rep_raw']!r} "
                                   f"({found[0].score:.2f})")
    elif found:
        doc["warnings"].append(f"rep {doc['rep_raw']!r} is ambiguous: {', '.join(m.id for m in found)}")
    else:
        doc["warnings"].append(f"rep {doc['rep_raw']!r} not found")


def _customer(doc: dict, master: MasterIndex, sender: str | None, *, is_rep: bool) -> tuple[Match | None, str | None]:
    """The customer and, when the text named a particular site, that site. Exact sender keys come
    first (EDI id, buyer address or phone); a rep's message takes the customer from the text."""
    site_hint = None
    edi = doc.get("edi") or {}
    for key in (edi.get("sender_id"), edi.get("group_sender"), sender if sender and "@" not in sender else None):
        found = master.customer_by_edi(key) if key else None
        if found:
            return found, None
    by_sender = None
    if sender and not is_rep:
        by_sender = master.customer_by_email(sender) if "@" in sender else master.customer_by_phone(sender)
    by_text = None
    for key in _text_order(doc):
        found = master.place_by_name(doc.get(key))
        if found:
            by_text, site_hint = found
            break
    if by_text is None:
        for key in ("ship_to_raw", "bill_to_raw", "facility_raw"):
            found = master.customer_by_address(doc.get(key))
            if found:
                by_text = found
                break
    if by_sender and by_text and by_text.id != by_sender.id:
        doc["warnings"].append(f"sender belongs to {by_sender.id} but the document names {by_text.id}")
        if by_sender.how == "email_domain" and by_text.score >= 0.95:
            return by_text, site_hint
        return Match(by_sender.id, min(by_sender.score, 0.8), by_sender.how), None
    if by_sender:
        return (Match(by_sender.id, 1.0, by_sender.how) if by_text else by_sender), site_hint if by_text else None
    return by_text, site_hint


def _text_order(doc: dict) -> tuple[str, ...]:
    if doc.get("document_type") in USAGE_TYPES:
        return ("facility_raw", "customer_name_raw", "ship_to_raw", "bill_to_raw")
    return ("customer_name_raw", "bill_to_raw", "ship_to_raw", "facility_raw")


def _edi_ship_to(doc: dict) -> None:
    """The ship-to party of an 850 as text the site matcher can read (name, street, city, zip)."""
    edi = doc.get("edi") or {}
    for party in edi.get("parties") or []:
        if party.get("role") == "ST" and not doc.get("ship_to_raw"):
            doc["ship_to_raw"] = ", ".join(x for x in [party.get("name"), *(party.get("address_lines") or []),
                                                       party.get("city"), party.get("state"),
                                                       party.get("postal_code")] if x)


def _site(doc: dict, master: MasterIndex, hint: str | None) -> Match | None:
    """Usage belongs to the facility where it happened; an order to the place it ships to."""
    customer_id = doc.get("customer_id")
    if not customer_id or doc.get("site_id"):
        return None
    usage = _is_usage(doc)
    kind = "facility" if usage else "ship_to"
    if hint and master.sites.get(hint, {}).get("customer_id") == customer_id:
        if master.sites[hint].get("kind") == kind or not master.sites_of(customer_id, kind):
            return Match(hint, 0.95, "named_site")
        # "Pinecrest Orthopaedic Pavilion" named on a PO: its receiving dock is the ship-to
        named = master.sites[hint]
        same_place = [s for s in master.sites_of(customer_id, kind)
                      if master.sites[s].get("address1") == named.get("address1")]
        if len(same_place) == 1:
            return Match(same_place[0], 0.9, "named_site_dock")
    keys = ("facility_raw", "ship_to_raw", "customer_name_raw") if usage else ("ship_to_raw", "facility_raw")
    for key in keys:
        if doc.get(key):
            found = master.site_for(customer_id, doc[key], prefer_kind=kind)
            if found and master.sites[found.id].get("kind") in (kind, None, ""):
                return found
    if doc.get("bill_only") and not usage and doc.get("facility_raw"):
        found = master.site_for(customer_id, doc["facility_raw"], prefer_kind="facility")
        if found:
            return found
    only = master.sites_of(customer_id, kind)
    if len(only) == 1:
        return Match(only[0], 0.8, f"only_{kind}")
    return None


def _is_usage(doc: dict) -> bool:
    """Usage reports, case sheets, and bill-only POs that state the case they pay for (surgeon,
    patient, case number): all of them are about the facility where the surgery happened."""
    if doc.get("document_type") in USAGE_TYPES:
        return True
    procedure = doc.get("procedure") if isinstance(doc.get("procedure"), dict) else {}
    return bool(procedure.get("physician_raw") or procedure.get("patient_ref") or procedure.get("case_id"))


def _customer_from_physician(doc: dict, master: MasterIndex) -> tuple[str, str] | None:
    """A case sheet whose facility is unreadable still names the surgeon; a surgeon with a full
    name who practises at exactly one site places the case there."""
    procedure = doc.get("procedure") if isinstance(doc.get("procedure"), dict) else {}
    name = procedure.get("physician_raw")
    if not name or len(re.findall(r"[A-Za-z]{2,}", name.replace("MD", ""))) < 2:
        return None
    found = master.physician_by_name(name)
    if not found or found.score < 0.9:
        return None
    site_id = master.physicians[found.id].get("site_id")
    site = master.sites.get(site_id or "")
    return (site["customer_id"], site_id) if site else None


def _physician(doc: dict, master: MasterIndex, confidence: dict) -> None:
    procedure = doc.get("procedure")
    if not isinstance(procedure, dict) or procedure.get("physician_id") or not procedure.get("physician_raw"):
        return
    site_id = doc.get("site_id") if (master.sites.get(doc.get("site_id") or "") or {}).get("kind") == "facility" \
        else None
    found = master.physician_by_name(procedure["physician_raw"], site_id=site_id, customer_id=doc.get("customer_id"))
    if found:
        procedure["physician_id"] = found.id
        confidence["procedure.physician_id"] = found.score
    else:
        doc["warnings"].append(f"physician {procedure['physician_raw']!r} not found")


# ------------------------------------------------------------------ what
def _lines(doc: dict, master: MasterIndex, confidence: dict) -> None:
    scores = []
    for number, line in enumerate(doc["lines"], 1):
        if not isinstance(line, dict):
            continue
        line.setdefault("line_no", number)
        found = _item(line, master, doc.get("customer_id"))
        if found and not line.get("item_id"):
            line["item_id"] = found.id
            if found.how.startswith("customer_item_ref") and not line.get("customer_item_ref"):
                line["customer_item_ref"] = line.get("catalog_raw")
            if found.how == "description_fuzzy":
                doc["warnings"].append(f"line {line['line_no']}: item {found.id} matched by description "
                                       f"({found.score:.2f})")
        elif not line.get("item_id"):
            doc["warnings"].append(f"line {line['line_no']}: unknown item {_shown(line)!r}")
        _udi(line, master)
        _units(line, master, doc)
        line_score = (found.score if found else (1.0 if line.get("item_id") else 0.0))
        if line.get("quantity") is None:
            line_score *= 0.5
            doc["warnings"].append(f"line {line['line_no']}: quantity not stated")
        if found and _description_corroborates(line, found, master):
            line["field_confidence"] = corroborate(line["field_confidence"], "item")
            line["confidence"] = line_confidence(line["field_confidence"])
        read = line.get("confidence")
        line["confidence"] = round(min(line_score, 1.0 if read is None else read), 3)  # 0.0 is a reading
        scores.append(line["confidence"])
    if scores:
        confidence["lines"] = round(sum(scores) / len(scores), 3)


#: a device entry read only partly, which exactly one unit on hand at the facility or in the rep's
#: trunk fits: taken as that unit, with this (moderate) confidence.
STOCK_CORROBORATED = 0.75


#: a rep known only because the units used sit in that rep's trunk (the name was not readable).
REP_FROM_TRUNK = 0.8


def _rep_from_stock(doc: dict, master: MasterIndex, confidence: dict) -> None:
    """A rep whose name could not be read (or fits no rep) is still named by the stock the case drew
    from: each sticker line not on hand at the facility's closets is looked for in the trunks of the
    reps whose territory covers the facility. When every such line is on hand (exactly, or up to
    glyphs OCR confuses in print) in exactly one trunk, and all in the trunk of the same one rep,
    that rep is the case's rep (with a warning); two trunks holding a unit, a unit in none, or
    units in two reps' trunks identify nobody."""
    site = doc.get("site_id")
    closets = set(master.usage_locations(site, None))
    if not site or not closets:
        return
    trunks = master.covering_trunks(site)
    if not trunks:
        return
    reps: set[str] = set()
    for line in doc["lines"]:
        if not isinstance(line, dict) or (line.get("source") or {}).get("unread"):
            continue
        item, lot, serial = line.get("item_id"), line.get("lot"), line.get("serial") or None
        if not item or not lot:
            continue
        if _on_hand(master, closets, item, lot, serial) or master.units_printed_as(closets, item_id=item, lot=lot,
                                                                                  serial=serial):
            continue
        where = {u["location_id"] for u in master.inventory if u.get("location_id") in trunks
                 and u.get("item_id") == item and u.get("lot") == lot and (u.get("serial") or None) == serial}
        if not where:
            where = {u["location_id"] for u in master.units_printed_as(trunks, item_id=item, lot=lot, serial=serial)}
        if len(where) != 1:
            return
        reps.add(trunks[where.pop()])
    if len(reps) != 1:
        return
    rep = reps.pop()
    doc["rep_id"] = rep
    confidence["rep_id"] = REP_FROM_TRUNK
    doc["warnings"] = [w for w in doc["warnings"] if not w.startswith(f"rep {doc.get('rep_raw')!r}")]
    doc["warnings"].append(f"rep {rep} taken from the trunk the used units are in"
                           + (f" (the name read as {doc['rep_raw']!r} fits no rep)" if doc.get("rep_raw") else ""))


def _on_hand(master: MasterIndex, places: set, item: str, lot: str, serial: str | None) -> bool:
    return any(u.get("location_id") in places and u.get("item_id") == item and u.get("lot") == lot
               and (not serial or u.get("serial") in (None, "", serial)) for u in master.inventory)


def _settle_printed_lots(doc: dict, master: MasterIndex) -> None:
    """A sticker's printed lot OCR read with a confused glyph ("199343" for L99343) names no unit on
    hand. When exactly one unit of the line's item at the facility's closets or the rep's trunk
    reads the same up to such glyphs (and its serial agrees), that is the unit: the line takes its
    lot and serial as printed. Anything else (two candidates, a digit that differs) stays as read
    and goes to the stock check and a person."""
    places = master.usage_locations(doc.get("site_id"), doc.get("rep_id"))
    if not places:
        return
    for line in doc["lines"]:
        if not isinstance(line, dict) or not line.get("item_id") or not line.get("lot"):
            continue
        if (line.get("source") or {}).get("unread"):
            continue  # a handwritten entry read in part: the looser check below is its own
        item, lot, serial = line["item_id"], line["lot"], line.get("serial")
        on_hand = [u for u in master.inventory if u.get("location_id") in places and u.get("item_id") == item
                   and u.get("lot") == lot and (not serial or u.get("serial") in (None, "", serial))]
        if on_hand:
            continue
        fits = master.units_printed_as(places, item_id=item, lot=lot, serial=serial)
        if len(fits) != 1:
            _settle_garbled_serial(doc, master, places, line)
            continue
        unit = fits[0]
        doc["warnings"].append(f"line {line.get('line_no')}: lot read as {lot!r}"
                               + (f" serial {serial!r}" if serial else "")
                               + f" is {unit.get('lot')} {unit.get('serial') or ''} on hand at {unit['location_id']}"
                               " (glyphs OCR confuses in print)")
        line["source"] = {**(line.get("source") or {}), "read_as": {"lot": lot, "serial": serial},
                          "corroborated_by": "inventory"}
        line["lot"] = unit.get("lot")
        if unit.get("serial"):
            line["serial"] = unit["serial"]


def _settle_garbled_serial(doc: dict, master: MasterIndex, places: list, line: dict) -> None:
    """A sticker whose item and lot were read exactly but whose serial OCR garbled ("SN56859" for
    SN568590) is the one unit of that item and lot on hand at the facility's closets or the rep's
    trunk when the serial read is a near miss of that unit's (``serial_near_miss``) and names no
    other unit of the item anywhere. The line takes that unit's serial, marked as corroborated by
    inventory, at ``STOCK_CORROBORATED``; two units of the lot, none, or a serial further off stay
    as read, for the stock check and a person."""
    item, lot, serial = line["item_id"], line["lot"], line.get("serial")
    if not serial:
        return
    same_lot = [u for u in master.inventory if u.get("location_id") in places and u.get("item_id") == item
                and u.get("lot") == lot]
    if len(same_lot) != 1 or not same_lot[0].get("serial"):
        return
    unit = same_lot[0]
    if not serial_near_miss(serial, unit["serial"]):
        return
    if any(u.get("item_id") == item and printed_reading(serial, u.get("serial")) for u in master.inventory):
        return  # the reading is another real unit's serial: not this one's near miss
    doc["warnings"].append(f"line {line.get('line_no')}: serial read as {serial!r} is {unit['serial']}, the one "
                           f"unit of {item} lot {lot} on hand at {unit['location_id']} (a near miss of OCR)")
    line["source"] = {**(line.get("source") or {}), "read_as": {"lot": lot, "serial": serial},
                      "corroborated_by": "inventory"}
    line["serial"] = unit["serial"]
    if line.get("confidence") is None or line["confidence"] > STOCK_CORROBORATED:
        line["confidence"] = STOCK_CORROBORATED


def _check_unread_against_stock(doc: dict, master: MasterIndex, read_as: list, confidence: dict) -> None:
    """A handwritten "no sticker" entry OCR read as "lot 46947 / sn GNI 9501" names the unit the
    facility's closet holds as L48947 / SN193501 when that is the only unit there (or in the rep's
    trunk) the readings fit. Then the line takes that unit's item, lot and serial, marked as
    corroborated by inventory; otherwise it stays as read, unknown, and the sheet in review."""
    partial = [ln for ln in doc["lines"] if isinstance(ln, dict) and (ln.get("source") or {}).get("unread")]
    if not partial:
        return
    places = master.usage_locations(doc.get("site_id"), doc.get("rep_id"))
    done = 0
    for line in partial:
        fits = master.units_fitting(places, item_id=line.get("item_id"), lot=line.get("lot"),
                                    serial=line.get("serial")) if places else []
        if len(fits) != 1:
            doc["warnings"].append(f"line {line['line_no']}: {len(fits)} units on hand fit the reading "
                                   f"lot {line.get('lot')!r} serial {line.get('serial')!r}: key it from the document")
            continue
        unit = fits[0]
        doc["warnings"] = [w for w in doc["warnings"] if not w.startswith(f"line {line['line_no']}: unknown item")]
        doc["warnings"].append(f"line {line['line_no']}: read as lot {line.get('lot')!r} serial {line.get('serial')!r}, "
                               f"taken as the one unit at {unit['location_id']} that fits: {unit['item_id']} "
                               f"lot {unit.get('lot') or '-'} serial {unit.get('serial') or '-'}")
        read = {"lot": line.get("lot"), "serial": line.get("serial")}
        line["item_id"] = unit["item_id"]
        line["lot"] = unit.get("lot") or line.get("lot")
        line["serial"] = unit.get("serial") or line.get("serial")
        line["confidence"] = STOCK_CORROBORATED
        line["source"] = {**line["source"], "corroborated_by": "inventory", "location_id": unit["location_id"],
                          "read_as": read}
        _units(line, master, doc)
        done += 1
    if done == len(partial):
        # the reader held the document down for the unread entries only: what the rest was read with
        from o2c.intake.layout import _ORDER_FIELDS

        rest = [c for ln, c in zip(doc["lines"], read_as) if c is not None and all(ln is not p for p in partial)]
        rest += [src["confidence"] for key, src in (doc.get("header_sources") or {}).items()
                 if key in _ORDER_FIELDS and isinstance(src, dict) and "confidence" in src]
        doc["confidence"] = round(min([STOCK_CORROBORATED, *rest]), 3)
    scores = [ln["confidence"] for ln in doc["lines"] if isinstance(ln, dict) and ln.get("confidence") is not None]
    if scores:
        confidence["lines"] = round(sum(scores) / len(scores), 3)


#: a sticker line whose item, lot and serial are exactly a unit on hand where the case drew from.
STOCK_CONFIRMED = 0.9


def _confirm_by_stock(doc: dict, master: MasterIndex, confidence: dict | None = None) -> None:
    """A sticker OCR read faintly (a stroke of the logo beside it, a grey photo) is still read right
    when its item, lot and serial are exactly those of a unit on hand at the facility's closets or
    the rep's trunk: a misreading does not land on another real unit by chance. Such a line is
    lifted to ``STOCK_CONFIRMED`` (a lot settled from confused glyphs to ``STOCK_CORROBORATED``);
    a serial missing where the unit has one, or any difference, confirms nothing. Only the line's
    own figure changes (what a reviewer sees), not the document's."""
    places = set(master.usage_locations(doc.get("site_id"), doc.get("rep_id")))
    lines = [ln for ln in doc["lines"] if isinstance(ln, dict)]
    if not places or not lines:
        return
    confirmed = 0
    for line in lines:
        src = line.get("source") or {}
        if src.get("unread"):
            continue
        item, lot, serial = line.get("item_id"), line.get("lot"), line.get("serial") or None
        if not item or not lot or str(line.get("quantity") or "1") not in ("1", "1.0"):
            continue
        if not any(u.get("location_id") in places and u.get("item_id") == item and u.get("lot") == lot
                   and (u.get("serial") or None) == serial for u in master.inventory):
            continue
        lift = STOCK_CORROBORATED if src.get("read_as") else STOCK_CONFIRMED
        if line.get("confidence") is not None and line["confidence"] < lift:
            line["confidence"] = lift
        confirmed += 1
    # A sticker cluster that swallowed a neighbouring sticker also reads as one exact unit, so the
    # document's reading is lifted only when the page showed no sign of a unit left out: the sticker
    # reader splits a block printing two REF, LOT, SN, EXP or barcode texts and holds the document
    # (UNREAD_ENTRY_WARNING) for every block or decoded symbol that gave no unit. Then, every line
    # being exactly a unit on hand, the document is as sure as its lines and its order fields.
    if confirmed == len(lines) and _stock_may_lift(doc):
        from o2c.intake.layout import _ORDER_FIELDS

        scores = [ln["confidence"] for ln in lines if ln.get("confidence") is not None]
        header = [src["confidence"] for key, src in (doc.get("header_sources") or {}).items()
                  if key in _ORDER_FIELDS and isinstance(src, dict) and "confidence" in src]
        if scores:
            doc["confidence"] = round(max(doc.get("confidence") or 0.0, min(scores + header)), 3)
            if confidence is not None:
                confidence["lines"] = round(sum(scores) / len(scores), 3)


def _stock_may_lift(doc: dict) -> bool:
    """A photographed or scanned sticker sheet whose reader saw every device entry it found."""
    from o2c.intake.layout import UNREAD_ENTRY_WARNING

    if doc.get("source_kind") not in ("image", "scanned_pdf"):
        return False
    if any(UNREAD_ENTRY_WARNING in str(w) or "language model" in str(w) for w in doc.get("warnings") or ()):
        return False
    return all(isinstance(ln, dict) and ln.get("quantity") is not None for ln in doc["lines"])


def _is_label_line(line: dict) -> bool:
    """A line that is only a scanned UDI label (its text is the UDI itself)."""
    text = re.sub(r"\s+", "", str(line.get("item_raw") or ""))
    udi = re.sub(r"\s+", "", str(line.get("udi") or ""))
    return bool(udi) and (text == udi or text.startswith("(01)") or not text)


def _fold_label_lines(doc: dict) -> None:
    """Case sheets carry a written line and the implant's sticker for the same unit. A label line
    whose item matches an earlier line of the same item that has no label yet (and no different
    lot or serial) describes that unit: its UDI, expiry, lot and serial go onto that line instead
    of counting the unit twice."""
    kept: list[dict] = []
    for line in doc["lines"]:
        if isinstance(line, dict) and line.get("item_id") and _is_label_line(line):
            target = next((k for k in reversed(kept) if k.get("item_id") == line["item_id"] and not k.get("udi")
                           and _agrees(k.get("lot"), line.get("lot")) and _agrees(k.get("serial"), line.get("serial"))),
                          None)
            if target is not None:
                for key in ("udi", "expiry", "lot", "serial"):
                    if not target.get(key) and line.get(key):
                        target[key] = line[key]
                continue
        kept.append(line)
    if len(kept) != len(doc["lines"]):
        for number, line in enumerate(kept, 1):
            if isinstance(line, dict):
                line["line_no"] = number
        doc["lines"] = kept


def _description_corroborates(line: dict, found: Match, master: MasterIndex) -> bool:
    """A part number read from the page and the description printed beside it name the same item
    on their own: two readings agreeing, so the part number was read right however faint its
    characters looked to OCR. A sibling item ("3.5 X 16MM" read as 3518) fails, because the
    description alone then names another item or none (too close to call)."""
    if not isinstance(line.get("field_confidence"), dict) or not found.how.startswith(("catalog", "customer_item_ref")):
        return False
    by_text = master.item_by_description(line.get("description_raw"))
    return bool(by_text and by_text.id == found.id and by_text.score >= CORROBORATING_DESCRIPTION)


#: a description that independently names the item this surely corroborates its part number.
CORROBORATING_DESCRIPTION = 0.8


def _agrees(a: str | None, b: str | None) -> bool:
    return not a or not b or catalog_key(a) == catalog_key(b)


def _shown(line: dict) -> str:
    return line.get("catalog_raw") or line.get("item_raw") or line.get("customer_item_ref") or "?"


def _item(line: dict, master: MasterIndex, customer_id: str | None) -> Match | None:
    """Catalog number first, then the customer's part number, the GTIN of a UDI or one printed as
    a number, and the description when the line shows no part number, or only numbers we do not
    know beside a description that matches closely (a size such as "330MM" is no part number)."""
    if line.get("item_id"):
        return master.item_by_catalog(line["item_id"]) or Match(line["item_id"], 0.5, "given")
    edi = line.get("edi") or {}
    numbers = [n for n in [line.get("catalog_raw")] + [p.get("id") for p in edi.get("product_ids") or []
                                                       if p.get("qualifier") in ("VP", "VC", "VN", "MG", "VA", "MN")]
               if n]
    in_text = _number_tokens(line.get("item_raw"))
    candidates = numbers + in_text
    for token in candidates:
        found = master.item_by_catalog(token)
        if found:
            return found
    for ref in [line.get("customer_item_ref"), *candidates]:
        found = master.item_by_customer_ref(customer_id, ref) if ref else None
        if found:
            return found
    for gtin in [edi.get("gtin") or _udi_gtin(line.get("udi")), *_gtin_tokens(line.get("item_raw"))]:
        found = master.item_by_gtin(gtin) if gtin else None
        if found:
            return found
    if numbers or line.get("customer_item_ref"):
        return None  # a number we do not know is an unknown item, not a description to guess from
    text = line.get("description") or line.get("description_raw") or line.get("item_raw") or ""
    if in_text:  # the words beside a number-like word we do not know are the description
        text = " ".join(w for w in text.split() if not _number_tokens(w))
    found = master.item_by_description(text)
    if found and in_text and found.score < CLOSE_DESCRIPTION:
        return None  # a word that may be a part number we do not know, and a description only near
    return found


#: a description match this sure outweighs a number-like word on the line that names no item.
CLOSE_DESCRIPTION = 0.85
#: sizes and dimensions printed in descriptions ("330MM", "9X330", "12.5MM", "6.5X40MM"): no part numbers.
_DIMENSION = re.compile(r"\d+(?:[.,]\d+)?(?:MM|CM|M|IN|DEG|CC|ML|FR|G)?"
                        r"(?:X\d+(?:[.,]\d+)?(?:MM|CM|M|IN|DEG|CC|ML|FR|G)?)*", re.I)


def _number_tokens(text: str | None) -> list[str]:
    """Part-number-like tokens of a raw line (3+ digits, not a size), and adjacent pairs joined
    ("7103 1204" from OCR)."""
    tokens = re.findall(r"[A-Za-z0-9]+(?:[-./][A-Za-z0-9]+)*", text or "")
    tokens = [t for t in tokens if sum(ch.isdigit() for ch in t) >= 3 and not _is_dimension(t)]
    pairs = [a + b for a, b in zip(tokens, tokens[1:])]
    return tokens + pairs


def _is_dimension(token: str) -> bool:
    """A size: a number with a unit, or two numbers across an X. A bare number is not one."""
    return bool(_DIMENSION.fullmatch(token)) and not token.isdigit()


def _gtin_tokens(text: str | None) -> list[str]:
    """Numbers printed on the line that are GTINs: 14 digits, or 12/13 (padded), check digit right."""
    from o2c.formats.gs1 import is_valid_gtin

    return [t for t in re.findall(r"(?<!\d)\d{12,14}(?!\d)", text or "") if is_valid_gtin(t)]


def _udi_gtin(udi: str | None) -> str | None:
    if not udi:
        return None
    parsed = _parse_udi(udi)
    if parsed and parsed.get("gtin"):
        return parsed["gtin"]
    match = re.search(r"\(01\)\s*(\d{14})|^01(\d{14})", udi)
    return (match.group(1) or match.group(2)) if match else None


def _parse_udi(udi: str) -> dict | None:
    """The UDI reader of ``o2c.formats.udi`` when it is installed: {gtin, lot, serial, expiry}."""
    try:
        from o2c.formats.udi import parse_udi  # type: ignore[import-not-found]
    except ImportError:
        return None
    try:
        parsed = parse_udi(udi)
    except Exception:  # noqa: BLE001 - an unreadable UDI leaves the line as it was
        return None
    if parsed is None:
        return None
    if isinstance(parsed, dict):
        return parsed
    return {k: getattr(parsed, k, None) for k in ("gtin", "lot", "serial", "expiry", "di")}


def _udi(line: dict, master: MasterIndex) -> None:
    """A UDI states expiry (and lot/serial): fill those the line left empty, flag disagreements."""
    if not line.get("udi"):
        return
    parsed = _parse_udi(line["udi"])
    if not parsed:
        return
    for key in ("lot", "serial", "expiry"):
        value = parsed.get(key)
        if value is None:
            continue
        value = value.isoformat() if hasattr(value, "isoformat") else str(value)
        if not line.get(key):
            line[key] = value
        elif catalog_key(line[key]) != catalog_key(value) and key != "expiry":
            line.setdefault("warnings", []).append(f"{key} {line[key]} differs from the UDI's {value}")
    gtin = parsed.get("gtin") or parsed.get("di")
    if gtin and line.get("item_id"):
        by_gtin = master.item_by_gtin(str(gtin))
        if by_gtin and by_gtin.id != line["item_id"]:
            line.setdefault("warnings", []).append(f"UDI names item {by_gtin.id}, the line {line['item_id']}")


def _units(line: dict, master: MasterIndex, doc: dict) -> None:
    """Unit of measure from the item master when the document gives none, and the quantity in the
    item's base unit (``quantity_base``): 2 BX of an item packed 10 per box is 20 EA."""
    item = master.item(line.get("item_id"))
    if not item:
        return
    item_uom = (item.get("uom") or "EA").upper()
    if not line.get("uom"):
        line["uom"] = item_uom
    if line.get("quantity") is None:
        return
    try:
        quantity = parse_decimal(line["quantity"], "quantity")
        pack = Decimal(item.get("pack_size") or "1")
    except Exception:  # noqa: BLE001 - a quantity we cannot read stays as written
        return
    uom = str(line["uom"]).upper()
    if uom == item_uom and item_uom != "EA":
        line["quantity_base"] = decimal_text(quantity * pack)
    elif uom == "EA" and item_uom != "EA" and pack > 1:
        line["quantity_base"] = decimal_text(quantity)
        if quantity % pack:
            doc["warnings"].append(f"line {line.get('line_no')}: {line['quantity']} EA of {item['item_id']}, "
                                   f"sold in {item_uom} of {pack}")
    else:
        line["quantity_base"] = decimal_text(quantity)


def sender_kind(master: MasterIndex, sender: str | None) -> str:
    """"rep", "customer" or "unknown": who a sender address or phone belongs to."""
    if not sender:
        return "unknown"
    if master.rep_by_email(sender) or master.rep_by_phone(sender):
        return "rep"
    if (email_key(sender) and master.customer_by_email(sender)) or (phone_key(sender) and master.customer_by_phone(sender)):
        return "customer"
    return "unknown"
