"""Money is stored exactly on both engines: the same figures in floats or SQLite REAL drift by cents."""
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from o2c.billing.service import issue_invoice
from o2c.masterdata.service import load_master_data
from o2c.receivables.service import aging, aging_totals
from o2c.storage import schema as t
from o2c.storage.uow import unit_of_work

# 1.005 is 1.00499999999999989... as a binary float, so float rounding bills 1.00 instead of 1.01;
# 0.1 + 0.2 is 0.30000000000000004. Thirty invoices of such lines expose any float on the way.
PRICES = [Decimal("1.005"), Decimal("0.10"), Decimal("0.20"), Decimal("19.99"), Decimal("0.015")]


def test_a_sum_in_sqlite_real_is_off_where_integer_minor_units_are_not(db_url):
    with unit_of_work(read_only=True) as uow:
        if uow.conn.dialect.name != "sqlite":
            return
        real = uow.conn.exec_driver_sql(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10) "
            "SELECT sum(0.1), sum(10) FROM n").one()
    assert real[0] != 1.0            # REAL arithmetic: 0.9999999999999999
    assert real[1] == 100            # minor units: exactly one dollar


def test_invoice_totals_reconcile_to_the_cent(db_url, demo_master):
    with unit_of_work("test") as uow:
        load_master_data(uow, demo_master)
        opening = uow.conn.execute(select(func.sum(t.invoices.c.open_minor))).scalar_one()
        for n in range(30):
            lines = [{"line_no": i + 1, "item_id": "K-3001", "description": "BONE CEMENT 40G", "quantity": 3,
                      "uom": "EA", "unit_price": price} for i, price in enumerate(PRICES)]
            issue_invoice(uow, customer_id="D-200", lines=lines, issue_date=date(2026, 11, 20))
    # per invoice: 3 x 1.005 = 3.015 -> 3.02; 0.30; 0.60; 59.97; 3 x 0.015 = 0.045 -> 0.05; subtotal 63.94,
    # tax 7.25% = 4.63565 -> 4.64, total 68.58
    with unit_of_work(read_only=True) as uow:
        rows = uow.conn.execute(select(t.invoices.c.subtotal_minor, t.invoices.c.tax_minor, t.invoices.c.total_minor)
                                .where(t.invoices.c.customer_id == "D-200", t.invoices.c.kind == "invoice")).all()
        prices = uow.conn.execute(select(t.invoice_lines.c.unit_price).distinct()).scalars().all()
        total = uow.conn.execute(select(func.sum(t.invoices.c.open_minor))).scalar_one()
        aged = sum(aging_totals(aging(uow.conn, date(2100, 1, 1))).values())
    assert set(rows) == {(6394, 464, 6858)}
    assert total == opening + 30 * 6858 == aged
    assert sorted(prices) == sorted(set(PRICES))          # unit prices come back digit for digit
    float_total = sum(round(3 * float(p), 2) for p in PRICES)
    assert round(float_total, 2) == 63.92                 # the float road bills two cents short
