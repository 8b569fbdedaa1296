"""UBL 2.1 Invoice / CreditNote in the Peppol BIS Billing 3.0 profile, and a reader for any UBL invoice.

Hospitals in Europe (and a growing number of US group purchasing networks) receive invoices over
Peppol, whose access points reject a document that breaks the UBL schema's element order or the
EN 16931 sums. So the writer below emits elements strictly in the schema's sequence, and refuses
(``ValidationFailed``) an ``InvoiceDocument`` whose totals do not add up instead of sending a
document the receiver will bounce days later.

Mapping choices (the data a Peppol document needs that ``InvoiceDocument`` does not carry yet):

* Tax category: lines with a positive ``tax_rate`` (a percentage, e.g. ``8.25``) are standard rated
  ``S``; zero-rate lines and freight are zero rated ``Z``.
* Freight is a document-level charge (``AllowanceCharge`` with reason code ``FC``).
* Lot, serial and expiry go both into ``cac:ItemInstance`` (the UBL home for them, which a
  medical-device buyer's ERP reads) and into ``cac:AdditionalItemProperty`` (EN 16931 BT-160/161,
  which survives receivers that drop the elements EN 16931 does not define).
* Payment means is ``30`` (credit transfer) with the payee account when one is passed, otherwise
  ``1`` (instrument not defined), because a credit transfer without an account is invalid (BR-61).
* A credit memo carried with negative amounts is written with positive amounts, as a UBL
  CreditNote states what is credited, not a negative invoice.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from lxml import etree

from o2c.billing.document import DocumentLine, InvoiceDocument, Party
from o2c.billing.render.pdf import discount_line
from o2c.kernel.errors import InvalidValue, ProblemList
from o2c.kernel.money import minor_digits, round_money

CUSTOMIZATION_ID = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
PROFILE_ID = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"

NS_INVOICE = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
NS_CREDIT_NOTE = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
_NSMAP_PREFIXES = {"cac": CAC, "cbc": CBC}

#: Electronic Address Scheme (EAS) codes used for EndpointID.
EAS_GLN = "0088"
EAS_EMAIL = "EM"
#: ISO 6523 ICD for GS1 GTIN, required by Peppol on StandardItemIdentification.
ICD_GTIN = "0160"
#: UNCL 7161 special service code for freight charges.
FREIGHT_REASON_CODE = "FC"


@dataclass(frozen=True, slots=True)
class _Kind:
    """What differs between the two document types; everything else is shared."""

    root_ns: str
    root: str
    type_code_tag: str
    type_code: str
    line_tag: str
    quantity_tag: str
    has_due_date: bool


_INVOICE = _Kind(NS_INVOICE, "Invoice", "InvoiceTypeCode", "380", "InvoiceLine", "InvoicedQuantity", True)
_CREDIT_NOTE = _Kind(NS_CREDIT_NOTE, "CreditNote", "CreditNoteTypeCode", "381", "CreditNoteLine",
                     "CreditedQuantity", False)


@dataclass(frozen=True, slots=True)
class _TaxGroup:
    category: str
    percent: Decimal
    taxable: Decimal
    tax: Decimal


# ---------------------------------------------------------------- writing


def invoice_to_ubl(doc: InvoiceDocument, *, payee_account: str | None = None,
                   item_instance: bool = True) -> bytes:
    """Serialise an invoice or credit memo as UBL 2.1 (Peppol BIS Billing 3.0), UTF-8 bytes.

    ``payee_account`` (an IBAN or account number) turns payment means into a credit transfer.
    ``item_instance=False`` leaves out ``cac:ItemInstance`` for receivers whose validators warn on
    elements outside EN 16931; lot/serial/expiry then travel only as item properties."""
    kind = _kind(doc)
    doc = _positive(doc) if kind is _CREDIT_NOTE else doc
    _check(doc)
    taxes = _tax_groups(doc)
    root = etree.Element(f"{{{kind.root_ns}}}{kind.root}", nsmap={None: kind.root_ns, **_NSMAP_PREFIXES})
    _header(root, doc, kind)
    _party(_sub(root, CAC, "AccountingSupplierParty"), doc.seller)
    _party(_sub(root, CAC, "AccountingCustomerParty"), doc.buyer)
    if doc.ship_to:
        _delivery(root, doc.ship_to)
    _payment(root, doc, kind, payee_account)
    if doc.freight:
        _freight_charge(root, doc)
    _tax_total(root, doc.currency, taxes)
    _monetary_total(root, doc)
    for line in doc.lines:
        _line(root, doc, kind, line, item_instance)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _kind(doc: InvoiceDocument) -> _Kind:
    if doc.kind == "invoice":
        return _INVOICE
    if doc.kind == "credit_memo":
        return _CREDIT_NOTE
    raise InvalidValue("kind", f"{doc.kind!r} is neither 'invoice' nor 'credit_memo'")


def _positive(doc: InvoiceDocument) -> InvoiceDocument:
    """Flip a credit memo stored with negative amounts to the positive form a CreditNote uses."""
    if doc.total >= 0:
        return doc
    from dataclasses import replace

    lines = tuple(replace(line, quantity=-line.quantity, amount=-line.amount) for line in doc.lines)
    return replace(doc, lines=lines, subtotal=-doc.subtotal, tax_total=-doc.tax_total,
                   freight=-doc.freight, total=-doc.total)


def _check(doc: InvoiceDocument) -> None:
    """Refuse a document whose own numbers disagree, or that lacks what Peppol routing needs."""
    problems = ProblemList()
    if not doc.lines:
        problems.add("ubl_no_lines", "an invoice needs at least one line", source=doc.number)
    line_sum = sum((line.amount for line in doc.lines), Decimal("0"))
    if line_sum != doc.subtotal:
        problems.add("ubl_subtotal", f"lines add up to {line_sum}, subtotal says {doc.subtotal}",
                     source=doc.number, field="subtotal")
    if doc.subtotal + doc.freight + doc.tax_total != doc.total:
        problems.add("ubl_total", f"subtotal + freight + tax = {doc.subtotal + doc.freight + doc.tax_total}, "
                     f"total says {doc.total}", source=doc.number, field="total")
    for line in doc.lines:
        expected = round_money(line.quantity * line.unit_price, doc.currency)
        if expected != line.amount:
            problems.add("ubl_line_amount", f"{line.quantity} x {line.unit_price} = {expected}, line says "
                         f"{line.amount}", source=doc.number, line=line.line_no, field="amount")
    for role, party in (("seller", doc.seller), ("buyer", doc.buyer)):
        if _endpoint(party) is None:
            problems.add("ubl_endpoint", f"the {role} has neither a GLN nor an e-mail address to route to",
                         source=doc.number, field=role)
    problems.raise_if_any(f"{doc.number} cannot be written as a Peppol document")


def _sub(parent: etree._Element, ns: str, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
    element = etree.SubElement(parent, f"{{{ns}}}{tag}", {k: v for k, v in attrs.items()})
    if text is not None:
        element.text = text
    return element


def _amount(parent: etree._Element, tag: str, value: Decimal, currency: str) -> None:
    _sub(parent, CBC, tag, _money_text(value, currency), currencyID=currency)


def _money_text(value: Decimal, currency: str) -> str:
    return f"{round_money(value, currency):.{minor_digits(currency)}f}"


def _decimal_text(value: Decimal) -> str:
    """Plain notation without trailing zeros: ``2``, ``0.5``, ``8.25`` (never ``1E+1``)."""
    if value == value.to_integral_value():
        return str(value.quantize(Decimal(1)))
    return f"{value.normalize():f}"


def _price_text(value: Decimal, currency: str) -> str:
    """Unit prices keep their extra precision but show at least the currency's minor digits."""
    digits = max(minor_digits(currency), -value.normalize().as_tuple().exponent)
    return f"{value:.{digits}f}"


