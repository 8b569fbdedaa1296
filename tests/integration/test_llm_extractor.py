"""The optional language-model extractor against a real local HTTP server speaking the OpenAI Chat
Completions format, through the real pipeline (text PDF, OCR-free) and the real configuration file:
off by default, fills only what the document prints, masks patient data, survives every failure of
the server, and keeps the API key out of everything but the Authorization header."""
from __future__ import annotations

import json
import logging
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from o2c.intake.master_index import MasterIndex
from o2c.intake.pipeline import extract
from tests.dbtools import ENGINES, fresh_copy, make_pg_template, make_sqlite_template

KEY = "sk-test-7f3a9c51e2"

PO_HTML = """<html><body style="font-family: sans-serif; font-size: 10pt">
<p style="font-size:18pt"><b>Mercy General Hospital</b></p><p>PURCHASE ORDER</p>
<p>Please supply the items below and quote our reference 4500098765 on every invoice.</p>
<p>Ship to: Mercy General Hospital - Receiving, 2100 Capitol Ave</p>
<table style="width:100%"><tr><th>Line</th><th>Catalog #</th><th>Description</th><th>Qty</th><th>UOM</th>
<th>Unit Price</th></tr>
<tr><td>1</td><td>7103-1204</td><td>ACETABULAR SHELL 52MM</td><td>2</td><td>EA</td><td>1,450.00</td></tr></table>
</body></html>"""

CASE_HTML = """<html><body style="font-family: sans-serif; font-size: 10pt">
<p style="font-size:18pt"><b>Mercy General Hospital</b></p><p>IMPLANT RECORD</p>
<p>Patient: Jane Q Doe &nbsp;&nbsp; MRN: 0011223 &nbsp;&nbsp; Case # CS-9001</p>
<p>Surgery was performed on 11/18/2026 by Dr. Anil Patel.</p>
<table style="width:100%"><tr><th>Catalog #</th><th>Description</th><th>Qty</th><th>Lot</th></tr>
<tr><td>7103-1204</td><td>ACETABULAR SHELL 52MM</td><td>1</td><td>L44512</td></tr></table>
</body></html>"""


def _pdf(html: str) -> bytes:
    from weasyprint import HTML
    return HTML(string=html).write_pdf()


@pytest.fixture(scope="module")
def po_pdf() -> bytes:
    return _pdf(PO_HTML)


@pytest.fixture(scope="module")
def case_pdf() -> bytes:
    return _pdf(CASE_HTML)


@pytest.fixture(scope="module")
def master() -> MasterIndex:
    return MasterIndex.from_rows(
        customers=[{"customer_id": "C-1", "name": "Mercy General Hospital", "email": "buy@mercy.org"}],
        sites=[{"site_id": "S-1-02", "customer_id": "C-1", "name": "Mercy General Hospital - Receiving",
                "kind": "ship_to", "address1": "2100 Capitol Ave"},
               {"site_id": "S-1-03", "customer_id": "C-1", "name": "Mercy General Hospital", "kind": "facility",
                "address1": "4001 J Street"}],
        items=[{"item_id": "7103-1204", "description": "ACETABULAR SHELL 52MM", "uom": "EA", "pack_size": "1"}],
        physicians=[{"physician_id": "P-1", "name": "Anil Patel", "site_id": "S-1-03"}],
        reps=[])


