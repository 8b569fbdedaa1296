"""SMS and MMS from Twilio: request signatures, the message as a document, TwiML replies, media.

Twilio signs each webhook: base64(HMAC-SHA1(auth token, full URL + every POST parameter name and value,
sorted by name, concatenated without separators)) in ``X-Twilio-Signature``. The URL must be the one
Twilio called: behind a proxy configure ``web.public_url``. As Twilio's own libraries do, the URL is
also tried with and without the default port, because proxies add or drop it.

The message body becomes one document (channel sms, the sender's number, Twilio's MessageSid inside
the content hash so Twilio's retries are duplicates). MMS photos cannot be fetched inside the webhook
(Twilio waits at most 15 s and the media host may be slow), so each becomes a job that the worker
fetches through a ``MediaFetcher`` and ingests as a document of its own.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Iterable, Mapping, Protocol
from urllib.parse import urlsplit, urlunsplit
from xml.sax.saxutils import escape

from o2c.intake.service import IngestResult, ingest_document
from o2c.jobs import queue
from o2c.jobs.worker import handler
from o2c.storage.uow import UnitOfWork, unit_of_work

MEDIA_JOB = "twilio.media"
EXTENSIONS = {"image/jpeg": ".jpg", "image/png": ".png", "image/gif": ".gif", "image/webp": ".webp",
              "image/tiff": ".tif", "application/pdf": ".pdf", "text/plain": ".txt"}
MAX_REPLY = 300


# ------------------------------------------------------------------ signatures
def compute_signature(auth_token: str, url: str, params: Iterable[tuple[str, str]] | Mapping[str, str]) -> str:
    pairs = sorted(params.items() if isinstance(params, Mapping) else params)
    data = url + "".join(f"{key}{value}" for key, value in pairs)
    return base64.b64encode(hmac.new(auth_token.encode(), data.encode("utf-8"), hashlib.sha1).digest()).decode()


def _port_variants(url: str) -> list[str]:
    parts = urlsplit(url)
    default = {"https": 443, "http": 80}.get(parts.scheme)
    host = parts.hostname or ""
    variants = [url]
    if default and parts.port is None:
        variants.append(urlunsplit(parts._replace(netloc=f"{host}:{default}")))
    elif default and parts.port == default:
        variants.append(urlunsplit(parts._replace(netloc=host)))
    return variants


def validate_signature(auth_token: str | None, url: str, params, signature: str | None) -> bool:
    """True when ``signature`` is Twilio's for this URL and these POST parameters."""
    if not auth_token or not signature:
        return False
    return any(hmac.compare_digest(compute_signature(auth_token, candidate, params), signature)
               for candidate in _port_variants(url))


# ------------------------------------------------------------------ replies
def twiml(message: str | None) -> str:
    """A TwiML response that texts ``message`` back (or says nothing)."""
    if not message:
        return '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
    return ('<?xml version="1.0" encoding="UTF-8"?><Response><Message>'
            f"{escape(message[:MAX_REPLY])}</Message></Response>")


def _line_text(line: dict) -> str:
    item = line.get("item_id") or line.get("item_raw") or "?"
    text = f"{line.get('quantity') or '?'}x {item}"
    if line.get("lot"):
        text += f" lot {line['lot']}"
    if line.get("serial"):
        text += f" sn {line['serial']}"
    return text


def summary(result: IngestResult | None, media_count: int = 0) -> str:
    """What was understood, in one text message (never the patient reference)."""
    parts = []
    if result is not None:
        ex = result.extraction or {}
        lines = [l for l in ex.get("lines") or [] if isinstance(l, dict)]
        who = ex.get("customer_id") or ex.get("customer_name_raw")
        read = ", ".join(_line_text(l) for l in lines[:4]) + (" ..." if len(lines) > 4 else "")
        head = {"created": f"Thanks - order {result.order_id} created",
                "exception": "Thanks - received, a person will check it",
                "duplicate": "Already received - nothing new was created",
                "rejected": "Sorry - we could not read an order in that"}.get(result.status, "Received")
        parts.append(head + (f" for {who}" if who and result.status != "rejected" else "") +
                     (f": {read}" if read and result.status != "rejected" else "") + ".")
        if result.status == "exception" and result.exceptions:
            parts.append("Open: " + "; ".join(e["code"] for e in result.exceptions[:3]) + ".")
    if media_count:
        parts.append(f"{media_count} photo{'s' if media_count > 1 else ''} received; reading now.")
    return " ".join(parts) or "Received."


