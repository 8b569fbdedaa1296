"""Invoice documents built from the database, on both engines: the PDF shows lot/serial/expiry, the 810
reads back with the X12 reader, the UBL passes the EN 16931 sums and the structure of real Peppol
documents, and e-mail goes through a real local SMTP server with the dispatch recorded."""
import importlib.util
import os
import shutil
import socket
import subprocess
from datetime import date
from decimal import Decimal
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from sqlalchemy import select

from o2c.billing.credits import credit_invoice
from o2c.billing.delivery import SmtpSettings
from o2c.billing.documents import invoice_document, invoice_x12, send_invoice
from o2c.billing.render.pdf import render_invoice_pdf
from o2c.billing.render.ubl import invoice_to_ubl, ubl_to_invoice_fields
from o2c.formats.x12.invoice810 import parse_810
from o2c.formats.x12.reader import read_x12
from o2c.kernel.errors import Conflict
from o2c.masterdata.service import load_master_data
from o2c.orders.model import LineRequest, OrderRequest
from o2c.orders.service import allocate_order, create_order, ship_order
from o2c.storage import schema as t
from o2c.storage.uow import unit_of_work

TODAY = date(2026, 11, 20)
UBL_TESTS = Path(__file__).resolve().parents[1] / "unit" / "billing" / "test_render_ubl.py"


def ubl_checks():
    """The structural and EN 16931 helpers of the UBL unit tests, loaded by path (that folder is not a
    package), so both suites judge UBL by the same rules."""
    spec = importlib.util.spec_from_file_location("o2c_ubl_checks", UBL_TESTS)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def invoice(db_url, demo_master) -> str:
    """A D-100 (EDI partner, 2/10 NET30) invoice of two serialised implants plus freight."""
    with unit_of_work("test") as uow:
        load_master_data(uow, demo_master)
        order_id = create_order(uow, OrderRequest("stock", "D-100", TODAY, (
            LineRequest("K-1001", 1), LineRequest("K-1002", 1)), freight=Decimal("45.00"), po_number="4500012345",
            site_id="D-100-ST"))
        allocate_order(uow, order_id)
        shipment = ship_order(uow, order_id)
        return uow.conn.execute(select(t.invoices.c.invoice_number).where(
            t.invoices.c.shipment_id == shipment)).scalar_one()


def document(number: str):
    with unit_of_work(read_only=True) as uow:
        return invoice_document(uow.conn, number)


def test_document_carries_parties_terms_and_traceability(invoice):
    doc = document(invoice)
    assert doc.seller.name == "Keystone Ortho" and doc.seller.edi_id == "KEYSTONEORTHO"
    assert (doc.buyer.party_id, doc.buyer.name, doc.buyer.address1, doc.buyer.edi_id) == (
        "D-100", "Harbor View Hospital", "PO Box 4410", "HARBORVIEW")
    assert (doc.ship_to.party_id, doc.ship_to.address2) == ("D-100-ST", "Dock 3")
    assert [(l.item_id, l.gtin, l.customer_item_ref) for l in doc.lines] == [
        ("K-1001", "00812345000016", "HV-448812"), ("K-1002", "00812345000023", "HV-448820")]
    assert all(l.lot and l.serial and l.expiry for l in doc.lines)
    assert doc.subtotal + doc.freight + doc.tax_total == doc.total == Decimal("3470.00")


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler) is not installed")
def test_pdf_of_a_stored_invoice_shows_lot_serial_and_expiry(invoice, tmp_path):
    doc = document(invoice)
    pdf = tmp_path / "invoice.pdf"
    pdf.write_bytes(render_invoice_pdf(doc))
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert invoice in text and "4500012345" in text
    for line in doc.lines:
        assert line.lot in text and line.serial in text and line.expiry.isoformat() in text and line.gtin in text
    assert "2/10 NET30" in text and "USD 69.40 if paid by" in text


def test_810_reads_back_with_the_x12_reader(invoice):
    with unit_of_work("test") as uow:
        text = invoice_x12(uow, invoice)
    parsed = read_x12(text)
    [(interchange, group, transaction)] = list(parsed.transactions("810"))
    assert (interchange.sender_id, interchange.receiver_id) == ("KEYSTONEORTHO", "HARBORVIEW")
    back = parse_810(transaction)
    assert (back.number, back.po_number, back.kind) == (invoice, "4500012345", "invoice")
    assert back.total == Decimal("3470.00") and back.freight == Decimal("45.00")
    assert (back.discount_percent, back.discount_days, back.net_days) == (Decimal("2"), 10, 30)
    expected = [(l.item_id, l.lot, l.serial) for l in document(invoice).lines]
    assert [(l.product_id("VC"), l.product_id("LT"), l.product_id("SN")) for l in back.lines] == expected
    with unit_of_work("test") as uow:          # control numbers advance: no two interchanges share one
        again = read_x12(invoice_x12(uow, invoice))
    assert next(again.transactions("810"))[0].control_number != interchange.control_number