class ModelServer:
    """A chat-completions endpoint on 127.0.0.1: records each request and answers with ``answer``
    (a dict becomes the assistant's JSON content), or the given status, delay or raw bytes."""

    def __init__(self):
        self.requests: list[dict] = []
        self.answer: dict | None = {}
        self.status = 200
        self.delay = 0.0
        self.raw: bytes | None = None
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                server.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
                time.sleep(server.delay)
                if server.raw is not None:
                    payload = server.raw
                else:
                    payload = json.dumps({"id": "c-1", "object": "chat.completion", "model": body.get("model"),
                                          "choices": [{"index": 0, "finish_reason": "stop",
                                                       "message": {"role": "assistant",
                                                                   "content": json.dumps(server.answer)}}]}).encode()
                try:
                    self.send_response(server.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except OSError:
                    pass  # the client gave up (timeout test)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.httpd.block_on_close = False
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def model():
    server = ModelServer()
    yield server
    server.close()


@pytest.fixture
def configure(tmp_path, monkeypatch):
    """Write ``[intake.llm]`` (and any other keys) to a configuration file and point O2C_CONFIG at it."""
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    counter = iter(range(1000))

    def write(url: str | None = None, **llm):
        lines = ["[intake.llm]"]
        if url is not None:
            llm = {"enabled": True, "base_url": url, "model": "local-model", **llm}
        for key, value in llm.items():
            lines.append(f"{key} = {json.dumps(value)}")
        path = tmp_path / f"o2c-{next(counter)}.toml"
        path.write_text("\n".join(lines) + "\n")
        monkeypatch.setenv("O2C_CONFIG", str(path))
        return path

    return write


def test_off_by_default_makes_no_request(model, configure, po_pdf, master, monkeypatch):
    monkeypatch.delenv("O2C_CONFIG", raising=False)
    doc = extract(po_pdf, "po.pdf", master=master)
    configure(base_url=model.url, model="local-model")  # configured but not enabled
    again = extract(po_pdf, "po.pdf", master=master)
    assert model.requests == []
    assert doc["po_number"] is None and again == doc and "_text" not in doc
    assert not any("language model" in w for w in doc["warnings"])


def test_fills_a_missing_po_number_printed_in_the_text(model, configure, po_pdf, master):
    configure(model.url)
    model.answer = {"po_number": "4500098765", "order_date": None, "total": "2900.00"}
    doc = extract(po_pdf, "po.pdf", master=master)
    assert len(model.requests) == 1
    request = model.requests[0]
    assert request["path"] == "/v1/chat/completions"
    body = request["body"]
    assert body["model"] == "local-model" and body["temperature"] == 0
    assert body["response_format"] == {"type": "json_object"}
    assert [m["role"] for m in body["messages"]] == ["system", "user"]
    assert "quote our reference 4500098765" in body["messages"][1]["content"]
    assert "po_number" in body["messages"][1]["content"] and "customer_name_raw" not in \
        body["messages"][1]["content"].split("Document text:")[0]
    assert doc["po_number"] == "4500098765" and doc["total"] is None  # 2900.00 is not printed
    assert doc["header_sources"]["po_number"] == {"extractor": "llm", "confidence": 0.6}
    assert doc["customer_id"] == "C-1" and doc["lines"][0]["item_id"] == "7103-1204"
    assert any(w.startswith("language model filled po_number") for w in doc["warnings"])
    assert any("discarded: total" in w for w in doc["warnings"])
    assert doc["confidence"] < 0.6  # held for a person: the model's word alone never passes straight through


def test_straight_through_when_configured(model, configure, po_pdf, master):
    configure(model.url, straight_through=True)
    model.answer = {"po_number": "4500098765"}
    doc = extract(po_pdf, "po.pdf", master=master)
    assert doc["po_number"] == "4500098765" and doc["confidence"] > 0.6


def test_refuses_a_value_not_in_the_text(model, configure, po_pdf, master):
    configure(model.url)
    model.answer = {"po_number": "4500098766", "order_date": "2026-11-20", "customer_id": "C-9"}
    doc = extract(po_pdf, "po.pdf", master=master)
    assert len(model.requests) == 1
    assert doc["po_number"] is None and doc["order_date"] is None and doc["customer_id"] == "C-1"
    assert any("discarded: po_number, order_date" in w for w in doc["warnings"])
    assert not any(w.startswith("language model filled") for w in doc["warnings"])


def test_masks_the_mrn_and_patient_name(model, configure, case_pdf, master):
    configure(model.url)
    model.answer = {"procedure": {"date": "2026-11-18", "patient_ref": "0011223"}}
    doc = extract(case_pdf, "case.pdf", master=master)
    sent = json.dumps(model.requests[0]["body"])
    assert "0011223" not in sent and "Jane" not in sent and "[REDACTED]" in sent
    assert "CS-9001" in sent and "7103-1204" in sent
    assert "patient_ref" not in model.requests[0]["body"]["messages"][1]["content"].split("Document text:")[0]
    assert doc["procedure"]["date"] == "2026-11-18"


def test_patient_data_is_sent_only_when_allowed(model, configure, case_pdf, master):
    configure(model.url, allow_patient_data=True)
    model.answer = {}
    extract(case_pdf, "case.pdf", master=master)
    assert "0011223" in json.dumps(model.requests[0]["body"])


def _baseline(po_pdf, master, monkeypatch) -> dict:
    monkeypatch.delenv("O2C_CONFIG", raising=False)
    return extract(po_pdf, "po.pdf", master=master)


def _same_but_warned(doc: dict, baseline: dict, needle: str) -> None:
    warned = [w for w in doc["warnings"] if w.startswith("language model extractor not used")]
    assert len(warned) == 1 and needle in warned[0], doc["warnings"]
    strip = {k: v for k, v in doc.items() if k not in ("warnings", "confidence")}
    assert strip == {k: v for k, v in baseline.items() if k not in ("warnings", "confidence")}


def test_server_down_keeps_the_extraction(configure, po_pdf, master, monkeypatch):
    baseline = _baseline(po_pdf, master, monkeypatch)
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    configure(f"http://127.0.0.1:{port}/v1")
    _same_but_warned(extract(po_pdf, "po.pdf", master=master), baseline, "cannot reach")


def test_timeout_keeps_the_extraction(model, configure, po_pdf, master, monkeypatch):
    baseline = _baseline(po_pdf, master, monkeypatch)
    configure(model.url, timeout_seconds=0.3)
    model.delay, model.answer = 2.0, {"po_number": "4500098765"}
    started = time.monotonic()
    doc = extract(po_pdf, "po.pdf", master=master)
    assert time.monotonic() - started < 1.8
    _same_but_warned(doc, baseline, "did not answer within 0.3 s")


@pytest.mark.parametrize("status, raw, needle", [
    (500, None, "HTTP 500"), (401, None, "HTTP 401"), (200, b"<html>busy</html>", "not a chat completion"),
    (200, json.dumps({"choices": [{"message": {"content": "The PO number is 4500098765."}}]}).encode(), "not JSON"),
])
def test_errors_and_garbage_keep_the_extraction(model, configure, po_pdf, master, monkeypatch, status, raw, needle):
    baseline = _baseline(po_pdf, master, monkeypatch)
    configure(model.url)
    model.status, model.raw = status, raw
    _same_but_warned(extract(po_pdf, "po.pdf", master=master), baseline, needle)


def test_api_key_is_a_bearer_header_and_never_logged(model, configure, po_pdf, master, monkeypatch, caplog):
    monkeypatch.setenv("LOCAL_LLM_KEY", KEY)
    path = configure(model.url, api_key_env="LOCAL_LLM_KEY")
    assert KEY not in path.read_text()
    caplog.set_level(logging.DEBUG)
    model.answer = {"po_number": "4500098765"}
    doc = extract(po_pdf, "po.pdf", master=master)
    assert model.requests[0]["headers"]["Authorization"] == f"Bearer {KEY}"
    model.status = 403
    failed = extract(po_pdf, "po.pdf", master=master)
    assert any("HTTP 403" in w for w in failed["warnings"])
    assert any("language model" in r.getMessage() for r in caplog.records)
    assert KEY not in caplog.text and KEY not in json.dumps(doc) and KEY not in json.dumps(failed)
    assert KEY not in json.dumps(model.requests[0]["body"])


def test_no_key_no_authorization_header(model, configure, po_pdf, master, monkeypatch):
    monkeypatch.delenv("O2C_LLM_API_KEY", raising=False)
    configure(model.url)
    extract(po_pdf, "po.pdf", master=master)
    assert "Authorization" not in model.requests[0]["headers"]


def test_a_key_in_the_configuration_file_is_refused(model, configure, po_pdf, master):
    configure(model.url, api_key=KEY)
    doc = extract(po_pdf, "po.pdf", master=master)
    assert model.requests == [] and doc["po_number"] is None
    assert any("api_key must not be in the configuration" in w for w in doc["warnings"])
    assert KEY not in json.dumps(doc)


def test_a_redirect_is_not_followed(model, configure, po_pdf, master, monkeypatch):
    monkeypatch.setenv("O2C_LLM_API_KEY", KEY)
    other = ModelServer()
    try:
        class Redirect(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                self.send_response(307)
                self.send_header("Location", other.url + "/chat/completions")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        model.httpd.RequestHandlerClass = Redirect
        configure(model.url)
        doc = extract(po_pdf, "po.pdf", master=master)
        assert other.requests == [] and any("HTTP 307" in w for w in doc["warnings"])
    finally:
        other.close()


# ------------------------------------------------------------------ through intake on a real database
@pytest.fixture(scope="module")
def llm_sqlite_loaded(tmp_path_factory):
    folder = tmp_path_factory.mktemp("llm")
    return make_sqlite_template(folder, lambda url: _load_master(url, folder / "master"))


@pytest.fixture(scope="module")
def llm_postgres_loaded(tmp_path_factory):
    folder = tmp_path_factory.mktemp("llm_pg") / "master"
    yield from make_pg_template("o2c_llm_tpl", lambda url: _load_master(url, folder))


def _load_master(url, folder):
    from o2c.masterdata.service import load_master_data
    from o2c.storage.uow import unit_of_work
    from tests.integration.test_ingest import MASTER
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in MASTER.items():
        (folder / name).write_text(text, encoding="utf-8")
    with unit_of_work("test", url=url) as uow:
        load_master_data(uow, folder)


@pytest.fixture(params=ENGINES)
def loaded_db(request, tmp_path, monkeypatch):
    """A fresh copy of a database of each engine holding the intake tests' master data."""
    yield from fresh_copy(request, tmp_path, monkeypatch, "llm_sqlite_loaded", "llm_postgres_loaded")


@pytest.mark.parametrize("straight_through", [False, True])
def test_a_document_the_model_completed_goes_to_a_person_unless_configured(loaded_db, model, configure, po_pdf,
                                                                            straight_through):
    from o2c.intake.service import ingest_document
    from o2c.storage.uow import unit_of_work
    configure(model.url, straight_through=straight_through)
    model.answer = {"po_number": "4500098765"}
    with unit_of_work("test") as uow:
        result = ingest_document(uow, po_pdf, "po.pdf", channel="upload", sender="purchasing@mercygeneral.org",
                                 received_at="2026-11-20T09:00:00+00:00")
    assert result.extraction["po_number"] == "4500098765"
    codes = [e["code"] for e in result.exceptions]
    if straight_through:
        assert result.status == "created" and result.order_id, result.exceptions
    else:
        assert result.status == "exception" and codes == ["low_confidence"], result.exceptions
