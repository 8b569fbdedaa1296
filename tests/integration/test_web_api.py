"""The HTTP API and dashboard on both engines: every route guarded, roles enforced, intake and the queue
worked end to end, errors as JSON with stable codes, uploads limited, patient data protected."""
from __future__ import annotations

import logging
import re

import pytest
from fastapi.testclient import TestClient

from o2c.audit.service import history
from o2c.masterdata.service import load_master_data
from o2c.storage.uow import unit_of_work
from o2c.web.app import api_routes, create_app
from o2c.web.config import WebConfig
from o2c.web.users import ROLES, add_user, create_token

PASSWORD = "a-long-password"
PO_TEXT = b"PO 4500012399\nPlease ship to Harbor View Hospital\n2x K-1002 ACETABULAR SHELL 52MM @ $1,395.00\n"


def seed(url: str, master) -> dict[str, str]:
    """Master data, a user per role (rep linked to rep DR-1) and an API token per role."""
    with unit_of_work("test", url=url) as uow:
        load_master_data(uow, master)
        for role in ROLES:
            add_user(uow, role, role, PASSWORD, rep_id="DR-1" if role == "rep" else None)
    tokens = {}
    with unit_of_work("test", url=url) as uow:
        for role in ROLES:
            tokens[role] = create_token(uow, role, "tests")
    return tokens


def make_client(url: str, **config) -> TestClient:
    app = create_app(WebConfig(inprocess_worker=False, **config), url=url)
    return TestClient(app, raise_server_exceptions=False)


def login(client: TestClient, username: str, password: str = PASSWORD) -> str:
    """Log in through the form; returns the page's CSRF token."""
    client.get("/login")
    response = client.post("/login", data={"username": username, "password": password, "next": "/",
                                           "login_nonce": client.cookies.get("o2c_login")}, follow_redirects=False)
    assert response.status_code == 303, response.text
    return csrf_of(client.get("/upload" if username != "viewer" else "/queue").text)


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]*)"', html)
    return match.group(1) if match else ""


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


OPEN = {"/login", "/api/health", "/webhooks/twilio/sms"}


@pytest.fixture
def site(db_url, demo_master):
    tokens = seed(db_url, demo_master)
    return db_url, tokens


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "X-1", path)


def test_every_route_refuses_an_anonymous_caller(site):
    url, _ = site
    client = make_client(url)
    routes = api_routes(client.app)
    assert len(routes) > 25
    checked = 0
    for path, methods, _ in routes:
        if path in OPEN:
            continue
        for method in methods - {"HEAD"}:
            response = client.request(method, _concrete(path), follow_redirects=False)
            assert response.status_code in (401, 303), (method, path, response.status_code)
            if response.status_code == 303:
                assert response.headers["location"].startswith("/login"), path
            else:
                assert response.json()["error"] == "not_authenticated"
            checked += 1
    assert checked > 25
    assert client.get("/api/health").json()["status"] == "ok"
    assert client.post("/webhooks/twilio/sms", data={"Body": "hi"}).status_code == 403


def test_roles_are_enforced(site):
    url, tokens = site
    client = make_client(url)
    files = {"file": ("po.txt", PO_TEXT, "text/plain")}
    assert client.get("/api/orders", headers=bearer(tokens["viewer"])).status_code == 200
    assert client.get("/api/orders", headers=bearer(tokens["rep"])).status_code == 403
    assert client.post("/api/documents", files=files, headers=bearer(tokens["viewer"])).status_code == 403
    assert client.post("/api/documents", files=files, headers=bearer(tokens["finance"])).status_code == 403
    assert client.post("/api/exceptions/DOC-000001/approve", headers=bearer(tokens["rep"])).status_code == 403
    assert client.post("/api/payments/import", files=files, headers=bearer(tokens["operations"])).status_code == 403
    assert client.get("/api/orders", headers=bearer("o2c_not-a-token")).status_code == 401
    forbidden = client.post("/api/documents", files=files, headers=bearer(tokens["viewer"])).json()
    assert forbidden["error"] == "forbidden"


