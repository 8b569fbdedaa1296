"""When an order is invoiced: a registry of named triggers, chosen per order type by configuration.

Companies bill differently per kind of order: stock orders when they ship (or only on proof of
delivery), bill-only orders when the implant is reported used (or only once the hospital's PO
arrives, because many hospitals pay nothing without a PO number), and consignment replenishment
never (the stock stays ours until it is used). ``settings()["invoice_trigger"]`` maps each order type
to a trigger name; a trigger is a pure decision over one business event::

    [invoice_trigger]
    stock = "on_delivery"
    bill_only = "on_po"

Business events (``shipped``, ``delivered``, ``used``, ``po_attached``) are reported with ``fire``,
which invoices every shipment the configured trigger selects, in the same transaction as the event.
``confirm_delivery`` and ``attach_po`` are the use cases that produce the last two events.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Callable

from sqlalchemy import select, update

from o2c.kernel.config import settings
from o2c.kernel.dates import utc
from o2c.kernel.errors import Conflict, NotFound, O2CError
from o2c.storage import schema as t
from o2c.storage.uow import UnitOfWork

EVENTS = ("shipped", "delivered", "used", "po_attached")


@dataclass(frozen=True, slots=True)
class BillingEvent:
    """Something happened to an order that may make it billable."""

    name: str                      # one of EVENTS
    order: dict                    # the order row as it is after the event
    shipment_id: str | None        # the shipment (or usage) concerned; None for order-level events
    uninvoiced: tuple[str, ...]    # the order's shipments/usages not invoiced yet, oldest first


#: A trigger reads an event and names the shipments to invoice now.
Trigger = Callable[[BillingEvent], tuple[str, ...]]
TRIGGERS: dict[str, Trigger] = {}


def trigger(name: str):
    """Register a trigger under the name configuration uses."""
    def register(func: Trigger) -> Trigger:
        TRIGGERS[name] = func
        return func
    return register


def _this_shipment(event: BillingEvent) -> tuple[str, ...]:
    return (event.shipment_id,) if event.shipment_id in event.uninvoiced else ()


@trigger("on_shipment")
def on_shipment(event: BillingEvent) -> tuple[str, ...]:
    """Bill when goods leave: the usual rule for stock orders (FOB shipping point)."""
    return _this_shipment(event) if event.name == "shipped" else ()


@trigger("on_delivery")
def on_delivery(event: BillingEvent) -> tuple[str, ...]:
    """Bill on proof of delivery: for customers buying FOB destination, who dispute anything earlier."""
    return _this_shipment(event) if event.name == "delivered" else ()


@trigger("on_usage")
def on_usage(event: BillingEvent) -> tuple[str, ...]:
    """Bill when the implant is reported used in a case (bill-only from consignment or trunk stock)."""
    return _this_shipment(event) if event.name == "used" else ()


@trigger("on_po")
def on_po(event: BillingEvent) -> tuple[str, ...]:
    """Bill once the customer's PO is known: everything used so far when the PO arrives, and any later
    usage at once, since the PO is already there to quote."""
    if event.name == "po_attached":
        return event.uninvoiced
    if event.name in ("used", "shipped") and event.order.get("po_number"):
        return _this_shipment(event)
    return ()


@trigger("never")
def never(event: BillingEvent) -> tuple[str, ...]:
    """Consignment replenishment: the stock stays ours at the hospital; usage is billed on its own."""
    return ()


def trigger_for(order_type: str) -> tuple[str, Trigger]:
    """The configured trigger of an order type; a name that is not registered is a configuration error,
    reported rather than silently never billing."""
    name = settings()["invoice_trigger"].get(order_type, "never")
    if name not in TRIGGERS:
        raise O2CError(f"invoice_trigger.{order_type} = {name!r} is not one of {', '.join(sorted(TRIGGERS))}",
                       code="config")
    return name, TRIGGERS[name]


def uninvoiced_shipments(uow: UnitOfWork, order_id: str) -> tuple[str, ...]:
    """The order's shipments and usages that no invoice covers yet, oldest first."""
    invoiced = select(t.invoices.c.shipment_id).where(t.invoices.c.shipment_id.is_not(None),
                                                      t.invoices.c.kind == "invoice")
    rows = uow.conn.execute(select(t.shipments.c.shipment_id).where(
        t.shipments.c.order_id == order_id, t.shipments.c.shipment_id.not_in(invoiced))
        .order_by(t.shipments.c.shipped_at, t.shipments.c.shipment_id)).scalars().all()
    return tuple(rows)


