"""The worker: drains the job table and publishes the outbox.

A handler is a function registered for a job kind; it gets the job and a ``Context`` (database URL,
an id for locks and logs) and returns a small result dict. Each job runs in its own transaction
after the claim is committed, so a slow job never holds a lock another worker needs, and a failure
rolls back only that job's work before it is scheduled again.
"""
from __future__ import annotations

import importlib
import json
import logging
import os
import socket
import threading
from dataclasses import dataclass, field
from typing import Callable

from sqlalchemy import select, update

from o2c.jobs import queue, webhooks
from o2c.jobs.settings import section
from o2c.kernel.dates import utc, utcnow
from o2c.storage import schema as t
from o2c.storage.db import get_engine, is_postgres, transaction

log = logging.getLogger("o2c.worker")
HANDLERS: dict[str, Callable] = {}
#: modules that register handlers when imported (kept here so the worker needs no configuration).
HANDLER_MODULES = ("o2c.intake.channels.twilio",)


def handler(kind: str):
    """Register ``func(job, context) -> dict | None`` for jobs of ``kind``."""
    def register(func):
        HANDLERS[kind] = func
        return func
    return register


def load_handlers() -> None:
    for module in HANDLER_MODULES:
        try:
            importlib.import_module(module)
        except ImportError as err:  # a channel not installed only means its jobs wait
            log.warning("job handlers in %s unavailable: %s", module, err)


@dataclass
class Context:
    url: str | None = None
    worker_id: str = field(default_factory=lambda: f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}")
    services: dict = field(default_factory=dict)   # fakes in tests: e.g. {"media_fetcher": ...}


@dataclass
class PassResult:
    done: int = 0
    failed: int = 0
    retried: int = 0
    published: int = 0

    def as_dict(self) -> dict:
        return {"done": self.done, "failed": self.failed, "retried": self.retried, "published": self.published}


def _claim(context: Context) -> queue.Job | None:
    with transaction(get_engine(context.url)) as conn:
        return queue.claim(conn, context.worker_id)


def run_job(job: queue.Job, context: Context) -> str:
    """Run one claimed job to done, retry or failed; returns the new status."""
    func = HANDLERS.get(job.kind)
    try:
        if func is None:
            raise LookupError(f"no handler for job kind {job.kind!r}")
        result = func(job, context) or {}
    except Exception as err:  # noqa: BLE001 - a job's failure is recorded, never kills the worker
        log.warning("job %s (%s) attempt %s failed: %s", job.job_id, job.kind, job.attempts, type(err).__name__)
        with transaction(get_engine(context.url)) as conn:
            return queue.fail(conn, job, f"{type(err).__name__}: {err}")
    with transaction(get_engine(context.url)) as conn:
        queue.complete(conn, job.job_id, result)
    return "done"


def drain(context: Context, *, limit: int | None = None) -> PassResult:
    """Run ready jobs until none is left (or ``limit`` ran)."""
    load_handlers()
    result = PassResult()
    limit = limit or int(section("jobs")["batch"])
    for _ in range(limit):
        job = _claim(context)
        if job is None:
            break
        status = run_job(job, context)
        if status == "done":
            result.done += 1
        elif status == "failed":
            result.failed += 1
        else:
            result.retried += 1
    return result


# ------------------------------------------------------------------ outbox
def _next_event(conn):
    query = (select(t.outbox).where(t.outbox.c.published_at.is_(None))
             .order_by(t.outbox.c.created_at, t.outbox.c.event_id).limit(1))
    if is_postgres(conn):
        query = query.with_for_update(skip_locked=True)
    return conn.execute(query).mappings().first()


def event_body(row) -> bytes:
    """The JSON a webhook receiver gets for one outbox event."""
    return json.dumps({"event_id": row["event_id"], "event_type": row["event_type"], "aggregate": row["aggregate"],
                       "aggregate_id": row["aggregate_id"], "created_at": utc(row["created_at"]).isoformat(),
                       "payload": row["payload"]}, sort_keys=True, default=str).encode()


def publish_outbox(context: Context, *, limit: int | None = None) -> int:
    """Deliver unpublished domain events, oldest first, to the configured webhook URL.

    Each event is locked, delivered and marked in one transaction, so two workers never send the
    same event; a failed delivery stops the pass (events stay in order) and counts an attempt."""
    config = section("webhooks")
    if not config.get("url") or not config.get("secret"):
        return 0
    sent = 0
    for _ in range(limit or int(config["batch"])):
        with transaction(get_engine(context.url)) as conn:
            row = _next_event(conn)
            if row is None:
                break
            delivery = webhooks.deliver(config["url"], event_body(row), config["secret"], event=row["event_type"],
                                        timeout=float(config["timeout"]))
            values = {"attempts": row["attempts"] + 1}
            if delivery.ok:
                values["published_at"] = utcnow()
            conn.execute(update(t.outbox).where(t.outbox.c.event_id == row["event_id"]).values(**values))
        if not delivery.ok:
            log.warning("webhook delivery of %s failed: %s", row["event_id"], delivery.error)
            break
        sent += 1
    return sent


def run_pass(context: Context) -> PassResult:
    """One round of everything a worker does: jobs, then the outbox."""
    result = drain(context)
    result.published = publish_outbox(context)
    return result


class Runner:
    """A worker loop in a thread (``o2c serve`` in in-process mode) or in the foreground (``o2c worker``)."""

    def __init__(self, context: Context, *, poll_seconds: float | None = None, extra: list[Callable] | None = None):
        self.context = context
        self.poll_seconds = float(poll_seconds if poll_seconds is not None else section("jobs")["poll_seconds"])
        self.extra = extra or []       # periodic tasks such as an IMAP poll
        self._stop = threading.Event()
        self._wakeup = threading.Event()
        self._thread: threading.Thread | None = None

    def run_forever(self) -> None:
        while not self._stop.is_set():
            try:
                result = run_pass(self.context)
                for task in self.extra:
                    task()
            except Exception as err:  # noqa: BLE001 - e.g. the database restarting: wait and try again
                log.warning("worker pass failed: %s: %s", type(err).__name__, err)
                result = PassResult()
            if not (result.done or result.retried or result.failed):
                self._wakeup.wait(self.poll_seconds)
                self._wakeup.clear()

    def wake(self) -> None:
        """Start the next pass now (new work was just queued) instead of at the next poll."""
        self._wakeup.set()

    def start(self) -> "Runner":
        self._thread = threading.Thread(target=self.run_forever, name="o2c-worker", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._wakeup.set()
        if self._thread is not None:
            self._thread.join(timeout)