def _header(root: etree._Element, doc: InvoiceDocument, kind: _Kind) -> None:
    _sub(root, CBC, "CustomizationID", CUSTOMIZATION_ID)
    _sub(root, CBC, "ProfileID", PROFILE_ID)
    _sub(root, CBC, "ID", doc.number)
    _sub(root, CBC, "IssueDate", doc.issue_date.isoformat())
    if kind.has_due_date and doc.due_date:
        _sub(root, CBC, "DueDate", doc.due_date.isoformat())
    _sub(root, CBC, kind.type_code_tag, kind.type_code)
    note = _note(doc)
    if note:
        _sub(root, CBC, "Note", note)  # Peppol allows a single document note (PEPPOL-EN16931-R002)
    _sub(root, CBC, "DocumentCurrencyCode", doc.currency)
    # BuyerReference or OrderReference is required (PEPPOL-EN16931-R003); hospitals route by PO.
    _sub(root, CBC, "BuyerReference", doc.po_number or doc.buyer.party_id)
    if doc.po_number or doc.order_id:
        order = _sub(root, CAC, "OrderReference")
        _sub(order, CBC, "ID", doc.po_number or "NA")
        if doc.order_id:
            _sub(order, CBC, "SalesOrderID", doc.order_id)
    if doc.original_invoice:
        ref = _sub(_sub(root, CAC, "BillingReference"), CAC, "InvoiceDocumentReference")
        _sub(ref, CBC, "ID", doc.original_invoice)


