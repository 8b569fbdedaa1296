"""Order use cases: create (priced from contracts), allocate (FEFO, never oversell), ship in part, and
record usage of consigned product (bill-only). Invoicing follows the configured trigger per order type.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import Connection

from o2c.inventory.model import CUSTOMER, PATIENT, pick
from o2c.inventory.service import available_lots, move_stock, reserve
from o2c.kernel.config import settings
from o2c.kernel.errors import Conflict, NotFound, Problem, ValidationFailed
from o2c.kernel.money import round_money, to_minor
from o2c.ledger import model as ledger
from o2c.masterdata.repository import get_customer, get_item, contracts_for
from o2c.orders.model import ORDER_TYPES, AllocationResult, OrderRequest, line_open, order_status
from o2c.pricing.model import quote_price, to_stock_units
from o2c.storage import schema as t
from o2c.storage.uow import UnitOfWork

MAX_ALLOCATION_ATTEMPTS = 5


def _next_id(conn: Connection, table, column, prefix: str) -> str:
    count = conn.execute(select(func.count()).select_from(table)).scalar_one()
    candidate = count + 1
    while conn.execute(select(column).where(column == f"{prefix}{candidate:06d}")).first():
        candidate += 1
    return f"{prefix}{candidate:06d}"


def get_order(conn: Connection, order_id: str) -> tuple[dict, list[dict]]:
    order = conn.execute(select(t.orders).where(t.orders.c.order_id == order_id)).mappings().first()
    if order is None:
        raise NotFound(f"order {order_id} does not exist")
    lines = conn.execute(select(t.order_lines).where(t.order_lines.c.order_id == order_id)
                         .order_by(t.order_lines.c.line_no)).mappings().all()
    return dict(order), [dict(l) for l in lines]


def default_ship_from(conn: Connection) -> str:
    configured = settings().get("default_ship_from")
    if configured:
        return configured
    location = conn.execute(select(t.locations.c.location_id).where(t.locations.c.kind == "warehouse")
                            .order_by(t.locations.c.location_id)).scalar()
    if location is None:
        raise NotFound("no warehouse location is defined to ship from", code="no_warehouse")
    return location


def create_order(uow: UnitOfWork, request: OrderRequest) -> str:
    """Validate and price every line, then store the order as confirmed."""
    conn = uow.conn
    if request.order_type not in ORDER_TYPES:
        raise ValidationFailed("order refused", [Problem("order_type", f"{request.order_type!r} is not one of "
                                                          f"{', '.join(ORDER_TYPES)}", field="order_type")])
    customer = get_customer(conn, request.customer_id)
    problems, priced = [], []
    for no, line in enumerate(request.lines, start=1):
        try:
            item = get_item(conn, line.item_id)
            uom = (line.uom or item.uom).upper()
            stock_qty = to_stock_units(item, line.quantity, uom)
            quote = quote_price(item, customer, contracts_for(conn, item.item_id), quantity=stock_qty,
                                uom=item.uom, on=request.order_date)
            priced.append((no, item, stock_qty, line, quote, quote.unit_price))
        except (NotFound, Conflict) as err:
            problems.append(Problem(err.code, str(err), line=no, field="item_id"))
    if problems:
        raise ValidationFailed(f"order for {request.customer_id} refused", problems)
    order_id = request.order_id or _next_id(conn, t.orders, t.orders.c.order_id, "SO-")
    conn.execute(insert(t.orders).values(
        order_id=order_id, order_type=request.order_type, customer_id=customer.customer_id,
        site_id=request.site_id, po_number=request.po_number, status="confirmed", order_date=request.order_date,
        currency=customer.currency, source_document_id=request.source_document_id,
        ship_from=request.ship_from, freight_minor=to_minor(round_money(request.freight)),
        procedure=request.procedure, created_at=uow.now))
    for no, item, stock_qty, line, quote, unit_price in priced:
        conn.execute(insert(t.order_lines).values(
            order_id=order_id, line_no=no, item_id=item.item_id, quantity=stock_qty, uom=item.uom,
            unit_price=unit_price, price_source=quote.source, contract_id=quote.contract_id, lot=line.lot,
            serial=line.serial))
    payload = {"order_type": request.order_type, "customer_id": customer.customer_id, "po_number": request.po_number,
               "lines": [{"line_no": no, "item_id": item.item_id, "quantity": q, "unit_price": str(p)}
                         for no, item, q, _, _, p in priced]}
    uow.audit("created", "order", order_id, payload, document_ref=request.source_document_id)
    uow.emit("order.confirmed", "order", order_id, payload)
    return order_id


def _refresh_status(uow: UnitOfWork, order_id: str) -> str:
    _, lines = get_order(uow.conn, order_id)
    status = order_status(lines)
    uow.conn.execute(update(t.orders).where(t.orders.c.order_id == order_id).values(status=status))
    return status


def allocate_order(uow: UnitOfWork, order_id: str) -> AllocationResult:
    """Reserve stock for every open line by the configured picking rule (FEFO by default).

    A reservation is a conditional update: if another process took the units between our read and our
    write, the update changes nothing and we pick again from what is left (a few attempts at most).
    What cannot be reserved stays open as a backorder.
    """
    order, lines = get_order(uow.conn, order_id)
    if order["order_type"] != "stock" and order["order_type"] != "consignment_replenishment":
        raise Conflict(f"order {order_id} is {order['order_type']}: nothing to allocate", code="not_allocatable")
    location = order["ship_from"] or default_ship_from(uow.conn)
    result = AllocationResult(order_id)
    for line in lines:
        wanted = line_open(line)
        if wanted <= 0:
            continue
        got = _allocate_line(uow, order_id, line, location, wanted)
        if got:
            result.allocated[line["line_no"]] = got
            uow.conn.execute(update(t.order_lines).where(t.order_lines.c.order_id == order_id,
                                                         t.order_lines.c.line_no == line["line_no"])
                             .values(qty_allocated=t.order_lines.c.qty_allocated + got))
        if wanted - got:
            result.backordered[line["line_no"]] = wanted - got
    if location != order["ship_from"]:
        uow.conn.execute(update(t.orders).where(t.orders.c.order_id == order_id).values(ship_from=location))
    status = _refresh_status(uow, order_id)
    uow.audit("allocated", "order", order_id, {"allocated": result.allocated, "backordered": result.backordered,
                                               "status": status})
    uow.emit("order.allocated", "order", order_id, {"allocated": result.allocated,
                                                   "backordered": result.backordered})
    return result


def _allocate_line(uow: UnitOfWork, order_id: str, line: dict, location: str, wanted: int) -> int:
    rule = settings().get("picking_rule", "fefo")
    got = 0
    for _ in range(MAX_ALLOCATION_ATTEMPTS):
        lots = [l for l in available_lots(uow.conn, line["item_id"], location)
                if (not line["lot"] or l.lot == line["lot"]) and (not line["serial"] or l.serial == line["serial"])]
        picks = pick(lots, wanted - got, on=uow.today, rule=rule) if lots else []
        if not picks:
            break
        lost_race = False
        for chosen in picks:
            if reserve(uow.conn, chosen.balance_id, chosen.quantity):
                uow.conn.execute(insert(t.allocations).values(order_id=order_id, line_no=line["line_no"],
                                                              balance_id=chosen.balance_id, quantity=chosen.quantity))
                got += chosen.quantity
            else:
                lost_race = True
        if got >= wanted or not lost_race:
            break
    return got


def ship_order(uow: UnitOfWork, order_id: str, quantities: dict[int, int] | None = None, *,
               carrier: str | None = None, tracking: str | None = None) -> str:
    """Ship allocated units (all, or ``quantities`` per line). Returns the shipment id.

    Stock moves from the warehouse to the customer, the cost goes to COGS, and when the order type's
    invoice trigger selects it (``on_shipment``) the shipment is invoiced in the same transaction. A
    consignment replenishment is no sale: the units move to the hospital's consignment closet and stay
    ours (and on our books) until they are used.
    """
    order, lines = get_order(uow.conn, order_id)
    replenish = order["order_type"] == "consignment_replenishment"
    destination = consignment_location(uow.conn, order) if replenish else CUSTOMER
    if order["order_type"] == "bill_only":
        raise Conflict(f"order {order_id} is bill-only: product was already used, nothing ships",
                       code="not_shippable")
    by_line = {l["line_no"]: l for l in lines}
    allocs = uow.conn.execute(select(t.allocations, t.stock_balances.c.lot, t.stock_balances.c.serial,
                                     t.stock_balances.c.expiry, t.stock_balances.c.location_id,
                                     t.stock_balances.c.owner)
                              .join(t.stock_balances, t.stock_balances.c.balance_id == t.allocations.c.balance_id)
                              .where(t.allocations.c.order_id == order_id,
                                     t.allocations.c.quantity > t.allocations.c.shipped)
                              .order_by(t.allocations.c.line_no, t.allocations.c.allocation_id)).mappings().all()
    remaining = dict(quantities) if quantities is not None else None
    if remaining:
        for line_no, qty in remaining.items():
            if line_no not in by_line:
                raise NotFound(f"order {order_id} has no line {line_no}")
            ready = sum(a["quantity"] - a["shipped"] for a in allocs if a["line_no"] == line_no)
            if qty > ready:
                raise Conflict(f"order {order_id} line {line_no}: {qty} to ship but only {ready} allocated",
                               code="not_allocated")
    shipment_id = _next_id(uow.conn, t.shipments, t.shipments.c.shipment_id, "SH-")
    uow.conn.execute(insert(t.shipments).values(shipment_id=shipment_id, order_id=order_id, shipped_at=uow.now,
                                                carrier=carrier, tracking=tracking, status="shipped"))
    seq, total_cost, shipped_lines = 0, 0, {}
    costs = _standard_costs(uow.conn, [l["item_id"] for l in lines])
    for alloc in allocs:
        line_no = alloc["line_no"]
        qty = alloc["quantity"] - alloc["shipped"]
        if remaining is not None:
            qty = min(qty, remaining.get(line_no, 0))
            remaining[line_no] = remaining.get(line_no, 0) - qty
        if qty <= 0:
            continue
        line = by_line[line_no]
        move_stock(uow, kind="transfer" if replenish else "ship", item_id=line["item_id"],
                   from_location=alloc["location_id"], to_location=destination, quantity=qty,
                   lot=alloc["lot"] or None, serial=alloc["serial"] or None, expiry=alloc["expiry"],
                   owner=alloc["owner"], to_owner=None if replenish else order["customer_id"], order_id=order_id,
                   shipment_id=shipment_id, document_ref=shipment_id, from_allocated=qty)
        uow.conn.execute(update(t.allocations).where(t.allocations.c.allocation_id == alloc["allocation_id"])
                         .values(shipped=t.allocations.c.shipped + qty))
        cost = to_minor(round_money(costs.get(line["item_id"], Decimal(0)) * qty))
        seq += 1
        uow.conn.execute(insert(t.shipment_lines).values(
            shipment_id=shipment_id, seq=seq, line_no=line_no, item_id=line["item_id"], lot=alloc["lot"] or None,
            serial=alloc["serial"] or None, expiry=alloc["expiry"], quantity=qty, cost_minor=cost))
        total_cost += cost
        shipped_lines[line_no] = shipped_lines.get(line_no, 0) + qty
    if not shipped_lines:
        raise Conflict(f"order {order_id} has nothing allocated to ship", code="nothing_to_ship")
    for line_no, qty in shipped_lines.items():
        uow.conn.execute(update(t.order_lines).where(t.order_lines.c.order_id == order_id,
                                                     t.order_lines.c.line_no == line_no)
                         .values(qty_shipped=t.order_lines.c.qty_shipped + qty))
    if total_cost and replenish:
        uow.post(ledger.stock_transferred(shipment_id, total_cost, ledger.INVENTORY,
                                          ledger.inventory_account(_location_kind(uow.conn, destination))))
    elif total_cost:
        uow.post(ledger.goods_shipped(shipment_id, total_cost))
    status = _refresh_status(uow, order_id)
    payload = {"order_id": order_id, "lines": shipped_lines, "status": status}
    uow.audit("shipped", "shipment", shipment_id, payload, document_ref=order_id)
    uow.emit("shipment.shipped", "shipment", shipment_id, payload)
    from o2c.billing.triggers import fire
    fire(uow, "shipped", order_id, shipment_id)
    return shipment_id


def _location_kind(conn: Connection, location_id: str) -> str | None:
    return conn.execute(select(t.locations.c.kind).where(t.locations.c.location_id == location_id)).scalar()


def consignment_location(conn: Connection, order: dict) -> str:
    """The closet a replenishment fills: the consignment location at the order's site, else the
    customer's only (first) consignment location."""
    loc = t.locations
    for condition in ([loc.c.site_id == order["site_id"]] if order["site_id"] else []) + \
            [loc.c.customer_id == order["customer_id"]]:
        found = conn.execute(select(loc.c.location_id).where(loc.c.kind == "consignment", condition)
                             .order_by(loc.c.location_id)).scalar()
        if found:
            return found
    raise NotFound(f"customer {order['customer_id']} has no consignment location to replenish",
                   code="no_consignment_location")


