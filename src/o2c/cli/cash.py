"""Cash commands: ``o2c cash import``, ``o2c cash queue``, ``o2c payment record``, ``o2c bench cash``.

Each bank file is imported in a transaction of its own, in the order given, as if the files had
arrived one after the other: a refused file (bad control totals, unknown format) stores nothing and
is reported with its reason, the others are imported, and the command exits 1.
"""
from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

from o2c.cli.commands import ready
from o2c.cli.main import UsageError, command, emit
from o2c.kernel.errors import O2CError
from o2c.storage.uow import unit_of_work

try:   # ``o2c bench`` belongs to intake; importing it first makes its parser exist before ours extends it
    import o2c.cli.intake  # noqa: F401
except Exception:   # noqa: BLE001 - without intake, ``o2c bench cash`` creates the bench group itself
    pass


# ------------------------------------------------------------------ o2c cash ...
@command("cash")
def _cash(sub):
    p = sub.add_parser("cash", help="bank files, cash application and the cash exception queue")
    s = p.add_subparsers(dest="cash_command", required=True)
    i = s.add_parser("import", help="import BAI2, camt.053/054, X12 820, NACHA or lockbox CSV files and apply the cash")
    i.add_argument("files", nargs="+", metavar="FILE")
    i.add_argument("--actor", default="cli")
    i.add_argument("--json", action="store_true")
    i.set_defaults(func=run_cash_import)
    _queue_commands(s)


def _queue_commands(s) -> None:
    q = s.add_parser("queue", help="payments waiting for a person")
    qs = q.add_subparsers(dest="queue_command", required=True)
    ls = qs.add_parser("list", help="open entries (all with --all)")
    ls.add_argument("--all", action="store_true")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(func=run_queue_list)
    sh = qs.add_parser("show", help="one entry with the payment and the ranked suggestions")
    sh.add_argument("exception_id", type=int, metavar="ID")
    sh.add_argument("--json", action="store_true")
    sh.set_defaults(func=run_queue_show)
    c = qs.add_parser("confirm", help="apply the payment to invoices and learn the payer")
    c.add_argument("exception_id", type=int, metavar="ID")
    c.add_argument("--invoice", action="append", required=True, metavar="INV[=AMOUNT]")
    c.add_argument("--actor", default="cli")
    c.add_argument("--json", action="store_true")
    c.set_defaults(func=run_queue_confirm)
    ap = s.add_parser("apply", help="apply cash a payment holds on account (unapplied) to invoices")
    ap.add_argument("payment_id")
    ap.add_argument("--invoice", action="append", required=True, metavar="INV[=AMOUNT]",
                    help="an invoice to settle; without an amount, as much as the invoice and the cash allow")
    ap.add_argument("--actor", default="cli")
    ap.add_argument("--json", action="store_true")
    ap.set_defaults(func=run_cash_apply)
    r = qs.add_parser("reject", help="close the entry; the cash stays on account")
    r.add_argument("exception_id", type=int, metavar="ID")
    r.add_argument("--reason")
    r.add_argument("--actor", default="cli")
    r.add_argument("--json", action="store_true")
    r.set_defaults(func=run_queue_reject)


def _read(name: str) -> bytes:
    try:
        return Path(name).read_bytes()
    except OSError as exc:
        from o2c.formats.bank import BankFileError
        raise BankFileError(name, f"cannot read the file ({exc.strerror or exc})") from None


def run_cash_import(args) -> int:
    """One JSON line per payment on stdout (the interchange contract), refusals on stderr."""
    from o2c.cash.importing import cash_settings, import_bank_file
    from o2c.kernel.config import settings
    ready()
    config, reading = cash_settings(settings())
    refused, counts = [], Counter()
    for name in args.files:
        try:
            data = _read(name)
            with unit_of_work(args.actor) as uow:
                outcomes = import_bank_file(uow, data, name, config=config, **reading)
        except O2CError as err:
            refused.append(name)
            print(f"o2c: refused {err}", file=sys.stderr)
            continue
        for outcome in outcomes:
            counts["already imported" if outcome.already_imported else outcome.status] += 1
            print(json.dumps(outcome.as_json()))
    if not args.json:
        summary = ", ".join(f"{n} {k}" for k, n in sorted(counts.items())) or "no payments"
        print(f"{len(args.files) - len(refused)} file(s) imported: {summary}"
              + (f"; {len(refused)} refused" if refused else ""), file=sys.stderr)
    return 1 if refused else 0


