"""Credit limits and automatic credit holds, with a two-person release.

``evaluate_holds`` puts a customer on hold when its open receivables exceed its credit limit or an
undisputed invoice is more than N days past due (``[collections.credit] past_due_days``, by default
the intake's ``past_due_hold_days``), and lifts the hold it set once neither is true any more. Each
automatic hold is a ``credit_holds`` row with its reasons; a hold set by hand (``customers.on_hold``
without such a row) is never lifted automatically.

Releasing a hold early is a credit decision: one person requests it, a different person approves
it, both are audited. An approved release holds for ``release_days`` (default 30): during that time
``evaluate_holds`` does not put the customer back on hold for the same facts.

Intake calls ``is_on_hold(conn, customer_id)`` to stop new orders from a customer on hold.
"""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import Connection

from o2c.kernel.config import settings
from o2c.kernel.errors import Conflict, InvalidValue, NotFound
from o2c.kernel.money import round_money, to_minor
from o2c.receivables.collections import HoldReason, hold_reasons
from o2c.receivables.dunning import DUNNABLE_KINDS, collections_config
from o2c.storage import schema as t
from o2c.storage.uow import UnitOfWork


def credit_settings() -> dict:
    """past_due_days and release_days, from ``[collections.credit]`` with defaults."""
    credit = dict(collections_config().get("credit") or {})
    default_days = int((settings().get("intake") or {}).get("past_due_hold_days", 90))
    return {"past_due_days": int(credit.get("past_due_days", default_days)),
            "release_days": int(credit.get("release_days", 30))}


def is_on_hold(conn: Connection, customer_id: str) -> tuple[bool, list[str]]:
    """Whether new orders from the customer must stop, and why (for the intake exception message)."""
    on_hold = conn.execute(select(t.customers.c.on_hold).where(t.customers.c.customer_id == customer_id)).scalar()
    if not on_hold:
        return False, []
    hold = _active_hold(conn, customer_id)
    if hold is None:
        return True, ["placed on credit hold by hand"]
    return True, [r["message"] for r in hold["reasons"]]


def _active_hold(conn: Connection, customer_id: str) -> dict | None:
    row = conn.execute(select(t.credit_holds).where(t.credit_holds.c.customer_id == customer_id,
                                                    t.credit_holds.c.status == "active")
                       .order_by(t.credit_holds.c.hold_id.desc())).mappings().first()
    return dict(row) if row else None


def _override_until(conn: Connection, customer_id: str) -> date | None:
    return conn.execute(select(func.max(t.credit_release_requests.c.override_until)).where(
        t.credit_release_requests.c.customer_id == customer_id,
        t.credit_release_requests.c.status == "approved")).scalar()


def credit_positions(conn: Connection, as_of: date) -> dict[str, dict]:
    """Per customer: open receivables (credits netted) and the oldest undisputed days past due.

    Two GROUP BY queries, so evaluating every customer stays cheap with many open items."""
    inv = t.invoices
    positions = {r["customer_id"]: {"open_minor": 0, "oldest_days": 0, "currency": r["currency"],
                                    "credit_limit": r["credit_limit"], "on_hold": bool(r["on_hold"])}
                 for r in conn.execute(select(t.customers)).mappings()}
    totals = (select(inv.c.customer_id, func.sum(inv.c.open_minor))
              .where(inv.c.open_minor != 0, inv.c.issue_date <= as_of).group_by(inv.c.customer_id))
    for customer_id, total in conn.execute(totals):
        if customer_id in positions:
            positions[customer_id]["open_minor"] = int(total)
    disputed = select(t.disputes.c.invoice_number).where(t.disputes.c.status == "open")
    oldest = (select(inv.c.customer_id, func.min(inv.c.due_date))
              .where(inv.c.open_minor > 0, inv.c.issue_date <= as_of, inv.c.kind.in_(DUNNABLE_KINDS),
                     inv.c.invoice_number.not_in(disputed))
              .group_by(inv.c.customer_id))
    for customer_id, due_date in conn.execute(oldest):
        if customer_id in positions:
            positions[customer_id]["oldest_days"] = max((as_of - due_date).days, 0)
    return positions


def _reasons_for(position: dict, past_due_days: int) -> list[HoldReason]:
    limit = position["credit_limit"]
    currency = position["currency"]
    limit_minor = None if limit is None else to_minor(round_money(limit, currency), currency)
    return hold_reasons(open_ar_minor=position["open_minor"], credit_limit_minor=limit_minor,
                        oldest_days_past_due=position["oldest_days"], past_due_days=past_due_days, currency=currency)


def _set_hold(uow: UnitOfWork, customer_id: str, reasons: list[dict], as_of: date) -> None:
    uow.conn.execute(update(t.customers).where(t.customers.c.customer_id == customer_id).values(on_hold=True))
    uow.conn.execute(insert(t.credit_holds).values(customer_id=customer_id, status="active", reasons=reasons,
                                                   set_on=as_of, created_at=uow.now))
    uow.audit("hold_set", "customer", customer_id, {"reasons": reasons, "as_of": str(as_of)})
    uow.emit("customer.hold_set", "customer", customer_id, {"reasons": reasons, "as_of": str(as_of)})


def _end_hold(uow: UnitOfWork, customer_id: str, hold_id: int, status: str, as_of: date) -> None:
    uow.conn.execute(update(t.customers).where(t.customers.c.customer_id == customer_id).values(on_hold=False))
    uow.conn.execute(update(t.credit_holds).where(t.credit_holds.c.hold_id == hold_id)
                     .values(status=status, ended_on=as_of, ended_by=uow.actor))


