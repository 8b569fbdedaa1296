"""Collections commands: dunning, promises, disputes, the worklist, credit holds, statements, KPIs.

Thin wrappers: parse, call the use case in ``o2c.receivables``, print (JSON with ``--json``).
"""
from __future__ import annotations

from datetime import date
from pathlib import Path

from o2c.cli.commands import ready
from o2c.cli.main import UsageError, command, emit
from o2c.kernel.dates import parse_date
from o2c.kernel.money import parse_decimal
from o2c.storage.uow import unit_of_work


def _as_of(args) -> date:
    return parse_date(args.as_of, "--as-of") if getattr(args, "as_of", None) else date.today()


def _common(parser, actor: bool = False, as_of: bool = False) -> None:
    parser.add_argument("--json", action="store_true")
    if actor:
        parser.add_argument("--actor", default="cli", help="who does this (recorded in the audit log)")
    if as_of:
        parser.add_argument("--as-of", help="date (YYYY-MM-DD); default today")


def _write(path: str, content: bytes | str) -> None:
    try:
        target = Path(path)
        if target.parent and not target.parent.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content.encode() if isinstance(content, str) else content)
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None


# ------------------------------------------------------------------ dunning
@command("dunning")
def _dunning(sub):
    p = sub.add_parser("dunning", help="dunning letters for overdue invoices")
    s = p.add_subparsers(dest="dunning_command", required=True)
    run = s.add_parser("run", help="issue the letters due (one per customer and level), optionally e-mail them")
    _common(run, actor=True, as_of=True)
    run.add_argument("--send", action="store_true", help="e-mail letters whose level's channel is email")
    run.add_argument("--smtp-host")
    run.add_argument("--smtp-port", type=int, default=25)
    run.add_argument("--smtp-sender", help="From address (default: the company e-mail)")
    run.add_argument("--out", help="folder to write each letter's PDF to")
    run.set_defaults(func=run_dunning_command)
    ls = s.add_parser("list", help="letters issued so far")
    _common(ls)
    ls.add_argument("--customer")
    ls.set_defaults(func=run_dunning_list)


def run_dunning_command(args):
    from o2c.billing.delivery import SmtpSettings
    from o2c.kernel.config import settings
    from o2c.receivables.dunning import run_dunning
    if args.send and not args.smtp_host:
        raise UsageError("o2c dunning run: --send needs --smtp-host")
    smtp = None
    if args.send:
        sender = args.smtp_sender or settings()["company"].get("email") or "ar@localhost"
        smtp = SmtpSettings(args.smtp_host, args.smtp_port, sender=sender, timeout=15)
    as_of = _as_of(args)
    ready()
    with unit_of_work(args.actor) as uow:
        result = run_dunning(uow, as_of, send=args.send, smtp=smtp)
    if args.out:
        for letter in result.letters:
            _write(str(Path(args.out) / f"dunning-{letter.letter_id}-{letter.customer_id}-{letter.level}.pdf"),
                   letter.pdf)
    payload = result.as_dict()
    lines = [f"dunning run as of {as_of}: {len(result.letters)} letter(s)"]
    for letter in result.letters:
        lines.append(f"  #{letter.letter_id} {letter.customer_id:<10} {letter.level:<18} {letter.status:<8} "
                     f"{', '.join(letter.invoices)}" + (f"  ({letter.error})" if letter.error else ""))
    for change in result.promises:
        lines.append(f"  promise {change['promise_id']} {change['status']}")
    emit(args, payload, "\n".join(lines))
    return 0


def run_dunning_list(args):
    from o2c.receivables.dunning import list_letters
    ready()
    with unit_of_work(read_only=True) as uow:
        letters = list_letters(uow.conn, args.customer)
    emit(args, letters, "\n".join(f"#{l['letter_id']} {l['letter_date']} {l['customer_id']:<10} {l['level']:<18} "
                                  f"{l['status']:<8} {l['total']:>12} {', '.join(l['invoices'])}" for l in letters)
         or "no dunning letters")