def _note(doc: InvoiceDocument) -> str:
    parts = list(doc.notes)
    if doc.reason_code:
        parts.insert(0, f"Reason: {doc.reason_code}")
    return "\n".join(parts)


def _endpoint(party: Party) -> tuple[str, str] | None:
    """Peppol routes on EndpointID: a GLN when the party has one, else its e-mail address."""
    if party.gln:
        return EAS_GLN, party.gln
    if party.email:
        return EAS_EMAIL, party.email
    return None


def _party(wrapper: etree._Element, party: Party) -> None:
    node = _sub(wrapper, CAC, "Party")
    endpoint = _endpoint(party)
    if endpoint:
        _sub(node, CBC, "EndpointID", endpoint[1], schemeID=endpoint[0])
    _sub(_sub(node, CAC, "PartyIdentification"), CBC, "ID", party.party_id)
    _sub(_sub(node, CAC, "PartyName"), CBC, "Name", party.name)
    _address(_sub(node, CAC, "PostalAddress"), party)
    if party.tax_id:
        scheme = _sub(node, CAC, "PartyTaxScheme")
        _sub(scheme, CBC, "CompanyID", party.tax_id)
        _sub(_sub(scheme, CAC, "TaxScheme"), CBC, "ID", "VAT")
    _sub(_sub(node, CAC, "PartyLegalEntity"), CBC, "RegistrationName", party.name)
    if party.email:
        _sub(_sub(node, CAC, "Contact"), CBC, "ElectronicMail", party.email)


def _address(node: etree._Element, party: Party) -> None:
    """Address children in the schema's order (street, additional street, city, zip, state, country)."""
    for tag, value in (("StreetName", party.address1), ("AdditionalStreetName", party.address2),
                       ("CityName", party.city), ("PostalZone", party.postal_code),
                       ("CountrySubentity", party.state)):
        if value:
            _sub(node, CBC, tag, value)
    _sub(_sub(node, CAC, "Country"), CBC, "IdentificationCode", party.country)