def _standard_costs(conn: Connection, item_ids: list[str]) -> dict[str, Decimal]:
    rows = conn.execute(select(t.items.c.item_id, t.items.c.standard_cost).where(t.items.c.item_id.in_(item_ids)))
    return {item: Decimal(cost) for item, cost in rows if cost is not None}


def cancel_backorders(uow: UnitOfWork, order_id: str) -> dict[int, int]:
    """Cancel what is neither allocated nor shipped; releases nothing already reserved."""
    _, lines = get_order(uow.conn, order_id)
    cancelled = {}
    for line in lines:
        open_units = line_open(line)
        if open_units > 0:
            cancelled[line["line_no"]] = open_units
            uow.conn.execute(update(t.order_lines).where(t.order_lines.c.order_id == order_id,
                                                         t.order_lines.c.line_no == line["line_no"])
                             .values(qty_cancelled=t.order_lines.c.qty_cancelled + open_units))
    status = _refresh_status(uow, order_id)
    uow.audit("backorders_cancelled", "order", order_id, {"cancelled": cancelled, "status": status})
    return cancelled


def record_usage(uow: UnitOfWork, order_id: str, location_id: str, *, used_on: date | None = None) -> str:
    """Bill-only: the product on the order was implanted from ``location_id`` (consignment or trunk).

    Units move to the patient (for traceability), cost goes to COGS, and the order is invoiced when the
    bill-only trigger selects it (``on_usage``, or ``on_po`` once the PO is known).
    """
    order, lines = get_order(uow.conn, order_id)
    if order["order_type"] != "bill_only":
        raise Conflict(f"order {order_id} is {order['order_type']}, not bill-only", code="not_bill_only")
    costs = _standard_costs(uow.conn, [l["item_id"] for l in lines])
    usage_id = _next_id(uow.conn, t.shipments, t.shipments.c.shipment_id, "US-")
    uow.conn.execute(insert(t.shipments).values(shipment_id=usage_id, order_id=order_id, shipped_at=uow.now,
                                                delivered_at=uow.now, status="used"))
    total_cost = 0
    for seq, line in enumerate(lines, start=1):
        qty = line["quantity"] - line["qty_shipped"] - line["qty_cancelled"]
        if qty <= 0:
            continue
        move_stock(uow, kind="consume", item_id=line["item_id"], from_location=location_id, to_location=PATIENT,
                   quantity=qty, lot=line["lot"], serial=line["serial"], order_id=order_id, shipment_id=usage_id,
                   document_ref=order["source_document_id"] or order_id, to_owner=order["customer_id"])
        cost = to_minor(round_money(costs.get(line["item_id"], Decimal(0)) * qty))
        total_cost += cost
        uow.conn.execute(insert(t.shipment_lines).values(
            shipment_id=usage_id, seq=seq, line_no=line["line_no"], item_id=line["item_id"], lot=line["lot"],
            serial=line["serial"], quantity=qty, cost_minor=cost))
        uow.conn.execute(update(t.order_lines).where(t.order_lines.c.order_id == order_id,
                                                     t.order_lines.c.line_no == line["line_no"])
                         .values(qty_shipped=t.order_lines.c.qty_shipped + qty))
    if total_cost:
        uow.post(ledger.goods_shipped(usage_id, total_cost,
                                      ledger.inventory_account(_location_kind(uow.conn, location_id))))
    _refresh_status(uow, order_id)
    uow.audit("used", "shipment", usage_id, {"order_id": order_id, "location_id": location_id,
                                              "used_on": str(used_on or uow.today)}, document_ref=order_id)
    uow.emit("usage.recorded", "shipment", usage_id, {"order_id": order_id, "location_id": location_id})
    from o2c.billing.triggers import fire
    fire(uow, "used", order_id, usage_id)
    return usage_id