# ------------------------------------------------------------------ promises
@command("promise")
def _promise(sub):
    p = sub.add_parser("promise", help="promises to pay")
    s = p.add_subparsers(dest="promise_command", required=True)
    add = s.add_parser("add", help="record a promise to pay")
    _common(add, actor=True)
    add.add_argument("invoices", nargs="+", metavar="INVOICE")
    add.add_argument("--amount", required=True)
    add.add_argument("--date", required=True, help="the date the customer promised to pay by")
    add.add_argument("--contact", help="who promised (name, phone, e-mail)")
    add.add_argument("--note")
    add.add_argument("--made-on", help="when the customer promised (default today), for calls logged later")
    add.set_defaults(func=run_promise_add)
    ls = s.add_parser("list", help="promises and their status (judged as of --as-of first)")
    _common(ls, as_of=True)
    ls.add_argument("--customer")
    ls.add_argument("--status", choices=("open", "kept", "broken"))
    ls.set_defaults(func=run_promise_list)


def run_promise_add(args):
    from o2c.receivables.promises import record_promise
    amount = parse_decimal(args.amount, "--amount")
    promised = parse_date(args.date, "--date")
    made_on = parse_date(args.made_on, "--made-on") if args.made_on else None
    ready()
    with unit_of_work(args.actor) as uow:
        promise_id = record_promise(uow, invoice_numbers=args.invoices, amount=amount, promised_date=promised,
                                    contact=args.contact, note=args.note, made_on=made_on)
    emit(args, {"promise_id": promise_id}, f"promise {promise_id} recorded")


def run_promise_list(args):
    from o2c.receivables.promises import evaluate_promises, list_promises
    ready()
    with unit_of_work("cli") as uow:
        evaluate_promises(uow, _as_of(args))
        rows = list_promises(uow.conn, args.customer, args.status)
    emit(args, rows, "\n".join(f"{r['promise_id']:>4} {r['customer_id']:<10} {r['amount']:>12} by {r['promised_date']}"
                               f" {r['status']:<7} paid {r['paid']:>12}  {', '.join(r['invoices'])}" for r in rows)
         or "no promises")


# ------------------------------------------------------------------ disputes
@command("dispute")
def _dispute(sub):
    from o2c.receivables.disputes import REASON_CODES, RESOLUTIONS
    p = sub.add_parser("dispute", help="disputes and deductions")
    s = p.add_subparsers(dest="dispute_command", required=True)
    op = s.add_parser("open", help="open a dispute on an invoice (it leaves dunning while open)")
    _common(op, actor=True)
    op.add_argument("invoice")
    op.add_argument("--reason", required=True, choices=REASON_CODES)
    op.add_argument("--owner", required=True, help="who works it")
    op.add_argument("--amount", help="disputed amount (default: the whole open amount)")
    op.add_argument("--note")
    op.set_defaults(func=run_dispute_open)
    rs = s.add_parser("resolve", help="close a dispute: credit memo, customer pays, or write-off")
    _common(rs, actor=True)
    rs.add_argument("dispute_id", type=int)
    rs.add_argument("--resolution", required=True, choices=RESOLUTIONS)
    rs.add_argument("--credit-memo", help="the credit memo number (resolution credit_memo)")
    rs.add_argument("--amount", help="amount to write off (default: the disputed amount)")
    rs.add_argument("--note")
    rs.set_defaults(func=run_dispute_resolve)
    ls = s.add_parser("list", help="disputes and deductions")
    _common(ls)
    ls.add_argument("--status", choices=("open", "resolved"))
    ls.add_argument("--customer")
    ls.set_defaults(func=run_dispute_list)
    dd = s.add_parser("take-deductions", help="open a deduction case for each amount payers kept back")
    _common(dd, actor=True)
    dd.add_argument("--owner", required=True)
    dd.set_defaults(func=run_take_deductions)


def run_dispute_open(args):
    from o2c.receivables.disputes import open_dispute
    amount = parse_decimal(args.amount, "--amount") if args.amount else None
    ready()
    with unit_of_work(args.actor) as uow:
        dispute_id = open_dispute(uow, invoice_number=args.invoice, reason_code=args.reason, owner=args.owner,
                                  amount=amount, note=args.note)
    emit(args, {"dispute_id": dispute_id}, f"dispute {dispute_id} opened on {args.invoice}")


