"""``o2c invoice ...`` and ``o2c shipment deliver`` as an operator uses them: exit codes, JSON, files
written, mail sent over a real local SMTP server, and refusals without tracebacks.

Orders are set up through the use cases (there is no order-entry command to drive); everything billing
does afterwards goes through the command line, in process for speed, plus one real subprocess to prove
the installed entry point behaves the same."""
import json
import os
import socket
import subprocess
import sys
from datetime import date
from decimal import Decimal

import pytest

from o2c.cli.main import main
from o2c.formats.x12.invoice810 import parse_810
from o2c.formats.x12.reader import read_x12
from o2c.masterdata.service import load_master_data
from o2c.orders.model import LineRequest, OrderRequest
from o2c.orders.service import allocate_order, create_order, record_usage, ship_order
from o2c.storage.uow import unit_of_work

TODAY = date(2026, 11, 20)


def o2c(capsys, *args) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def o2c_json(capsys, *args):
    code, out, err = o2c(capsys, *args, "--json")
    assert code == 0, err
    return json.loads(out)


@pytest.fixture
def billed(db_url, demo_master, tmp_path, monkeypatch):
    """Two D-100 shipments (two invoices) and a bill-only case waiting for its PO."""
    config = tmp_path / "o2c.toml"
    config.write_text('[invoice_trigger]\nbill_only = "on_po"\nstock = "on_shipment"\n')
    monkeypatch.setenv("O2C_CONFIG", str(config))
    with unit_of_work("test") as uow:
        load_master_data(uow, demo_master)
        order_id = create_order(uow, OrderRequest("stock", "D-100", TODAY, (
            LineRequest("K-1001", 2), LineRequest("K-1002", 1)), freight=Decimal("45.00"), po_number="PO-77"))
        allocate_order(uow, order_id)
        ship_order(uow, order_id, {1: 1, 2: 1})
        ship_order(uow, order_id, {1: 1})
        case = create_order(uow, OrderRequest("bill_only", "D-100", TODAY, (
            LineRequest("K-1002", 1, lot="L24101", serial="SN910002"),)))
        record_usage(uow, case, "CON-D-100")
    return {"order": order_id, "case": case}


def test_list_show_and_render_every_format(billed, capsys, tmp_path):
    rows = o2c_json(capsys, "invoice", "list", "--customer", "D-100", "--kind", "invoice")
    assert [r["invoice_number"] for r in rows] == ["INV-000001", "INV-000002"]
    assert rows[0]["total"] == "3470.00" and rows[0]["status"] == "open"
    shown = o2c_json(capsys, "invoice", "show", "INV-000001")
    assert shown["discount"] == {"percent": "2.00", "until": shown["discount"]["until"], "amount": "69.40"}
    assert [l["serial"] for l in shown["lines"]] == ["SN900102", "SN910001"]
    code, text, _ = o2c(capsys, "invoice", "show", "INV-000001")
    assert code == 0 and "lot L24002 serial SN900102" in text and "discount 69.40" in text
    for fmt in ("pdf", "ubl", "x12"):
        target = tmp_path / f"out.{fmt}"
        result = o2c_json(capsys, "invoice", fmt, "INV-000001", "-o", str(target))
        assert result["output"] == str(target) and target.stat().st_size == result["bytes"] > 0
    assert (tmp_path / "out.pdf").read_bytes().startswith(b"%PDF")
    assert b"<cbc:ID>INV-000001</cbc:ID>" in (tmp_path / "out.ubl").read_bytes()
    [(interchange, _, transaction)] = list(read_x12((tmp_path / "out.x12").read_text()).transactions("810"))
    assert interchange.receiver_id == "HARBORVIEW" and parse_810(transaction).total == Decimal("3470.00")


