"""Receivables KPIs: DSO (countback), CEI, average days delinquent, auto-match rates, time to invoice,
unbilled usage; plus a small SVG chart.

Each formula is a pure function over plain numbers at the top of this module, tested with
hand-computed examples; the readers below gather those numbers from the database. The definitions
are written out for people in ``docs/kpis.md`` - keep the two in step.

Historic balances come from the ledger (the AR account by business date), so DSO "as of" a past
date uses the receivables as they were then, not today's open amounts.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from statistics import median
from typing import Sequence

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from o2c.kernel.dates import utc
from o2c.kernel.money import from_minor, round_money, to_minor
from o2c.ledger.model import AR
from o2c.receivables.aging import BUCKETS
from o2c.receivables.service import aging, aging_totals
from o2c.storage import schema as t

ONE_DECIMAL = Decimal("0.1")


def _q(value: Decimal, places: Decimal = ONE_DECIMAL) -> Decimal:
    return value.quantize(places, rounding=ROUND_HALF_UP)


# ================================================================== pure formulas
@dataclass(frozen=True, slots=True)
class SalesPeriod:
    """Credit sales billed in a period of ``days`` days, newest period first in every list."""

    label: str
    days: int
    sales_minor: int


def dso_countback(ar_minor: int, periods: Sequence[SalesPeriod]) -> Decimal:
    """Days sales outstanding by the countback method.

    Walk back from the newest period: while the receivables left to explain are at least that
    period's sales, the whole period counts (add its days, take its sales off); the first period that
    covers the rest counts in proportion (rest / sales x days). Receivables older than every period
    with sales add nothing more: the history is simply not there to count back into. Unlike
    AR / sales x days, countback does not jump when a big month rolls out of the average."""
    remaining, days = Decimal(ar_minor), Decimal(0)
    if remaining <= 0:
        return _q(Decimal(0))
    for period in periods:
        if period.sales_minor <= 0:
            days += period.days
            continue
        if remaining >= period.sales_minor:
            days += period.days
            remaining -= period.sales_minor
            if remaining == 0:
                break
        else:
            days += remaining / Decimal(period.sales_minor) * period.days
            remaining = Decimal(0)
            break
    if remaining > 0:
        # ran out of sales history: stop at the last period that had sales instead of counting idle months
        days -= sum((p.days for p in _trailing_idle(periods)), 0)
    return _q(days)


def _trailing_idle(periods: Sequence[SalesPeriod]) -> list[SalesPeriod]:
    idle = []
    for period in reversed(periods):
        if period.sales_minor > 0:
            break
        idle.append(period)
    return idle


def collection_effectiveness_index(beginning_ar: int, credit_sales: int, ending_ar: int,
                                   ending_current_ar: int) -> Decimal | None:
    """CEI = (beginning AR + credit sales - ending total AR) / (beginning AR + credit sales - ending
    current AR) x 100: of what could have been collected in the period, the share that was. None when
    nothing was collectible (the ratio would divide by zero)."""
    collectible = beginning_ar + credit_sales - ending_current_ar
    if collectible <= 0:
        return None
    return _q(Decimal(beginning_ar + credit_sales - ending_ar) * 100 / Decimal(collectible))


def average_days_delinquent(dso: Decimal, best_possible_dso: Decimal) -> Decimal:
    """ADD = DSO - best possible DSO: the days by which customers, on average, pay after terms."""
    return _q(dso - best_possible_dso)


def rate(part: int, whole: int) -> Decimal | None:
    """A percentage with one decimal, None when there is nothing to measure."""
    if whole <= 0:
        return None
    return _q(Decimal(part) * 100 / Decimal(whole))


def days_between(start: datetime, end: datetime) -> Decimal:
    """Elapsed days with two decimals (hours matter for invoicing speed)."""
    seconds = Decimal((utc(end) - utc(start)).total_seconds())
    return _q(seconds / Decimal(86400), Decimal("0.01"))


def duration_summary(days: Sequence[Decimal]) -> dict:
    if not days:
        return {"invoices": 0, "average_days": None, "median_days": None, "max_days": None}
    return {"invoices": len(days), "average_days": str(_q(sum(days, Decimal(0)) / len(days), Decimal("0.01"))),
            "median_days": str(_q(Decimal(median(days)), Decimal("0.01"))), "max_days": str(max(days))}


UNBILLED_BUCKETS = (("0-7", 0, 7), ("8-30", 8, 30), ("31+", 31, None))


def unbilled_summary(lines: Sequence[tuple[int, int]], currency: str = "USD") -> dict:
    """(amount_minor, age_days) per unbilled usage line -> total, count, oldest, amount-weighted
    average age and amounts per age bucket."""
    total = sum(amount for amount, _ in lines)
    buckets = {label: 0 for label, _, _ in UNBILLED_BUCKETS}
    for amount, age in lines:
        for label, low, high in UNBILLED_BUCKETS:
            if age >= low and (high is None or age <= high):
                buckets[label] += amount
    weighted = _q(Decimal(sum(a * d for a, d in lines)) / Decimal(total)) if total else None
    return {"amount": str(from_minor(total, currency)), "lines": len(lines),
            "oldest_days": max((d for _, d in lines), default=None),
            "average_age_days": None if weighted is None else str(weighted),
            "by_age": {k: str(from_minor(v, currency)) for k, v in buckets.items()}}


# ================================================================== periods
def month_periods(as_of: date, months: int) -> list[tuple[date, date]]:
    """(first day, last day) of the month of ``as_of`` (up to ``as_of``) and the ``months - 1``
    calendar months before it, newest first."""
    periods, end = [], as_of
    for _ in range(months):
        start = end.replace(day=1)
        periods.append((start, end))
        end = start - timedelta(days=1)
    return periods


# ================================================================== readers
SALES_KINDS = ("invoice", "opening")


def ar_balance(conn: Connection, as_of: date) -> int:
    """The receivables account as the ledger had it at the end of ``as_of``."""
    jl, je = t.journal_lines, t.journal_entries
    query = (select(func.coalesce(func.sum(jl.c.debit_minor - jl.c.credit_minor), 0))
             .join(je, je.c.entry_id == jl.c.entry_id).where(jl.c.account == AR, je.c.business_date <= as_of))
    return int(conn.execute(query).scalar_one())


def credit_sales(conn: Connection, start: date, end: date) -> int:
    """Invoiced (and opening) amounts issued from ``start`` to ``end`` inclusive."""
    inv = t.invoices
    query = select(func.coalesce(func.sum(inv.c.total_minor), 0)).where(
        inv.c.kind.in_(SALES_KINDS), inv.c.issue_date >= start, inv.c.issue_date <= end)
    return int(conn.execute(query).scalar_one())


def sales_periods(conn: Connection, as_of: date, months: int = 24) -> list[SalesPeriod]:
    return [SalesPeriod(f"{start:%Y-%m}", (end - start).days + 1, credit_sales(conn, start, end))
            for start, end in month_periods(as_of, months)]


def settled_after(conn: Connection, as_of: date) -> dict[str, int]:
    """Per invoice, what payments valued after ``as_of`` and later write-offs took off it: added back to
    today's open amount this gives the open amount as it was on ``as_of``."""
    pa, p = t.payment_applications, t.payments
    later: dict[str, int] = {}
    query = (select(pa.c.invoice_number, func.sum(pa.c.amount_minor + pa.c.discount_minor + pa.c.deduction_minor))
             .join(p, p.c.payment_id == pa.c.payment_id).where(p.c.value_date > as_of)
             .group_by(pa.c.invoice_number))
    for number, amount in conn.execute(query):
        later[number] = later.get(number, 0) + int(amount)
    query = (select(t.disputes.c.invoice_number, func.sum(t.disputes.c.written_off_minor))
             .where(t.disputes.c.resolved_on > as_of, t.disputes.c.written_off_minor > 0)
             .group_by(t.disputes.c.invoice_number))
    for number, amount in conn.execute(query):
        later[number] = later.get(number, 0) + int(amount)
    return later


