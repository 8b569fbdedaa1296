"""The o2c command as a person or a script uses it: exit codes, messages, no tracebacks."""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path


O2C = [sys.executable, "-m", "o2c"]


def run(*args, db: str, cwd: Path | None = None):
    env = {**os.environ, "O2C_DATABASE_URL": db}
    return subprocess.run([*O2C, *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=300)


def test_init_load_aging_and_trial_balance(db_url, demo_master):
    assert run("init", db=db_url).returncode == 0
    first = run("load", str(demo_master), "--json", db=db_url)
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout)["inserted"]["items.csv"] == 5
    again = run("load", str(demo_master), db=db_url)
    assert again.returncode == 0 and "no changes" in again.stdout
    aging = json.loads(run("ar", "aging", "--as-of", "2026-11-20", "--json", db=db_url).stdout)
    assert aging["totals"]["total"] == "16740.55"
    tb = json.loads(run("ledger", "trial-balance", "--json", db=db_url).stdout)
    assert tb["total"] == "0.00"
    assert run("audit", "verify", db=db_url).returncode == 0


def test_bad_master_data_exits_1_with_line_precise_messages(db_url, demo_master, tmp_path):
    bad = tmp_path / "bad"
    shutil.copytree(demo_master, bad)
    (bad / "reps.csv").write_text("rep_id,name,phone\nDR-9,Pat,555-1234\n")
    result = run("load", str(bad), db=db_url)
    assert result.returncode == 1
    assert "reps.csv:2: phone: '555-1234' is not a phone number in E.164 form" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_usage_errors_exit_2(db_url, tmp_path):
    assert run("load", db=db_url).returncode == 2
    assert run("no-such-command", db=db_url).returncode == 2
    result = run("load", str(tmp_path / "missing"), db=db_url)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    result = run("ar", "aging", "--as-of", "yesterday-ish", db=db_url)
    assert result.returncode == 1 and "--as-of" in result.stderr


def test_demo_ends_with_a_balanced_summary(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "O2C_DATABASE_URL"}
    result = subprocess.run([*O2C, "demo"], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Open receivables by aging bucket" in out and "Trial balance" in out
    assert [line.split()[-1] for line in out.splitlines() if line.strip().startswith("total")] == ["0.00"]
    assert "Audit log: intact" in out
    assert "partially_shipped" in out


def test_demo_runs_on_the_configured_database(db_url, tmp_path):
    result = run("demo", "--json", db=db_url, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["trial_balance_total"] == "0.00" and summary["audit"] == "intact"
    open_total = sum(int(i["open_minor"]) for i in summary["invoices"])
    aging_total = sum(int(v.replace(".", "")) for v in summary["aging_totals"].values())
    assert aging_total == open_total
    assert not (tmp_path / "o2c-demo.db").exists()     # the configured database was used


def test_recall_and_edi_outbound_commands(db_url, demo_master, tmp_path):
    PO_850 = (Path(__file__).parents[1] / "data" / "harborview_850.edi").read_text()
    assert run("load", str(demo_master), db=db_url).returncode == 0
    po = tmp_path / "po.edi"
    po.write_text(PO_850)
    ingest = run("ingest", str(po), "--channel", "edi", "--from", "HARBORVIEW", "--json", db=db_url)
    assert json.loads(ingest.stdout.splitlines()[0])["status"] == "created", ingest.stdout
    out = run("edi", "outbound", "--out", str(tmp_path / "out"), "--json", db=db_url)
    assert sorted(m["transaction"] for m in json.loads(out.stdout)) == ["855", "997"]
    recall = run("recall", "L24002", "L24003", "--json", db=db_url)
    units = [json.loads(line) for line in recall.stdout.splitlines()]
    # the order is allocated but not shipped yet: every unit is still ours, in the warehouse or the closet
    assert {(u["lot"], u["status"], u["location_id"]) for u in units} == {
        ("L24002", "in_stock", "DC-1"), ("L24003", "in_stock", "CON-D-100")}


def test_aging_chart_and_load_progress(db_url, demo_master, tmp_path):
    from xml.etree import ElementTree
    loaded = run("load", str(demo_master), db=db_url)
    assert "storing inventory.csv (9 rows)" in loaded.stderr
    chart = tmp_path / "aging.svg"
    result = run("ar", "aging", "--as-of", "2026-11-20", "--chart", str(chart), db=db_url)
    assert result.returncode == 0
    texts = [el.text for el in ElementTree.parse(chart).iter() if el.text]
    assert {"3,310.45", "12,450.10", "980.00"} <= set(texts)
