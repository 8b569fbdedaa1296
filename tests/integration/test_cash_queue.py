"""The cash exception queue: a person's confirmation applies the cash and teaches the matcher, so the
same payer's next payment goes through on its own; payments in one file see each other."""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from o2c.cash.importing import import_bank_file
from o2c.cash.queue import confirm, list_exceptions, reject, show_exception
from o2c.cash.service import ApplicationRequest, record_payment
from o2c.kernel.errors import Conflict
from o2c.ledger.service import trial_balance
from o2c.masterdata.service import load_master_data
from o2c.storage import schema as t
from o2c.storage.uow import unit_of_work

HEADER = ("lockbox_id,deposit_date,batch,item,check_number,check_amount,remitter_name,remitter_aba,"
          "remitter_account,invoice_number,amount_paid,deduction,deduction_reason\n")
ZENITH = "ZENITH PAYMENT SERVICES,011000015,5551234"
COBALT = "COBALT RIDGE SURGERY CTR,011000015,7770001"
TODAY = date(2026, 11, 20)


def write_master(folder: Path) -> Path:
    folder.mkdir()
    (folder / "customers.csv").write_text(
        "customer_id,name,kind,payment_terms\n"
        "C-1,Alder Creek Hospital,hospital,2/10 NET30\n"
        "C-2,Birch Valley Clinic,clinic,NET30\n"
        "C-3,Cobalt Ridge Surgery Center,asc,NET30\n")
    (folder / "open_items.csv").write_text(
        "invoice_number,customer_id,invoice_date,due_date,amount,currency,po_number\n"
        "INV-100,C-1,2026-10-01,2026-10-31,500.00,USD,PO-1\n"
        "INV-200,C-2,2026-10-02,2026-11-01,500.00,USD,PO-2\n"
        "INV-101,C-1,2026-10-05,2026-11-04,730.25,USD,PO-3\n"
        "INV-300,C-3,2026-11-12,2026-12-12,1000.00,USD,PO-4\n"
        "INV-301,C-3,2026-10-12,2026-11-11,2400.00,USD,PO-5\n")
    return folder


@pytest.fixture
def small(db_url, tmp_path):
    with unit_of_work("test") as uow:
        load_master_data(uow, write_master(tmp_path / "master"))
    return db_url


def lockbox(*rows: str) -> bytes:
    return (HEADER + "".join(f"LBX-9,2026-11-18,001,{i:04d},{row}\n" for i, row in enumerate(rows, 1))).encode()


def run_import(data: bytes, name: str):
    with unit_of_work("clerk") as uow:
        return import_bank_file(uow, data, name)


def open_of(number: str) -> int:
    with unit_of_work(read_only=True) as uow:
        return uow.conn.execute(select(t.invoices.c.open_minor).where(t.invoices.c.invoice_number == number)
                                ).scalar_one()


def test_confirmation_teaches_the_payer_so_its_next_payment_applies_itself(small):
    [first] = run_import(lockbox(f"5001,500.00,{ZENITH},,,,"), "monday.csv")
    assert first.status == "exception" and first.exception_id is not None
    entry = show_exception_of(first.exception_id)
    assert {a["invoice_number"] for s in entry["suggestions"] for a in s["applications"]} == {"INV-100", "INV-200"}

    with unit_of_work("clerk") as uow:
        done = confirm(uow, first.exception_id, [("INV-100", None)])
    assert done["status"] == "applied" and open_of("INV-100") == 0
    assert {r["kind"] for r in done["learned"]} >= {"payer_customer", "account_customer"}
    assert list_exceptions_open() == []

    [second] = run_import(lockbox(f"6001,730.25,{ZENITH},,,,"), "tuesday.csv")
    assert second.status == "applied" and second.customer_id == "C-1"
    assert [(a.invoice_number, a.amount) for a in second.applications] == [("INV-101", Decimal("730.25"))]
    assert_balanced()


def show_exception_of(exception_id: int) -> dict:
    with unit_of_work(read_only=True) as uow:
        return show_exception(uow.conn, exception_id)