def test_credit_rebill_and_the_rate(billed, capsys):
    memo = o2c_json(capsys, "invoice", "credit", "INV-000001", "--reason", "returned_goods", "--line", "2=1",
                    "--note", "shell returned unopened")
    assert memo["kind"] == "credit_memo" and memo["invoice_number"] == "CM-000001"
    assert memo["original_invoice"] == "INV-000001" and memo["total"] == "1275.00"
    assert o2c_json(capsys, "invoice", "show", "INV-000001")["open"] == "2195.00"
    result = o2c_json(capsys, "invoice", "rebill", "INV-000002", "--reason", "pricing_error", "--price", "1=2000.00")
    assert (result["credit_memo"], result["invoice"], result["total"]) == ("CM-000002", "INV-000003", "2000.00")
    rebilled = o2c_json(capsys, "invoice", "show", "INV-000003")
    assert (rebilled["original_invoice"], rebilled["linked_credit_memo"]) == ("INV-000002", "CM-000002")
    original = o2c_json(capsys, "invoice", "show", "INV-000002")
    assert [c["invoice_number"] for c in original["corrections"]] == ["CM-000002", "INV-000003"]
    today = date.today().isoformat()
    rate = o2c_json(capsys, "invoice", "credit-rate", "--from", today, "--to", today)
    assert (rate["invoices_issued"], rate["credit_memos"], rate["rebills"], rate["rate"]) == (2, 2, 1, "1.0000")
    assert o2c_json(capsys, "ledger", "trial-balance")["total"] == "0.00"
    assert o2c(capsys, "audit", "verify")[0] == 0


def test_billing_events_from_the_command_line(billed, capsys):
    assert o2c_json(capsys, "invoice", "list", "--kind", "invoice", "--customer", "D-100")[-1]["order_id"] == \
        billed["order"]                                   # the bill-only case is not billed yet
    result = o2c_json(capsys, "invoice", "attach-po", billed["case"], "4500012345")
    assert result["invoices"] == ["INV-000003"]
    assert o2c_json(capsys, "invoice", "show", "INV-000003")["po_number"] == "4500012345"
    delivered = o2c_json(capsys, "shipment", "deliver", "SH-000001", "--at", "2099-01-01T10:00:00Z")
    assert delivered["invoices"] == []                     # stock bills on shipment here, not on delivery


def test_send_over_smtp(billed, capsys):
    from aiosmtpd.controller import Controller

    class Inbox:
        messages = []

        async def handle_DATA(self, server, session, envelope):
            self.messages.append(envelope)
            return "250 OK"

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    controller = Controller(Inbox(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        sent = o2c_json(capsys, "invoice", "send", "INV-000001", "--to", "ap@harborview.example",
                        "--smtp-host", "127.0.0.1", "--smtp-port", str(port))
        [envelope] = controller.handler.messages
    finally:
        controller.stop()
    assert sent["recipients"] == ["ap@harborview.example"] and sent["refused"] == []
    assert b"INV-000001.pdf" in envelope.content and b"INV-000001.xml" in envelope.content
    assert o2c_json(capsys, "invoice", "show", "INV-000001")["sent_at"] is not None
    unreachable = o2c(capsys, "invoice", "send", "INV-000001", "--to", "ap@harborview.example",
                      "--smtp-host", "127.0.0.1", "--smtp-port", str(port))
    assert unreachable[0] == 1 and "cannot connect" in unreachable[2]


def test_refusals_exit_1_and_usage_errors_exit_2(billed, capsys):
    code, _, err = o2c(capsys, "invoice", "show", "INV-999999")
    assert code == 1 and "does not exist" in err
    code, _, err = o2c(capsys, "invoice", "credit", "INV-000001", "--reason", "felt_like_it")
    assert code == 1 and "pricing_error" in err
    code, _, err = o2c(capsys, "invoice", "credit", "INV-000001", "--reason", "damaged", "--line", "1=5")
    assert code == 1 and "only 1 left to credit" in err
    code, _, err = o2c(capsys, "invoice", "credit", "INV-000001", "--reason", "damaged", "--line", "one")
    assert code == 2 and "LINE=VALUE" in err
    code, _, _ = o2c(capsys, "invoice", "rebill", "INV-000001", "--reason", "pricing_error")
    assert code == 1
    assert o2c(capsys, "invoice", "list")[0] == 0


def test_the_installed_command_prints_no_traceback(billed, tmp_path):
    env = {**os.environ}
    result = subprocess.run([sys.executable, "-m", "o2c", "invoice", "x12", "INV-NOPE", "-o", str(tmp_path / "x")],
                            capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 1 and "Traceback" not in result.stderr and "INV-NOPE" in result.stderr
