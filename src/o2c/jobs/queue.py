"""The job table: enqueue, claim, finish, retry.

Claiming is the only contended step. On PostgreSQL a worker locks the oldest ready row with
``FOR UPDATE SKIP LOCKED`` (rows another worker holds are skipped, not waited for) and marks it
running in the same transaction. SQLite has one writer at a time (``BEGIN IMMEDIATE``), which already
makes the select-then-update atomic. A job that fails is retried with exponential backoff until
``max_attempts``; a worker that died mid-job leaves a ``running`` row whose lock goes stale and is
taken again after ``STALE_AFTER``.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, func, insert, or_, select, update
from sqlalchemy.engine import Connection

from o2c.kernel.dates import utc, utcnow
from o2c.storage import schema as t
from o2c.storage.db import is_postgres

STALE_AFTER = timedelta(minutes=15)
BACKOFF_BASE_SECONDS = 5


@dataclass(frozen=True)
class Job:
    job_id: int
    kind: str
    payload: dict
    attempts: int
    max_attempts: int


def enqueue(conn: Connection, kind: str, payload: dict, *, key: str | None = None,
            run_after: datetime | None = None, max_attempts: int = 5, now: datetime | None = None) -> int | None:
    """Queue a job; with ``key``, the same job enqueued twice is kept once (returns the first one's id)."""
    now = now or utcnow()
    if key is not None:
        existing = conn.execute(select(t.jobs.c.job_id).where(t.jobs.c.idempotency_key == key)).scalar()
        if existing is not None:
            return existing
    result = conn.execute(insert(t.jobs).values(
        kind=kind, payload=payload, idempotency_key=key, status="queued", attempts=0, max_attempts=max_attempts,
        run_after=run_after or now, created_at=now))
    return result.inserted_primary_key[0]


def _ready(now: datetime):
    jobs = t.jobs.c
    return or_(and_(jobs.status == "queued", jobs.run_after <= now),
               and_(jobs.status == "running", jobs.locked_at < now - STALE_AFTER))


def claim(conn: Connection, worker: str, *, now: datetime | None = None, kinds: tuple[str, ...] | None = None) -> Job | None:
    """Take the oldest ready job for ``worker`` (or None); the caller's transaction holds it."""
    now = now or utcnow()
    query = select(t.jobs).where(_ready(now)).order_by(t.jobs.c.run_after, t.jobs.c.job_id).limit(1)
    if kinds:
        query = query.where(t.jobs.c.kind.in_(kinds))
    if is_postgres(conn):
        query = query.with_for_update(skip_locked=True)
    row = conn.execute(query).mappings().first()
    if row is None:
        return None
    conn.execute(update(t.jobs).where(t.jobs.c.job_id == row["job_id"])
                 .values(status="running", locked_by=worker, locked_at=now, attempts=row["attempts"] + 1))
    return Job(row["job_id"], row["kind"], dict(row["payload"] or {}), row["attempts"] + 1, row["max_attempts"])


def complete(conn: Connection, job_id: int, result: dict | None = None, *, now: datetime | None = None) -> None:
    conn.execute(update(t.jobs).where(t.jobs.c.job_id == job_id).values(
        status="done", result=result or {}, finished_at=now or utcnow(), locked_by=None, locked_at=None,
        last_error=None))


def backoff(attempts: int) -> timedelta:
    """5 s, 10 s, 20 s ... capped at an hour: a flaky endpoint is not hammered."""
    return timedelta(seconds=min(BACKOFF_BASE_SECONDS * 2 ** max(attempts - 1, 0), 3600))


def fail(conn: Connection, job: Job, error: str, *, now: datetime | None = None) -> str:
    """Record a failure; retried later unless the attempts are used up. Returns the new status."""
    now = now or utcnow()
    final = job.attempts >= job.max_attempts
    status = "failed" if final else "queued"
    conn.execute(update(t.jobs).where(t.jobs.c.job_id == job.job_id).values(
        status=status, last_error=error[:2000], locked_by=None, locked_at=None,
        run_after=now if final else now + backoff(job.attempts), finished_at=now if final else None))
    return status


def counts(conn: Connection) -> dict[str, int]:
    rows = conn.execute(select(t.jobs.c.status, func.count()).group_by(t.jobs.c.status))
    return {status: int(n) for status, n in rows}


def get(conn: Connection, job_id: int) -> dict | None:
    row = conn.execute(select(t.jobs).where(t.jobs.c.job_id == job_id)).mappings().first()
    if row is None:
        return None
    return {**dict(row), "run_after": utc(row["run_after"])}
