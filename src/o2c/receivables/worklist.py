"""The collections worklist: whom to call first today, and why.

Reads payment history, promises and disputes, and hands them to the pure scoring in
``collections.score_worklist``.
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.engine import Connection

from o2c.kernel.money import from_minor
from o2c.receivables.collections import PaymentBehaviour, WorklistEntry, average_days_late, score_worklist
from o2c.receivables.disputes import open_dispute_counts
from o2c.receivables.dunning import load_history, load_open_items
from o2c.receivables.promises import broken_promise_counts
from o2c.storage import schema as t


def payment_pairs(conn: Connection, as_of: date) -> dict[str, list[tuple[date, date]]]:
    """Per customer, (due date, paid on) of every payment application valued by ``as_of``."""
    pa, p, inv = t.payment_applications, t.payments, t.invoices
    query = (select(inv.c.customer_id, inv.c.due_date, p.c.value_date)
             .select_from(pa.join(p, p.c.payment_id == pa.c.payment_id)
                          .join(inv, inv.c.invoice_number == pa.c.invoice_number))
             .where(p.c.value_date <= as_of))
    pairs: dict[str, list[tuple[date, date]]] = {}
    for customer_id, due, paid in conn.execute(query):
        pairs.setdefault(customer_id, []).append((due, paid))
    return pairs


def payment_behaviour(conn: Connection, as_of: date) -> dict[str, PaymentBehaviour]:
    pairs = payment_pairs(conn, as_of)
    broken = broken_promise_counts(conn)
    disputes = open_dispute_counts(conn)
    return {c: PaymentBehaviour(average_days_late(pairs.get(c, [])), broken.get(c, 0), disputes.get(c, 0))
            for c in set(pairs) | set(broken) | set(disputes)}


def collections_worklist(conn: Connection, as_of: date) -> list[WorklistEntry]:
    return score_worklist(load_open_items(conn, as_of), payment_behaviour(conn, as_of), load_history(conn, as_of),
                          as_of)


def worklist_rows(entries: list[WorklistEntry]) -> list[dict]:
    return [{"rank": rank, "customer_id": e.customer_id, "past_due": str(from_minor(e.past_due_minor, e.currency)),
             "currency": e.currency, "oldest_days_past_due": e.oldest_days_past_due, "risk": str(e.risk),
             "score": str(e.score), "reasons": list(e.reasons), "invoices": list(e.invoices)}
            for rank, e in enumerate(entries, start=1)]