# ------------------------------------------------------------------ the webhook use case
@dataclass(frozen=True)
class SmsOutcome:
    result: IngestResult | None
    media_jobs: list[int]

    @property
    def reply(self) -> str:
        return summary(self.result, len(self.media_jobs))


def media_urls(form: Mapping[str, str]) -> list[tuple[str, str | None]]:
    try:
        count = int(form.get("NumMedia") or 0)
    except ValueError:
        count = 0
    return [(form[f"MediaUrl{n}"], form.get(f"MediaContentType{n}")) for n in range(min(count, 10))
            if form.get(f"MediaUrl{n}")]


def receive_sms(uow: UnitOfWork, form: Mapping[str, str]) -> SmsOutcome:
    """Ingest the text of an incoming SMS/MMS and queue its media for the worker."""
    sid = form.get("MessageSid") or form.get("SmsMessageSid") or ""
    sender = form.get("From") or None
    body = (form.get("Body") or "").strip()
    result = None
    if body:
        sidecar = {"from": sender, "to": form.get("To"), "message_sid": sid}
        result = ingest_document(uow, body.encode("utf-8"), f"sms-{sid or 'message'}.txt", channel="sms",
                                 sender=sender, sidecar=sidecar)
    jobs = []
    for index, (url, content_type) in enumerate(media_urls(form)):
        job_id = queue.enqueue(uow.conn, MEDIA_JOB, {"url": url, "content_type": content_type, "sender": sender,
                                                     "message_sid": sid, "index": index,
                                                     "received_at": uow.now.isoformat()},
                               key=f"{MEDIA_JOB}:{sid}:{index}" if sid else None, now=uow.now)
        jobs.append(job_id)
    return SmsOutcome(result, jobs)


# ------------------------------------------------------------------ media
class MediaFetcher(Protocol):
    def fetch(self, url: str) -> tuple[bytes, str | None]:
        """The bytes at ``url`` and their content type; raises on failure (the job is retried)."""


class HttpMediaFetcher:
    """Fetches Twilio media over HTTP(S) with the account's credentials, refusing oversized files."""

    def __init__(self, account_sid: str | None = None, auth_token: str | None = None, *,
                 max_bytes: int = 10 * 1024 * 1024, timeout: float = 20.0):
        self.account_sid, self.auth_token = account_sid, auth_token
        self.max_bytes, self.timeout = max_bytes, timeout

    def fetch(self, url: str) -> tuple[bytes, str | None]:
        if urlsplit(url).scheme not in ("http", "https"):
            raise ValueError(f"refusing to fetch media from {urlsplit(url).scheme or 'relative'} URL")
        request = urllib.request.Request(url, headers={"User-Agent": "o2c-media/1"})
        if self.account_sid and self.auth_token:
            token = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
            request.add_header("Authorization", f"Basic {token}")
        with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 - scheme checked
            data = response.read(self.max_bytes + 1)
            if len(data) > self.max_bytes:
                raise ValueError(f"media larger than {self.max_bytes} bytes")
            return data, response.headers.get_content_type()


def default_fetcher() -> HttpMediaFetcher:
    from o2c.web.config import load
    config = load()
    return HttpMediaFetcher(config.twilio_account_sid, config.twilio_auth_token, max_bytes=config.media_max_bytes)


def ingest_media(uow: UnitOfWork, payload: dict, fetcher: MediaFetcher) -> dict:
    """Fetch one MMS attachment and take it in as a document of its own."""
    data, content_type = fetcher.fetch(payload["url"])
    kind = (content_type or payload.get("content_type") or "").split(";")[0].strip().lower()
    name = f"mms-{payload.get('message_sid') or 'message'}-{payload.get('index', 0)}{EXTENSIONS.get(kind, '.bin')}"
    result = ingest_document(uow, data, name, channel="sms", sender=payload.get("sender"),
                             received_at=payload.get("received_at"))
    return {"document_id": result.document_id, "status": result.status, "order_id": result.order_id}


@handler(MEDIA_JOB)
def _media_job(job, context) -> dict:
    fetcher = context.services.get("media_fetcher") or default_fetcher()
    with unit_of_work("channel:sms", url=context.url) as uow:
        return ingest_media(uow, job.payload, fetcher)


def form_pairs(form) -> list[tuple[str, str]]:
    """Every (name, value) of a posted form, repeated names included, for signing."""
    items = form.multi_items() if hasattr(form, "multi_items") else list(form.items())
    return [(str(k), v if isinstance(v, str) else str(v)) for k, v in items]