def run_queue_list(args) -> int:
    from o2c.cash.queue import list_exceptions
    ready()
    with unit_of_work(read_only=True) as uow:
        rows = list_exceptions(uow.conn, None if args.all else "open")
    lines = [f"{r['exception_id']:>5}  {r['status']:<9} {r['payment_id']:<16} {r['amount']:>12} "
             f"{(r['payer_name'] or '-')[:30]:<30} {r['bank_ref'] or ''}" for r in rows]
    emit(args, rows, "\n".join(lines) or "the cash queue is empty")
    return 0


def run_queue_show(args) -> int:
    from o2c.cash.queue import show_exception
    ready()
    with unit_of_work(read_only=True) as uow:
        entry = show_exception(uow.conn, args.exception_id)
    pay = entry["payment"]
    text = [f"cash exception {entry['exception_id']} ({entry['status']}): {entry['reason']}",
            f"payment {pay['payment_id']} {pay['amount']} {pay['currency']} on {pay['value_date']} "
            f"from {pay['payer_name'] or '?'} ref {pay['bank_ref']} ({pay['source']})"]
    for n, s in enumerate(entry["suggestions"], 1):
        apps = ", ".join(f"{a['invoice_number']}={a['amount']}" for a in s["applications"])
        text.append(f"  {n}. {s['confidence']:.2f} {s['strategy']}: {apps}  ({s['explanation']})")
    emit(args, entry, "\n".join(text))
    return 0


def run_queue_confirm(args) -> int:
    from o2c.cash.queue import confirm, parse_invoice_arg
    ready()
    chosen = [parse_invoice_arg(v) for v in args.invoice]
    with unit_of_work(args.actor) as uow:
        result = confirm(uow, args.exception_id, chosen)
    learned = ", ".join(f"{r['kind']} {r['alias']!r}" for r in result["learned"]) or "nothing new"
    emit(args, result, f"payment {result['payment_id']} {result['status']}; learned: {learned}")
    return 0


def run_cash_apply(args) -> int:
    """Cash on account (an overpayment, a payment without remittance) applied by a person."""
    from sqlalchemy import select
    from o2c.cash.queue import parse_invoice_arg
    from o2c.cash.service import ApplicationRequest, apply_unapplied
    from o2c.kernel.errors import NotFound
    from o2c.kernel.money import from_minor, to_minor
    from o2c.storage import schema as t
    ready()
    chosen = [parse_invoice_arg(v) for v in args.invoice]
    with unit_of_work(args.actor) as uow:
        payment = uow.conn.execute(select(t.payments.c.unapplied_minor, t.payments.c.currency).where(
            t.payments.c.payment_id == args.payment_id)).first()
        if payment is None:
            raise NotFound(f"payment {args.payment_id} does not exist", code="unknown_payment")
        left, requests = payment.unapplied_minor, []
        for number, amount in chosen:
            if amount is None:
                open_minor = uow.conn.execute(select(t.invoices.c.open_minor).where(
                    t.invoices.c.invoice_number == number)).scalar() or 0
                amount = from_minor(max(min(open_minor, left), 0), payment.currency)
            requests.append(ApplicationRequest(number, amount))
            left -= to_minor(amount, payment.currency)
        result = apply_unapplied(uow, args.payment_id, requests)
    applied = ", ".join(f"{r['invoice_number']} {from_minor(r['amount_minor'])}" for r in result["applications"])
    emit(args, {**result, "applications": [{"invoice_number": r["invoice_number"],
                                            "amount": str(from_minor(r["amount_minor"]))}
                                           for r in result["applications"]],
                "unapplied": str(from_minor(result["unapplied_minor"]))},
         f"payment {args.payment_id} {result['status']}: {applied}; "
         f"{from_minor(result['unapplied_minor'])} left on account")
    return 0


def run_queue_reject(args) -> int:
    from o2c.cash.queue import reject
    ready()
    with unit_of_work(args.actor) as uow:
        result = reject(uow, args.exception_id, args.reason)
    emit(args, result, f"cash exception {args.exception_id} rejected; the cash stays on account")
    return 0


