"""Delivery over a real SMTP session (aiosmtpd on 127.0.0.1) so that MIME encoding, the envelope and
error translation are exercised end to end, not mocked."""
from __future__ import annotations

import socket
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller

from o2c.billing.delivery import DeliveryFailed, PartiallyDelivered, SmtpSettings, send_document
from o2c.kernel.errors import O2CError

PDF_BYTES = b"%PDF-1.7\n" + bytes(range(256)) * 40 + b"\n%%EOF\n"
UBL_BYTES = '<?xml version="1.0" encoding="UTF-8"?><Invoice><cbc:Note>Größe µ ✓</cbc:Note></Invoice>'.encode()


class RecordingHandler:
    """Keeps every envelope; refuses recipients at the ``blocked.example`` domain like a real MTA."""

    def __init__(self) -> None:
        self.envelopes = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.endswith("@blocked.example"):
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def smtp_server():
    handler = RecordingHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        yield handler, SmtpSettings(host="127.0.0.1", port=controller.port, sender="ar@seller.example", timeout=5)
    finally:
        controller.stop()


def _attachments(message):
    return {part.get_filename(): (part.get_content_type(), part.get_payload(decode=True))
            for part in message.iter_attachments()}


def test_message_arrives_with_pdf_and_ubl_intact(smtp_server):
    handler, settings = smtp_server
    before = len(handler.envelopes)
    message_id = send_document(
        settings, "ap@buyer.example", "Invoice INV-1001", "Please find invoice INV-1001 attached.",
        [("INV-1001.pdf", PDF_BYTES, "application/pdf"), ("INV-1001.xml", UBL_BYTES, "application/xml")],
    )
    assert len(handler.envelopes) == before + 1
    envelope = handler.envelopes[-1]
    assert envelope.mail_from == "ar@seller.example"
    assert envelope.rcpt_tos == ["ap@buyer.example"]
    received = message_from_bytes(envelope.original_content, policy=policy.default)
    assert received["Message-ID"] == message_id
    assert received["Subject"] == "Invoice INV-1001"
    assert "INV-1001 attached" in received.get_body(("plain",)).get_content()
    parts = _attachments(received)
    assert parts["INV-1001.pdf"] == ("application/pdf", PDF_BYTES)
    assert parts["INV-1001.xml"] == ("application/xml", UBL_BYTES)


def test_message_ids_are_unique(smtp_server):
    _, settings = smtp_server
    ids = {send_document(settings, "ap@buyer.example", "s", "b", []) for _ in range(2)}
    assert len(ids) == 2 and all(i.endswith("@seller.example>") for i in ids)


def test_rejected_recipient_is_a_clear_o2c_error(smtp_server):
    _, settings = smtp_server
    with pytest.raises(DeliveryFailed) as info:
        send_document(settings, "nobody@blocked.example", "s", "b", [("a.pdf", PDF_BYTES, "application/pdf")])
    assert isinstance(info.value, O2CError)
    assert info.value.code == "delivery_recipient_refused"
    assert "nobody@blocked.example" in str(info.value) and "550" in str(info.value)


def test_partial_refusal_keeps_the_message_id(smtp_server):
    handler, settings = smtp_server
    with pytest.raises(PartiallyDelivered) as info:
        send_document(settings, ["ap@buyer.example", "x@blocked.example"], "s", "b", [])
    assert info.value.refused == ["x@blocked.example"]
    assert handler.envelopes[-1].rcpt_tos == ["ap@buyer.example"]
    assert info.value.message_id.startswith("<")


def test_connection_refused_is_a_clear_o2c_error():
    settings = SmtpSettings(host="127.0.0.1", port=_free_port(), timeout=2)
    with pytest.raises(DeliveryFailed) as info:
        send_document(settings, "ap@buyer.example", "s", "b", [])
    assert info.value.code == "delivery_unreachable"
    assert "connection refused" in str(info.value)
    assert info.value.__cause__ is None  # no chained traceback to show a user


def test_missing_recipient_is_refused_before_connecting():
    settings = SmtpSettings(host="127.0.0.1", port=_free_port(), timeout=2)
    with pytest.raises(DeliveryFailed, match="no valid recipient"):
        send_document(settings, [], "s", "b", [])


class _Authenticator:
    """Accepts one user; aiosmtpd calls this for AUTH PLAIN/LOGIN."""

    def __call__(self, server, session, envelope, mechanism, auth_data):
        from aiosmtpd.smtp import AuthResult

        ok = auth_data.login == b"billing" and auth_data.password == b"s3cret"
        return AuthResult(success=ok, handled=False)


@pytest.fixture(scope="module")
def auth_server():
    handler = RecordingHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port(), authenticator=_Authenticator(),
                            auth_require_tls=False, auth_required=True)
    controller.start()
    try:
        yield handler, controller.port
    finally:
        controller.stop()


pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")


def test_login_then_send(auth_server):
    handler, port = auth_server
    settings = SmtpSettings(host="127.0.0.1", port=port, sender="ar@seller.example", username="billing",
                            password="s3cret", timeout=5)
    send_document(settings, "ap@buyer.example", "s", "b", [("x.xml", UBL_BYTES, "application/xml")])
    assert _attachments(message_from_bytes(handler.envelopes[-1].original_content, policy=policy.default)) == {
        "x.xml": ("application/xml", UBL_BYTES)}


def test_wrong_password_is_a_clear_error(auth_server):
    _, port = auth_server
    settings = SmtpSettings(host="127.0.0.1", port=port, username="billing", password="nope", timeout=5)
    with pytest.raises(DeliveryFailed) as info:
        send_document(settings, "ap@buyer.example", "s", "b", [])
    assert info.value.code == "delivery_auth_failed" and "nope" not in str(info.value)


def test_starttls_required_but_not_offered(smtp_server):
    _, settings = smtp_server
    with pytest.raises(DeliveryFailed) as info:
        send_document(SmtpSettings(host=settings.host, port=settings.port, starttls=True, timeout=5),
                      "ap@buyer.example", "s", "b", [])
    assert info.value.code == "delivery_unsupported"