def current_ar(conn: Connection, as_of: date) -> int:
    """Receivables not yet due on ``as_of`` (due that day or later), as they were open then."""
    inv = t.invoices
    later = settled_after(conn, as_of)
    rows = conn.execute(select(inv.c.invoice_number, inv.c.open_minor).where(
        inv.c.kind.in_(SALES_KINDS), inv.c.issue_date <= as_of, inv.c.due_date >= as_of))
    return sum(open_minor + later.get(number, 0) for number, open_minor in rows)


def dso_as_of(conn: Connection, as_of: date, months: int = 24) -> tuple[Decimal, int, list[SalesPeriod]]:
    periods = sales_periods(conn, as_of, months)
    balance = ar_balance(conn, as_of)
    return dso_countback(balance, periods), balance, periods


def _is_automatic(row) -> bool:
    """Whether cash application, not a person, made this application.

    An explicit column wins if cash application records one (``method``/``match_method``: 'auto...',
    or a boolean ``auto_matched``). Otherwise: applied_by names the matcher ('auto', 'system',
    'matcher', 'auto:...'), or the application was written by a bank-file import in the same
    transaction that stored the payment - a person confirming a queued payment writes it later."""
    for column in ("auto_matched", "method", "match_method"):
        if column in row:
            value = row[column]
            return bool(value) if isinstance(value, bool) else str(value or "").lower().startswith("auto")
    actor = (row["applied_by"] or "").lower()
    if actor in ("auto", "system", "matcher") or actor.startswith("auto"):
        return True
    imported = (row["format"] or "manual") != "manual"
    return imported and row["at"] is not None and row["created_at"] is not None and utc(row["at"]) == utc(row["created_at"])


