"""Structured XML embedded in hybrid PDFs: Factur-X / ZUGFeRD, Order-X and UBL.

A hybrid PDF carries the same document twice: the page a person reads and an XML file attached to
it (PDF/A-3 ``EmbeddedFiles``). The XML was written by the sender's system, so where it is present
it is the source of truth for the fields it holds (confidence 1.0, source ``embedded:<filename>``);
the text layer only fills what the XML leaves out. Nothing is derived that the XML does not say.

The readers are namespace-agnostic (elements are matched by local name) because the same
vocabulary appears under several namespace versions: CII D16B (Factur-X, ZUGFeRD 2, XRechnung),
ZUGFeRD 1 ``CrossIndustryDocument``, Order-X ``SCRDMCCBDACIOMessageStructure`` and UBL 2.x.
"""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from lxml import etree

from o2c.intake.pages.values import decimal_text

#: confidence of a field read from the embedded XML: the sender's own system wrote it.
EMBEDDED_CONFIDENCE = 1.0

#: UN/ECE Recommendation 20 unit codes -> the two-letter codes the rest of intake uses.
_UNIT_CODES = {"C62": "EA", "H87": "EA", "EA": "EA", "XPP": "EA", "PCE": "PC", "XBX": "BX", "BX": "BX",
               "XCS": "CS", "CS": "CS", "XPK": "PK", "PK": "PK", "KT": "KT", "PR": "PR", "SET": "SET", "DZN": "DZ"}

#: CII root local names (invoice vocabularies) and the order vocabulary of Order-X.
_CII_INVOICE_ROOTS = {"CrossIndustryInvoice", "CrossIndustryDocument"}
_CII_ORDER_ROOTS = {"SCRDMCCBDACIOMessageStructure", "CrossIndustryOrder"}
_UBL_ORDER_ROOTS = {"Order", "OrderChange"}
_UBL_INVOICE_ROOTS = {"Invoice", "CreditNote"}

#: the header fields the embedded XML overrides when it has them.
HEADER_KEYS = ("po_number", "order_date", "customer_name_raw", "currency", "total", "invoice_number",
               "invoice_date", "seller_raw", "buyer_raw", "due_date")


# ------------------------------------------------------------------ attachments
def pdf_attachments(data: bytes) -> list[tuple[str, bytes]]:
    """(name, bytes) of every file attached to a PDF. pypdfium2 walks the ``EmbeddedFiles`` name
    tree for us; a PDF it cannot open simply has no attachments we can use."""
    try:
        import pypdfium2 as pdfium
    except ImportError:  # pragma: no cover - pypdfium2 is a core dependency of text acquisition
        return []
    try:
        pdf = pdfium.PdfDocument(data)
    except Exception:  # noqa: BLE001 - a damaged PDF still has its text layer
        return []
    out = []
    try:
        for i in range(pdf.count_attachments()):
            att = pdf.get_attachment(i)
            try:
                out.append((att.get_name(), bytes(att.get_data())))
            except Exception:  # noqa: BLE001 - one unreadable attachment must not hide the others
                continue
    finally:
        pdf.close()
    return out


def read_embedded(data: bytes) -> dict | None:
    """The structured fields of the first recognised XML attachment of a PDF, else None."""
    if not data.startswith(b"%PDF") and b"%PDF" not in data[:1024]:
        return None
    for name, blob in pdf_attachments(data):
        if not _looks_like_xml(name, blob):
            continue
        parsed = parse_xml(blob, name)
        if parsed is not None:
            return parsed
    return None


def _looks_like_xml(name: str, blob: bytes) -> bool:
    return name.lower().endswith(".xml") or blob.lstrip(b"\xef\xbb\xbf \r\n\t").startswith(b"<")


def parse_xml(blob: bytes, name: str = "embedded.xml") -> dict | None:
    """One XML document -> the raw section-2 fields it states (None for vocabularies we do not read)."""
    try:
        root = etree.fromstring(blob.lstrip(b"\xef\xbb\xbf \r\n\t"),
                                parser=etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False))
    except etree.XMLSyntaxError:
        return None
    kind = etree.QName(root).localname
    if kind in _CII_INVOICE_ROOTS or kind in _CII_ORDER_ROOTS:
        fields = _read_cii(root, is_order=kind in _CII_ORDER_ROOTS)
    elif kind in _UBL_INVOICE_ROOTS or kind in _UBL_ORDER_ROOTS or kind == "Quotation":
        fields = _read_ubl(root, kind)
    else:
        return None
    fields["embedded_file"] = name
    fields["embedded_format"] = kind
    return fields


