"""Web settings: the ``[web]`` and ``[twilio]`` tables of the o2c configuration, with safe defaults.

Secrets may come from the environment (``O2C_SECRET_KEY``, ``O2C_TWILIO_AUTH_TOKEN``) so that they
never need to be written into a file that is checked in.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field, replace

from o2c.kernel.config import settings

MB = 1024 * 1024


@dataclass(frozen=True)
class WebConfig:
    max_upload_bytes: int = 25 * MB
    session_hours: float = 12.0
    cookie_secure: bool = False          # set true behind HTTPS so the cookie never travels in clear
    secret_key: str | None = None        # default: generated once and kept in the database
    twilio_auth_token: str | None = None
    twilio_account_sid: str | None = None
    public_url: str | None = None        # https://o2c.example.com as Twilio sees us (behind a proxy)
    media_max_bytes: int = 10 * MB
    inprocess_worker: bool = True
    extra: dict = field(default_factory=dict)

    def with_(self, **changes) -> "WebConfig":
        return replace(self, **changes)


def load() -> WebConfig:
    conf = settings()
    web = conf.get("web") or {}
    twilio = conf.get("twilio") or {}
    jobs = conf.get("jobs") or {}
    upload_mb = web.get("max_upload_mb")
    return WebConfig(
        max_upload_bytes=int(float(upload_mb) * MB) if upload_mb is not None else 25 * MB,
        session_hours=float(web.get("session_hours", 12)),
        cookie_secure=bool(web.get("cookie_secure", False)),
        secret_key=os.environ.get("O2C_SECRET_KEY") or web.get("secret_key"),
        twilio_auth_token=os.environ.get("O2C_TWILIO_AUTH_TOKEN") or twilio.get("auth_token"),
        twilio_account_sid=os.environ.get("O2C_TWILIO_ACCOUNT_SID") or twilio.get("account_sid"),
        public_url=(web.get("public_url") or None),
        inprocess_worker=(jobs.get("mode", "inprocess") == "inprocess"),
    )