def _order(uow: UnitOfWork, order_id: str) -> dict:
    row = uow.conn.execute(select(t.orders).where(t.orders.c.order_id == order_id)).mappings().first()
    if row is None:
        raise NotFound(f"order {order_id} does not exist")
    return dict(row)


def fire(uow: UnitOfWork, event_name: str, order_id: str, shipment_id: str | None = None) -> list[str]:
    """Report a business event; invoice what the order type's trigger selects. Returns the invoice
    numbers raised (often none)."""
    from o2c.billing.service import invoice_shipment
    if event_name not in EVENTS:
        raise ValueError(f"unknown billing event {event_name!r}")
    order = _order(uow, order_id)
    _, decide = trigger_for(order["order_type"])
    event = BillingEvent(event_name, order, shipment_id, uninvoiced_shipments(uow, order_id))
    return [invoice_shipment(uow, chosen) for chosen in decide(event)]


def confirm_delivery(uow: UnitOfWork, shipment_id: str, delivered_at: datetime) -> list[str]:
    """Proof of delivery for a shipment (carrier POD, signed packing slip). Recorded once; invoices the
    shipment when its order type bills ``on_delivery``. Returns the invoice numbers raised."""
    shipment = uow.conn.execute(select(t.shipments).where(t.shipments.c.shipment_id == shipment_id)
                                ).mappings().first()
    if shipment is None:
        raise NotFound(f"shipment {shipment_id} does not exist", code="unknown_shipment")
    if shipment["status"] == "delivered":
        raise Conflict(f"shipment {shipment_id} was already delivered on {shipment['delivered_at']}",
                       code="already_delivered")
    if shipment["status"] != "shipped":
        raise Conflict(f"shipment {shipment_id} is {shipment['status']}: there is no delivery to confirm",
                       code="not_in_transit")
    delivered_at = utc(delivered_at)           # a POD time without a zone is read as UTC, as we store it
    if delivered_at < utc(shipment["shipped_at"]):
        raise Conflict(f"shipment {shipment_id} cannot be delivered at {delivered_at.isoformat()}, before it "
                       f"shipped at {shipment['shipped_at'].isoformat()}", code="delivered_before_shipped")
    uow.conn.execute(update(t.shipments).where(t.shipments.c.shipment_id == shipment_id)
                     .values(status="delivered", delivered_at=delivered_at))
    payload = {"order_id": shipment["order_id"], "delivered_at": delivered_at.isoformat()}
    uow.audit("delivered", "shipment", shipment_id, payload, document_ref=shipment["order_id"])
    uow.emit("shipment.delivered", "shipment", shipment_id, payload)
    return fire(uow, "delivered", shipment["order_id"], shipment_id)


def attach_po(uow: UnitOfWork, order_id: str, po_number: str) -> list[str]:
    """The customer's PO arrived for an order (typically a bill-only case billed before the hospital
    issued its PO). The number goes on the order, and on its invoices when the trigger is ``on_po``.
    Replacing a different PO is refused: that is a correction for a person, not a quiet overwrite."""
    po_number = (po_number or "").strip()
    if not po_number:
        raise Conflict("a PO number is required", code="po_required")
    order = _order(uow, order_id)
    if order["po_number"] and order["po_number"] != po_number:
        raise Conflict(f"order {order_id} already has PO {order['po_number']}; {po_number} was not attached",
                       code="po_already_attached")
    uow.conn.execute(update(t.orders).where(t.orders.c.order_id == order_id).values(po_number=po_number))
    uow.audit("po_attached", "order", order_id, {"po_number": po_number})
    uow.emit("order.po_attached", "order", order_id, {"po_number": po_number})
    return fire(uow, "po_attached", order_id)
