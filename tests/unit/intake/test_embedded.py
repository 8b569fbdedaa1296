"""Embedded XML of hybrid PDFs: the readers on small self-made documents, and the merge rules.

No PDF writer that can attach files (pypdf, pikepdf) is installed here, so the attachment walk is
exercised on the real hybrid PDFs in ``test_real_pdfs.py``; these tests cover parsing and merging.
"""
from __future__ import annotations

import pytest

from o2c.intake.embedded import merge_embedded, parse_xml, read_embedded

CII_INVOICE = b"""<?xml version='1.0' encoding='UTF-8'?>
<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
 xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
 xmlns:udt="urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100">
 <rsm:ExchangedDocument><ram:ID>INV-7</ram:ID><ram:TypeCode>380</ram:TypeCode>
  <ram:IssueDateTime><udt:DateTimeString format="102">20240131</udt:DateTimeString></ram:IssueDateTime>
 </rsm:ExchangedDocument>
 <rsm:SupplyChainTradeTransaction>
  <ram:IncludedSupplyChainTradeLineItem>
   <ram:AssociatedDocumentLineDocument><ram:LineID>1</ram:LineID></ram:AssociatedDocumentLineDocument>
   <ram:SpecifiedTradeProduct><ram:GlobalID schemeID="0160">4012345001235</ram:GlobalID>
    <ram:SellerAssignedID>TB100</ram:SellerAssignedID><ram:Name>Dividers</ram:Name></ram:SpecifiedTradeProduct>
   <ram:SpecifiedLineTradeAgreement><ram:NetPriceProductTradePrice><ram:ChargeAmount>250.00</ram:ChargeAmount>
    <ram:BasisQuantity unitCode="C62">100</ram:BasisQuantity></ram:NetPriceProductTradePrice></ram:SpecifiedLineTradeAgreement>
   <ram:SpecifiedLineTradeDelivery><ram:BilledQuantity unitCode="C62">20.0000</ram:BilledQuantity></ram:SpecifiedLineTradeDelivery>
  </ram:IncludedSupplyChainTradeLineItem>
  <ram:IncludedSupplyChainTradeLineItem>
   <ram:AssociatedDocumentLineDocument><ram:LineID>2</ram:LineID></ram:AssociatedDocumentLineDocument>
  </ram:IncludedSupplyChainTradeLineItem>
  <ram:ApplicableHeaderTradeAgreement>
   <ram:SellerTradeParty><ram:Name>Lieferant GmbH</ram:Name></ram:SellerTradeParty>
   <ram:BuyerTradeParty><ram:Name>Kunden AG</ram:Name></ram:BuyerTradeParty>
   <ram:BuyerOrderReferencedDocument><ram:IssuerAssignedID>PO-55</ram:IssuerAssignedID></ram:BuyerOrderReferencedDocument>
  </ram:ApplicableHeaderTradeAgreement>
  <ram:ApplicableHeaderTradeSettlement><ram:InvoiceCurrencyCode>EUR</ram:InvoiceCurrencyCode>
   <ram:SpecifiedTradeSettlementHeaderMonetarySummation><ram:GrandTotalAmount>59.50</ram:GrandTotalAmount>
   </ram:SpecifiedTradeSettlementHeaderMonetarySummation></ram:ApplicableHeaderTradeSettlement>
 </rsm:SupplyChainTradeTransaction>
</rsm:CrossIndustryInvoice>"""

ORDER_X = b"""<rsm:SCRDMCCBDACIOMessageStructure xmlns:rsm="urn:un:unece:uncefact:data:SCRDMCCBDACIOMessageStructure:100"
 xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:128"
 xmlns:udt="urn:un:unece:uncefact:data:standard:UnqualifiedDataType:128">
 <rsm:ExchangedDocument><ram:ID>PO-9</ram:ID>
  <ram:IssueDateTime><udt:DateTimeString format="203">202003311232</udt:DateTimeString></ram:IssueDateTime></rsm:ExchangedDocument>
 <rsm:SupplyChainTradeTransaction>
  <ram:IncludedSupplyChainTradeLineItem>
   <ram:SpecifiedTradeProduct><ram:SellerAssignedID>7103-1204</ram:SellerAssignedID>
    <ram:BuyerAssignedID>MGH-1</ram:BuyerAssignedID><ram:Name>SHELL 52MM</ram:Name></ram:SpecifiedTradeProduct>
   <ram:SpecifiedLineTradeDelivery><ram:RequestedQuantity unitCode="H87">2</ram:RequestedQuantity></ram:SpecifiedLineTradeDelivery>
  </ram:IncludedSupplyChainTradeLineItem>
  <ram:ApplicableHeaderTradeAgreement><ram:BuyerTradeParty><ram:Name>Mercy General</ram:Name></ram:BuyerTradeParty>
  </ram:ApplicableHeaderTradeAgreement>
 </rsm:SupplyChainTradeTransaction>
</rsm:SCRDMCCBDACIOMessageStructure>"""