def auto_match_rates(conn: Connection, start: date, end: date) -> dict:
    """Share of payments fully applied automatically, and of remittance lines (applications) made
    automatically, among payments valued from ``start`` to ``end``."""
    pa, p = t.payment_applications, t.payments
    payments = {r["payment_id"]: dict(r) for r in conn.execute(
        select(p.c.payment_id, p.c.unapplied_minor, p.c.format, p.c.created_at)
        .where(p.c.value_date >= start, p.c.value_date <= end)).mappings()}
    extra = [c for c in ("auto_matched", "method", "match_method") if c in pa.c]
    rows = conn.execute(select(pa.c.payment_id, pa.c.applied_by, pa.c.at, p.c.format, p.c.created_at,
                               *[pa.c[c] for c in extra])
                        .join(p, p.c.payment_id == pa.c.payment_id)
                        .where(p.c.value_date >= start, p.c.value_date <= end)).mappings().all()
    auto_lines = 0
    manual_payments: set[str] = set()
    applied_payments: set[str] = set()
    for row in rows:
        applied_payments.add(row["payment_id"])
        if _is_automatic(row):
            auto_lines += 1
        else:
            manual_payments.add(row["payment_id"])
    auto_payments = [pid for pid in applied_payments - manual_payments if payments[pid]["unapplied_minor"] == 0]
    return {"payments": {"auto": len(auto_payments), "total": len(payments),
                         "rate": _text(rate(len(auto_payments), len(payments)))},
            "lines": {"auto": auto_lines, "total": len(rows), "rate": _text(rate(auto_lines, len(rows)))}}


