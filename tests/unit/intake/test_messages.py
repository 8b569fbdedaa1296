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


# ------------------------------------------------------------------ phrasings beyond the corpus
GTIN_1204 = "00847120031008"  # valid check digit


@pytest.mark.parametrize("text, qty", [
    ("2x 7103-1204", "2"), ("7103-1204 x2", "2"), ("7103-1204 (x2)", "2"), ("qty 2 7103-1204", "2"),
    ("7103-1204 qty: 2", "2"), ("2 ea 7103-1204", "2"), ("7103-1204 2 ea", "2"), ("(2) 7103-1204", "2"),
    ("two 7103-1204", "2"), ("three x 7103-1204", "3"), ("7103-1204 - 2 each", "2"), ("1 - 7103-1204", "1"),
    ("2) 3 7103-1204", "3"), ("1 ea REF 7103-1204", "1"),
])
def test_count_forms(text, qty):
    (line,) = m.parse_lines(text, is_item)
    assert line["quantity"] == qty and line["catalog_raw"] == "7103-1204"


def test_bare_number_after_the_item_is_a_count_but_uncertain():
    (line,) = m.parse_lines("7103-1204 2", is_item)
    assert line["quantity"] == "2" and line["confidence"] < 1
    (line,) = m.parse_lines("2 7103-1204", is_item)
    assert "confidence" not in line


@pytest.mark.parametrize("text, gtin, lot, serial", [
    (f"1x (01){GTIN_1204}(17)281020(10)L15193(21)SN925082", GTIN_1204, "L15193", "SN925082"),
    (f"2 01{GTIN_1204}17281020" + "10L15193", GTIN_1204, "L15193", None),
    (f"GTIN {GTIN_1204} qty 2 lot L1234", GTIN_1204, "L1234", None),
    (f"1 ea {GTIN_1204[1:]} lot L1234", GTIN_1204, "L1234", None),
])
def test_items_named_by_udi_or_gtin(text, gtin, lot, serial):
    (line,) = m.parse_lines(text, is_item)
    assert line["udi"] and gtin[1:] in line["udi"]
    assert (line["lot"], line["serial"]) == (lot, serial)


def test_hibc_names_the_catalog_number_and_lot():
    from o2c.formats.hibc import mod43_check_character

    body = "+H742710312041/$$3281020L45316"
    (line,) = m.parse_lines(f"1 {body}{mod43_check_character(body)}", is_item)
    assert line["catalog_raw"] == "71031204" and line["lot"] == "L45316" and line["expiry"] == "2028-10-20"


def test_a_number_that_is_not_a_valid_gtin_is_not_an_item():
    assert m.parse_lines("call 00847120031009 asap", is_item) == []


def test_several_items_on_one_line_keep_their_own_lots():
    lines = m.parse_lines("qty 1 7103-1204 lot L43221, qty 3 #7104-1002 - lot no. L68414 and 7201-0501 x1, "
                          "s/n SN161640 lot LT96484", is_item)
    assert [(l["catalog_raw"], l["quantity"], l["lot"], l["serial"]) for l in lines] == [
        ("7103-1204", "1", "L43221", None), ("7104-1002", "3", "L68414", None),
        ("7201-0501", "1", "LT96484", "SN161640")]
    lines = m.parse_lines("2 7103-1204 lot L1 3 7104-1002 lot L2", is_item)
    assert [(l["quantity"], l["lot"]) for l in lines] == [("2", "L1"), ("3", "L2")]


def test_lot_label_forms():
    for text in ("1 7103-1204 L: L84182", "1 7103-1204 LOT#L84182", "1 7103-1204 batch L84182",
                 "1 7103-1204 lot no. L84182"):
        assert m.parse_lines(text, is_item)[0]["lot"] == "L84182", text


