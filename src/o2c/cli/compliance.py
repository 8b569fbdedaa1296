"""Compliance commands: recall look-up."""
from __future__ import annotations

from o2c.cli.commands import ready
from o2c.cli.main import command, emit
from o2c.storage.uow import unit_of_work


@command("recall")
def _recall(sub):
    p = sub.add_parser("recall", help="every unit of the lots: where it is now, or where it was implanted")
    p.add_argument("lots", nargs="+", metavar="LOT")
    p.add_argument("--reveal-patient", action="store_true", help="show sealed patient references (audited)")
    p.add_argument("--actor", default="cli")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=run_recall)


def run_recall(args):
    from o2c.compliance.recall import recall_lots
    ready()
    with unit_of_work(args.actor, read_only=not args.reveal_patient) as uow:
        units = recall_lots(uow.conn, args.lots, reveal_patient=args.reveal_patient)
        if args.reveal_patient:
            uow.audit("patient_data_revealed", "recall", ",".join(args.lots), {"units": len(units)})
    if args.json:
        for unit in units:
            emit(args, unit)
        return 0
    if not units:
        print(f"no units found for lot(s) {', '.join(args.lots)}")
        return 0
    for u in units:
        where = (f"{u['location_id']} ({u['location_kind']})" if u["status"] == "in_stock" else
                 f"{u['customer_id']} site {u['site_id'] or '-'}"
                 + (f", {u['procedure_date']} physician {u['physician_id'] or '-'} patient {u['patient_ref'] or '-'}"
                    if u["status"] == "implanted" else f", order {u['order_id']}"))
        print(f"{u['lot']:<10} {u['item_id']:<12} {u['serial'] or '-':<12} x{u['quantity']:<4} {u['status']:<10} {where}")
    return 0


@command("edi")
def _edi(sub):
    p = sub.add_parser("edi", help="EDI messages o2c sends (997, 855 ...)")
    s = p.add_subparsers(dest="edi_command", required=True)
    o = s.add_parser("outbound", help="write the outbound EDI messages to files")
    o.add_argument("--out", required=True, help="folder to write <partner>-<set>-<event>.x12 files into")
    o.add_argument("--json", action="store_true")
    o.set_defaults(func=run_edi_outbound)


def run_edi_outbound(args):
    from pathlib import Path
    from o2c.intake.edi_out import outbound_messages
    ready()
    folder = Path(args.out)
    folder.mkdir(parents=True, exist_ok=True)
    with unit_of_work(read_only=True) as uow:
        messages = outbound_messages(uow.conn)
    written = []
    for m in messages:
        payload = m["payload"]
        path = folder / f"{payload['partner']}-{payload['transaction']}-{m['event_id']}.x12"
        path.write_text(payload["content"])
        written.append({"file": str(path), "transaction": payload["transaction"], "partner": payload["partner"],
                        "document_id": m["aggregate_id"], "po_number": payload.get("po_number")})
    emit(args, written, "\n".join(f"{w['file']}  {w['transaction']} to {w['partner']}" for w in written)
         or "no outbound EDI messages")
