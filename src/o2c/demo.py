"""``o2c demo``: the whole order-to-cash path on bundled sample data, ending with a summary.

It loads the demo master data, takes three stock orders and a bill-only case, allocates FEFO, ships
one order in part (the rest stays backordered), invoices on shipment and on usage, records payments,
and prints orders, invoices, open receivables by aging bucket and the trial balance.
"""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from importlib import resources
from pathlib import Path

from sqlalchemy import select

from o2c.audit.service import verify
from o2c.cash.service import ApplicationRequest, record_payment
from o2c.kernel.money import from_minor
from o2c.ledger.service import trial_balance
from o2c.masterdata.service import load_master_data
from o2c.orders.model import LineRequest, OrderRequest
from o2c.orders.service import allocate_order, create_order, record_usage, ship_order
from o2c.receivables.aging import BUCKETS
from o2c.receivables.service import aging, aging_totals
from o2c.storage import schema as t
from o2c.storage.migrate import migrate
from o2c.storage.uow import unit_of_work


def demo_master_dir() -> Path:
    return Path(str(resources.files("o2c") / "demo_data" / "master"))


def run_demo(progress=print) -> dict:
    migrate()
    today = date.today()
    with unit_of_work("demo") as uow:
        load = load_master_data(uow, demo_master_dir())
    progress(f"1/6 master data loaded ({sum(load.inserted.values())} new rows)")
    orders = {}
    with unit_of_work("demo") as uow:
        orders["harbor"] = create_order(uow, OrderRequest(
            "stock", "D-100", today, (LineRequest("K-1001", 1), LineRequest("K-1002", 1), LineRequest("K-2001", 2)),
            site_id="D-100-ST", po_number="HV-80231", freight=Decimal("45.00")))
        orders["cedar"] = create_order(uow, OrderRequest(
            "stock", "D-200", today, (LineRequest("K-2001", 12), LineRequest("K-3001", 4)),
            site_id="D-200-ST", po_number="CR-2291"))
        orders["lakeside"] = create_order(uow, OrderRequest(
            "stock", "D-300", today, (LineRequest("K-2002", 2),), site_id="D-300-ST", po_number="LK-1007"))
        orders["case"] = create_order(uow, OrderRequest(
            "bill_only", "D-100", today, (LineRequest("K-1001", 1, lot="L24003", serial="SN900103"),),
            site_id="D-100-OR", po_number="HV-80240",
            procedure={"date": str(today - timedelta(days=1)), "physician_id": "DP-1", "case_id": "CASE-DEMO-1"}))
    progress(f"2/6 orders confirmed and priced from contracts: {', '.join(orders.values())}")
    with unit_of_work("demo") as uow:
        backorders = {}
        for key in ("harbor", "cedar", "lakeside"):
            backorders[key] = allocate_order(uow, orders[key]).backordered
    progress(f"3/6 allocated FEFO; backordered: {backorders['cedar'] or 'none'} on {orders['cedar']}")
    with unit_of_work("demo") as uow:
        ship_order(uow, orders["harbor"])
        ship_order(uow, orders["cedar"], {1: 6})      # partial: the rest follows later
        ship_order(uow, orders["lakeside"])
        record_usage(uow, orders["case"], "CON-D-100")
    progress("4/6 shipped (one in part) and invoiced on shipment; bill-only case invoiced on usage")
    with unit_of_work("demo") as uow:
        invoices = uow.conn.execute(select(t.invoices).where(t.invoices.c.kind == "invoice")
                                    .order_by(t.invoices.c.invoice_number)).mappings().all()
        by_order = {i["order_id"]: i for i in invoices}
        harbor = by_order[orders["harbor"]]
        record_payment(uow, amount=from_minor(harbor["total_minor"]), value_date=today, customer_id="D-100",
                       payer_name="HARBOR VIEW HOSP", bank_ref="DEMO-ACH-1",
                       applications=[ApplicationRequest(harbor["invoice_number"], from_minor(harbor["total_minor"]))])
        lakeside = by_order[orders["lakeside"]]
        record_payment(uow, amount=Decimal("500.00"), value_date=today, customer_id="D-300", bank_ref="DEMO-CHK-2",
                       applications=[ApplicationRequest(lakeside["invoice_number"], Decimal("500.00"))])
    progress("5/6 payments recorded (one in full, one partial)")
    summary = summarize(today)
    progress("6/6 done")
    return summary


def summarize(as_of: date) -> dict:
    with unit_of_work("demo", read_only=True) as uow:
        conn = uow.conn
        orders = [dict(r) for r in conn.execute(select(t.orders.c.order_id, t.orders.c.order_type,
                                                       t.orders.c.customer_id, t.orders.c.status)
                                                .order_by(t.orders.c.order_id)).mappings()]
        invoices = [dict(r) for r in conn.execute(select(
            t.invoices.c.invoice_number, t.invoices.c.kind, t.invoices.c.customer_id, t.invoices.c.total_minor,
            t.invoices.c.open_minor, t.invoices.c.status).order_by(t.invoices.c.invoice_number)).mappings()]
        by_customer = aging(conn, as_of)
        balance = trial_balance(conn)
        audit_problems = verify(conn)
    return {"as_of": str(as_of), "orders": orders, "invoices": invoices,
            "aging": {c: {b: str(from_minor(v)) for b, v in buckets.items()} for c, buckets in by_customer.items()},
            "aging_totals": {b: str(from_minor(v)) for b, v in aging_totals(by_customer).items()},
            "trial_balance": {a: str(from_minor(v)) for a, v in balance.items()},
            "trial_balance_total": str(from_minor(sum(balance.values()))),
            "audit": "intact" if not audit_problems else audit_problems}


def render_summary(s: dict) -> str:
    out = [f"o2c demo summary (as of {s['as_of']})", "", "Orders"]
    out += [f"  {o['order_id']}  {o['order_type']:<26} {o['customer_id']:<8} {o['status']}" for o in s["orders"]]
    out += ["", "Invoices", f"  {'number':<12} {'kind':<12} {'customer':<9} {'total':>12} {'open':>12}  status"]
    out += [f"  {i['invoice_number']:<12} {i['kind']:<12} {i['customer_id']:<9} {from_minor(i['total_minor']):>12} "
            f"{from_minor(i['open_minor']):>12}  {i['status']}" for i in s["invoices"]]
    out += ["", "Open receivables by aging bucket", "  " + "".join(f"{b:>12}" for b in BUCKETS)]
    out += ["  " + "".join(f"{s['aging_totals'][b]:>12}" for b in BUCKETS)]
    out += ["", "Trial balance (debit +, credit -)"]
    out += [f"  {account:<34} {amount:>14}" for account, amount in s["trial_balance"].items()]
    out += [f"  {'total':<34} {s['trial_balance_total']:>14}", "", f"Audit log: {s['audit']}"]
    return "\n".join(out)