def test_counted_description_with_a_lot_is_a_line_and_a_plain_sentence_is_not():
    (line,) = m.parse_lines("one x Femoral Stem Tapered Size 6 (sn SN940775 lt L68377)", is_item)
    assert (line["quantity"], line["description_raw"], line["catalog_raw"]) == ("1", "FEMORAL STEM TAPERED SIZE 6",
                                                                               None)
    (line,) = m.parse_lines("Dbm Putty 5cc - 2 each lot no. L15631", is_item)
    assert line["quantity"] == "2" and line["item_raw"] == "DBM PUTTY 5CC"
    assert m.parse_lines("we need 2 more trays for the room tomorrow", is_item) == []


def test_phone_numbers_in_a_signature_are_not_lines():
    assert m.parse_lines("Direct: (919) 555-0188 ext 204\nPh 614.555.0140 | Fax 614.555.0141", is_item) == []


@pytest.mark.parametrize("text, name", [
    ("Surgeon: Grace Reinholt, MD\n1 7103-1204", "Grace Reinholt"), ("Voss MD @ mercy", "Voss, MD"),
    ("used 1 7103-1204 w/ E. Vasquez MD", "E. Vasquez, MD"), ("w/ dr.rahman saturday", "dr.rahman"),
    ("dr.okafor\nimplanted 1 7103-1204", "dr.okafor"), ("w/ Dr. A. Patel today", "Dr. A. Patel"),
    ("hi - mercy, patel md, 11/3", "patel, MD"),
])
def test_physician_forms(text, name):
    assert m._physician(text) == name


def test_a_street_named_drive_is_not_a_doctor():
    assert m._physician("Ship to: Receiving, 1200 Lake Dr Dock B, Milwaukee") is None
    assert m._physician("Ship to: Receiving, 22 Pratt St, Baltimore, MD 21201") is None


@pytest.mark.parametrize("text, facility", [
    ("Facility: lakeshore reg\nSurgeon: dr x", "lakeshore reg"), ("dr szabo @ Northfield Meml Apr 22", "Northfield Meml"),
    ("at nrthfield mem w/ dr.rahman saturday", "nrthfield mem"),
    ("hi - mercy, patel MD, 11/3: 7103-1204 lot L44512 qty 2", "mercy"),
])
def test_facility_forms(text, facility):
    assert m._facility(text, m._first_meaningful_line(text), m._physician(text)) == facility


def test_day_month_dates_and_dates_on_their_own_line():
    assert m.relative_day("Date: 4 Oct", RECEIVED) == date(2026, 10, 4)
    assert m.relative_day("Date: Oct\n1) 2 7103", RECEIVED) is None
    raw = m.sms_to_raw("Facility: mercy\nDate: 7 Jul\n1) (1) UDI (01)00847120031008(17)300111(10)67468", {},
                       received_at=RECEIVED, is_item=is_item)
    assert raw["procedure"]["date"] == "2026-07-07"


def test_po_number_glued_to_its_letters_and_in_an_order_subject():
    assert m.parse_order_text("Subject: New order PO7043959")["po_number"] == "PO7043959"
    parts = m.EmailParts(sender="a@b.org", sender_name=None, subject="New order 4500087489", sent_at=RECEIVED,
                         body="2 EA 7103-1204")
    assert m.email_to_raw(parts, is_item=is_item)["po_number"] == "4500087489"
    parts.subject = "order 7103-1204"
    assert m.email_to_raw(parts, is_item=is_item)["po_number"] is None


def test_quoted_reply_date_with_a_time():
    text = "ok\n\nOn Thu, Jul 30, 2026 at 10:18 AM, Erin <erin@hosp.org> wrote:\n> PO 33646\n> 2 EA 7103-1204\n"
    parts = m.EmailParts(sender="rep@x.com", sender_name=None, subject="Re: order", sent_at=RECEIVED, body=text)
    m._find_forwarded_original(parts)
    assert parts.original_sent_at.date() == date(2026, 7, 30)