def time_to_invoice(conn: Connection, start: date, end: date) -> dict[str, dict]:
    """Per order type, days from the order (stock, consignment) or the usage (bill-only) to the invoice,
    over invoices issued from ``start`` to ``end``."""
    inv, o, s = t.invoices, t.orders, t.shipments
    query = (select(o.c.order_type, o.c.created_at, s.c.shipped_at, inv.c.created_at.label("invoiced_at"))
             .select_from(inv.join(o, o.c.order_id == inv.c.order_id).outerjoin(s, s.c.shipment_id == inv.c.shipment_id))
             .where(inv.c.kind == "invoice", inv.c.issue_date >= start, inv.c.issue_date <= end))
    durations: dict[str, list[Decimal]] = {}
    for row in conn.execute(query).mappings():
        started = row["shipped_at"] if row["order_type"] == "bill_only" and row["shipped_at"] else row["created_at"]
        durations.setdefault(row["order_type"], []).append(max(days_between(started, row["invoiced_at"]), Decimal(0)))
    return {order_type: duration_summary(days) for order_type, days in sorted(durations.items())}


def _procedure_day(order: dict) -> date:
    procedure = order.get("procedure") or {}
    try:
        return date.fromisoformat(str(procedure.get("date")))
    except ValueError:
        return order["order_date"]


def unbilled_usage(conn: Connection, as_of: date) -> dict:
    """Bill-only usage reported but not invoiced: each bill-only order line's units not yet invoiced or
    cancelled, at the order price, aged from the procedure date (else the order date)."""
    o, ol = t.orders, t.order_lines
    query = (select(o.c.order_id, o.c.order_date, o.c.procedure, o.c.currency, ol.c.quantity, ol.c.qty_invoiced,
                    ol.c.qty_cancelled, ol.c.unit_price)
             .join(ol, ol.c.order_id == o.c.order_id)
             .where(o.c.order_type == "bill_only", o.c.order_date <= as_of,
                    ol.c.quantity > ol.c.qty_invoiced + ol.c.qty_cancelled))
    lines, orders, currency = [], set(), "USD"
    for row in conn.execute(query).mappings():
        units = row["quantity"] - row["qty_invoiced"] - row["qty_cancelled"]
        currency = row["currency"]
        amount = to_minor(round_money(Decimal(row["unit_price"]) * units, currency), currency)
        lines.append((amount, max((as_of - _procedure_day(dict(row))).days, 0)))
        orders.add(row["order_id"])
    return {**unbilled_summary(lines, currency), "orders": len(orders), "currency": currency}


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


# ================================================================== the report
def kpi_report(conn: Connection, as_of: date, period_days: int = 30, trend_months: int = 6) -> dict:
    """Every KPI as of ``as_of``; flows (sales, payments, invoices) over the ``period_days`` up to it."""
    start = as_of - timedelta(days=period_days - 1)
    dso, balance, periods = dso_as_of(conn, as_of)
    current = current_ar(conn, as_of)
    best = dso_countback(current, periods)
    beginning = ar_balance(conn, start - timedelta(days=1))
    sales = credit_sales(conn, start, as_of)
    by_bucket = aging_totals(aging(conn, as_of))
    return {
        "as_of": str(as_of), "period": {"from": str(start), "to": str(as_of), "days": period_days},
        "dso": {"days": str(dso), "method": "countback", "ar": str(from_minor(balance)),
                "months": [{"month": p.label, "days": p.days, "sales": str(from_minor(p.sales_minor))}
                           for p in periods if p.sales_minor][:12]},
        "best_possible_dso": str(best),
        "average_days_delinquent": str(average_days_delinquent(dso, best)),
        "cei": {"percent": _text(collection_effectiveness_index(beginning, sales, balance, current)),
                "beginning_ar": str(from_minor(beginning)), "credit_sales": str(from_minor(sales)),
                "ending_ar": str(from_minor(balance)), "ending_current_ar": str(from_minor(current))},
        "auto_match": auto_match_rates(conn, start, as_of),
        "time_to_invoice": time_to_invoice(conn, start, as_of),
        "unbilled_usage": unbilled_usage(conn, as_of),
        "aging": {b: str(from_minor(by_bucket[b])) for b in BUCKETS},
        "dso_trend": dso_trend(conn, as_of, trend_months),
    }


