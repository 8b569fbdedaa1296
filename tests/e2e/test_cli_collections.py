"""Collections through the o2c command: dunning, promises, disputes, worklist, holds, statements, KPIs."""
import json
import os
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

import pytest

O2C = [sys.executable, "-m", "o2c"]


def run(*args, db: str, cwd: Path | None = None):
    env = {**os.environ, "O2C_DATABASE_URL": db}
    return subprocess.run([*O2C, *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=300)


def ok(*args, db: str, cwd: Path | None = None):
    result = run(*args, db=db, cwd=cwd)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return json.loads(result.stdout) if "--json" in args else result.stdout


@pytest.fixture
def db(tmp_path, demo_master) -> str:
    url = f"sqlite:///{tmp_path / 'o2c.db'}"
    assert run("init", db=url).returncode == 0
    assert run("load", str(demo_master), db=url).returncode == 0
    return url


def test_collections_day_from_the_command_line(db, tmp_path):
    run_ = ok("dunning", "run", "--as-of", "2026-11-05", "--out", str(tmp_path / "letters"), "--json", db=db)
    assert sorted((l["customer_id"], l["level"]) for l in run_["letters"]) == [
        ("D-100", "final_notice"), ("D-200", "friendly_reminder"), ("D-300", "final_notice")]
    assert len(list((tmp_path / "letters").glob("*.pdf"))) == 3
    promise = ok("promise", "add", "OB-5002", "--amount", "3310.45", "--date", "2026-11-10", "--contact",
                 "Jo in AP", "--made-on", "2026-11-06", "--json", db=db)
    dispute = ok("dispute", "open", "OB-5003", "--reason", "damaged", "--owner", "dana", "--json", db=db)
    again = ok("dunning", "run", "--as-of", "2026-11-12", "--json", db=db)
    assert [(l["invoices"], l["reasons"]) for l in again["letters"]] == [(["OB-5002"], ["broken_promise"])]
    listed = ok("promise", "list", "--as-of", "2026-11-12", "--json", db=db)
    assert [(p["promise_id"], p["status"]) for p in listed] == [(promise["promise_id"], "broken")]
    work = ok("collections", "worklist", "--as-of", "2026-11-12", "--json", db=db)
    assert [w["customer_id"] for w in work] == ["D-100", "D-200"]      # D-300's only invoice is disputed
    assert "1 broken promise(s) to pay" in work[1]["reasons"]
    assert ok("dispute", "resolve", str(dispute["dispute_id"]), "--resolution", "write_off", "--json",
              db=db)["written_off_minor"] == 98000
    evaluated = ok("credit", "evaluate", "--as-of", "2026-12-20", "--json", db=db)
    assert [c["customer_id"] for c in evaluated] == ["D-100"]            # 98 days past due
    request = ok("credit", "release-request", "D-100", "--reason", "wire promised", "--actor", "alice", "--json", db=db)
    refused = run("credit", "release-approve", str(request["request_id"]), "--actor", "alice", db=db)
    assert refused.returncode == 1 and "cannot approve" in refused.stderr
    ok("credit", "release-approve", str(request["request_id"]), "--actor", "bob", db=db)
    assert ok("credit", "holds", "--json", db=db) == []
    out = ok("statement", "D-200", "-o", str(tmp_path / "st.pdf"), "--as-of", "2026-11-20", db=db)
    assert "balance 3310.45 USD" in out and (tmp_path / "st.pdf").read_bytes().startswith(b"%PDF")
    kpi = ok("kpi", "--as-of", "2026-11-20", "--json", "--chart", str(tmp_path / "kpi.svg"), db=db)
    assert kpi["dso"]["method"] == "countback" and kpi["aging"]["90+"] == "0.00"
    ElementTree.parse(tmp_path / "kpi.svg")


def test_refusals_exit_1_and_usage_errors_exit_2(db):
    unknown = run("dispute", "open", "NOPE-1", "--reason", "pricing", "--owner", "dana", db=db)
    assert unknown.returncode == 1 and "NOPE-1" in unknown.stderr and "Traceback" not in unknown.stderr
    assert run("dispute", "open", "OB-5001", "--reason", "because", "--owner", "dana", db=db).returncode == 2
    assert run("promise", "add", "OB-5001", "--amount", "abc", "--date", "2026-12-01", db=db).returncode == 1
    assert run("dunning", "run", "--send", db=db).returncode == 2
    assert run("kpi", "--as-of", "20-11-2026", db=db).returncode == 1


def test_human_readable_output(db, monkeypatch, capsys, tmp_path):
    """The text forms, run in-process (the JSON forms above cover the subprocess path)."""
    from o2c.cli.main import main
    from o2c.storage.db import dispose_engines
    monkeypatch.setenv("O2C_DATABASE_URL", db)
    try:
        assert main(["dunning", "run", "--as-of", "2026-11-20"]) == 0
        assert main(["dunning", "list"]) == 0
        assert main(["collections", "worklist", "--as-of", "2026-11-20", "--limit", "2"]) == 0
        assert main(["credit", "evaluate", "--as-of", "2026-11-20"]) == 0
        assert main(["credit", "holds"]) == 0
        assert main(["kpi", "--as-of", "2026-11-20"]) == 0
    finally:
        dispose_engines()
    out = capsys.readouterr().out
    assert "dunning run as of 2026-11-20: 3 letter(s)" in out
    assert "1. D-100" in out and "3. D-200" not in out
    assert "D-300      set: an invoice is 108 days past due (hold after 90)" in out
    assert "DSO (countback)                 173.0 days" in out and "Unbilled usage" in out
