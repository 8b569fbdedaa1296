"""Collect orders from a mailbox over IMAP (when a company cannot point mail at our SMTP listener).

Each poll takes the unseen messages of the configured folder, ingests each one (channel "email", the
From address as sender), then flags it \\Seen. The content hash makes a re-read message a duplicate,
so a crash between ingesting and flagging never doubles an order. The mailbox is reached through a
small client interface (``search``/``fetch``/``store`` as ``imaplib.IMAP4`` has them), so the
handling is tested with an in-memory mailbox.
"""
from __future__ import annotations

import email
import email.policy
import imaplib
import logging
from email.utils import parseaddr
from typing import Callable, Protocol

from o2c.intake.service import ingest_document
from o2c.jobs.settings import section
from o2c.storage.uow import unit_of_work

log = logging.getLogger("o2c.intake.imap")


class Mailbox(Protocol):
    def select(self, mailbox: str = "INBOX", readonly: bool = False): ...
    def search(self, charset, *criteria): ...
    def fetch(self, message_set, message_parts): ...
    def store(self, message_set, command, flags): ...


def sender_of(data: bytes) -> str | None:
    message = email.message_from_bytes(data, policy=email.policy.default)
    address = parseaddr(str(message.get("Return-Path") or message.get("From") or ""))[1]
    return address or None


def _message_bytes(fetched) -> bytes | None:
    """The RFC 822 bytes out of imaplib's ``fetch`` answer ([(b'1 (RFC822 {n}', b'...'), b')'])."""
    for part in fetched or []:
        if isinstance(part, tuple) and len(part) >= 2 and isinstance(part[1], (bytes, bytearray)):
            return bytes(part[1])
    return None


def poll(mailbox: Mailbox, *, folder: str = "INBOX", url: str | None = None,
         ingest: Callable[[bytes, str | None], dict] | None = None) -> list[dict]:
    """Ingest every unseen message of ``folder`` and flag it seen; returns one outcome per message."""
    ingest = ingest or (lambda data, sender: _ingest(data, sender, url))
    mailbox.select(folder)
    status, found = mailbox.search(None, "UNSEEN")
    if status != "OK":
        raise RuntimeError(f"IMAP search failed: {status}")
    outcomes = []
    for number in (found[0] or b"").split():
        status, fetched = mailbox.fetch(number, "(RFC822)")
        data = _message_bytes(fetched) if status == "OK" else None
        if data is None:
            log.warning("IMAP message %s could not be fetched", number)
            continue
        outcomes.append(ingest(data, sender_of(data)))
        mailbox.store(number, "+FLAGS", "\\Seen")
    return outcomes


def _ingest(data: bytes, sender: str | None, url: str | None) -> dict:
    from o2c.intake.channels.smtp_listener import message_filename
    with unit_of_work("channel:email", url=url) as uow:
        result = ingest_document(uow, data, message_filename(data), channel="email", sender=sender)
    return {"document_id": result.document_id, "status": result.status, "order_id": result.order_id}


def connect(config: dict) -> imaplib.IMAP4:
    cls = imaplib.IMAP4_SSL if config.get("imap_ssl", True) else imaplib.IMAP4
    client = cls(config["imap_host"], int(config.get("imap_port") or (993 if cls is imaplib.IMAP4_SSL else 143)))
    client.login(config["imap_user"], config["imap_password"])
    return client


def poll_configured(url: str | None = None) -> int:
    """One poll of the mailbox in ``[email]``; returns how many messages were taken in."""
    config = section("email")
    if not config.get("imap_host"):
        return 0
    client = connect(config)
    try:
        return len(poll(client, folder=config.get("imap_folder") or "INBOX", url=url))
    finally:
        try:
            client.logout()
        except (imaplib.IMAP4.error, OSError):
            pass