def dso_trend(conn: Connection, as_of: date, months: int) -> list[dict]:
    """DSO at each of the last ``months`` month ends before ``as_of``, and at ``as_of``, oldest first."""
    points = [as_of]
    for _ in range(months - 1):
        points.append(points[-1].replace(day=1) - timedelta(days=1))
    return [{"as_of": str(p), "dso": str(dso_as_of(conn, p)[0])} for p in reversed(points)]


# ================================================================== chart
def _bar_panel(x: int, y: int, width: int, height: int, title: str, bars: list[tuple[str, Decimal]],
               unit: str) -> list[str]:
    """One titled bar chart as SVG elements; bars scale to the largest value."""
    parts = [f'<text x="{x}" y="{y + 16}" font-size="15" font-weight="bold">{_esc(title)}</text>']
    top, bottom = y + 40, y + height - 30
    peak = max((v for _, v in bars), default=Decimal(0)) or Decimal(1)
    slot = width / max(len(bars), 1)
    for i, (label, value) in enumerate(bars):
        bar_h = float(max(value, Decimal(0)) / peak) * (bottom - top)
        bx = x + i * slot + slot * 0.15
        parts.append(f'<rect x="{bx:.1f}" y="{bottom - bar_h:.1f}" width="{slot * 0.7:.1f}" height="{bar_h:.1f}" '
                     f'fill="#3b6ea5"/>')
        parts.append(f'<text x="{bx + slot * 0.35:.1f}" y="{bottom - bar_h - 4:.1f}" font-size="11" '
                     f'text-anchor="middle">{_esc(f"{value:,}")}{_esc(unit)}</text>')
        parts.append(f'<text x="{bx + slot * 0.35:.1f}" y="{bottom + 16:.1f}" font-size="11" '
                     f'text-anchor="middle">{_esc(label)}</text>')
    parts.append(f'<line x1="{x}" y1="{bottom}" x2="{x + width}" y2="{bottom}" stroke="#444"/>')
    return parts


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def aging_chart_svg(as_of: str, totals: dict[str, Decimal]) -> str:
    """The aging buckets alone as a bar chart (``o2c ar aging --chart``)."""
    width, height = 480, 340
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" font-family="sans-serif">',
             f'<rect width="{width}" height="{height}" fill="white"/>',
             f'<text x="20" y="24" font-size="13" fill="#555">Open receivables as of {_esc(as_of)}: '
             f'{sum(totals.values())}</text>']
    parts += _bar_panel(20, 40, 440, 290, "Aging (open amount)", [(b, totals[b]) for b in BUCKETS], "")
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def kpi_chart_svg(report: dict) -> str:
    """Aging buckets and the DSO trend side by side, as a self-contained SVG (no plotting library)."""
    aging_bars = [(b, Decimal(report["aging"][b])) for b in BUCKETS]
    trend_bars = [(p["as_of"][:7], Decimal(p["dso"])) for p in report["dso_trend"]]
    width, height = 960, 340
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" font-family="sans-serif">',
             f'<rect width="{width}" height="{height}" fill="white"/>',
             f'<text x="20" y="24" font-size="13" fill="#555">Receivables as of {_esc(report["as_of"])}: '
             f'DSO {report["dso"]["days"]} days, CEI {report["cei"]["percent"] or "n/a"}%, '
             f'ADD {report["average_days_delinquent"]} days</text>']
    parts += _bar_panel(20, 40, 440, 290, "Aging (open amount)", aging_bars, "")
    parts += _bar_panel(500, 40, 440, 290, "DSO trend (days, countback)", trend_bars, "")
    parts.append("</svg>")
    return "\n".join(parts) + "\n"
