"""Recall look-up: where every unit of a lot is now, or in whom it was implanted.

Traceability comes from the inventory move ledger: every unit's path from receipt to the customer or
the patient is a chain of moves carrying its lot and serial. A recall reads the current balances (units
still in our warehouses, 3PLs, consignment closets and trunks) and the moves that left our hands:
shipped to a customer, or used in a procedure (bill-only), with the facility, physician and date.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.engine import Connection

from o2c.inventory.model import CUSTOMER, PATIENT
from o2c.storage import schema as t


def recall_lots(conn: Connection, lots: list[str], *, reveal_patient: bool = False) -> list[dict]:
    """One record per unit (or per quantity of unserialised units) of each lot, where it is now."""
    results: list[dict] = []
    for lot in lots:
        results += _in_stock(conn, lot)
        results += _left_our_hands(conn, lot, reveal_patient)
    return results


def _in_stock(conn: Connection, lot: str) -> list[dict]:
    b, loc = t.stock_balances, t.locations
    rows = conn.execute(select(b.c.item_id, b.c.location_id, b.c.serial, b.c.expiry, b.c.quantity, b.c.owner,
                               loc.c.kind, loc.c.name, loc.c.customer_id)
                        .join(loc, loc.c.location_id == b.c.location_id, isouter=True)
                        .where(b.c.lot == lot, b.c.quantity > 0)
                        .order_by(b.c.item_id, b.c.location_id, b.c.serial)).mappings()
    return [{"lot": lot, "item_id": r["item_id"], "serial": r["serial"] or None, "expiry": r["expiry"],
             "quantity": r["quantity"], "status": "in_stock", "location_id": r["location_id"],
             "location_kind": r["kind"], "location_name": r["name"], "customer_id": r["customer_id"]} for r in rows]


def _left_our_hands(conn: Connection, lot: str, reveal_patient: bool) -> list[dict]:
    m, o = t.stock_moves, t.orders
    rows = conn.execute(select(m.c.item_id, m.c.serial, m.c.expiry, m.c.quantity, m.c.to_location, m.c.at,
                               m.c.from_location, m.c.order_id, m.c.shipment_id, o.c.customer_id, o.c.site_id,
                               o.c.procedure, o.c.po_number)
                        .join(o, o.c.order_id == m.c.order_id, isouter=True)
                        .where(m.c.lot == lot, m.c.to_location.in_([CUSTOMER, PATIENT]))
                        .order_by(m.c.at, m.c.move_id)).mappings()
    found = []
    for r in rows:
        # the column type unseals on read; without the reveal flag the reference is withheld here
        procedure = (r["procedure"] if reveal_patient else _without_patient(r["procedure"])) or {}
        implanted = r["to_location"] == PATIENT
        found.append({
            "lot": lot, "item_id": r["item_id"], "serial": r["serial"], "expiry": r["expiry"],
            "quantity": r["quantity"], "status": "implanted" if implanted else "shipped",
            "from_location": r["from_location"], "customer_id": r["customer_id"], "site_id": r["site_id"],
            "order_id": r["order_id"], "shipment_id": r["shipment_id"], "at": r["at"],
            "procedure_date": procedure.get("date") if implanted else None,
            "physician_id": procedure.get("physician_id") if implanted else None,
            "case_id": procedure.get("case_id") if implanted else None,
            "patient_ref": procedure.get("patient_ref") if implanted else None,
        })
    return found


def _without_patient(procedure: dict | None) -> dict | None:
    if not procedure:
        return procedure
    return {k: v for k, v in procedure.items() if k != "patient_ref"} | (
        {"patient_ref": "(protected: use --reveal-patient)"} if procedure.get("patient_ref") else {})