def evaluate_holds(uow: UnitOfWork, as_of: date) -> list[dict]:
    """Set and clear automatic holds as of ``as_of``; returns what changed."""
    config = credit_settings()
    changes = []
    for customer_id, position in sorted(credit_positions(uow.conn, as_of).items()):
        reasons = [r.as_dict() for r in _reasons_for(position, config["past_due_days"])]
        hold = _active_hold(uow.conn, customer_id)
        if hold is not None and not reasons:
            _end_hold(uow, customer_id, hold["hold_id"], "cleared", as_of)
            uow.audit("hold_cleared", "customer", customer_id, {"as_of": str(as_of)})
            uow.emit("customer.hold_cleared", "customer", customer_id, {"as_of": str(as_of)})
            changes.append({"customer_id": customer_id, "change": "cleared", "reasons": []})
        elif hold is not None and reasons != hold["reasons"]:
            uow.conn.execute(update(t.credit_holds).where(t.credit_holds.c.hold_id == hold["hold_id"])
                             .values(reasons=reasons))
            uow.audit("hold_reasons_changed", "customer", customer_id, {"reasons": reasons})
            changes.append({"customer_id": customer_id, "change": "reasons_changed", "reasons": reasons})
        elif hold is None and reasons and not position["on_hold"]:
            override = _override_until(uow.conn, customer_id)
            if override is not None and as_of <= override:
                continue
            _set_hold(uow, customer_id, reasons, as_of)
            changes.append({"customer_id": customer_id, "change": "set", "reasons": reasons})
    return changes


def request_release(uow: UnitOfWork, customer_id: str, reason: str) -> int:
    """Ask for a customer's hold to be lifted; a different person must approve it."""
    on_hold, _ = is_on_hold(uow.conn, customer_id)
    if not on_hold:
        raise Conflict(f"customer {customer_id} is not on credit hold", code="not_on_hold")
    if not reason or not reason.strip():
        raise InvalidValue("reason", "a release request says why")
    pending = uow.conn.execute(select(t.credit_release_requests.c.request_id).where(
        t.credit_release_requests.c.customer_id == customer_id,
        t.credit_release_requests.c.status == "pending")).scalar()
    if pending:
        raise Conflict(f"customer {customer_id} already has release request {pending} waiting for approval",
                       code="release_pending")
    request_id = uow.conn.execute(insert(t.credit_release_requests).values(
        customer_id=customer_id, status="pending", reason=reason.strip(), requested_by=uow.actor,
        requested_on=uow.today, created_at=uow.now)).inserted_primary_key[0]
    payload = {"request_id": request_id, "reason": reason.strip(), "requested_by": uow.actor}
    uow.audit("hold_release_requested", "customer", customer_id, payload)
    uow.emit("customer.hold_release_requested", "customer", customer_id, payload)
    return request_id


def approve_release(uow: UnitOfWork, request_id: int, *, as_of: date | None = None) -> dict:
    """Lift the hold. The approver (``uow.actor``) must not be the requester: four eyes."""
    request = uow.conn.execute(select(t.credit_release_requests).where(
        t.credit_release_requests.c.request_id == request_id)).mappings().first()
    if request is None:
        raise NotFound(f"release request {request_id} does not exist", code="unknown_request")
    if request["status"] != "pending":
        raise Conflict(f"release request {request_id} is already {request['status']}", code="request_closed")
    if uow.actor == request["requested_by"]:
        raise Conflict(f"{uow.actor} requested this release and cannot approve it; another person must",
                       code="same_person")
    as_of = as_of or uow.today
    customer_id = request["customer_id"]
    until = as_of + timedelta(days=credit_settings()["release_days"])
    hold = _active_hold(uow.conn, customer_id)
    if hold is not None:
        _end_hold(uow, customer_id, hold["hold_id"], "released", as_of)
    else:
        uow.conn.execute(update(t.customers).where(t.customers.c.customer_id == customer_id).values(on_hold=False))
    uow.conn.execute(update(t.credit_release_requests).where(t.credit_release_requests.c.request_id == request_id)
                     .values(status="approved", approved_by=uow.actor, approved_on=as_of, override_until=until))
    payload = {"request_id": request_id, "requested_by": request["requested_by"], "approved_by": uow.actor,
               "override_until": str(until)}
    uow.audit("hold_released", "customer", customer_id, payload)
    uow.emit("customer.hold_released", "customer", customer_id, payload)
    return {"customer_id": customer_id, **payload}


def list_holds(conn: Connection) -> list[dict]:
    """Customers on hold with their reasons, and any release waiting for approval."""
    pending = {r["customer_id"]: r for r in conn.execute(select(t.credit_release_requests).where(
        t.credit_release_requests.c.status == "pending")).mappings()}
    result = []
    for row in conn.execute(select(t.customers.c.customer_id, t.customers.c.name).where(
            t.customers.c.on_hold.is_(True)).order_by(t.customers.c.customer_id)).mappings():
        _, reasons = is_on_hold(conn, row["customer_id"])
        hold = _active_hold(conn, row["customer_id"])
        request = pending.get(row["customer_id"])
        result.append({"customer_id": row["customer_id"], "name": row["name"], "reasons": reasons,
                       "since": str(hold["set_on"]) if hold else None, "automatic": hold is not None,
                       "release_request": None if request is None else {
                           "request_id": request["request_id"], "requested_by": request["requested_by"],
                           "reason": request["reason"]}})
    return result
