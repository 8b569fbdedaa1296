"""Worker and channel configuration read from the ``[jobs]``, ``[webhooks]`` and ``[email]`` tables of
the o2c configuration file, with defaults that work on one machine without any configuration."""
from __future__ import annotations

import os

from o2c.kernel.config import settings

DEFAULTS = {
    "jobs": {"mode": "inprocess", "poll_seconds": 2.0, "batch": 50},
    "webhooks": {"url": None, "secret": None, "batch": 100, "timeout": 10.0},
    "email": {"mode": "off", "smtp_host": "127.0.0.1", "smtp_port": 2525,
              "imap_host": None, "imap_port": 993, "imap_ssl": True, "imap_user": None, "imap_password": None,
              "imap_folder": "INBOX", "poll_seconds": 60},
}


def section(name: str) -> dict:
    """One configuration table merged over its defaults; ``O2C_WEBHOOK_SECRET``-style environment
    variables override secrets so they need not sit in a file."""
    merged = {**DEFAULTS.get(name, {}), **(settings().get(name) or {})}
    if name == "webhooks" and os.environ.get("O2C_WEBHOOK_SECRET"):
        merged["secret"] = os.environ["O2C_WEBHOOK_SECRET"]
    if name == "email" and os.environ.get("O2C_IMAP_PASSWORD"):
        merged["imap_password"] = os.environ["O2C_IMAP_PASSWORD"]
    return merged
