"""Sub-commands of ``o2c`` (each a thin wrapper around one use case)."""
from __future__ import annotations

from pathlib import Path

from o2c.cli.main import UsageError, command, emit
from o2c.storage.migrate import is_initialised, migrate
from o2c.storage.uow import unit_of_work


def ready() -> None:
    """Commands work on a fresh machine: an uninitialised database is created first."""
    if not is_initialised():
        migrate()


@command("init")
def _init(sub):
    p = sub.add_parser("init", help="create or migrate the database")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=run_init)


def run_init(args):
    revision = migrate()
    emit(args, {"revision": revision}, f"database ready (schema revision {revision})")


@command("load")
def _load(sub):
    p = sub.add_parser("load", help="import master data from a folder of CSV files")
    p.add_argument("folder")
    p.add_argument("--actor", default="cli")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=run_load)


def run_load(args):
    from o2c.masterdata.service import load_master_data
    folder = Path(args.folder)
    if not folder.is_dir():
        raise UsageError(f"o2c load: {folder} is not a folder")
    ready()
    import sys
    with unit_of_work(args.actor) as uow:
        result = load_master_data(uow, folder, progress=lambda msg: print(msg, file=sys.stderr, flush=True))
    summary = result.as_dict()
    lines = [f"loaded {folder}: " + ("no changes" if not result.changed else
                                     f"{sum(result.inserted.values())} new, {sum(result.updated.values())} updated")]
    for file in sorted(set(result.inserted) | set(result.updated) | set(result.unchanged)):
        lines.append(f"  {file}: {result.inserted.get(file, 0)} new, {result.updated.get(file, 0)} updated, "
                     f"{result.unchanged.get(file, 0)} unchanged")
    emit(args, summary, "\n".join(lines))


@command("audit")
def _audit(sub):
    p = sub.add_parser("audit", help="the tamper-evident audit log")
    s = p.add_subparsers(dest="audit_command", required=True)
    v = s.add_parser("verify", help="check the hash chain: detects edited or deleted records")
    v.add_argument("--json", action="store_true")
    v.set_defaults(func=run_audit_verify)


def run_audit_verify(args):
    from o2c.audit.service import verify
    from o2c.kernel.errors import O2CError
    ready()
    with unit_of_work(read_only=True) as uow:
        problems = verify(uow.conn)
        count = uow.conn.exec_driver_sql("SELECT count(*) FROM audit_log").scalar_one()
    if problems:
        raise O2CError(f"audit log verification failed ({len(problems)} problem(s)):\n" + "\n".join(problems),
                       code="audit_broken")
    emit(args, {"records": count, "ok": True}, f"audit log intact: {count} records, hash chain verified")


@command("demo")
def _demo(sub):
    p = sub.add_parser("demo", help="run the whole order-to-cash path on bundled sample data")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=run_demo_command)


def run_demo_command(args):
    import os
    from o2c.demo import render_summary, run_demo
    if not os.environ.get("O2C_DATABASE_URL"):
        # the demo gets a database of its own so it never mixes with real data, and starts clean
        for suffix in ("", "-wal", "-shm"):
            Path(f"o2c-demo.db{suffix}").unlink(missing_ok=True)
        os.environ["O2C_DATABASE_URL"] = "sqlite:///o2c-demo.db"
    summary = run_demo(progress=(lambda _msg: None) if args.json else print)
    emit(args, summary, "\n" + render_summary(summary))


@command("ar")
def _ar(sub):
    p = sub.add_parser("ar", help="receivables")
    s = p.add_subparsers(dest="ar_command", required=True)
    a = s.add_parser("aging", help="receivables aging by customer and bucket")
    a.add_argument("--as-of", help="date (YYYY-MM-DD); default today")
    a.add_argument("--chart", metavar="FILE.svg", help="also draw the buckets as a bar chart")
    a.add_argument("--json", action="store_true")
    a.set_defaults(func=run_ar_aging)
    o = s.add_parser("open-items", help="open invoices and credits")
    o.add_argument("--customer")
    o.add_argument("--json", action="store_true")
    o.set_defaults(func=run_open_items)


def run_ar_aging(args):
    from datetime import date
    from o2c.kernel.dates import parse_date
    from o2c.kernel.money import from_minor
    from o2c.receivables.aging import BUCKETS
    from o2c.receivables.service import aging, aging_totals
    as_of = parse_date(args.as_of, "--as-of") if args.as_of else date.today()
    ready()
    with unit_of_work(read_only=True) as uow:
        by_customer = aging(uow.conn, as_of)
    totals = aging_totals(by_customer)
    payload = {"as_of": str(as_of),
               "customers": [{"customer_id": c, **{b: str(from_minor(v)) for b, v in buckets.items()},
                              "total": str(from_minor(sum(buckets.values())))} for c, buckets in by_customer.items()],
               "totals": {**{b: str(from_minor(v)) for b, v in totals.items()},
                          "total": str(from_minor(sum(totals.values())))}}
    header = f"{'customer':<12}" + "".join(f"{b:>14}" for b in BUCKETS) + f"{'total':>14}"
    rows = [f"{c['customer_id']:<12}" + "".join(f"{c[b]:>14}" for b in BUCKETS) + f"{c['total']:>14}"
            for c in payload["customers"]]
    rows.append(f"{'TOTAL':<12}" + "".join(f"{payload['totals'][b]:>14}" for b in BUCKETS)
                + f"{payload['totals']['total']:>14}")
    if args.chart:
        from o2c.receivables.kpis import aging_chart_svg
        Path(args.chart).write_text(aging_chart_svg(str(as_of), {b: from_minor(v) for b, v in totals.items()}))
    emit(args, payload, f"Aging as of {as_of}\n{header}\n" + "\n".join(rows)
         + (f"\nchart written to {args.chart}" if args.chart else ""))


def run_open_items(args):
    from o2c.kernel.money import from_minor
    from o2c.receivables.service import open_items
    ready()
    with unit_of_work(read_only=True) as uow:
        items = open_items(uow.conn, args.customer)
    payload = [{**i, "total": str(from_minor(i.pop("total_minor"))), "open": str(from_minor(i.pop("open_minor")))}
               for i in items]
    emit(args, payload, "\n".join(f"{i['invoice_number']:<14} {i['customer_id']:<10} {i['due_date']} "
                                  f"{i['open']:>14}" for i in payload) or "no open items")


@command("ledger")
def _ledger(sub):
    p = sub.add_parser("ledger", help="the double-entry ledger")
    s = p.add_subparsers(dest="ledger_command", required=True)
    tb = s.add_parser("trial-balance", help="balance per account; always sums to zero")
    tb.add_argument("--json", action="store_true")
    tb.set_defaults(func=run_trial_balance)


def run_trial_balance(args):
    from o2c.kernel.money import from_minor
    from o2c.ledger.service import trial_balance
    ready()
    with unit_of_work(read_only=True) as uow:
        balance = trial_balance(uow.conn)
    payload = {"accounts": {a: str(from_minor(v)) for a, v in balance.items()},
               "total": str(from_minor(sum(balance.values())))}
    emit(args, payload, "\n".join(f"{a:<34} {v:>14}" for a, v in payload["accounts"].items())
         + f"\n{'total':<34} {payload['total']:>14}")
