"""Outgoing webhooks: signed so the receiver can prove the call came from us and is fresh.

The signature header is ``t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>." + body>``. Signing the
timestamp with the body lets a receiver refuse replays of an old call (``tolerance``) without keeping
state; ``v1`` names the scheme so a later one can be added beside it during a key rotation.
"""
from __future__ import annotations

import hashlib
import hmac
import time
import urllib.error
import urllib.request
from dataclasses import dataclass

SIGNATURE_HEADER = "X-O2C-Signature"
EVENT_HEADER = "X-O2C-Event"
DEFAULT_TOLERANCE = 300


def signature(body: bytes, secret: str, timestamp: int) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return mac.hexdigest()


def sign(body: bytes, secret: str, *, timestamp: int | None = None) -> str:
    """The header value for ``body`` signed now (or at ``timestamp``)."""
    timestamp = int(time.time()) if timestamp is None else int(timestamp)
    return f"t={timestamp},v1={signature(body, secret, timestamp)}"


def _parse(header: str) -> tuple[int | None, list[str]]:
    timestamp, candidates = None, []
    for part in (header or "").split(","):
        key, _, value = part.strip().partition("=")
        if key == "t" and value.isdigit():
            timestamp = int(value)
        elif key == "v1" and value:
            candidates.append(value)
    return timestamp, candidates


def verify(header: str, body: bytes, secret: str, *, now: int | None = None,
           tolerance: int = DEFAULT_TOLERANCE) -> bool:
    """True when ``header`` signs ``body`` with ``secret`` and is not older (or newer) than ``tolerance``."""
    timestamp, candidates = _parse(header)
    if timestamp is None or not candidates:
        return False
    now = int(time.time()) if now is None else now
    if abs(now - timestamp) > tolerance:
        return False
    expected = signature(body, secret, timestamp)
    return any(hmac.compare_digest(expected, candidate) for candidate in candidates)


@dataclass(frozen=True)
class Delivery:
    ok: bool
    status: int | None
    error: str | None = None


def deliver(url: str, body: bytes, secret: str, *, event: str, timeout: float = 10.0) -> Delivery:
    """POST one signed JSON body; any 2xx is delivered, anything else is retried by the caller."""
    request = urllib.request.Request(url, data=body, method="POST", headers={
        "Content-Type": "application/json", SIGNATURE_HEADER: sign(body, secret), EVENT_HEADER: event,
        "User-Agent": "o2c-webhooks/1"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - configured URL
            return Delivery(200 <= response.status < 300, response.status)
    except urllib.error.HTTPError as err:
        return Delivery(False, err.code, f"HTTP {err.code}")
    except (urllib.error.URLError, OSError, TimeoutError) as err:
        return Delivery(False, None, f"{type(err).__name__}: {getattr(err, 'reason', err)}")