def _delivery(root: etree._Element, ship_to: Party) -> None:
    delivery = _sub(root, CAC, "Delivery")
    location = _sub(delivery, CAC, "DeliveryLocation")
    if ship_to.gln:
        _sub(location, CBC, "ID", ship_to.gln, schemeID=EAS_GLN)
    _address(_sub(location, CAC, "Address"), ship_to)
    _sub(_sub(_sub(delivery, CAC, "DeliveryParty"), CAC, "PartyName"), CBC, "Name", ship_to.name)


def _payment(root: etree._Element, doc: InvoiceDocument, kind: _Kind, payee_account: str | None) -> None:
    means = _sub(root, CAC, "PaymentMeans")
    _sub(means, CBC, "PaymentMeansCode", "30" if payee_account else "1")
    if not kind.has_due_date and doc.due_date:
        _sub(means, CBC, "PaymentDueDate", doc.due_date.isoformat())
    _sub(means, CBC, "PaymentID", doc.number)
    if payee_account:
        _sub(_sub(means, CAC, "PayeeFinancialAccount"), CBC, "ID", payee_account)
    terms = "; ".join(t for t in (doc.payment_terms, discount_line(doc)) if t)
    if terms:
        _sub(_sub(root, CAC, "PaymentTerms"), CBC, "Note", terms)


def _tax_category(parent: etree._Element, tag: str, category: str, percent: Decimal) -> None:
    node = _sub(parent, CAC, tag)
    _sub(node, CBC, "ID", category)
    _sub(node, CBC, "Percent", _decimal_text(percent))
    _sub(_sub(node, CAC, "TaxScheme"), CBC, "ID", "VAT")


def _category_of(rate: Decimal) -> str:
    return "S" if rate > 0 else "Z"


def _freight_charge(root: etree._Element, doc: InvoiceDocument) -> None:
    charge = _sub(root, CAC, "AllowanceCharge")
    _sub(charge, CBC, "ChargeIndicator", "true")
    _sub(charge, CBC, "AllowanceChargeReasonCode", FREIGHT_REASON_CODE)
    _sub(charge, CBC, "AllowanceChargeReason", "Freight")
    _amount(charge, "Amount", doc.freight, doc.currency)
    _tax_category(charge, "TaxCategory", "Z", Decimal("0"))


def _tax_groups(doc: InvoiceDocument) -> list[_TaxGroup]:
    """One TaxSubtotal per (category, rate). With one taxed rate its tax is the document's own
    ``tax_total`` (billing's rounding stands); with several, each is computed and the sum must match."""
    taxable: dict[Decimal, Decimal] = defaultdict(Decimal)
    for line in doc.lines:
        taxable[line.tax_rate] += line.amount
    if doc.freight:
        taxable[Decimal("0")] += doc.freight
    taxed = [rate for rate in taxable if rate > 0]
    groups = []
    for rate in sorted(taxable):
        if rate <= 0:
            tax = Decimal("0")
        elif len(taxed) == 1:
            tax = doc.tax_total
        else:
            tax = round_money(taxable[rate] * rate / 100, doc.currency)
        groups.append(_TaxGroup(_category_of(rate), rate, taxable[rate], tax))
    computed = sum((g.tax for g in groups), Decimal("0"))
    if computed != doc.tax_total:
        problems = ProblemList()
        problems.add("ubl_tax", f"tax by rate adds up to {computed}, tax_total says {doc.tax_total}",
                     source=doc.number, field="tax_total")
        problems.raise_if_any(f"{doc.number} cannot be written as a Peppol document")
    return groups


def _tax_total(root: etree._Element, currency: str, groups: list[_TaxGroup]) -> None:
    total = _sub(root, CAC, "TaxTotal")
    _amount(total, "TaxAmount", sum((g.tax for g in groups), Decimal("0")), currency)
    for group in groups:
        sub = _sub(total, CAC, "TaxSubtotal")
        _amount(sub, "TaxableAmount", group.taxable, currency)
        _amount(sub, "TaxAmount", group.tax, currency)
        _tax_category(sub, "TaxCategory", group.category, group.percent)