def test_810_needs_the_customers_edi_id(db_url, demo_master):
    with unit_of_work("test") as uow:
        load_master_data(uow, demo_master)
        order_id = create_order(uow, OrderRequest("stock", "D-200", TODAY, (LineRequest("K-3001", 1),)))
        allocate_order(uow, order_id)
        shipment = ship_order(uow, order_id)
        number = uow.conn.execute(select(t.invoices.c.invoice_number).where(
            t.invoices.c.shipment_id == shipment)).scalar_one()
    with pytest.raises(Conflict) as err:
        with unit_of_work("test") as uow:
            invoice_x12(uow, number)
    assert err.value.code == "no_edi_id"


def test_ubl_of_invoice_and_credit_memo_keeps_the_en16931_sums_and_real_structure(invoice):
    checks = ubl_checks()
    corpus = Path(os.environ.get("O2C_SHARED", Path(__file__).resolve().parents[2].parent / "shared")) / "corpus"
    with unit_of_work("test") as uow:
        memo = credit_invoice(uow, invoice, {2: 1}, "returned_goods", "returned unopened")
    models = {"Invoice": checks.StructureModel(), "CreditNote": checks.StructureModel()}
    if (corpus / "real" / "ubl_peppol_facturx").is_dir():
        from lxml import etree
        for path in checks._sample_files(corpus):
            root = etree.parse(str(path)).getroot()
            if etree.QName(root).localname in checks.ROOTS:
                models[etree.QName(root).localname].add(root)
    for number, root_name in ((invoice, "Invoice"), (memo, "CreditNote")):
        xml = invoice_to_ubl(document(number))
        fields = ubl_to_invoice_fields(xml)
        checks.assert_en16931_sums(fields)
        assert fields["id"] == number
        if models["Invoice"].files:
            assert checks.structure_problems(xml, models) == []
    credit_fields = ubl_to_invoice_fields(invoice_to_ubl(document(memo)))
    assert credit_fields["type_code"] == "381" and credit_fields["payable_amount"] == Decimal("1275.00")


@pytest.fixture
def smtp_server():
    from aiosmtpd.controller import Controller

    class Inbox:
        def __init__(self):
            self.messages = []

        async def handle_DATA(self, server, session, envelope):
            self.messages.append(envelope)
            return "250 Message accepted for delivery"

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, SmtpSettings(host="127.0.0.1", port=port, sender="ar@keystone-ortho.example", timeout=5)
    finally:
        controller.stop()


def test_send_mails_pdf_and_ubl_and_records_the_dispatch(invoice, smtp_server):
    inbox, smtp = smtp_server
    with unit_of_work("clerk") as uow:
        dispatch = send_invoice(uow, invoice, "ap@harborview.example", smtp)
    [envelope] = inbox.messages
    assert envelope.rcpt_tos == ["ap@harborview.example"]
    message = message_from_bytes(envelope.content, policy=policy.default)
    assert message["Message-ID"] == dispatch.message_id and invoice in message["Subject"]
    attachments = {p.get_filename(): p.get_payload(decode=True) for p in message.iter_attachments()}
    assert set(attachments) == {f"{invoice}.pdf", f"{invoice}.xml"}
    assert attachments[f"{invoice}.pdf"].startswith(b"%PDF")
    assert ubl_to_invoice_fields(attachments[f"{invoice}.xml"])["id"] == invoice
    with unit_of_work(read_only=True) as uow:
        sent = uow.conn.execute(select(t.invoice_dispatches)).mappings().one()
        outbox = uow.conn.execute(select(t.outbox.c.payload).where(t.outbox.c.event_type == "invoice.sent")
                                  ).scalar_one()
        sent_at = uow.conn.execute(select(t.invoices.c.sent_at).where(
            t.invoices.c.invoice_number == invoice)).scalar_one()
    assert (sent["channel"], sent["recipient"], sent["message_id"], sent["actor"]) == (
        "email", "ap@harborview.example", dispatch.message_id, "clerk")
    assert outbox["message_id"] == dispatch.message_id and sent_at is not None