# ------------------------------------------------------------------ namespace-agnostic lookups
def _xpath(path: str) -> str:
    """``"A/B"`` -> ``./*[local-name()='A']/*[local-name()='B']``; a leading ``//`` searches deep."""
    deep = path.startswith("//")
    steps = [s for s in path.strip("/").split("/") if s]
    body = "/".join(f"*[local-name()='{s}']" for s in steps)
    return (".//" if deep else "./") + body


def _all(el, path: str) -> list:
    return el.xpath(_xpath(path))


def _text(el, *paths: str) -> str | None:
    """The stripped text of the first path that exists and is not blank."""
    if el is None:
        return None
    for path in paths:
        for node in _all(el, path):
            value = (node.text or "").strip()
            if value:
                return re.sub(r"\s+", " ", value)
    return None


def _node(el, *paths: str):
    for path in paths:
        found = _all(el, path) if el is not None else []
        if found:
            return found[0]
    return None


# ------------------------------------------------------------------ value normalisation
def _cii_date(el, *paths: str) -> str | None:
    """CII ``DateTimeString`` (format 102 = CCYYMMDD, 203 = CCYYMMDDHHMM) -> ISO date."""
    raw = _text(el, *paths)
    if not raw:
        return None
    digits = re.sub(r"\D", "", raw)
    if len(digits) >= 8:
        return f"{digits[0:4]}-{digits[4:6]}-{digits[6:8]}"
    return None


def _iso_date(raw: str | None) -> str | None:
    m = re.match(r"(\d{4})-(\d{2})-(\d{2})", raw or "")
    return "-".join(m.groups()) if m else None


def _decimal(raw: str | None) -> str | None:
    """A decimal string exactly as the XML writes it (XML amounts are already dot-decimal, and
    their precision is the sender's); anything that is not a number gives None."""
    if raw is None:
        return None
    text = raw.strip()
    try:
        Decimal(text)
    except InvalidOperation:
        return None
    return text if re.fullmatch(r"[+-]?\d+(\.\d+)?", text) else format(Decimal(text), "f")


def _quantity(node) -> str | None:
    """A quantity element's value in the canonical form intake uses everywhere ("20.0000" -> "20")."""
    raw = _decimal(node.text) if node is not None and node.text else None
    return decimal_text(Decimal(raw)) if raw is not None else None


def _per_unit(amount: str | None, basis: str | None) -> str | None:
    """Prices may be stated per a basis quantity (e.g. per 100): the per-unit price is the stated
    amount divided by that basis, which is arithmetic on what the XML says, not a guess."""
    if amount is None:
        return None
    try:
        b = Decimal(basis) if basis else Decimal(1)
    except InvalidOperation:
        b = Decimal(1)
    if b in (0, 1):
        return amount
    return _decimal(str((Decimal(amount) / b).normalize()))


def _uom(code: str | None) -> str | None:
    return _UNIT_CODES.get(code.upper(), code.upper()) if code else None


# ------------------------------------------------------------------ CII (Factur-X, ZUGFeRD, Order-X)
def _read_cii(root, is_order: bool) -> dict:
    """Header and lines of a CII invoice or order. Paths cover D16B (``ExchangedDocument``,
    ``ApplicableHeaderTrade*``) and ZUGFeRD 1 (``HeaderExchangedDocument``, ``ApplicableSupplyChain*``)."""
    doc = _node(root, "ExchangedDocument", "HeaderExchangedDocument")
    agreement = _node(root, "//ApplicableHeaderTradeAgreement", "//ApplicableSupplyChainTradeAgreement")
    settlement = _node(root, "//ApplicableHeaderTradeSettlement", "//ApplicableSupplyChainTradeSettlement")
    doc_id = _text(doc, "ID")
    issued = _cii_date(doc, "IssueDateTime/DateTimeString")
    seller = _text(agreement, "SellerTradeParty/Name")
    buyer = _text(agreement, "BuyerTradeParty/Name")
    buyer_order = _text(agreement, "BuyerOrderReferencedDocument/IssuerAssignedID", "BuyerOrderReferencedDocument/ID")
    summary = _node(settlement, "SpecifiedTradeSettlementHeaderMonetarySummation",
                    "SpecifiedTradeSettlementMonetarySummation")
    total = _decimal(_text(summary, "GrandTotalAmount", "DuePayableAmount"))
    currency = _text(settlement, "InvoiceCurrencyCode", "OrderCurrencyCode", "TaxCurrencyCode")
    due = _cii_date(settlement, "SpecifiedTradePaymentTerms/DueDateDateTime/DateTimeString")
    fields = {
        "document_type": "purchase_order" if is_order else "unknown",
        "po_number": (buyer_order or doc_id) if is_order else buyer_order,
        "order_date": issued if is_order else None,
        "customer_name_raw": buyer,
        "currency": currency,
        "total": total,
        "seller_raw": seller,
        "buyer_raw": buyer,
        "invoice_number": None if is_order else doc_id,
        "invoice_date": None if is_order else issued,
        "due_date": due,
        "lines": _goods(_cii_line(el, n) for n, el in enumerate(_all(root, "//IncludedSupplyChainTradeLineItem"), 1)),
    }
    if not is_order:
        fields["document_kind"] = "credit_note" if _text(doc, "TypeCode") in ("381", "261") else "invoice"
    return fields


