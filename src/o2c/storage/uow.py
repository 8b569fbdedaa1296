"""The unit of work every use case runs in.

It bundles the open transaction with the three things every state change must also write in that
same transaction: an audit record (who, when, what, from which document), domain events into the
outbox (so ERP sync, notifications and EDI out never miss or double an event), and balanced journal
entries. Because they share the transaction, a failure anywhere leaves none of them behind.
"""
from __future__ import annotations

import itertools
import os
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import insert
from sqlalchemy.engine import Connection

from o2c.kernel.dates import utcnow
from o2c.storage import schema as t
from o2c.storage.db import get_engine, transaction


_event_lock = threading.Lock()
_last_event_ns = 0
_event_suffix = itertools.count()


def next_event_id() -> str:
    """Event ids sort in the order events were emitted (a nanosecond clock that never goes backwards,
    then a per-process suffix), so consumers receive the events of one transaction in order."""
    global _last_event_ns
    with _event_lock:
        _last_event_ns = max(time.time_ns(), _last_event_ns + 1)
        stamp = _last_event_ns
    return f"{stamp:020d}-{os.getpid() % 100000:05d}-{next(_event_suffix) % 1000000000:09d}"


@dataclass
class UnitOfWork:
    conn: Connection
    actor: str = "system"
    now: datetime = field(default_factory=utcnow)
    events: list[dict] = field(default_factory=list)

    @property
    def today(self) -> date:
        return self.now.date()

    def audit(self, action: str, entity: str, entity_id: str, payload: dict | None = None, *,
              document_ref: str | None = None) -> None:
        from o2c.audit.service import append
        append(self.conn, actor=self.actor, at=self.now, action=action, entity=entity, entity_id=entity_id,
               payload=payload or {}, document_ref=document_ref)

    def emit(self, event_type: str, aggregate: str, aggregate_id: str, payload: dict) -> str:
        event_id = next_event_id()
        row = {"event_id": event_id, "event_type": event_type, "aggregate": aggregate,
               "aggregate_id": aggregate_id, "payload": payload, "created_at": self.now}
        self.conn.execute(insert(t.outbox).values(**row))
        self.events.append(row)
        return event_id

    def post(self, entry, business_date: date | None = None) -> int:
        from o2c.ledger.service import post_entry
        return post_entry(self.conn, entry, posted_at=self.now, business_date=business_date or self.today)


@contextmanager
def unit_of_work(actor: str = "system", *, url: str | None = None, now: datetime | None = None,
                 read_only: bool = False):
    with transaction(get_engine(url), read_only=read_only) as conn:
        yield UnitOfWork(conn, actor, now or utcnow())