# ------------------------------------------------------------------ o2c payment record
@command("payment")
def _payment(sub):
    p = sub.add_parser("payment", help="payments entered by hand")
    s = p.add_subparsers(dest="payment_command", required=True)
    r = s.add_parser("record", help="record a payment (a check, a wire) and apply it to invoices")
    r.add_argument("--customer", required=True)
    r.add_argument("--amount", required=True)
    r.add_argument("--invoice", action="append", default=[], metavar="INV[=AMOUNT]")
    r.add_argument("--date", required=True, help="value date YYYY-MM-DD")
    r.add_argument("--reference", help="check number or bank reference")
    r.add_argument("--currency", default="USD")
    r.add_argument("--actor", default="cli")
    r.add_argument("--json", action="store_true")
    r.set_defaults(func=run_payment_record)


def run_payment_record(args) -> int:
    from o2c.cash.service import get_payment, manual_applications, record_payment
    from o2c.kernel.dates import parse_date
    from o2c.kernel.money import decimal_text, from_minor, parse_decimal
    from o2c.cash.queue import parse_invoice_arg
    ready()
    amount = parse_decimal(args.amount, "--amount")
    value_date = parse_date(args.date, "--date")
    with unit_of_work(args.actor) as uow:
        apps = manual_applications(uow.conn, amount, [parse_invoice_arg(v) for v in args.invoice], args.currency)
        payment_id = record_payment(uow, amount=amount, value_date=value_date, currency=args.currency,
                                    customer_id=args.customer, bank_ref=args.reference, applications=apps,
                                    source="manual")
        row = get_payment(uow.conn, payment_id)
    payload = {"payment_id": payment_id, "amount": decimal_text(amount), "status": row["status"],
               "unapplied": decimal_text(from_minor(row["unapplied_minor"], args.currency)),
               "applications": [{"invoice_number": a.invoice_number, "amount": decimal_text(a.amount)}
                                for a in apps]}
    emit(args, payload, f"payment {payment_id} {row['status']}: " + (", ".join(
        f"{a['invoice_number']} {a['amount']}" for a in payload["applications"]) or "on account"))
    return 0


# ------------------------------------------------------------------ o2c bench cash
def _bench_group(sub) -> argparse.ArgumentParser:
    """The sub-command group of ``o2c bench`` (created here when no other module made it)."""
    bench = sub.choices.get("bench")
    if bench is None:
        bench = sub.add_parser("bench", help="measure o2c on a corpus")
        bench.add_subparsers(dest="bench_command", required=True)
    return next(a for a in bench._actions if isinstance(a, argparse._SubParsersAction))


@command("bench-cash")
def _bench_cash(sub):
    b = _bench_group(sub).add_parser(
        "cash", help="import a corpus's bank files into a scratch database, score them, and time scale runs")
    b.add_argument("corpus", metavar="DIR", help="folder with master/ (open_items.csv) and bank/ (truth.json)")
    b.add_argument("--out", help="where to write the JSON lines (default: a temp file)")
    b.add_argument("--scale", dest="scale", action="store_true", default=True,
                   help="also time 10,000 bank lines x 100,000 open items and aging over 1,000,000 (default)")
    b.add_argument("--no-scale", dest="scale", action="store_false")
    b.add_argument("--payments", type=int, default=10_000)
    b.add_argument("--items", type=int, default=100_000)
    b.add_argument("--aging-items", type=int, default=1_000_000)
    b.add_argument("--json", action="store_true")
    b.set_defaults(func=run_bench_cash)


def run_bench_cash(args) -> int:
    from o2c.cash.dbbench import render_figures, run_bench
    corpus = Path(args.corpus)
    if not (corpus / "bank").is_dir() or not (corpus / "master").is_dir():
        raise UsageError(f"o2c bench cash: {corpus} needs master/ and bank/ folders")
    progress = (lambda _msg: None) if args.json else (lambda msg: print(msg, file=sys.stderr, flush=True))
    figures = run_bench(corpus, out=Path(args.out) if args.out else None, scale=args.scale,
                        payments=args.payments, items=args.items, aging_items=args.aging_items,
                        progress=progress)
    emit(args, figures, render_figures(figures))
    return 0
