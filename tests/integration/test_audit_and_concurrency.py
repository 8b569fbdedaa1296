"""The audit log proves it was not edited; two processes racing for the last unit cannot both win."""
import multiprocessing
from datetime import date

import pytest
from sqlalchemy import delete, func, select, update

from o2c.audit.service import verify
from o2c.masterdata.service import load_master_data
from o2c.orders.model import LineRequest, OrderRequest
from o2c.orders.service import allocate_order, create_order
from o2c.storage import schema as t
from o2c.storage.db import dispose_engines
from o2c.storage.uow import unit_of_work


@pytest.fixture
def loaded(db_url, demo_master):
    with unit_of_work("test") as uow:
        load_master_data(uow, demo_master)
    return db_url


def tamper(statement) -> list[str]:
    with unit_of_work("intruder") as uow:
        uow.conn.execute(statement)
    with unit_of_work(read_only=True) as uow:
        return verify(uow.conn)


def test_untouched_log_verifies(loaded):
    with unit_of_work(read_only=True) as uow:
        assert verify(uow.conn) == []
        assert uow.conn.execute(select(func.count()).select_from(t.audit_log)).scalar_one() > 30


def test_an_edited_record_is_detected(loaded):
    problems = tamper(update(t.audit_log).where(t.audit_log.c.seq == 5).values(actor="someone-else"))
    assert problems == ["audit record 5: content was changed after it was written"]


def test_a_record_deleted_in_the_middle_is_detected(loaded):
    problems = tamper(delete(t.audit_log).where(t.audit_log.c.seq == 7))
    assert "audit record 7 is missing (next is 8)" in problems


def test_the_newest_records_deleted_are_detected(loaded):
    with unit_of_work(read_only=True) as uow:
        last = uow.conn.execute(select(func.max(t.audit_log.c.seq))).scalar_one()
    problems = tamper(delete(t.audit_log).where(t.audit_log.c.seq >= last - 1))
    assert any("newest records deleted" in p for p in problems)


def test_a_rehashed_edit_still_breaks_the_chain(loaded):
    # an intruder who edits a record and recomputes its own hash breaks the next record's link
    from o2c.audit.model import chain_hash
    from o2c.audit.service import _record
    with unit_of_work(read_only=True) as uow:
        row = uow.conn.execute(select(t.audit_log).where(t.audit_log.c.seq == 3)).mappings().one()
    record = _record(3, row["at"], "forger", row["action"], row["entity"], row["entity_id"], row["document_ref"],
                     row["payload"])
    problems = tamper(update(t.audit_log).where(t.audit_log.c.seq == 3)
                      .values(actor="forger", hash=chain_hash(row["prev_hash"], record)))
    assert problems == ["audit record 4: chain broken (previous hash does not match)"]


def _race(url: str, order_id: str, barrier, results):
    import os
    os.environ["O2C_DATABASE_URL"] = url
    dispose_engines()
    barrier.wait()
    with unit_of_work("racer") as uow:
        result = allocate_order(uow, order_id)
    results.put((order_id, result.allocated.get(1, 0)))


def test_two_processes_racing_for_the_last_unit_exactly_one_wins(loaded):
    # K-1002 has exactly one unit in the warehouse (lot L24100, serial SN910001)
    with unit_of_work("test") as uow:
        orders = [create_order(uow, OrderRequest("stock", "D-100", date(2026, 11, 20), (LineRequest("K-1002", 1),)))
                  for _ in range(2)]
    dispose_engines()
    ctx = multiprocessing.get_context("spawn")
    barrier, results = ctx.Barrier(2), ctx.Queue()
    workers = [ctx.Process(target=_race, args=(loaded, o, barrier, results)) for o in orders]
    for w in workers:
        w.start()
    for w in workers:
        w.join(60)
    assert all(w.exitcode == 0 for w in workers)
    outcome = dict(results.get(timeout=5) for _ in workers)
    assert sorted(outcome.values()) == [0, 1]
    with unit_of_work(read_only=True) as uow:
        balance = uow.conn.execute(select(t.stock_balances).where(
            t.stock_balances.c.item_id == "K-1002", t.stock_balances.c.location_id == "DC-1")).mappings().one()
        allocations = uow.conn.execute(select(func.sum(t.allocations.c.quantity))).scalar_one()
    assert (balance["quantity"], balance["allocated"], allocations) == (1, 1, 1)


def test_the_database_itself_refuses_negative_stock(loaded):
    from sqlalchemy.exc import IntegrityError
    with pytest.raises(IntegrityError):
        with unit_of_work("test") as uow:
            uow.conn.execute(update(t.stock_balances).where(t.stock_balances.c.item_id == "K-1002")
                             .values(quantity=t.stock_balances.c.quantity - 5))