def run_dispute_resolve(args):
    from o2c.receivables.disputes import resolve_dispute
    if args.resolution == "credit_memo" and not args.credit_memo:
        raise UsageError("o2c dispute resolve: --resolution credit_memo needs --credit-memo")
    amount = parse_decimal(args.amount, "--amount") if args.amount else None
    ready()
    with unit_of_work(args.actor) as uow:
        result = resolve_dispute(uow, args.dispute_id, args.resolution, credit_memo=args.credit_memo,
                                 write_off_amount=amount, note=args.note)
    emit(args, result, f"dispute {args.dispute_id} resolved: {args.resolution}")


def run_dispute_list(args):
    from o2c.receivables.disputes import list_disputes
    ready()
    with unit_of_work(read_only=True) as uow:
        rows = list_disputes(uow.conn, args.status, args.customer)
    emit(args, rows, "\n".join(f"{r['dispute_id']:>4} {r['kind']:<9} {r['invoice_number']:<14} {r['customer_id']:<10} "
                               f"{r['reason_code']:<14} {r['amount']:>12} {r['owner']:<12} {r['status']}"
                               + (f" ({r['resolution']})" if r["resolution"] else "") for r in rows)
         or "no disputes")


def run_take_deductions(args):
    from o2c.receivables.disputes import open_deductions_from_payments
    ready()
    with unit_of_work(args.actor) as uow:
        created = open_deductions_from_payments(uow, args.owner)
    emit(args, {"opened": created}, f"{len(created)} deduction case(s) opened")


# ------------------------------------------------------------------ worklist
@command("collections")
def _collections(sub):
    p = sub.add_parser("collections", help="collections work")
    s = p.add_subparsers(dest="collections_command", required=True)
    w = s.add_parser("worklist", help="customers to call, highest amount x days past due x risk first")
    _common(w, as_of=True)
    w.add_argument("--limit", type=int, default=0)
    w.set_defaults(func=run_worklist)


def run_worklist(args):
    from o2c.receivables.worklist import collections_worklist, worklist_rows
    ready()
    with unit_of_work(read_only=True) as uow:
        rows = worklist_rows(collections_worklist(uow.conn, _as_of(args)))
    if args.limit > 0:
        rows = rows[:args.limit]
    text = []
    for r in rows:
        text.append(f"{r['rank']:>3}. {r['customer_id']:<10} score {r['score']:>16}  risk {r['risk']}")
        text.extend(f"       - {reason}" for reason in r["reasons"])
    emit(args, rows, "\n".join(text) or "nothing past due")


# ------------------------------------------------------------------ credit
@command("credit")
def _credit(sub):
    p = sub.add_parser("credit", help="credit limits and holds")
    s = p.add_subparsers(dest="credit_command", required=True)
    h = s.add_parser("holds", help="customers on hold, why, and pending releases")
    _common(h)
    h.set_defaults(func=run_holds)
    e = s.add_parser("evaluate", help="set and clear automatic holds (credit limit, days past due)")
    _common(e, actor=True, as_of=True)
    e.set_defaults(func=run_evaluate_holds)
    r = s.add_parser("release-request", help="ask for a customer's hold to be lifted")
    _common(r, actor=True)
    r.add_argument("customer")
    r.add_argument("--reason", required=True)
    r.set_defaults(func=run_release_request)
    a = s.add_parser("release-approve", help="approve a release (a different person than the requester)")
    _common(a, actor=True)
    a.add_argument("request_id", type=int)
    a.set_defaults(func=run_release_approve)


def run_holds(args):
    from o2c.receivables.credit import list_holds
    ready()
    with unit_of_work(read_only=True) as uow:
        rows = list_holds(uow.conn)
    text = []
    for r in rows:
        text.append(f"{r['customer_id']:<10} {r['name']}" + (f" (since {r['since']})" if r["since"] else ""))
        text.extend(f"    - {reason}" for reason in r["reasons"])
        if r["release_request"]:
            text.append(f"    release request {r['release_request']['request_id']} by "
                        f"{r['release_request']['requested_by']} waiting for approval")
    emit(args, rows, "\n".join(text) or "no customer is on hold")


def run_evaluate_holds(args):
    from o2c.receivables.credit import evaluate_holds
    ready()
    with unit_of_work(args.actor) as uow:
        changes = evaluate_holds(uow, _as_of(args))
    emit(args, changes, "\n".join(f"{c['customer_id']:<10} {c['change']}: "
                                  + "; ".join(r["message"] for r in c["reasons"]) for c in changes) or "no change")