UBL_ORDER = b"""<Order xmlns="urn:oasis:names:specification:ubl:schema:xsd:Order-2"
 xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
 xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
 <cbc:ID>4500012345</cbc:ID><cbc:IssueDate>2026-11-20</cbc:IssueDate>
 <cac:BuyerCustomerParty><cac:Party><cac:PartyName><cbc:Name>Mercy General</cbc:Name></cac:PartyName></cac:Party></cac:BuyerCustomerParty>
 <cac:OrderLine><cac:LineItem><cbc:ID>1</cbc:ID><cbc:Quantity unitCode="EA">3</cbc:Quantity>
  <cac:Price><cbc:PriceAmount currencyID="USD">10.50</cbc:PriceAmount></cac:Price>
  <cac:Item><cbc:Name>Screw</cbc:Name><cac:SellersItemIdentification><cbc:ID>S-1</cbc:ID></cac:SellersItemIdentification></cac:Item>
 </cac:LineItem></cac:OrderLine>
</Order>"""


def test_cii_invoice_header_and_lines():
    got = parse_xml(CII_INVOICE, "factur-x.xml")
    assert got["document_type"] == "unknown" and got["document_kind"] == "invoice"
    assert (got["invoice_number"], got["invoice_date"], got["total"], got["currency"]) == ("INV-7", "2024-01-31", "59.50", "EUR")
    assert (got["seller_raw"], got["buyer_raw"], got["customer_name_raw"], got["po_number"]) == \
        ("Lieferant GmbH", "Kunden AG", "Kunden AG", "PO-55")
    assert got["order_date"] is None  # an invoice states no order date: none is made up
    (line,) = got["lines"]  # the empty line item (a note) is not a good
    assert (line["catalog_raw"], line["gtin"], line["quantity"], line["uom"]) == ("TB100", "4012345001235", "20", "EA")
    assert line["unit_price"] == "2.5"  # 250.00 per basis quantity 100


def test_order_x_is_a_purchase_order():
    got = parse_xml(ORDER_X, "order-x.xml")
    assert got["document_type"] == "purchase_order"
    assert (got["po_number"], got["order_date"], got["customer_name_raw"]) == ("PO-9", "2020-03-31", "Mercy General")
    assert got["invoice_number"] is None and got["total"] is None
    (line,) = got["lines"]
    assert (line["catalog_raw"], line["customer_item_ref"], line["quantity"], line["uom"]) == ("7103-1204", "MGH-1", "2", "EA")
    assert line["unit_price"] is None


def test_ubl_order():
    got = parse_xml(UBL_ORDER, "order.xml")
    assert (got["document_type"], got["po_number"], got["order_date"]) == ("purchase_order", "4500012345", "2026-11-20")
    assert got["lines"][0]["item_raw"] == "S-1 Screw" and got["lines"][0]["unit_price"] == "10.50"


@pytest.mark.parametrize("blob", [b"<html/>", b"not xml", b"<Catalogue xmlns='x'/>"])
def test_foreign_xml_is_ignored(blob):
    assert parse_xml(blob) is None


def test_non_pdf_bytes_have_no_attachments():
    assert read_embedded(b"GIF89a....") is None
    assert read_embedded(b"%PDF-1.4 broken") is None


def test_merge_overrides_text_layer_and_keeps_its_fallbacks():
    text_layer = {"document_type": "purchase_order", "po_number": "WRONG", "invoice_number": "PO-9", "total": None,
                  "ship_to_raw": "Dock 4", "lines": [{"item_raw": "x"}], "header_sources": {}, "confidence": 0.4}
    merged = merge_embedded(text_layer, parse_xml(ORDER_X, "order-x.xml"))
    assert merged["po_number"] == "PO-9"
    assert merged["header_sources"]["po_number"] == {"source": "embedded:order-x.xml", "confidence": 1.0}
    assert merged["invoice_number"] is None  # an order carries no invoice number
    assert merged["ship_to_raw"] == "Dock 4"  # absent from the XML: the text layer stays
    assert merged["lines"][0]["source"]["source"] == "embedded:order-x.xml"


def test_invoice_xml_turns_a_text_guess_of_order_into_unknown():
    merged = merge_embedded({"document_type": "purchase_order", "lines": []}, parse_xml(CII_INVOICE, "f.xml"))
    assert merged["document_type"] == "unknown" and merged["document_kind"] == "invoice"


def test_merge_without_embedded_is_identity():
    raw = {"document_type": "unknown", "lines": []}
    assert merge_embedded(raw, None) is raw