def _cii_line(el, n: int) -> dict:
    product = _node(el, "SpecifiedTradeProduct")
    agreement = _node(el, "SpecifiedLineTradeAgreement", "SpecifiedSupplyChainTradeAgreement")
    delivery = _node(el, "SpecifiedLineTradeDelivery", "SpecifiedSupplyChainTradeDelivery")
    settlement = _node(el, "SpecifiedLineTradeSettlement", "SpecifiedSupplyChainTradeSettlement")
    qty_node = _node(delivery, "RequestedQuantity", "BilledQuantity", "AgreedQuantity", "DespatchedQuantity")
    price = _node(agreement, "NetPriceProductTradePrice")
    amount = _decimal(_text(price, "ChargeAmount"))
    line_no = _text(el, "AssociatedDocumentLineDocument/LineID")
    return _line(
        line_no=int(line_no) if line_no and line_no.isdigit() else n,
        seller_id=_text(product, "SellerAssignedID"),
        buyer_id=_text(product, "BuyerAssignedID"),
        gtin=_gtin(_text(product, "GlobalID")),
        name=_text(product, "Name"),
        quantity=_quantity(qty_node),
        unit_code=qty_node.get("unitCode") if qty_node is not None else None,
        unit_price=_per_unit(amount, _text(price, "BasisQuantity")),
        extended=_decimal(_text(settlement, "SpecifiedTradeSettlementLineMonetarySummation/LineTotalAmount")),
        lot=_text(product, "BatchID"),
    )


def _gtin(raw: str | None) -> str | None:
    """A GlobalID is a GTIN only when it has the length of one (8, 12, 13 or 14 digits)."""
    return raw if raw and raw.isdigit() and len(raw) in (8, 12, 13, 14) else None


# ------------------------------------------------------------------ UBL (Invoice, CreditNote, Order, Quotation)
def _read_ubl(root, kind: str) -> dict:
    """Header and lines of a UBL 2.x document. An Order is a purchase order; a Quotation or an
    invoice is read for its header fields but stays ``unknown`` for order intake."""
    is_order = kind in _UBL_ORDER_ROOTS
    seller_party = _node(root, "AccountingSupplierParty/Party", "SellerSupplierParty/Party")
    buyer_party = _node(root, "AccountingCustomerParty/Party", "BuyerCustomerParty/Party")
    seller = _text(seller_party, "PartyName/Name", "PartyLegalEntity/RegistrationName")
    buyer = _text(buyer_party, "PartyName/Name", "PartyLegalEntity/RegistrationName")
    doc_id = _text(root, "ID")
    issued = _iso_date(_text(root, "IssueDate"))
    totals = _node(root, "LegalMonetaryTotal", "AnticipatedMonetaryTotal", "QuotedMonetaryTotal",
                   "RequestedMonetaryTotal")
    line_paths = {"Invoice": "InvoiceLine", "CreditNote": "CreditNoteLine"}.get(kind)
    line_els = _all(root, line_paths) if line_paths else [n for n in _all(root, "//LineItem")]
    fields = {
        "document_type": "purchase_order" if is_order else "unknown",
        "po_number": doc_id if is_order else _text(root, "OrderReference/ID"),
        "order_date": issued if is_order else None,
        "customer_name_raw": buyer,
        "currency": _text(root, "DocumentCurrencyCode", "PricingCurrencyCode"),
        "total": _decimal(_text(totals, "PayableAmount", "TaxInclusiveAmount")),
        "seller_raw": seller,
        "buyer_raw": buyer,
        "invoice_number": doc_id if kind in _UBL_INVOICE_ROOTS else None,
        "invoice_date": issued if kind in _UBL_INVOICE_ROOTS else None,
        "due_date": _iso_date(_text(root, "DueDate", "PaymentMeans/PaymentDueDate")),
        "lines": _goods(_ubl_line(el, n) for n, el in enumerate(line_els, 1)),
    }
    if not is_order:
        fields["document_kind"] = {"Invoice": "invoice", "CreditNote": "credit_note"}.get(kind, "quotation")
    return fields


