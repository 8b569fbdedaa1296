"""Live channels and background work on both engines: the Twilio webhook (signature, TwiML, retries,
MMS photos fetched by the worker from a real local HTTP server), a real SMTP listener, the job queue
(idempotent enqueue, retries, SKIP LOCKED on PostgreSQL) and signed outbox webhooks."""
from __future__ import annotations

import io
import json
import smtplib
import socket
import subprocess
import sys
import threading
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from PIL import Image
from sqlalchemy import select

from o2c.intake.channels.smtp_listener import SmtpListener
from o2c.intake.channels.twilio import HttpMediaFetcher, compute_signature
from o2c.jobs import queue, webhooks
from o2c.jobs.worker import Context, drain, handler, publish_outbox
from o2c.storage import schema as t
from o2c.storage.db import get_engine, is_postgres, transaction
from o2c.storage.uow import unit_of_work
from tests.integration.test_web_api import PO_TEXT, make_client, seed

TOKEN = "twilio-test-token"
WEBHOOK_URL = "http://testserver/webhooks/twilio/sms"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LocalServer:
    """A real HTTP server on a free localhost port: serves ``files`` on GET and records POSTs."""

    def __init__(self, files: dict[str, tuple[bytes, str]] | None = None):
        self.files, self.posts = files or {}, []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                body, kind = outer.files.get(self.path, (b"", None))
                self.send_response(200 if kind else 404)
                self.send_header("Content-Type", kind or "text/plain")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                outer.posts.append((dict(self.headers), body))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self):
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (120, 60), "white").save(buffer, format="PNG")
    return buffer.getvalue()


def signed_post(client, form: dict, token: str = TOKEN):
    signature = compute_signature(token, WEBHOOK_URL, form)
    return client.post("/webhooks/twilio/sms", data=form, headers={"X-Twilio-Signature": signature})


def documents(url: str) -> list[tuple]:
    with unit_of_work(url=url, read_only=True) as uow:
        return [tuple(r) for r in uow.conn.exec_driver_sql(
            "SELECT document_id, channel, sender, filename FROM documents ORDER BY document_id")]


@pytest.fixture
def site(db_url, demo_master):
    seed(db_url, demo_master)
    return db_url


def test_twilio_sms_is_verified_ingested_and_answered_with_twiml(site):
    client = make_client(site, twilio_auth_token=TOKEN)
    form = {"MessageSid": "SM0001", "From": "+12065550190", "To": "+15550001111", "NumMedia": "0",
            "Body": "PO 4500012399 for Harbor View Hospital\n2x K-1002 @ $1,275.00"}
    forged = client.post("/webhooks/twilio/sms", data=form, headers={"X-Twilio-Signature": "AAAA"})
    assert forged.status_code == 403 and documents(site) == []
    assert signed_post(client, {**form, "Body": "changed"}, token="wrong").status_code == 403
    reply = signed_post(client, form)
    assert reply.status_code == 200 and reply.headers["content-type"].startswith("application/xml")
    assert reply.text.startswith('<?xml version="1.0" encoding="UTF-8"?><Response><Message>')
    assert "K-1002" in reply.text
    [(doc, channel, sender, name)] = documents(site)
    assert (channel, sender, name) == ("sms", "+12065550190", "sms-SM0001.txt")
    again = signed_post(client, form)
    assert "Already received" in again.text and len(documents(site)) == 1


def test_mms_photo_is_fetched_by_the_worker_from_a_local_server(site):
    client = make_client(site, twilio_auth_token=TOKEN)
    with LocalServer({"/media/ME1": (png(), "image/png")}) as media:
        form = {"MessageSid": "MM0002", "From": "+12065550190", "To": "+15550001111", "Body": "",
                "NumMedia": "1", "MediaUrl0": f"{media.url}/media/ME1", "MediaContentType0": "image/png"}
        reply = signed_post(client, form)
        assert reply.status_code == 200 and "1 photo received" in reply.text
        assert signed_post(client, form).status_code == 200          # Twilio's retry queues nothing new
        result = drain(Context(url=site, services={"media_fetcher": HttpMediaFetcher()}))
    assert result.done == 1 and result.failed == 0
    [(doc, channel, sender, name)] = documents(site)
    assert (channel, sender, name) == ("sms", "+12065550190", "mms-MM0002-0.png")
    with unit_of_work(url=site, read_only=True) as uow:
        assert uow.conn.execute(select(t.documents.c.content)).scalar_one() == png()   # unsealed on read


