"""``o2c cash import``, ``o2c cash queue`` and ``o2c payment record`` as a script drives them."""
import json
import os
import subprocess
import sys
from pathlib import Path

O2C = [sys.executable, "-m", "o2c"]
CONTRACT_KEYS = {"source", "bank_ref", "payment_id", "amount", "status", "applications"}


def run(*args, db: str, cwd: Path | None = None):
    env = {**os.environ, "O2C_DATABASE_URL": db}
    return subprocess.run([*O2C, *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=300)


def write_master(folder: Path) -> Path:
    folder.mkdir()
    (folder / "customers.csv").write_text("customer_id,name,kind,payment_terms\n"
                                          "C-1,Alder Creek Hospital,hospital,NET30\n"
                                          "C-2,Birch Valley Clinic,clinic,NET30\n")
    (folder / "open_items.csv").write_text(
        "invoice_number,customer_id,invoice_date,due_date,amount,currency,po_number\n"
        "INV-100,C-1,2026-10-01,2026-10-31,500.00,USD,PO-1\n"
        "INV-200,C-2,2026-10-02,2026-11-01,500.00,USD,PO-2\n"
        "INV-101,C-1,2026-10-05,2026-11-04,1730.25,USD,PO-3\n")
    return folder


LOCKBOX = ("lockbox_id,deposit_date,batch,item,check_number,check_amount,remitter_name,remitter_aba,"
           "remitter_account,invoice_number,amount_paid\n"
           "LBX-9,2026-11-18,001,0001,5001,500.00,ZENITH PAYMENT SERVICES,011000015,5551234,,\n"
           "LBX-9,2026-11-18,001,0002,5002,1730.25,ALDER CREEK HOSP,011000015,1112223,INV-101,1730.25\n")


def test_import_prints_one_contract_line_per_payment_and_the_queue_resolves_the_rest(db_url, tmp_path):
    master = write_master(tmp_path / "master")
    assert run("load", str(master), db=db_url).returncode == 0
    (tmp_path / "lockbox.csv").write_text(LOCKBOX)
    result = run("cash", "import", "lockbox.csv", "--json", db=db_url, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(lines) == 2
    for line in lines:
        assert CONTRACT_KEYS <= set(line) and line["source"] == "lockbox.csv"
    by_ref = {line["bank_ref"]: line for line in lines}
    assert by_ref["5002"]["status"] == "applied"
    assert by_ref["5002"]["applications"] == [{"invoice_number": "INV-101", "amount": "1730.25"}]
    assert by_ref["5001"]["status"] == "exception" and by_ref["5001"]["amount"] == "500.00"

    queue = json.loads(run("cash", "queue", "list", "--json", db=db_url).stdout)
    assert [q["bank_ref"] for q in queue] == ["5001"]
    shown = run("cash", "queue", "show", str(queue[0]["exception_id"]), db=db_url)
    assert "INV-100" in shown.stdout and "INV-200" in shown.stdout
    done = run("cash", "queue", "confirm", str(queue[0]["exception_id"]), "--invoice", "INV-200=500.00",
               "--json", db=db_url)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["status"] == "applied"
    assert json.loads(run("cash", "queue", "list", "--json", db=db_url).stdout) == []

    again = run("cash", "import", "lockbox.csv", "--json", db=db_url, cwd=tmp_path)
    assert [json.loads(line)["payment_id"] for line in again.stdout.splitlines()] == \
        [line["payment_id"] for line in lines]
    tb = json.loads(run("ledger", "trial-balance", "--json", db=db_url).stdout)
    assert tb["total"] == "0.00"


def test_refused_and_missing_files_exit_1_naming_the_file(db_url, tmp_path):
    (tmp_path / "noise.bai").write_text("this is not a bank file\n")
    result = run("cash", "import", str(tmp_path / "noise.bai"), str(tmp_path / "absent.csv"), "--json", db=db_url)
    assert result.returncode == 1
    assert "noise.bai" in result.stderr and "absent.csv" in result.stderr
    assert result.stdout == "" and "Traceback" not in result.stderr


def test_payment_recorded_by_hand(db_url, tmp_path):
    master = write_master(tmp_path / "master")
    assert run("load", str(master), db=db_url).returncode == 0
    result = run("payment", "record", "--customer", "C-1", "--amount", "800.00", "--invoice", "INV-100",
                 "--date", "2026-11-20", "--json", db=db_url)
    assert result.returncode == 0, result.stderr
    payment = json.loads(result.stdout)
    assert payment["status"] == "partial" and payment["unapplied"] == "300.00"
    assert payment["applications"] == [{"invoice_number": "INV-100", "amount": "500.00"}]
    wrong = run("payment", "record", "--customer", "C-1", "--amount", "10.00", "--invoice", "INV-200",
                "--date", "2026-11-20", db=db_url)
    assert wrong.returncode == 1 and "C-2" in wrong.stderr and "Traceback" not in wrong.stderr


def test_a_banks_own_lockbox_headers_are_read_through_the_configured_column_map(db_url, tmp_path):
    master = write_master(tmp_path / "master")
    assert run("load", str(master), db=db_url).returncode == 0
    (tmp_path / "o2c.toml").write_text('[cash.lockbox_columns]\n"Remit Doc" = "invoice_number"\n')
    (tmp_path / "odd.csv").write_text("Check Number,Check Amount,Remitter Name,Remit Doc,Deposit Date\n"
                                      "8001,1000.00,ALDER CREEK HOSP,INV-101,2026-11-18\n")
    result = subprocess.run([*O2C, "cash", "import", "odd.csv", "--json"], capture_output=True, text=True,
                            cwd=tmp_path, timeout=300,
                            env={**os.environ, "O2C_DATABASE_URL": db_url, "O2C_CONFIG": str(tmp_path / "o2c.toml")})
    assert result.returncode == 0, result.stderr
    [line] = [json.loads(x) for x in result.stdout.splitlines()]
    assert line["status"] == "partial"     # a part payment of INV-101, known only from the mapped column
    assert line["applications"] == [{"invoice_number": "INV-101", "amount": "1000.00"}]


def test_cash_on_account_is_applied_by_a_person(tmp_path, demo_master):
    """A payment recorded without invoices stays on account until someone applies it."""
    env = {**os.environ, "O2C_DATABASE_URL": f"sqlite:///{tmp_path / 'apply.db'}"}
    def o2c(*args):
        return subprocess.run([sys.executable, "-m", "o2c", *args], capture_output=True, text=True, env=env,
                              timeout=120)
    assert o2c("load", str(demo_master)).returncode == 0
    recorded = o2c("payment", "record", "--customer", "D-200", "--amount", "4000.00", "--date", "2026-11-20",
                   "--json")
    assert recorded.returncode == 0, recorded.stderr
    payment_id = json.loads(recorded.stdout)["payment_id"]
    applied = o2c("cash", "apply", payment_id, "--invoice", "OB-5002", "--json")
    assert applied.returncode == 0, applied.stderr
    result = json.loads(applied.stdout)
    assert result["applications"] == [{"invoice_number": "OB-5002", "amount": "3310.45"}]
    assert result["unapplied"] == "689.55" and result["status"] == "partial"
    too_much = o2c("cash", "apply", payment_id, "--invoice", "OB-5001=1000.00")
    assert too_much.returncode == 1 and "Traceback" not in too_much.stderr
    tb = json.loads(o2c("ledger", "trial-balance", "--json").stdout)
    assert tb["total"] == "0.00"
