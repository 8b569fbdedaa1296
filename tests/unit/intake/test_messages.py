"""Reading e-mails and text messages into raw extraction dicts."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from o2c.intake import messages as m

EST = timezone(timedelta(hours=-5))
RECEIVED = datetime(2026, 11, 6, 18, 26, tzinfo=EST)  # a Friday


def is_item(token: str) -> bool:
    return token.replace("-", "") in {"71031204", "72010501", "72010502", "71041002", "77010005", "74040016"}


@pytest.mark.parametrize("text, expected", [
    ("case (yest)", date(2026, 11, 5)), ("done today", date(2026, 11, 6)), ("tues", date(2026, 11, 3)),
    ("11/8", date(2026, 11, 8)), ("on 12/30", date(2025, 12, 30)), ("Nov 2", date(2026, 11, 2)),
    ("2026-10-01", date(2026, 10, 1)), ("nothing", None),
])
def test_relative_dates_read_against_received_time(text, expected):
    assert m.relative_day(text, RECEIVED) == expected


def test_sms_usage_with_facility_physician_lots_and_serials():
    text = "northfoeld mem - dr vasquez - r tka (yest)\n1 7201-0501 lot L95724 s/n SN113317\n" \
           "1 7201-0502 lt L68430\nbill only pls\n"
    raw = m.sms_to_raw(text, {"from": "+16125550109", "received_at": "2026-11-06T18:26:36-05:00"}, is_item=is_item)
    assert raw["document_type"] == "usage_report"
    assert raw["facility_raw"] == "northfoeld mem"
    assert raw["procedure"]["physician_raw"] == "dr vasquez"
    assert raw["procedure"]["date"] == "2026-11-05"
    assert raw["bill_only"] is True
    assert raw["sender_raw"] == "+16125550109"
    first, second = raw["lines"]
    assert (first["quantity"], first["lot"], first["serial"]) == ("1", "L95724", "SN113317")
    assert (second["lot"], second["serial"]) == ("L68430", None)


def test_one_line_sms_with_count_after_item_and_at_facility():
    raw = m.sms_to_raw("used 2x 7103-1204 lot L44512 at mercy dr patel", {}, received_at=RECEIVED, is_item=is_item)
    (line,) = raw["lines"]
    assert (line["catalog_raw"], line["quantity"], line["lot"]) == ("7103-1204", "2", "L44512")
    assert raw["facility_raw"] == "mercy"
    assert raw["procedure"]["physician_raw"] == "dr patel"
    raw = m.sms_to_raw("Case done @ lakeshore regional w/ dr.castellanos today. Used: 7701-0005 x1 "
                       "(LOT L20181 SN SN786350)", {}, received_at=RECEIVED, is_item=is_item)
    assert raw["facility_raw"] == "lakeshore regional"
    assert raw["lines"][0]["quantity"] == "1" and raw["lines"][0]["serial"] == "SN786350"


def test_serial_never_taken_from_a_bare_token():
    raw = m.sms_to_raw("1 7201-0501 L95724 SN113317", {}, received_at=RECEIVED, is_item=is_item)
    assert raw["lines"][0]["lot"] is None and raw["lines"][0]["serial"] is None


def test_email_body_lines_price_and_po():
    body = "PO#: PO700120\n- 7104-1002 (acetabular liner) qty 1 EA @ $650.00 ea\n" \
           "   Qty  UOM   Item        Description\n     2  BX    7404-0016   K-WIRE 1.6MM BX/10  1,900.00\n" \
           "     3  EA    7199-0904   REVISION ADAPTER 52MM  980.00\nCall +1 503-555-0119\n"
    raw = m.parse_order_text(body, is_item=is_item)
    assert raw["po_number"] == "PO700120"
    assert raw["document_type"] == "purchase_order"
    lines = raw["lines"]
    assert [(l["catalog_raw"], l["quantity"], l["uom"], l["unit_price"]) for l in lines] == [
        ("7104-1002", "1", "EA", "650.00"), ("7404-0016", "2", "BX", "1900.00"), ("7199-0904", "3", "EA", "980.00")]
    assert lines[0]["item_raw"] == "7104-1002 ACETABULAR LINER"


def test_unit_price_is_the_amount_that_times_quantity_gives_the_other():
    raw = m.parse_order_text("3 EA 7103-1204 SHELL 4,350.00 1,450.00", is_item=is_item)
    assert raw["lines"][0]["unit_price"] == "1450.00"


def test_po_number_forms():
    assert m.parse_order_text("Subject: PO 4500012398 resend")["po_number"] == "4500012398"
    assert m.parse_order_text("purchase order 3101333 attached")["po_number"] == "3101333"
    assert m.parse_order_text("PO Box 13940")["po_number"] is None


def test_patient_and_case_refs():
    raw = m.parse_order_text("dr patel MRN 00123 case CS-88\n1 7103-1204 lot L1234", is_item=is_item)
    assert raw["procedure"]["patient_ref"] == "00123"
    assert raw["procedure"]["case_id"] == "CS-88"


FORWARD = b"""From: Carlos Rep <carlos@reps.com>
To: Orders <orders@keystone.com>
Subject: Fwd: order
Date: Mon, 16 Nov 2026 09:56:52 -0800
Content-Type: text/plain; charset="utf-8"