def _monetary_total(root: etree._Element, doc: InvoiceDocument) -> None:
    totals = _sub(root, CAC, "LegalMonetaryTotal")
    exclusive = doc.subtotal + doc.freight
    _amount(totals, "LineExtensionAmount", doc.subtotal, doc.currency)
    _amount(totals, "TaxExclusiveAmount", exclusive, doc.currency)
    _amount(totals, "TaxInclusiveAmount", exclusive + doc.tax_total, doc.currency)
    if doc.freight:
        _amount(totals, "ChargeTotalAmount", doc.freight, doc.currency)
    _amount(totals, "PayableAmount", doc.total, doc.currency)


def _line(root: etree._Element, doc: InvoiceDocument, kind: _Kind, line: DocumentLine, item_instance: bool) -> None:
    node = _sub(root, CAC, kind.line_tag)
    _sub(node, CBC, "ID", str(line.line_no))
    _sub(node, CBC, kind.quantity_tag, _decimal_text(line.quantity), unitCode=line.uom)
    _amount(node, "LineExtensionAmount", line.amount, doc.currency)
    _item(_sub(node, CAC, "Item"), line, item_instance)
    price = _sub(node, CAC, "Price")
    _sub(price, CBC, "PriceAmount", _price_text(line.unit_price, doc.currency), currencyID=doc.currency)


def _item(item: etree._Element, line: DocumentLine, item_instance: bool) -> None:
    _sub(item, CBC, "Name", line.description)
    if line.customer_item_ref:
        _sub(_sub(item, CAC, "BuyersItemIdentification"), CBC, "ID", line.customer_item_ref)
    _sub(_sub(item, CAC, "SellersItemIdentification"), CBC, "ID", line.item_id)
    if line.gtin:
        _sub(_sub(item, CAC, "StandardItemIdentification"), CBC, "ID", line.gtin, schemeID=ICD_GTIN)
    _tax_category(item, "ClassifiedTaxCategory", _category_of(line.tax_rate), line.tax_rate)
    for name, value in _trace_properties(line):
        prop = _sub(item, CAC, "AdditionalItemProperty")
        _sub(prop, CBC, "Name", name)
        _sub(prop, CBC, "Value", value)
    if item_instance and (line.lot or line.serial or line.expiry):
        _item_instance(item, line)


def _trace_properties(line: DocumentLine) -> list[tuple[str, str]]:
    props = [("Lot number", line.lot), ("Serial number", line.serial),
             ("Expiry date", line.expiry.isoformat() if line.expiry else None)]
    return [(name, value) for name, value in props if value]


def _item_instance(item: etree._Element, line: DocumentLine) -> None:
    """UBL's ItemInstance sequence puts SerialID before LotIdentification (lot number, expiry)."""
    instance = _sub(item, CAC, "ItemInstance")
    if line.serial:
        _sub(instance, CBC, "SerialID", line.serial)
    if line.lot or line.expiry:
        lot = _sub(instance, CAC, "LotIdentification")
        if line.lot:
            _sub(lot, CBC, "LotNumberID", line.lot)
        if line.expiry:
            _sub(lot, CBC, "ExpiryDate", line.expiry.isoformat())


# ---------------------------------------------------------------- reading


def _q(ns: str, tag: str) -> str:
    return f"{{{ns}}}{tag}"


def _path(*steps: str) -> str:
    """``_path("cac:Party", "cbc:Name")`` -> a namespace-qualified ElementPath, prefix-independent."""
    out = []
    for step in steps:
        prefix, _, local = step.partition(":")
        out.append(_q(_NSMAP_PREFIXES[prefix], local))
    return "/".join(out)


def _text_at(node: etree._Element | None, *steps: str) -> str | None:
    if node is None:
        return None
    found = node.find(_path(*steps))
    if found is None or found.text is None:
        return None
    return found.text.strip()


