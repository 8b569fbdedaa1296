"""Billing commands: ``o2c invoice ...`` and ``o2c shipment deliver``.

Thin wrappers around the billing use cases: list and show invoices, write them as PDF, UBL or X12 810,
e-mail them, credit and rebill them, and report the credit-and-rebill rate. Every action that changes
or sends something runs in one unit of work, so it is audited and reaches the outbox with the change.
"""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path

from o2c.cli.main import UsageError, command, emit
from o2c.storage.uow import unit_of_work


def _ready() -> None:
    from o2c.cli.commands import ready
    ready()


def _money(minor: int, currency: str = "USD") -> str:
    from o2c.kernel.money import from_minor
    return str(from_minor(minor, currency))


def _pairs(values: list[str] | None, option: str, convert) -> dict[int, object]:
    """``["1=2", "3=1"]`` -> ``{1: 2, 3: 1}``; a malformed pair is a usage error naming the option."""
    out: dict[int, object] = {}
    for text in values or []:
        line, sep, value = text.partition("=")
        try:
            if not sep:
                raise ValueError
            out[int(line)] = convert(value.strip())
        except (ValueError, InvalidOperation):
            raise UsageError(f"o2c invoice: {option} {text!r} is not LINE=VALUE") from None
    return out


def _write(path: str, data: bytes | str) -> Path:
    target = Path(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    except OSError as err:
        raise UsageError(f"o2c invoice: cannot write {path}: {err.strerror or err}") from None
    return target


# --- parser ----------------------------------------------------------------------------------------
@command("invoice")
def _invoice(sub):
    p = sub.add_parser("invoice", help="invoices and credit memos: list, show, render, send, credit, rebill")
    s = p.add_subparsers(dest="invoice_command", required=True)

    ls = s.add_parser("list", help="invoices and credit memos")
    ls.add_argument("--customer")
    ls.add_argument("--status", help="open, paid, credited, applied ...")
    ls.add_argument("--kind", choices=("invoice", "credit_memo", "opening"))
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(func=run_list)

    show = s.add_parser("show", help="one invoice with lines, terms, discount and its credits")
    show.add_argument("number")
    show.add_argument("--json", action="store_true")
    show.set_defaults(func=run_show)

    for name, func, text in (("pdf", run_pdf, "write the PDF"), ("ubl", run_ubl, "write UBL 2.1 (Peppol BIS 3)"),
                             ("x12", run_x12, "write an X12 810 to the customer's EDI id")):
        r = s.add_parser(name, help=text)
        r.add_argument("number")
        r.add_argument("-o", "--output", required=True, metavar="FILE")
        r.add_argument("--actor", default="cli")
        r.add_argument("--json", action="store_true")
        r.set_defaults(func=func)

    send = s.add_parser("send", help="e-mail the invoice with its PDF and UBL attached")
    send.add_argument("number")
    send.add_argument("--to", required=True, action="append", metavar="ADDRESS")
    send.add_argument("--smtp-host")
    send.add_argument("--smtp-port", type=int)
    send.add_argument("--from", dest="sender", metavar="ADDRESS")
    send.add_argument("--actor", default="cli")
    send.add_argument("--json", action="store_true")
    send.set_defaults(func=run_send)

    credit = s.add_parser("credit", help="issue a credit memo (full, or --line L=QTY for part)")
    credit.add_argument("number")
    credit.add_argument("--reason", required=True, metavar="CODE")
    credit.add_argument("--line", action="append", metavar="L=QTY")
    credit.add_argument("--note")
    credit.add_argument("--actor", default="cli")
    credit.add_argument("--json", action="store_true")
    credit.set_defaults(func=run_credit)

    rebill = s.add_parser("rebill", help="credit in full and bill again with corrections")
    rebill.add_argument("number")
    rebill.add_argument("--reason", required=True, metavar="CODE")
    rebill.add_argument("--price", action="append", metavar="LINE=PRICE")
    rebill.add_argument("--qty", action="append", metavar="LINE=QTY")
    rebill.add_argument("--customer", help="bill the rebill to this customer instead")
    rebill.add_argument("--po", help="the PO number the rebill quotes")
    rebill.add_argument("--note")
    rebill.add_argument("--actor", default="cli")
    rebill.add_argument("--json", action="store_true")
    rebill.set_defaults(func=run_rebill)

    rate = s.add_parser("credit-rate", help="credit memos and rebills per invoice issued in a period")
    rate.add_argument("--from", dest="start", help="first day (default: 30 days before --to)")
    rate.add_argument("--to", dest="end", help="last day (default: today)")
    rate.add_argument("--json", action="store_true")
    rate.set_defaults(func=run_credit_rate)

    po = s.add_parser("attach-po", help="the customer's PO arrived for an order (bills it when the trigger is on_po)")
    po.add_argument("order_id")
    po.add_argument("po_number")
    po.add_argument("--actor", default="cli")
    po.add_argument("--json", action="store_true")
    po.set_defaults(func=run_attach_po)


@command("shipment")
def _shipment(sub):
    p = sub.add_parser("shipment", help="shipments")
    s = p.add_subparsers(dest="shipment_command", required=True)
    d = s.add_parser("deliver", help="record proof of delivery (bills it when the trigger is on_delivery)")
    d.add_argument("shipment_id")
    d.add_argument("--at", metavar="TIME", help="ISO 8601 delivery time (default: now)")
    d.add_argument("--actor", default="cli")
    d.add_argument("--json", action="store_true")
    d.set_defaults(func=run_deliver)


# --- listing ---------------------------------------------------------------------------------------
def _summary(row: dict) -> dict:
    return {"invoice_number": row["invoice_number"], "kind": row["kind"], "customer_id": row["customer_id"],
            "issue_date": str(row["issue_date"]), "due_date": str(row["due_date"]), "status": row["status"],
            "currency": row["currency"], "total": _money(row["total_minor"], row["currency"]),
            "open": _money(row["open_minor"], row["currency"]), "po_number": row["po_number"],
            "order_id": row["order_id"], "original_invoice": row["original_invoice"],
            "reason_code": row["reason_code"]}


def run_list(args):
    from o2c.billing.service import invoices
    _ready()
    with unit_of_work(read_only=True) as uow:
        rows = [_summary(r) for r in invoices(uow.conn, customer_id=args.customer, status=args.status,
                                              kind=args.kind)]
    text = "\n".join(f"{r['invoice_number']:<12} {r['kind']:<11} {r['customer_id']:<10} {r['issue_date']} "
                     f"{r['status']:<9} {r['total']:>12} {r['open']:>12}" for r in rows)
    emit(args, rows, text or "no invoices")


def _detail(conn, number: str) -> dict:
    from o2c.billing.credits import credits_of
    from o2c.billing.service import get_invoice
    invoice, lines = get_invoice(conn, number)
    cur = invoice["currency"]
    return {**_summary(invoice), "payment_terms": invoice["payment_terms"],
            "subtotal": _money(invoice["subtotal_minor"], cur), "freight": _money(invoice["freight_minor"], cur),
            "tax": _money(invoice["tax_minor"], cur),
            "tax_rate": None if invoice["tax_rate"] is None else str(invoice["tax_rate"]),
            "discount": {"percent": None if invoice["discount_percent"] is None else str(invoice["discount_percent"]),
                         "until": invoice["discount_until"].isoformat() if invoice["discount_until"] else None,
                         "amount": _money(invoice["discount_minor"], cur)},
            "shipment_id": invoice["shipment_id"], "linked_credit_memo": invoice["linked_credit_memo"],
            "note": invoice["note"], "sent_at": invoice["sent_at"].isoformat() if invoice["sent_at"] else None,
            "lines": [{"line_no": l["line_no"], "item_id": l["item_id"], "description": l["description"],
                       "quantity": l["quantity"], "uom": l["uom"], "unit_price": str(l["unit_price"]),
                       "amount": _money(l["amount_minor"], cur), "lot": l["lot"], "serial": l["serial"],
                       "expiry": l["expiry"].isoformat() if l["expiry"] else None,
                       "original_line_no": l["original_line_no"]} for l in lines],
            "corrections": [{"invoice_number": c["invoice_number"], "kind": c["kind"], "reason_code": c["reason_code"],
                             "total": _money(c["total_minor"], cur), "issue_date": str(c["issue_date"])}
                            for c in credits_of(conn, number)]}


def _detail_text(d: dict) -> str:
    title = "Credit memo" if d["kind"] == "credit_memo" else "Invoice"
    out = [f"{title} {d['invoice_number']}  {d['customer_id']}  issued {d['issue_date']}  due {d['due_date']}  "
           f"[{d['status']}]"]
    if d["original_invoice"]:
        out.append(f"  corrects {d['original_invoice']} ({d['reason_code']})"
                   + (f", after credit memo {d['linked_credit_memo']}" if d["linked_credit_memo"] else ""))
    if d["po_number"]:
        out.append(f"  PO {d['po_number']}  order {d['order_id']}")
    for l in d["lines"]:
        trace = " ".join(f"{k} {l[k]}" for k in ("lot", "serial", "expiry") if l[k])
        out.append(f"  {l['line_no']:>3} {l['item_id']:<12} {l['quantity']:>5} {l['uom']:<3} x {l['unit_price']:>10} "
                   f"= {l['amount']:>12}  {trace}")
    out.append(f"  subtotal {d['subtotal']}  freight {d['freight']}  tax {d['tax']}  total {d['total']}  "
               f"open {d['open']} {d['currency']}")
    if d["payment_terms"]:
        out.append(f"  terms {d['payment_terms']}" + (
            f"; discount {d['discount']['amount']} if paid by {d['discount']['until']}"
            if d["discount"]["until"] else ""))
    for c in d["corrections"]:
        out.append(f"  {c['kind']} {c['invoice_number']} {c['issue_date']} {c['reason_code'] or ''} {c['total']}")
    return "\n".join(out)


def run_show(args):
    _ready()
    with unit_of_work(read_only=True) as uow:
        detail = _detail(uow.conn, args.number)
    emit(args, detail, _detail_text(detail))


# --- documents -------------------------------------------------------------------------------------
def _render_and_record(args, channel: str, render) -> None:
    """Render inside a unit of work so the export is audited and emitted like any dispatch."""
    from o2c.billing.documents import invoice_document
    from o2c.billing.service import record_dispatch
    _ready()
    with unit_of_work(args.actor) as uow:
        data = render(invoice_document(uow.conn, args.number))
        record_dispatch(uow, args.number, channel, str(args.output))
    target = _write(args.output, data)
    emit(args, {"invoice_number": args.number, "format": channel, "output": str(target), "bytes": len(data)},
         f"{args.number}: wrote {target} ({len(data)} bytes)")


def run_pdf(args):
    from o2c.billing.render.pdf import render_invoice_pdf
    _render_and_record(args, "pdf", render_invoice_pdf)


def run_ubl(args):
    from o2c.billing.render.ubl import invoice_to_ubl
    _render_and_record(args, "ubl", invoice_to_ubl)


def run_x12(args):
    from o2c.billing.documents import invoice_x12
    _ready()
    with unit_of_work(args.actor) as uow:
        text = invoice_x12(uow, args.number)
    target = _write(args.output, text)
    emit(args, {"invoice_number": args.number, "format": "x12", "output": str(target), "bytes": len(text)},
         f"{args.number}: wrote 810 to {target}")


def smtp_settings(args):
    """Command line first, then ``[smtp]`` in the configuration, then a local relay on port 25."""
    from o2c.billing.delivery import SmtpSettings
    from o2c.kernel.config import settings
    configured = settings().get("smtp") or {}
    company = settings()["company"]
    return SmtpSettings(host=args.smtp_host or configured.get("host", "localhost"),
                        port=args.smtp_port or int(configured.get("port", 25)),
                        sender=args.sender or configured.get("sender") or company.get("email") or "billing@localhost",
                        username=configured.get("username"), password=configured.get("password"),
                        starttls=bool(configured.get("starttls", False)),
                        timeout=float(configured.get("timeout", 30)))


def run_send(args):
    from o2c.billing.documents import send_invoice
    _ready()
    with unit_of_work(args.actor) as uow:
        dispatch = send_invoice(uow, args.number, args.to, smtp_settings(args))
    payload = {"invoice_number": args.number, "message_id": dispatch.message_id,
               "recipients": list(dispatch.recipients), "refused": list(dispatch.refused)}
    emit(args, payload, f"{args.number}: sent to {', '.join(dispatch.recipients)} ({dispatch.message_id})"
         + (f"; refused: {', '.join(dispatch.refused)}" if dispatch.refused else ""))
    return 1 if dispatch.refused else 0


# --- corrections -----------------------------------------------------------------------------------
def run_credit(args):
    from o2c.billing.credits import credit_invoice
    lines = _pairs(args.line, "--line", int) or None
    _ready()
    with unit_of_work(args.actor) as uow:
        number = credit_invoice(uow, args.number, lines, args.reason, args.note)
        detail = _detail(uow.conn, number)
    emit(args, detail, f"credit memo {number} for {args.number}: {detail['total']} {detail['currency']} "
         f"({args.reason}); open on it {detail['open']}")


def run_rebill(args):
    from o2c.billing.credits import Corrections, rebill
    fixes = Corrections(prices=_pairs(args.price, "--price", Decimal), quantities=_pairs(args.qty, "--qty", int),
                        customer_id=args.customer, po_number=args.po)
    _ready()
    with unit_of_work(args.actor) as uow:
        result = rebill(uow, args.number, fixes, args.reason, args.note)
        detail = _detail(uow.conn, result.invoice)
    payload = {"original_invoice": args.number, "credit_memo": result.credit_memo, "invoice": result.invoice,
               "total": detail["total"], "reason_code": args.reason}
    emit(args, payload, f"{args.number} credited by {result.credit_memo} and rebilled as {result.invoice} "
         f"({detail['total']} {detail['currency']})")


def run_credit_rate(args):
    from o2c.billing.credits import credit_rebill_rate
    from o2c.kernel.dates import parse_date
    end = parse_date(args.end, "--to") if args.end else date.today()
    start = parse_date(args.start, "--from") if args.start else end - timedelta(days=30)
    if start > end:
        raise UsageError("o2c invoice credit-rate: --from is after --to")
    _ready()
    with unit_of_work(read_only=True) as uow:
        result = credit_rebill_rate(uow.conn, start, end)
    payload = result.as_dict()
    rate = "n/a" if result.rate is None else f"{(result.rate * 100).quantize(Decimal('0.01'))}%"
    emit(args, payload, f"{start} .. {end}: {result.invoices_issued} invoices, {result.credit_memos} credit memos "
         f"({result.rebills} rebills): credit-and-rebill rate {rate}")


# --- billing events --------------------------------------------------------------------------------
def run_attach_po(args):
    from o2c.billing.triggers import attach_po
    _ready()
    with unit_of_work(args.actor) as uow:
        raised = attach_po(uow, args.order_id, args.po_number)
    emit(args, {"order_id": args.order_id, "po_number": args.po_number, "invoices": raised},
         f"PO {args.po_number} attached to {args.order_id}"
         + (f"; invoiced {', '.join(raised)}" if raised else "; nothing to invoice"))


def run_deliver(args):
    from o2c.billing.triggers import confirm_delivery
    from o2c.kernel.dates import parse_timestamp, utcnow
    at = parse_timestamp(args.at, "--at") if args.at else utcnow()
    _ready()
    with unit_of_work(args.actor) as uow:
        raised = confirm_delivery(uow, args.shipment_id, at)
    emit(args, {"shipment_id": args.shipment_id, "delivered_at": at.isoformat(), "invoices": raised},
         f"{args.shipment_id} delivered {at.isoformat()}"
         + (f"; invoiced {', '.join(raised)}" if raised else ""))
