"""Twilio request signatures (Twilio's documented example), TwiML replies and the reply text."""
from o2c.intake.channels.twilio import compute_signature, media_urls, summary, twiml, validate_signature
from o2c.intake.service import IngestResult

# The example of Twilio's "Validating requests" documentation and its helper libraries' tests.
URL = "https://mycompany.com/myapp.php?foo=1&bar=2"
PARAMS = {"CallSid": "CA1234567890ABCDE", "Caller": "+12349013030", "Digits": "1234", "From": "+12349013030",
          "To": "+18005551212"}
TOKEN = "12345"
EXPECTED = "0/KCTR6DLpKmkAf8muzZqo1nDgQ="


def test_signature_matches_twilios_documented_example():
    assert compute_signature(TOKEN, URL, PARAMS) == EXPECTED
    assert validate_signature(TOKEN, URL, list(PARAMS.items()), EXPECTED)


def test_signature_refuses_other_params_url_token_or_none():
    assert not validate_signature(TOKEN, URL, {**PARAMS, "Digits": "9999"}, EXPECTED)
    assert not validate_signature(TOKEN, URL.replace("foo=1", "foo=2"), PARAMS, EXPECTED)
    assert not validate_signature("54321", URL, PARAMS, EXPECTED)
    assert not validate_signature(TOKEN, URL, PARAMS, None)
    assert not validate_signature(None, URL, PARAMS, EXPECTED)


def test_signature_survives_a_proxy_adding_the_default_port():
    with_port = "https://mycompany.com:443/myapp.php?foo=1&bar=2"
    assert validate_signature(TOKEN, with_port, PARAMS, EXPECTED)


def test_twiml_escapes_the_message():
    assert twiml("2x K-1001 <ok> & done") == ('<?xml version="1.0" encoding="UTF-8"?><Response><Message>'
                                             '2x K-1001 &lt;ok&gt; &amp; done</Message></Response>')
    assert twiml(None).endswith("<Response></Response>")


def test_reply_says_what_was_understood_without_the_patient():
    extraction = {"customer_id": "D-100", "procedure": {"patient_ref": "MRN 00123"},
                  "lines": [{"item_id": "K-1001", "quantity": "1", "lot": "L1", "serial": "S9"}]}
    result = IngestResult("sms.txt", "DOC-1", "created", "SO-000001", [], extraction)
    text = summary(result, media_count=2)
    assert "SO-000001" in text and "1x K-1001 lot L1 sn S9" in text and "2 photos" in text
    assert "00123" not in text
    queued = summary(IngestResult("sms.txt", "DOC-2", "exception", None, [{"code": "unknown_item", "message": ""}],
                                  {"lines": []}))
    assert "a person will check" in queued and "unknown_item" in queued


def test_media_urls_are_read_from_the_numbered_fields():
    form = {"NumMedia": "2", "MediaUrl0": "http://x/0", "MediaContentType0": "image/jpeg", "MediaUrl1": "http://x/1"}
    assert media_urls(form) == [("http://x/0", "image/jpeg"), ("http://x/1", None)]
    assert media_urls({"NumMedia": "junk"}) == []
