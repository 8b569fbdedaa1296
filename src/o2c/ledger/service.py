"""Store journal entries and read the trial balance."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, insert, select
from sqlalchemy.engine import Connection

from o2c.ledger.model import JournalEntry
from o2c.storage import schema as t


def post_entry(conn: Connection, entry: JournalEntry, *, posted_at: datetime, business_date: date) -> int:
    entry.check_balanced()
    entry_id = conn.execute(insert(t.journal_entries).values(
        event=entry.event, document_ref=entry.document_ref, posted_at=posted_at,
        business_date=business_date)).inserted_primary_key[0]
    if entry.postings:
        conn.execute(insert(t.journal_lines), [
            {"entry_id": entry_id, "account": p.account, "debit_minor": p.debit, "credit_minor": p.credit,
             "customer_id": p.customer_id} for p in entry.postings])
    return entry_id


def trial_balance(conn: Connection, as_of: date | None = None) -> dict[str, int]:
    """Net debit (positive) or credit (negative) per account, in minor units. Sums to zero."""
    query = (select(t.journal_lines.c.account,
                    func.sum(t.journal_lines.c.debit_minor - t.journal_lines.c.credit_minor))
             .join(t.journal_entries, t.journal_entries.c.entry_id == t.journal_lines.c.entry_id)
             .group_by(t.journal_lines.c.account).order_by(t.journal_lines.c.account))
    if as_of is not None:
        query = query.where(t.journal_entries.c.business_date <= as_of)
    return {account: int(total or 0) for account, total in conn.execute(query)}


def account_balance(conn: Connection, account: str, customer_id: str | None = None) -> int:
    query = select(func.coalesce(func.sum(t.journal_lines.c.debit_minor - t.journal_lines.c.credit_minor), 0)
                   ).where(t.journal_lines.c.account == account)
    if customer_id is not None:
        query = query.where(t.journal_lines.c.customer_id == customer_id)
    return int(conn.execute(query).scalar_one())
