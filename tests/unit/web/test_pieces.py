"""Small web pieces: the SVG chart, the usage report text, corrections from a form, IMAP handling."""
from decimal import Decimal

from o2c.intake.channels.imap_poller import poll, sender_of
from o2c.web.charts import bar_chart
from o2c.web.routes.common import redact
from o2c.web.routes.pages import corrections
from o2c.web.routes.portal import usage_text
from o2c.web.users import User


def test_bar_chart_scales_bars_to_the_largest_amount():
    svg = bar_chart([("current", Decimal("100.00")), ("1-30", Decimal("50.00")), ("31-60", Decimal("0"))], title="t")
    assert svg.startswith("<svg") and svg.count("<rect") == 3
    assert 'height="180.0"' in svg and 'height="90.0"' in svg and 'height="0.0"' in svg
    assert "100.00" in svg and "50.00" in svg


def test_usage_text_reads_like_a_reps_message():
    text = usage_text("Harbor View Hospital", "Patel", "2026-11-19", "CS-88", "00123",
                      [{"item": "K-1001", "quantity": "1", "lot": "L44512", "serial": "S1"},
                       {"item": "K-2001", "quantity": "", "lot": "", "serial": ""}])
    assert text.splitlines()[0] == "Used (bill only) at Harbor View Hospital, Dr. Patel, on 2026-11-19."
    assert "1x K-1001 lot L44512 sn S1" in text and "1x K-2001" in text and "MRN 00123" in text


def test_corrections_keep_only_changed_fields():
    extraction = {"customer_id": None, "po_number": "45", "procedure": {"date": "2026-11-19"},
                  "lines": [{"line_no": 1, "item_id": None, "quantity": "2"}]}
    form = {"h.customer_id": "D-100", "h.po_number": "45", "h.procedure.date": "2026-11-19",
            "l.1.item_id": "K-1001", "l.1.quantity": "2", "l.1.bogus": "x", "csrf_token": "t"}
    assert corrections(form, extraction) == ({"customer_id": "D-100"}, {1: {"item_id": "K-1001"}})


def test_patient_references_are_hidden_from_roles_without_phi_access():
    data = {"extraction": {"procedure": {"patient_ref": "MRN 1"}}, "lines": [{"patient_ref": "x"}]}
    hidden = redact(data, User(1, "v", "viewer"))
    assert hidden["extraction"]["procedure"]["patient_ref"] == "[redacted]" and hidden["lines"][0]["patient_ref"] != "x"
    assert redact(data, User(1, "o", "operations")) is data


class FakeMailbox:
    """An in-memory IMAP mailbox with imaplib's answer shapes."""

    def __init__(self, messages):
        self.messages = dict(enumerate(messages, start=1))
        self.seen = set()

    def select(self, mailbox="INBOX", readonly=False):
        return "OK", [str(len(self.messages)).encode()]

    def search(self, charset, *criteria):
        return "OK", [b" ".join(str(n).encode() for n in self.messages if n not in self.seen)]

    def fetch(self, number, parts):
        data = self.messages[int(number)]
        return "OK", [(f"{int(number)} (RFC822 {{{len(data)}}}".encode(), data), b")"]

    def store(self, number, command, flags):
        assert command == "+FLAGS" and flags == "\\Seen"
        self.seen.add(int(number))
        return "OK", []


def test_imap_poll_ingests_unseen_messages_once_and_flags_them():
    message = b"From: Buyer <ap@harborview.example>\r\nSubject: PO\r\n\r\nPO 1\r\n"
    box = FakeMailbox([message, message.replace(b"PO 1", b"PO 2")])
    taken = []
    outcomes = poll(box, ingest=lambda data, sender: taken.append((data, sender)) or {"status": "exception"})
    assert len(outcomes) == 2 and box.seen == {1, 2}
    assert taken[0] == (message, "ap@harborview.example")
    assert poll(box, ingest=lambda d, s: {}) == []
    assert sender_of(b"Subject: x\r\n\r\n") is None