Please enter

---------- Forwarded message ---------
From: Nina Patterson <npatterson@westgate.com>
Date: Mon, Nov 16, 2026 at 08:02 AM
Subject: order

We need the following for Westgate Surgical Institute.
PO#: PO700556
     3  EA    7103-1204   ACETABULAR SHELL 52MM
"""


def test_forwarded_email_original_sender_is_the_customer():
    parts = m.parse_email(FORWARD)
    assert parts.sender == "carlos@reps.com"
    assert parts.original_sender == "npatterson@westgate.com"
    raw = m.email_to_raw(parts, is_item=is_item)
    assert raw["sender_raw"] == "npatterson@westgate.com"
    assert raw["forwarded_by"] == "carlos@reps.com"
    assert raw["order_date"] == "2026-11-16"
    assert raw["customer_name_raw"] == "Westgate Surgical Institute"
    assert raw["lines"][0]["quantity"] == "3"


def test_quoted_reply_lines_are_read():
    text = "Looks good\n\nOn Mon, Nov 2, 2026, Buyer <buyer@hosp.org> wrote:\n> PO 4500001\n> 2 EA 7103-1204\n"
    parts = m.EmailParts(sender="rep@x.com", sender_name=None, subject="Re: order", sent_at=RECEIVED, body=text)
    m._find_forwarded_original(parts)
    assert parts.original_sender == "buyer@hosp.org"
    raw = m.email_to_raw(parts, is_item=is_item)
    assert raw["po_number"] == "4500001" and raw["lines"][0]["quantity"] == "2"


def test_html_body_and_attachments():
    msg = (b"From: a@b.org\nSubject: PO 12345\nDate: Thu, 19 Nov 2026 07:43:53 -0800\nMIME-Version: 1.0\n"
           b"Content-Type: multipart/mixed; boundary=XX\n\n--XX\nContent-Type: text/html\n\n"
           b"<html><body><p>Order</p><table><tr><td>2</td><td>EA</td><td>7103-1204</td></tr></table>"
           b"</body></html>\n--XX\nContent-Type: application/pdf\nContent-Disposition: attachment; "
           b"filename=\"po.pdf\"\nContent-Transfer-Encoding: base64\n\nJVBERi0=\n--XX--\n")
    parts = m.parse_email(msg)
    assert "7103-1204" in parts.body
    assert [a.filename for a in parts.attachments] == ["po.pdf"]
    seen = []
    raw = m.email_to_raw(parts, is_item=is_item, read_attachment=lambda data, name: seen.append(name) or {})
    assert seen == ["po.pdf"]
    assert raw["lines"][0]["quantity"] == "2"


def test_attachment_lines_win_over_body():
    parts = m.EmailParts(sender="a@b.org", sender_name=None, subject="PO 999", sent_at=RECEIVED,
                         body="Ship to: Dock 4", attachments=[m.Attachment("po.pdf", "application/pdf", b"")])
    doc = {"document_type": "purchase_order", "po_number": "999", "lines": [{"item_raw": "X", "quantity": "1"}],
           "warnings": [], "order_date": "2026-11-01"}
    raw = m.email_to_raw(parts, read_attachment=lambda data, name: doc)
    assert raw["lines"] == doc["lines"] and raw["order_date"] == "2026-11-01"
    assert raw["ship_to_raw"] == "Dock 4"


def test_mbox_split():
    box = b"From a@b Thu Nov 19 07:00:00 2026\nFrom: a@b\nSubject: one\n\nx\nFrom b@c Thu Nov 19 08:00:00 2026\n" \
          b"From: b@c\nSubject: two\n\n>From here\n"
    first, second = m.split_mbox(box)
    assert b"one" in first and b"From here" in second


def test_twilio_form():
    form = {"Body": "used 1x 7103-1204 lot L1 at mercy", "From": "+16125550109", "NumMedia": "1",
            "MediaUrl0": "https://api.twilio.com/m/1", "MediaContentType0": "image/jpeg", "MessageSid": "SM1"}
    raw = m.twilio_form_to_raw(form, received_at=RECEIVED, is_item=is_item)
    assert raw["sender_raw"] == "+16125550109" and raw["channel"] == "sms"
    assert raw["media"] == [{"url": "https://api.twilio.com/m/1", "content_type": "image/jpeg"}]
    assert raw["lines"][0]["lot"] == "L1"


def test_broken_sidecar_is_ignored():
    assert m.read_sidecar(b"{not json") == {}


def test_count_column_after_the_description():
    raw = m.parse_order_text("7103-1204   ACETABULAR SHELL 52MM   2   EA   1,450.00\n7104-1002, 3 ea", is_item=is_item)
    assert [(l["quantity"], l["uom"], l["unit_price"]) for l in raw["lines"]] == [("2", "EA", "1450.00"),
                                                                                  ("3", "EA", None)]


def test_serial_means_one_unit_when_no_count_is_written():
    raw = m.sms_to_raw("used 7103-1204 lot L1 sn SN5 at mercy", {}, received_at=RECEIVED, is_item=is_item)
    assert raw["lines"][0]["quantity"] == "1"
    raw = m.sms_to_raw("used 7103-1204 lot L1 at mercy", {}, received_at=RECEIVED, is_item=is_item)
    assert raw["lines"][0]["quantity"] is None