def run_release_request(args):
    from o2c.receivables.credit import request_release
    ready()
    with unit_of_work(args.actor) as uow:
        request_id = request_release(uow, args.customer, args.reason)
    emit(args, {"request_id": request_id}, f"release request {request_id} recorded; another person must approve it")


def run_release_approve(args):
    from o2c.receivables.credit import approve_release
    ready()
    with unit_of_work(args.actor) as uow:
        result = approve_release(uow, args.request_id)
    emit(args, result, f"hold on {result['customer_id']} released (until {result['override_until']})")


# ------------------------------------------------------------------ statement
@command("statement")
def _statement(sub):
    p = sub.add_parser("statement", help="a customer's statement of account (open items with aging) as PDF")
    _common(p, as_of=True)
    p.add_argument("customer")
    p.add_argument("-o", "--output", required=True, help="PDF file to write")
    p.set_defaults(func=run_statement)


def run_statement(args):
    from o2c.billing.render.statement import age_lines, balance, render_statement_pdf
    from o2c.receivables.statements import build_statement
    as_of = _as_of(args)
    ready()
    with unit_of_work(read_only=True) as uow:
        statement = build_statement(uow.conn, args.customer, as_of)
    _write(args.output, render_statement_pdf(statement))
    payload = {"customer_id": args.customer, "as_of": str(as_of), "file": args.output,
               "lines": len(statement.lines), "balance": str(balance(statement.lines)),
               "aging": {b.label: str(b.amount) for b in age_lines(statement.lines)}}
    emit(args, payload, f"statement for {args.customer} as of {as_of}: {len(statement.lines)} open item(s), "
                        f"balance {payload['balance']} {statement.currency} -> {args.output}")


# ------------------------------------------------------------------ KPIs
@command("kpi")
def _kpi(sub):
    p = sub.add_parser("kpi", help="DSO, CEI, ADD, auto-match rate, time to invoice, unbilled usage")
    _common(p, as_of=True)
    p.add_argument("--period-days", type=int, default=30, help="length of the period flows are measured over")
    p.add_argument("--chart", help="write an SVG chart (aging buckets, DSO trend) to this file")
    p.set_defaults(func=run_kpi)


def _kpi_text(r: dict) -> str:
    am = r["auto_match"]
    lines = [f"KPIs as of {r['as_of']} (flows over {r['period']['from']}..{r['period']['to']})",
             f"  DSO (countback)            {r['dso']['days']:>10} days   AR {r['dso']['ar']}",
             f"  Best possible DSO          {r['best_possible_dso']:>10} days",
             f"  Average days delinquent    {r['average_days_delinquent']:>10} days",
             f"  CEI                        {(r['cei']['percent'] or 'n/a'):>10} %",
             f"  Auto-match, payments       {(am['payments']['rate'] or 'n/a'):>10} %   "
             f"({am['payments']['auto']}/{am['payments']['total']})",
             f"  Auto-match, lines          {(am['lines']['rate'] or 'n/a'):>10} %   "
             f"({am['lines']['auto']}/{am['lines']['total']})"]
    for order_type, summary in r["time_to_invoice"].items():
        lines.append(f"  Time to invoice, {order_type:<10}{(summary['average_days'] or 'n/a'):>10} days avg, "
                     f"median {summary['median_days']} ({summary['invoices']} invoices)")
    u = r["unbilled_usage"]
    lines.append(f"  Unbilled usage             {u['amount']:>10} {u['currency']} on {u['orders']} order(s), "
                 f"oldest {u['oldest_days'] if u['oldest_days'] is not None else '-'} days")
    lines.append("  Aging: " + ", ".join(f"{k} {v}" for k, v in r["aging"].items()))
    lines.append("  DSO trend: " + ", ".join(f"{p['as_of']} {p['dso']}" for p in r["dso_trend"]))
    return "\n".join(lines)


def run_kpi(args):
    from o2c.receivables.kpis import kpi_chart_svg, kpi_report
    if args.period_days < 1:
        raise UsageError("o2c kpi: --period-days must be at least 1")
    ready()
    with unit_of_work(read_only=True) as uow:
        report = kpi_report(uow.conn, _as_of(args), args.period_days)
    if args.chart:
        _write(args.chart, kpi_chart_svg(report))
    emit(args, report, _kpi_text(report) + (f"\n  chart -> {args.chart}" if args.chart else ""))