def test_a_failed_media_fetch_is_retried_then_given_up(site):
    with unit_of_work(url=site) as uow:
        job_id = queue.enqueue(uow.conn, "twilio.media", {"url": "http://127.0.0.1:9/missing"}, max_attempts=2)
    context = Context(url=site, services={"media_fetcher": HttpMediaFetcher(timeout=2)})
    assert drain(context).retried == 1
    with transaction(get_engine(site)) as conn:
        job = queue.get(conn, job_id)
        assert job["status"] == "queued" and job["attempts"] == 1 and "URLError" in job["last_error"]
        conn.exec_driver_sql("UPDATE jobs SET run_after = created_at")
    assert drain(context).failed == 1


def test_smtp_listener_ingests_each_message_with_the_envelope_sender(site):
    port = free_port()
    listener = SmtpListener("127.0.0.1", port, url=site).start()
    try:
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = "ap@harborview.example", "orders@keystone.example", "PO"
        message.set_content(PO_TEXT.decode())
        with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
            refused = smtp.sendmail("ap@harborview.example", ["orders@keystone.example"], message.as_bytes())
        assert refused == {}
    finally:
        listener.stop()
    [(doc, channel, sender, name)] = documents(site)
    assert (channel, sender) == ("email", "ap@harborview.example") and name.endswith(".eml")
    assert listener.handler.received[0]["document_id"] == doc


def test_enqueue_with_a_key_is_idempotent_and_unknown_kinds_fail_visibly(site):
    with unit_of_work(url=site) as uow:
        first = queue.enqueue(uow.conn, "nobody.handles", {"n": 1}, key="k-1", max_attempts=1)
        assert queue.enqueue(uow.conn, "nobody.handles", {"n": 2}, key="k-1") == first
    assert drain(Context(url=site)).failed == 1
    with transaction(get_engine(site)) as conn:
        assert "no handler" in queue.get(conn, first)["last_error"]


@handler("test.echo")
def _echo(job, context):
    return {"echo": job.payload["n"]}


def test_skip_locked_lets_two_workers_take_different_jobs(site):
    with unit_of_work(url=site) as uow:
        for n in range(3):
            queue.enqueue(uow.conn, "test.echo", {"n": n})
    engine = get_engine(site)
    if engine.dialect.name != "postgresql":
        assert drain(Context(url=site)).done == 3
        return
    with transaction(engine) as first:
        mine = queue.claim(first, "worker-a")
        with transaction(engine) as second:          # would block without SKIP LOCKED
            theirs = queue.claim(second, "worker-b")
    assert mine.job_id != theirs.job_id and is_postgres(first)


def test_outbox_events_are_delivered_signed_and_only_once(site, tmp_path, monkeypatch):
    with LocalServer() as receiver:
        config = tmp_path / "o2c.toml"
        config.write_text(f'[webhooks]\nurl = "{receiver.url}/hook"\nsecret = "shh"\n')
        monkeypatch.setenv("O2C_CONFIG", str(config))
        with unit_of_work("test", url=site) as uow:
            uow.emit("document.created", "document", "DOC-1", {"order_id": "SO-1"})
            uow.emit("document.exception", "document", "DOC-2", {"codes": ["price_mismatch"]})
        with unit_of_work(url=site, read_only=True) as uow:
            pending = uow.conn.exec_driver_sql("SELECT count(*) FROM outbox WHERE published_at IS NULL").scalar_one()
        sent = publish_outbox(Context(url=site))
        assert sent == pending and len(receiver.posts) == pending
        assert publish_outbox(Context(url=site)) == 0
    headers, body = receiver.posts[-1]
    assert webhooks.verify(headers["X-O2C-Signature"], body, "shh")
    assert json.loads(body)["aggregate_id"] == "DOC-2" and headers["X-O2C-Event"] == "document.exception"


def test_user_and_worker_commands(tmp_path):
    env = {"O2C_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}", "PATH": "/usr/bin:/bin"}   # a thin CLI: one engine
    run = lambda *args, stdin="": subprocess.run([sys.executable, "-m", "o2c", *args], input=stdin,  # noqa: E731
                                                 capture_output=True, text=True, env=env, timeout=120)
    added = run("user", "add", "dana", "--role", "finance", "--json", stdin="long-enough-pw\n")
    assert added.returncode == 0, added.stderr
    assert json.loads(added.stdout) == {"username": "dana", "role": "finance", "rep_id": None}
    weak = run("user", "add", "eve", "--role", "viewer", stdin="short\n")
    assert weak.returncode == 1 and "at least 8" in weak.stderr and "Traceback" not in weak.stderr
    assert "dana" in run("user", "list").stdout
    token = json.loads(run("user", "token", "dana", "--json").stdout)["token"]
    assert token.startswith("o2c_")
    worker = run("worker", "--once", "--json")
    assert worker.returncode == 0 and json.loads(worker.stdout)["failed"] == 0
