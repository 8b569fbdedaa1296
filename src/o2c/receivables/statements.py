"""Customer statements from the database: open items and aging -> the statement PDF.

The renderer (``o2c.billing.render.statement``) takes plain values; this module reads the open items
and the parties and builds them. Open credit memos and unapplied cash print as negative lines, so the
balance on the statement is what the customer really owes.
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.engine import Connection

from o2c.billing.document import Party
from o2c.billing.render.statement import Statement, StatementLine, render_statement_pdf
from o2c.kernel.config import settings
from o2c.kernel.errors import NotFound
from o2c.kernel.money import from_minor
from o2c.receivables.aging import days_past_due
from o2c.receivables.service import open_items
from o2c.storage import schema as t


def seller_party() -> Party:
    company = settings()["company"]
    return Party(company.get("id", "SELF"), company.get("name", ""), company.get("address1"), company.get("address2"),
                 company.get("city"), company.get("state"), company.get("postal_code"),
                 company.get("country", "US"), company.get("email"), company.get("tax_id"), company.get("edi_id"))


def customer_party(conn: Connection, customer_id: str) -> tuple[Party, dict]:
    """The customer as addressed on letters (its bill-to site when it has one), with its master row."""
    customer = conn.execute(select(t.customers).where(t.customers.c.customer_id == customer_id)).mappings().first()
    if customer is None:
        raise NotFound(f"customer {customer_id} does not exist", code="unknown_customer")
    sites = conn.execute(select(t.sites).where(t.sites.c.customer_id == customer_id)
                         .order_by(t.sites.c.site_id)).mappings().all()
    site = next((s for s in sites if s["kind"] == "bill_to"), sites[0] if sites else None)
    address = {k: site[k] for k in ("address1", "address2", "city", "state", "postal_code")} if site else {}
    party = Party(customer_id, customer["name"], country=(site["country"] if site and site["country"] else "US"),
                  email=customer["email"], edi_id=customer["edi_id"], **address)
    return party, dict(customer)


def statement_lines(conn: Connection, customer_id: str, as_of: date) -> list[StatementLine]:
    """Every open item of the customer issued by ``as_of``, with its days past due then."""
    lines = []
    for item in open_items(conn, customer_id):
        if item["issue_date"] > as_of:
            continue
        currency = item["currency"]
        kind = "credit_memo" if item["kind"] == "credit_memo" else "invoice"
        dpd = max(days_past_due(item["due_date"], as_of), 0) if kind == "invoice" else 0
        lines.append(StatementLine(item["invoice_number"], item["issue_date"], item["due_date"],
                                   from_minor(item["total_minor"], currency), from_minor(item["open_minor"], currency),
                                   dpd, po_number=item["po_number"], kind=kind))
    lines.extend(_unapplied_cash_lines(conn, customer_id, as_of))
    return lines


def _unapplied_cash_lines(conn: Connection, customer_id: str, as_of: date) -> list[StatementLine]:
    p = t.payments
    rows = conn.execute(select(p).where(p.c.customer_id == customer_id, p.c.unapplied_minor > 0,
                                        p.c.value_date <= as_of).order_by(p.c.value_date)).mappings().all()
    return [StatementLine(r["bank_ref"] or r["payment_id"], r["value_date"], None,
                          -from_minor(r["amount_minor"], r["currency"]), -from_minor(r["unapplied_minor"], r["currency"]),
                          0, kind="payment") for r in rows]


def build_statement(conn: Connection, customer_id: str, as_of: date) -> Statement:
    customer, row = customer_party(conn, customer_id)
    company = settings()["company"]
    return Statement(seller_party(), customer, as_of, row["currency"], tuple(statement_lines(conn, customer_id, as_of)),
                     remit_to=company.get("remit_to"))


def statement_pdf(conn: Connection, customer_id: str, as_of: date) -> bytes:
    return render_statement_pdf(build_statement(conn, customer_id, as_of))