def test_upload_queue_approve_through_the_api_audited_as_the_user(site):
    url, tokens = site
    client = make_client(url)
    ops = bearer(tokens["operations"])
    created = client.post("/api/documents", headers=ops, data={"channel": "email", "sender": "ap@harborview.example"},
                          files={"file": ("po.txt", PO_TEXT, "text/plain")})
    assert created.status_code == 200, created.text
    result = created.json()
    assert set(result) >= {"source", "document_id", "status", "order_id", "exceptions", "extraction"}
    assert result["status"] == "exception" and result["exceptions"][0]["code"] == "price_mismatch"
    doc = result["document_id"]
    queue = client.get("/api/exceptions", params={"code": "price_mismatch"}, headers=ops).json()
    assert [e["document_id"] for e in queue] == [doc]
    assert client.get("/api/exceptions", params={"code": "unknown_item"}, headers=ops).json() == []
    assert client.get(f"/api/exceptions/{doc}", headers=ops).json()["customer_id"] == "D-100"
    content = client.get(f"/api/documents/{doc}/content", headers=ops)
    assert content.content == PO_TEXT and content.headers["content-type"].startswith("text/plain")
    approved = client.post(f"/api/exceptions/{doc}/approve", headers=ops).json()
    assert approved["status"] == "created" and approved["order_id"]
    order = client.get(f"/api/orders/{approved['order_id']}", headers=ops).json()
    assert order["customer_id"] == "D-100" and order["lines"][0]["unit_price"] == "1275.00"
    assert order["lines"][0]["amount"] == "2550.00"
    listed = client.get("/api/orders", headers=ops).json()
    assert listed[0]["total"] == "2550.00"
    again = client.post(f"/api/exceptions/{doc}/approve", headers=ops)
    assert again.status_code == 409 and again.json()["error"] == "not_in_queue"
    with unit_of_work(url=url, read_only=True) as uow:
        actors = {record["actor"] for record in history(uow.conn, "document", doc)}
    assert "user:operations" in actors


def test_correct_reject_rerun_and_json_errors(site):
    url, tokens = site
    client = make_client(url)
    ops = bearer(tokens["operations"])
    doc = client.post("/api/documents", headers=ops,
                      files={"file": ("po.txt", b"PO 77001\n3x ZZ-9999 widget\n", "text/plain")}).json()["document_id"]
    bad = client.post(f"/api/exceptions/{doc}/correct", headers=ops, json={"header": {"customer_id": "NOPE"}})
    assert bad.status_code == 404 and bad.json()["error"] == "unknown_customer_id"
    assert client.post(f"/api/exceptions/{doc}/rerun", headers=ops).json()["status"] == "exception"
    empty = client.post(f"/api/exceptions/{doc}/reject", headers=ops, json={"reason": " "})
    assert empty.status_code == 422 and empty.json()["error"] == "invalid_value"
    corrected = client.post(f"/api/exceptions/{doc}/correct", headers=ops,
                            json={"header": {"customer_id": "D-100"}, "lines": {"1": {"item_id": "K-2002"}}})
    assert corrected.status_code == 200, corrected.text
    assert corrected.json()["extraction"]["customer_id"] == "D-100"
    other = client.post("/api/documents", headers=ops,
                        files={"file": ("junk.txt", b"PO 77002\n1x ZZ-1 thing\n", "text/plain")}).json()
    rejected = client.post(f"/api/exceptions/{other['document_id']}/reject", headers=ops, json={"reason": "test fax"})
    assert rejected.json()["status"] == "rejected"
    missing = client.get("/api/documents/DOC-999999", headers=ops)
    assert missing.status_code == 404 and missing.json()["error"] == "unknown_document"
    assert client.get("/api/ar/aging", params={"as_of": "someday"}, headers=ops).json()["error"] == "invalid_value"
    assert client.get("/api/orders", params={"limit": "0"}, headers=ops).json()["error"] == "invalid_request"
    assert client.get("/api/nowhere", headers=ops).json()["error"] == "not_found"


def test_aging_and_invoices(site):
    url, tokens = site
    client = make_client(url)
    fin = bearer(tokens["finance"])
    aging = client.get("/api/ar/aging", params={"as_of": "2026-11-20"}, headers=fin).json()
    assert aging["totals"]["total"] == "16740.55"
    assert all("." in c["total"] for c in aging["customers"])
    invoices = client.get("/api/invoices", headers=fin).json()
    assert invoices and all(isinstance(i["open"], str) for i in invoices)
    page = client.get("/aging?as_of=2026-11-20", headers=fin)
    assert page.status_code == 200 and "<svg" in page.text and "16,740.55" in page.text