def _dec(node: etree._Element | None, *steps: str) -> Decimal | None:
    text = _text_at(node, *steps)
    return Decimal(text) if text not in (None, "") else None


def _date(node: etree._Element | None, *steps: str) -> date | None:
    text = _text_at(node, *steps)
    return date.fromisoformat(text[:10]) if text else None


def _party_fields(root: etree._Element, role: str) -> dict:
    party = root.find(_path(f"cac:{role}", "cac:Party"))
    if party is None:  # UBL 2.0 allows the party content straight under the role
        party = root.find(_path(f"cac:{role}"))
    endpoint = party.find(_path("cbc:EndpointID")) if party is not None else None
    return {
        "name": _text_at(party, "cac:PartyLegalEntity", "cbc:RegistrationName")
        or _text_at(party, "cac:PartyName", "cbc:Name"),
        "endpoint": (endpoint.get("schemeID"), (endpoint.text or "").strip()) if endpoint is not None else None,
        "tax_id": _text_at(party, "cac:PartyTaxScheme", "cbc:CompanyID"),
    }


def _is_charge(node: etree._Element) -> bool:
    return (_text_at(node, "cbc:ChargeIndicator") or "").lower() in ("true", "1")


def _document_tax_total(root: etree._Element, currency: str | None) -> etree._Element | None:
    """The TaxTotal in the document currency; a second TaxTotal may restate tax in the tax currency."""
    totals = root.findall(_path("cac:TaxTotal"))
    for total in totals:
        amount = total.find(_path("cbc:TaxAmount"))
        if amount is not None and amount.get("currencyID") in (currency, None):
            return total
    return totals[0] if totals else None


def _line_fields(line: etree._Element) -> dict:
    item = line.find(_path("cac:Item"))
    quantity = None
    for tag in ("cbc:InvoicedQuantity", "cbc:CreditedQuantity"):
        quantity = line.find(_path(tag))
        if quantity is not None:
            break
    standard = item.find(_path("cac:StandardItemIdentification", "cbc:ID")) if item is not None else None
    return {
        "id": _text_at(line, "cbc:ID"),
        "quantity": Decimal(quantity.text.strip()) if quantity is not None and quantity.text else None,
        "unit_code": quantity.get("unitCode") if quantity is not None else None,
        "line_extension_amount": _dec(line, "cbc:LineExtensionAmount"),
        "price": _dec(line, "cac:Price", "cbc:PriceAmount"),
        "base_quantity": _dec(line, "cac:Price", "cbc:BaseQuantity"),
        "name": _text_at(item, "cbc:Name"),
        "seller_item_id": _text_at(item, "cac:SellersItemIdentification", "cbc:ID"),
        "standard_item_id": (standard.get("schemeID"), standard.text.strip()) if standard is not None else None,
        "gtin": standard.text.strip() if standard is not None and standard.get("schemeID") == ICD_GTIN else None,
        "lot": _text_at(item, "cac:ItemInstance", "cac:LotIdentification", "cbc:LotNumberID"),
        "serial": _text_at(item, "cac:ItemInstance", "cbc:SerialID"),
        "expiry": _date(item, "cac:ItemInstance", "cac:LotIdentification", "cbc:ExpiryDate"),
        "tax_category": _text_at(item, "cac:ClassifiedTaxCategory", "cbc:ID"),
        "tax_percent": _dec(item, "cac:ClassifiedTaxCategory", "cbc:Percent"),
        "allowances": [_dec(a, "cbc:Amount") for a in line.findall(_path("cac:AllowanceCharge")) if not _is_charge(a)],
        "charges": [_dec(a, "cbc:Amount") for a in line.findall(_path("cac:AllowanceCharge")) if _is_charge(a)],
    }


