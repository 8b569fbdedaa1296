"""Receive orders by e-mail directly: an SMTP server (aiosmtpd) that takes in each message it accepts.

Point an MX record, or a forwarding rule of the orders@ mailbox, at it. Each message becomes one
document on channel "email" with the envelope sender (MAIL FROM), which is who the mail system vouches
for; intake still reads a forwarded chain's original sender from the body. Ingest runs in a thread
(the database is synchronous) and the SMTP reply waits for it: 250 only once the document is stored,
451 (try again later) if storing failed, so a sending server never loses a message.
"""
from __future__ import annotations

import asyncio
import hashlib
import logging

from aiosmtpd.controller import Controller

from o2c.intake.service import ingest_document
from o2c.storage.uow import unit_of_work

log = logging.getLogger("o2c.intake.smtp")
DEFAULT_MAX_BYTES = 25 * 1024 * 1024


def message_filename(data: bytes) -> str:
    return f"smtp-{hashlib.sha256(data).hexdigest()[:16]}.eml"


def ingest_message(data: bytes, mail_from: str | None, *, url: str | None = None) -> dict:
    """Store and read one received message; the ingest result as a dict."""
    with unit_of_work("channel:email", url=url) as uow:
        result = ingest_document(uow, data, message_filename(data), channel="email",
                                 sender=(mail_from or None) if mail_from != "<>" else None)
    return {"document_id": result.document_id, "status": result.status, "order_id": result.order_id}


class IngestHandler:
    """aiosmtpd handler: every accepted message goes through intake before we say 250."""

    def __init__(self, url: str | None = None):
        self.url = url
        self.received: list[dict] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        data = envelope.original_content or envelope.content
        if isinstance(data, str):
            data = data.encode("utf-8", errors="surrogateescape")
        try:
            outcome = await asyncio.get_running_loop().run_in_executor(
                None, lambda: ingest_message(data, envelope.mail_from, url=self.url))
        except Exception as err:  # noqa: BLE001 - the sender keeps the message and retries
            log.error("could not store a received message: %s", type(err).__name__)
            return "451 4.3.0 Requested action aborted: local error, try again later"
        self.received.append(outcome)
        log.info("received e-mail as %s (%s)", outcome["document_id"], outcome["status"])
        return f"250 2.0.0 OK: queued as {outcome['document_id']}"


class SmtpListener:
    """Start and stop the SMTP server in a background thread."""

    def __init__(self, host: str = "127.0.0.1", port: int = 2525, *, url: str | None = None,
                 max_bytes: int = DEFAULT_MAX_BYTES):
        self.host, self.port = host, port
        self.handler = IngestHandler(url)
        self.controller = Controller(self.handler, hostname=host, port=port, data_size_limit=max_bytes,
                                     ready_timeout=10)

    def start(self) -> "SmtpListener":
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()