def test_payments_import_applies_cash_and_refuses_bad_files_as_json(site):
    url, tokens = site
    client = make_client(url)
    fin = bearer(tokens["finance"])
    lockbox = (b"Deposit Date,Check Number,Check Amount,Remitter Name,Invoice Number,Amount Paid\n"
               b"2026-11-20,100234,3310.45,Cedar Ridge Surgery Center,OB-5002,3310.45\n")
    response = client.post("/api/payments/import", headers=fin, files={"file": ("lockbox.csv", lockbox, "text/csv")})
    assert response.status_code == 200, response.text
    [payment] = response.json()
    assert payment["bank_ref"] == "100234" and payment["amount"] == "3310.45"
    assert payment["status"] == "applied" and payment["applications"] == [{"invoice_number": "OB-5002",
                                                                          "amount": "3310.45"}]
    refused = client.post("/api/payments/import", headers=fin, files={"file": ("junk.bai", b"\x00\x01", "text/plain")})
    assert refused.status_code in (400, 422) and refused.json()["error"] and "Traceback" not in refused.text


def test_upload_over_the_limit_is_refused_with_413(site):
    url, tokens = site
    client = make_client(url, max_upload_bytes=2048)
    response = client.post("/api/documents", headers=bearer(tokens["operations"]),
                           files={"file": ("big.txt", b"x" * 5000, "text/plain")})
    assert response.status_code == 413
    assert response.json()["error"] == "too_large" and "2048 bytes" in response.json()["message"]
    with unit_of_work(url=url, read_only=True) as uow:
        assert uow.conn.exec_driver_sql("SELECT count(*) FROM documents").scalar_one() == 0


def test_browser_session_needs_csrf_and_bad_logins_are_refused(site):
    url, _ = site
    client = make_client(url)
    client.get("/login")
    wrong = client.post("/login", data={"username": "operations", "password": "nope-nope", "next": "/",
                                        "login_nonce": client.cookies.get("o2c_login")}, follow_redirects=False)
    assert "err=" in wrong.headers["location"] and "o2c_session" not in client.cookies
    no_nonce = client.post("/login", data={"username": "operations", "password": PASSWORD, "next": "/"},
                           follow_redirects=False)
    assert "o2c_session" not in no_nonce.headers.get("set-cookie", "")
    csrf = login(client, "operations")
    assert csrf
    files = {"file": ("po.txt", PO_TEXT, "text/plain")}
    assert client.post("/api/documents", files=files).status_code == 403
    assert client.post("/upload", files=files, data={"csrf_token": "wrong"}).status_code == 403
    ok = client.post("/upload", files=files, data={"csrf_token": csrf, "channel": "email",
                                                   "sender": "ap@harborview.example"})
    assert ok.status_code == 200 and "price_mismatch" in ok.text
    doc = re.search(r"/queue/(DOC-\d+)", ok.text).group(1)
    item = client.get(f"/queue/{doc}")
    assert item.status_code == 200 and "K-1002" in item.text and 'id="approve"' in item.text
    approved = client.post(f"/queue/{doc}/approve", data={"csrf_token": csrf_of(item.text)}, follow_redirects=True)
    assert "approved: created" in approved.text
    orders = client.get("/orders")
    assert "2,550.00" in orders.text
    assert client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False).status_code == 303


def test_rep_reports_usage_on_the_portal_and_patient_data_stays_out_of_logs(site, caplog):
    url, _ = site
    client = make_client(url)
    caplog.set_level(logging.DEBUG)
    csrf = login(client, "rep")
    assert client.get("/queue", follow_redirects=False).status_code == 403
    form = {"csrf_token": csrf, "facility": "Harbor View Hospital", "physician": "Patel", "date": "2026-11-19",
            "case_id": "CS-88", "patient_ref": "MRN-PRIVATE-4242", "item0": "K-1001", "qty0": "1", "lot0": "L44512",
            "serial0": "SN1001"}
    response = client.post("/report", data=form)
    assert response.status_code == 200, response.text
    assert 'id="result"' in response.text and "K-1001" in response.text
    with unit_of_work(url=url, read_only=True) as uow:
        row = uow.conn.exec_driver_sql("SELECT channel, sender FROM documents").one()
    assert tuple(row) == ("portal", "mellis@keystone-ortho.example")
    assert "PRIVATE-4242" not in caplog.text
    viewer = make_client(url)
    login(viewer, "viewer")
    doc = viewer.get("/api/exceptions", params={"status": "all"}).json()
    if doc:
        shown = viewer.get(f"/api/documents/{doc[0]['document_id']}").json()
        assert "PRIVATE-4242" not in str(shown["extraction"])