def _ubl_line(el, n: int) -> dict:
    qty_node = _node(el, "InvoicedQuantity", "CreditedQuantity", "Quantity")
    item = _node(el, "Item")
    price = _node(el, "Price")
    line_no = _text(el, "ID")
    return _line(
        line_no=int(line_no) if line_no and line_no.isdigit() else n,
        seller_id=_text(item, "SellersItemIdentification/ID"),
        buyer_id=_text(item, "BuyersItemIdentification/ID"),
        gtin=_gtin(_text(item, "StandardItemIdentification/ID")),
        name=_text(item, "Name", "Description"),
        quantity=_quantity(qty_node),
        unit_code=qty_node.get("unitCode") if qty_node is not None else None,
        unit_price=_per_unit(_decimal(_text(price, "PriceAmount")), _text(price, "BaseQuantity")),
        extended=_decimal(_text(el, "LineExtensionAmount")),
        lot=_text(item, "ItemInstance/LotIdentification/LotNumberID"),
    )


# ------------------------------------------------------------------ lines in the section-2 shape
def _goods(lines) -> list[dict]:
    """Only lines that order or bill something: ERP exports also write note lines and section
    headers ("--- Non Food ---") as line items with no product number and a zero or no quantity."""
    out = []
    for line in lines:
        has_id = line["catalog_raw"] or line["customer_item_ref"] or line["gtin"]
        qty = line["quantity"]
        if not line["item_raw"] or (not has_id and (qty is None or Decimal(qty) == 0)):
            continue
        out.append(line)
    return out


def _line(*, line_no: int, seller_id: str | None, buyer_id: str | None, gtin: str | None, name: str | None,
          quantity: str | None, unit_code: str | None, unit_price: str | None, extended: str | None,
          lot: str | None) -> dict:
    """A section-2 line. The seller's number is the catalog number the resolver looks up; the
    buyer's number is the customer's own part reference; the GTIN goes where EDI lines put it."""
    item_raw = " ".join(t for t in (seller_id, name) if t) or buyer_id or gtin
    product_ids = [{"qualifier": "VP", "id": seller_id}] if seller_id else []
    if buyer_id:
        product_ids.append({"qualifier": "BP", "id": buyer_id})
    return {
        "line_no": line_no, "item_id": None, "item_raw": item_raw, "catalog_raw": seller_id,
        "description_raw": name, "customer_item_ref": buyer_id, "quantity": quantity,
        "uom": _uom(unit_code), "unit_code": unit_code, "unit_price": unit_price, "extended_raw": extended,
        "lot": lot, "serial": None, "expiry": None, "udi": None, "gtin": gtin,
        "edi": {"gtin": gtin, "product_ids": product_ids},
        "confidence": EMBEDDED_CONFIDENCE,
    }


# ------------------------------------------------------------------ merging with the text layer
def merge_embedded(raw: dict, embedded: dict | None) -> dict:
    """The text-layer extraction with the embedded XML's fields laid over it. Each field the XML
    states replaces the text-layer value and is sourced to the attachment; lines come from the XML
    when it has any (its quantities and prices are exact), else the text layer's lines stay."""
    if not embedded:
        return raw
    source = {"source": f"embedded:{embedded['embedded_file']}", "confidence": EMBEDDED_CONFIDENCE}
    sources = raw.setdefault("header_sources", {})
    for key in HEADER_KEYS:
        value = embedded.get(key)
        if value is not None:
            raw[key] = value
            sources[key] = dict(source)
    # the XML says what the document is: an invoice whose page mentions "order number" is no order,
    # and an order has no invoice number even when its page prints "Order No." near "No."
    raw["document_type"] = embedded["document_type"]
    stale = ("invoice_number", "invoice_date") if embedded["document_type"] == "purchase_order" else ("order_date",)
    for key in stale:
        if embedded.get(key) is None and raw.get(key) is not None:
            raw[key] = None
            sources.pop(key, None)
    if embedded.get("document_kind"):
        raw["document_kind"] = embedded["document_kind"]
    if embedded.get("lines"):
        raw["lines"] = [dict(line, source=dict(source)) for line in embedded["lines"]]
    raw["embedded"] = {"file": embedded["embedded_file"], "format": embedded["embedded_format"]}
    raw["confidence"] = max(float(raw.get("confidence") or 0.0), 0.95 if raw.get("lines") else 0.5)
    return raw