def ubl_to_invoice_fields(xml: bytes | str) -> dict:
    """Read the key fields of any UBL 2.x Invoice or CreditNote (ours or a trading partner's) as plain
    values, with amounts as exact Decimals. Used to check our output and to reconcile received
    documents; it reads, it does not validate."""
    data = xml.encode() if isinstance(xml, str) else xml
    try:
        root = etree.fromstring(data, parser=etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError as exc:
        raise InvalidValue("xml", f"not well-formed XML: {exc}") from None
    document_type = etree.QName(root).localname
    if document_type not in ("Invoice", "CreditNote"):
        raise InvalidValue("xml", f"a UBL Invoice or CreditNote was expected, found {document_type}")
    currency = _text_at(root, "cbc:DocumentCurrencyCode")
    tax_total = _document_tax_total(root, currency)
    monetary = root.find(_path("cac:LegalMonetaryTotal"))
    doc_charges = root.findall(_path("cac:AllowanceCharge"))
    line_tag = "cac:InvoiceLine" if document_type == "Invoice" else "cac:CreditNoteLine"
    return {
        "document_type": document_type,
        "customization_id": _text_at(root, "cbc:CustomizationID"),
        "profile_id": _text_at(root, "cbc:ProfileID"),
        "id": _text_at(root, "cbc:ID"),
        "issue_date": _date(root, "cbc:IssueDate"),
        "due_date": _date(root, "cbc:DueDate") or _date(root, "cac:PaymentMeans", "cbc:PaymentDueDate"),
        "type_code": _text_at(root, "cbc:InvoiceTypeCode") or _text_at(root, "cbc:CreditNoteTypeCode"),
        "currency": currency,
        "buyer_reference": _text_at(root, "cbc:BuyerReference"),
        "order_reference": _text_at(root, "cac:OrderReference", "cbc:ID"),
        "sales_order_id": _text_at(root, "cac:OrderReference", "cbc:SalesOrderID"),
        "billing_references": [(el.text or "").strip() for el in root.findall(
            _path("cac:BillingReference", "cac:InvoiceDocumentReference", "cbc:ID"))],
        "seller": _party_fields(root, "AccountingSupplierParty"),
        "buyer": _party_fields(root, "AccountingCustomerParty"),
        "payment_terms": [(el.text or "").strip() for el in root.findall(_path("cac:PaymentTerms", "cbc:Note"))],
        "payment_means_codes": [(el.text or "").strip() for el in root.findall(
            _path("cac:PaymentMeans", "cbc:PaymentMeansCode"))],
        "allowances": [_dec(a, "cbc:Amount") for a in doc_charges if not _is_charge(a)],
        "charges": [_dec(a, "cbc:Amount") for a in doc_charges if _is_charge(a)],
        "tax_total": _dec(tax_total, "cbc:TaxAmount"),
        "tax_subtotals": [
            {"taxable": _dec(sub, "cbc:TaxableAmount"), "tax": _dec(sub, "cbc:TaxAmount"),
             "category": _text_at(sub, "cac:TaxCategory", "cbc:ID"),
             "percent": _dec(sub, "cac:TaxCategory", "cbc:Percent")}
            for sub in (tax_total.findall(_path("cac:TaxSubtotal")) if tax_total is not None else [])
        ],
        "line_extension_amount": _dec(monetary, "cbc:LineExtensionAmount"),
        "tax_exclusive_amount": _dec(monetary, "cbc:TaxExclusiveAmount"),
        "tax_inclusive_amount": _dec(monetary, "cbc:TaxInclusiveAmount"),
        "allowance_total_amount": _dec(monetary, "cbc:AllowanceTotalAmount"),
        "charge_total_amount": _dec(monetary, "cbc:ChargeTotalAmount"),
        "prepaid_amount": _dec(monetary, "cbc:PrepaidAmount"),
        "payable_rounding_amount": _dec(monetary, "cbc:PayableRoundingAmount"),
        "payable_amount": _dec(monetary, "cbc:PayableAmount"),
        "lines": [_line_fields(line) for line in root.findall(_path(line_tag))],
    }