def list_exceptions_open() -> list[dict]:
    with unit_of_work(read_only=True) as uow:
        return list_exceptions(uow.conn)


def assert_balanced() -> None:
    with unit_of_work(read_only=True) as uow:
        assert sum(trial_balance(uow.conn).values()) == 0


def test_a_confirmed_entry_cannot_be_confirmed_twice_and_rejecting_keeps_the_cash_on_account(small):
    [first] = run_import(lockbox(f"5001,500.00,{ZENITH},,,,"), "monday.csv")
    with unit_of_work("clerk") as uow:
        result = reject(uow, first.exception_id, "customer will call")
    assert result["status"] == "rejected"
    with pytest.raises(Conflict):
        with unit_of_work("clerk") as uow:
            confirm(uow, first.exception_id, [("INV-100", None)])
    with unit_of_work(read_only=True) as uow:
        payment = uow.conn.execute(select(t.payments).where(t.payments.c.payment_id == first.payment_id)
                                   ).mappings().one()
    assert payment["status"] == "unapplied" and payment["unapplied_minor"] == 50000
    assert_balanced()


def test_payments_in_one_file_see_invoices_reduced_by_earlier_ones(small):
    outcomes = run_import(lockbox(f"5003,2400.00,{COBALT},INV-301,2400.00,,",
                                  f"5004,2400.00,{COBALT},INV-301,2400.00,,"), "twice.csv")
    assert outcomes[0].status == "applied"
    assert not outcomes[1].applications and outcomes[1].status in ("unapplied", "exception")
    assert open_of("INV-301") == 0
    assert_balanced()


def test_a_deduction_is_a_claim_and_the_invoice_stays_open_for_it(small):
    [short] = run_import(lockbox(f"5002,955.00,{COBALT},INV-300,955.00,45.00,PRICING DISPUTE"), "short.csv")
    assert short.status == "partial"
    assert [(a.invoice_number, a.amount) for a in short.applications] == [("INV-300", Decimal("955.00"))]
    assert open_of("INV-300") == 4500
    with unit_of_work(read_only=True) as uow:
        claim = uow.conn.execute(select(t.cash_deductions)).mappings().one()
        reason = uow.conn.execute(select(t.payment_applications.c.reason_code)).scalar_one()
    assert claim["amount_minor"] == 4500 and claim["invoice_number"] == "INV-300" and claim["status"] == "open"
    assert "PRICING" in (claim["reason"] or "").upper() and reason
    assert_balanced()


def test_a_discount_within_terms_settles_the_invoice(small):
    # INV-100 (2/10 NET30, 500.00 billed 2026-10-01) paid 490.00 on 2026-10-08
    data = (HEADER + "LBX-9,2026-10-08,001,0001,7001,490.00,"
            "ALDER CREEK HOSPITAL,011000015,1112223,INV-100,490.00,,\n").encode()
    [paid] = run_import(data, "early.csv")
    assert paid.status == "applied"
    assert [(a.invoice_number, a.amount, a.discount) for a in paid.applications] == [
        ("INV-100", Decimal("490.00"), Decimal("10.00"))]
    assert open_of("INV-100") == 0
    with unit_of_work(read_only=True) as uow:
        assert trial_balance(uow.conn)["4900 Sales discounts"] == 1000


def test_a_payment_recorded_by_hand_applies_and_refuses_over_application(small):
    with unit_of_work("clerk") as uow:
        record_payment(uow, amount=Decimal("600.00"), value_date=TODAY, customer_id="C-3",
                       applications=[ApplicationRequest("INV-300", Decimal("600.00"))])
    assert open_of("INV-300") == 40000
    with pytest.raises(Conflict):
        with unit_of_work("clerk") as uow:
            record_payment(uow, amount=Decimal("500.00"), value_date=TODAY, customer_id="C-3",
                           applications=[ApplicationRequest("INV-300", Decimal("500.00"))])
    assert open_of("INV-300") == 40000
    assert_balanced()

