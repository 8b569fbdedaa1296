"""Hostile input over HTTP on both engines: the document upload, the bank-file import and the Twilio
webhook answer every bad request with a clear JSON refusal (never a 500), store nothing for what they
refuse, keep exactly one document for what intake takes in, and go on answering afterwards.

The corpus is the seeded one of ``tests/e2e/test_bad_input_fuzz.py``.
"""
from __future__ import annotations

import random

import pytest

from o2c.intake.channels.twilio import compute_signature
from tests.e2e.test_bad_input_fuzz import SEED, hostile_bank_files, hostile_documents, row_counts
from tests.integration.test_web_api import PO_TEXT, bearer, make_client, seed

TOKEN = "twilio-test-token"
WEBHOOK = "http://testserver/webhooks/twilio/sms"
#: the slow readers (OCR of whole pages) add nothing here that the CLI test does not already cover
SAMPLE = 24


@pytest.fixture
def site(db_url, demo_master):
    return db_url, seed(db_url, demo_master)


def sample_documents() -> dict[str, bytes]:
    docs = hostile_documents()
    names = sorted(docs)
    random.Random(SEED).shuffle(names)
    chosen = set(names[:SAMPLE]) | {"bomb.png", "huge-page.pdf", "nul.edi", "binary-segments.edi", "controls.txt"}
    return {name: docs[name] for name in chosen}


def assert_refusal(response, status: int, *, naming: str | None = None) -> dict:
    assert response.status_code == status, (response.status_code, response.text[:500])
    payload = response.json()
    assert payload["error"] and payload["message"].strip(), payload
    if naming:
        assert naming in payload["message"], payload
    return payload


def test_document_upload_takes_in_or_refuses_hostile_files_without_a_500(site) -> None:
    url, tokens = site
    client = make_client(url)
    headers = bearer(tokens["operations"])
    for name, data in sorted(sample_documents().items()):
        before = row_counts(url)
        response = client.post("/api/documents", files={"file": (name, data)}, headers=headers)
        after = row_counts(url)
        if not data:
            assert_refusal(response, 422, naming=name)
            assert after == before, name
            continue
        assert response.status_code == 200, (name, response.status_code, response.text[:500])
        result = response.json()
        assert result["source"] == name and result["order_id"] is None, result
        assert result["status"] in ("exception", "duplicate", "rejected"), result
        stored = 0 if result["status"] == "duplicate" else 1
        assert after["documents"] == before["documents"] + stored, name
        for table in ("orders", "order_lines", "payments", "journal_entries"):
            assert after[table] == before[table], (name, table)
        if result["status"] == "rejected":
            assert name in result["exceptions"][0]["message"] or result["extraction"]["warnings"], result
    assert client.get("/api/health").status_code == 200
    shown = client.get(f"/api/documents/{response.json()['document_id']}", headers=headers)
    assert shown.status_code == 200


def test_upload_refusals_store_nothing(site) -> None:
    url, tokens = site
    client = make_client(url, max_upload_bytes=64 * 1024)
    headers = bearer(tokens["operations"])
    before = row_counts(url)
    assert_refusal(client.post("/api/documents", files={"file": ("big.pdf", b"%PDF" + b"0" * 70_000)},
                               headers=headers), 413)
    assert_refusal(client.post("/api/documents", data={"channel": "email"}, headers=headers), 422)
    assert_refusal(client.post("/api/documents", files={"file": ("po.txt", PO_TEXT)},
                               data={"channel": "carrier-pigeon"}, headers=headers), 422)
    assert_refusal(client.post("/api/documents", files={"file": ("po.txt", PO_TEXT)},
                               data={"received_at": "the 45th of Nevember"}, headers=headers), 422)
    broken = client.post("/api/documents", content=b"--x\r\nnot multipart at all",
                         headers={**headers, "Content-Type": "multipart/form-data; boundary=x"})
    assert_refusal(broken, broken.status_code)
    assert broken.status_code in (400, 422)
    assert client.post("/api/documents", files={"file": ("po.txt", PO_TEXT)}).status_code == 401
    assert row_counts(url) == before
    odd_name = "..\\..\\etc/\x00passwd\u202e" + "x" * 500 + ".txt"
    response = client.post("/api/documents", files={"file": (odd_name, PO_TEXT)}, headers=headers)
    assert response.status_code == 200, response.text[:500]
    source = response.json()["source"]
    assert "/" not in source and "\\" not in source and "\x00" not in source and len(source) <= 200
    assert client.get("/api/health").status_code == 200


def test_bank_file_upload_refuses_hostile_files_naming_them(site) -> None:
    url, tokens = site
    client = make_client(url)
    headers = bearer(tokens["finance"])
    before = row_counts(url)
    for name, data in sorted(hostile_bank_files().items()):
        response = client.post("/api/payments/import", files={"file": (name, data)}, headers=headers)
        assert 400 <= response.status_code < 500, (name, response.status_code, response.text[:300])
        assert_refusal(response, response.status_code, naming=None if not data else name)
    assert row_counts(url) == before
    assert client.get("/api/health").status_code == 200


def signed(form: dict, token: str = TOKEN) -> dict:
    return {"X-Twilio-Signature": compute_signature(token, WEBHOOK, form)}


def test_twilio_webhook_refuses_bad_signatures_and_survives_odd_messages(site) -> None:
    url, _tokens = site
    client = make_client(url, twilio_auth_token=TOKEN, media_max_bytes=1024)
    form = {"MessageSid": "SM1", "From": "+15551230000", "To": "+15559870000", "Body": "2x K-1002", "NumMedia": "0"}
    before = row_counts(url)
    for headers in ({}, {"X-Twilio-Signature": "bm90IGEgc2lnbmF0dXJl"}, {"X-Twilio-Signature": b"\xff" * 40},
                    signed(form, "another-token"), signed({**form, "Body": "5x K-1002"})):
        response = client.post("/webhooks/twilio/sms", data=form, headers=headers)
        assert response.status_code == 403, (headers, response.text[:300])
    assert client.post("/webhooks/twilio/sms", content=b"\xff\xfe\x00garbage",
                       headers={"Content-Type": "application/x-www-form-urlencoded"}).status_code == 403
    assert row_counts(url) == before
    big = make_client(url, twilio_auth_token=TOKEN, max_upload_bytes=4096)
    huge = {**form, "Body": "x" * 10_000}
    assert big.post("/webhooks/twilio/sms", data=huge, headers=signed(huge)).status_code == 413
    assert row_counts(url) == before
    odd = [{**form, "MessageSid": "SM2", "Body": "used 2x K-1002 \x00\x01 lot \udcff", "NumMedia": "many"},
           {**form, "MessageSid": "SM3", "Body": "", "NumMedia": "3", "MediaUrl0": "file:///etc/passwd",
            "MediaContentType0": "image/png", "MediaUrl1": "http://127.0.0.1:1/none"},
           {**form, "MessageSid": "SM4", "From": "not a phone \x00", "Body": "\u202e" * 2000}]
    for message in odd:
        clean = {k: v.encode("utf-8", "replace").decode() for k, v in message.items()}
        response = client.post("/webhooks/twilio/sms", data=clean, headers=signed(clean))
        assert response.status_code == 200, (message["MessageSid"], response.status_code, response.text[:300])
        assert response.headers["content-type"].startswith("application/xml")
    assert client.get("/api/health").status_code == 200
    after = row_counts(url)
    for table in ("orders", "payments", "journal_entries"):
        assert after[table] == before[table], table
