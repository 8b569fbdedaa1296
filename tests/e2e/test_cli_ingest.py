"""The ``o2c`` command on synthetic corpus documents: statuses match the corpus truth, the queue works
from the command line, and bad input gets an exit code and a message, never a traceback."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

# Fast-to-read families in manifest order: EDI, e-mail, SMS, text PDFs. Together they hold a created
# stock order, an unknown item, an expired lot, a price mismatch, a re-sent PO (duplicate), a credit
# hold, and a usage report followed by the bill-only PO that confirms it.
DOCUMENTS = ["doc-0009", "doc-0015", "doc-0016", "doc-0017", "doc-0020", "doc-0022", "doc-0025", "doc-0028",
             "doc-0029"]


def o2c(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "o2c.cli.main", *args], capture_output=True, text=True, env=env,
                          timeout=300)


@pytest.fixture(scope="module")
def corpus(corpus_dir: Path) -> Path:
    path = corpus_dir / "synthetic"
    if not (path / "manifest.json").is_file():
        pytest.skip("the synthetic corpus is not present")
    return path


@pytest.fixture(scope="module")
def env(tmp_path_factory, corpus: Path) -> dict:
    environment = dict(os.environ, O2C_DATABASE_URL=f"sqlite:///{tmp_path_factory.mktemp('e2e') / 'o2c.db'}")
    loaded = o2c("load", str(corpus / "master"), "--json", env=environment)
    assert loaded.returncode == 0, loaded.stderr
    return environment


@pytest.fixture(scope="module")
def ingested(env: dict, corpus: Path) -> list[dict]:
    manifest = {e["stem"]: e for e in json.loads((corpus / "manifest.json").read_text())["documents"]}
    results = []
    for stem in DOCUMENTS:
        entry = manifest[stem]
        args = ["ingest", str(corpus / entry["file"]), "--json", "--channel", entry["channel"],
                "--received-at", entry["received_at"]]
        if entry.get("from"):
            args += ["--from", entry["from"]]
        run = o2c(*args, env=env)
        assert run.returncode == 0, run.stderr
        assert "Traceback" not in run.stderr
        results.extend(json.loads(l) for l in run.stdout.splitlines() if l.strip())
    return results


def test_statuses_match_the_corpus_truth(ingested: list[dict], corpus: Path):
    assert len(ingested) == len(DOCUMENTS)
    for stem, result in zip(DOCUMENTS, ingested):
        truth = json.loads((corpus / "truth" / f"{stem}.json").read_text())
        assert result["status"] == truth["expect_status"], (stem, result["exceptions"])
        if truth["expect_reason"]:
            assert truth["expect_reason"] in [e["code"] for e in result["exceptions"]], (stem, result["exceptions"])
        assert set(result) == {"source", "document_id", "status", "order_id", "exceptions", "extraction"}
        assert result["extraction"]["source"] == result["source"]


def test_the_bill_only_po_confirms_the_order_of_its_usage_report(ingested: list[dict]):
    by_stem = dict(zip(DOCUMENTS, ingested))
    assert by_stem["doc-0029"]["order_id"] == by_stem["doc-0028"]["order_id"] is not None


def test_ingesting_the_same_file_again_is_a_duplicate(env: dict, corpus: Path, ingested: list[dict]):
    run = o2c("ingest", str(corpus / "docs" / "doc-0016.edi"), "--json", env=env)
    again = json.loads(run.stdout)
    assert run.returncode == 0 and again["status"] == "duplicate"
    assert again["document_id"] == dict(zip(DOCUMENTS, ingested))["doc-0016"]["document_id"]


def test_the_queue_from_the_command_line(env: dict, ingested: list[dict]):
    listed = [json.loads(l) for l in o2c("queue", "list", "--json", env=env).stdout.splitlines()]
    by_stem = dict(zip(DOCUMENTS, ingested))
    assert by_stem["doc-0020"]["document_id"] in {e["document_id"] for e in listed}
    only_price = o2c("queue", "list", "--code", "price_mismatch", "--json", env=env).stdout.splitlines()
    assert [json.loads(l)["document_id"] for l in only_price] == [by_stem["doc-0020"]["document_id"]]
    shown = json.loads(o2c("queue", "show", by_stem["doc-0017"]["document_id"], "--json", env=env).stdout)
    assert shown["extraction"]["po_number"] == "4500012431" and shown["exceptions"]
    approved = o2c("queue", "approve", by_stem["doc-0020"]["document_id"], "--json", env=env)
    assert approved.returncode == 0 and json.loads(approved.stdout)["status"] == "created"
    refused = o2c("queue", "approve", by_stem["doc-0017"]["document_id"], env=env)
    assert refused.returncode == 1 and "unknown_item" in refused.stderr and "Traceback" not in refused.stderr
    rejected = o2c("queue", "reject", by_stem["doc-0017"]["document_id"], "--reason", "test order", env=env)
    assert rejected.returncode == 0


def test_extract_reads_without_side_effects(env: dict, corpus: Path, ingested: list[dict]):
    before = o2c("queue", "list", "--status", "all", "--json", env=env).stdout
    run = o2c("extract", str(corpus / "docs" / "doc-0001.edi"), "--json", env=env)
    assert run.returncode == 0
    extraction = json.loads(run.stdout)
    assert extraction["customer_id"] == "C-1006" and extraction["lines"]
    assert o2c("queue", "list", "--status", "all", "--json", env=env).stdout == before
    again = o2c("ingest", str(corpus / "docs" / "doc-0001.edi"), "--json", env=env)
    assert json.loads(again.stdout)["status"] == "created"   # extract stored nothing: this is its first time


def test_bad_input_gets_an_exit_code_not_a_traceback(env: dict, tmp_path: Path):
    missing = o2c("ingest", str(tmp_path / "nope.pdf"), "--json", env=env)
    assert missing.returncode == 1 and json.loads(missing.stdout)["status"] == "rejected"
    garbage = tmp_path / "garbage.bin"
    garbage.write_bytes(b"\x00\x01\x02 not an order")
    refused = o2c("ingest", str(garbage), "--json", env=env)
    assert refused.returncode == 1 and json.loads(refused.stdout)["status"] == "rejected"
    usage = o2c("queue", "correct", "DOC-000001", env=env)
    assert usage.returncode == 2
    unknown = o2c("queue", "show", "DOC-999999", env=env)
    assert unknown.returncode == 1 and "does not exist" in unknown.stderr
    for run in (missing, refused, usage, unknown):
        assert "Traceback" not in run.stderr


def test_an_interchange_of_several_850s_is_one_line_per_order(tmp_path: Path, demo_master: Path):
    """A mailbag (3 orders in 2 GS groups): ingest and extract print one JSON line per 850, all with the
    file's own name as source; the same file again is a duplicate in every part; one 850 alone prints
    as it always did."""
    from tests.integration.test_ingest_multi_850 import mailbag
    environment = dict(os.environ, O2C_DATABASE_URL=f"sqlite:///{tmp_path / 'o2c.db'}")
    assert o2c("load", str(demo_master), "--json", env=environment).returncode == 0
    file = tmp_path / "mailbag.edi"
    file.write_bytes(mailbag())
    extracted = o2c("extract", str(file), "--json", env=environment)
    assert extracted.returncode == 0, extracted.stderr
    lines = [json.loads(l) for l in extracted.stdout.splitlines()]
    assert [l["po_number"] for l in lines] == ["HV-501", "HV-502", "HV-503"] and {l["source"] for l in lines} == {str(file)}
    run = o2c("ingest", str(file), "--json", "--channel", "edi", env=environment)
    assert run.returncode == 0, run.stderr
    results = [json.loads(l) for l in run.stdout.splitlines()]
    assert [r["status"] for r in results] == ["created"] * 3 and {r["source"] for r in results} == {str(file)}
    assert len({r["document_id"] for r in results}) == 3 and len({r["order_id"] for r in results}) == 3
    assert [(r["transaction_no"], r["group_control"], r["transaction_control"]) for r in results] == \
        [(1, "41", "0001"), (2, "41", "0002"), (3, "42", "0001")]
    again = [json.loads(l) for l in o2c("ingest", str(file), "--json", env=environment).stdout.splitlines()]
    assert [r["status"] for r in again] == ["duplicate"] * 3
    assert [r["document_id"] for r in again] == [r["document_id"] for r in results]
    human = o2c("ingest", str(file), env=environment).stdout
    assert "850 #3 (ST 0001): duplicate" in human
    single = tmp_path / "po.edi"
    single.write_bytes((Path(__file__).parents[1] / "data" / "harborview_850.edi").read_bytes())
    one = o2c("extract", str(single), "--json", env=environment).stdout.splitlines()
    assert len(one) == 1 and "transaction_no" not in json.loads(one[0])["edi"]
    took = o2c("ingest", str(single), "--json", env=environment).stdout.splitlines()
    assert len(took) == 1 and set(json.loads(took[0])) == {"source", "document_id", "status", "order_id",
                                                           "exceptions", "extraction"}


def test_an_email_carrying_several_850s_is_one_line_per_order(tmp_path: Path, demo_master: Path):
    """An .eml whose only order content is an X12 attachment of 3 orders: ingest prints one JSON line per
    850 (channel email, the e-mail's own name as source); again, every part is a duplicate; an .eml with
    one 850 prints one line as it always did."""
    from tests.integration.test_ingest_multi_850 import email, mailbag
    environment = dict(os.environ, O2C_DATABASE_URL=f"sqlite:///{tmp_path / 'o2c.db'}")
    assert o2c("load", str(demo_master), "--json", env=environment).returncode == 0
    file = tmp_path / "orders.eml"
    file.write_bytes(email(mailbag()))
    run = o2c("ingest", str(file), "--json", env=environment)
    assert run.returncode == 0, run.stderr
    results = [json.loads(l) for l in run.stdout.splitlines()]
    assert [r["status"] for r in results] == ["created"] * 3, [r["exceptions"] for r in results]
    assert [r["extraction"]["po_number"] for r in results] == ["HV-501", "HV-502", "HV-503"]
    assert {r["extraction"]["channel"] for r in results} == {"email"} and {r["source"] for r in results} == {str(file)}
    assert [r["transaction_no"] for r in results] == [1, 2, 3] and {r["attachment"] for r in results} == {"orders.edi"}
    again = [json.loads(l) for l in o2c("ingest", str(file), "--json", env=environment).stdout.splitlines()]
    assert [r["status"] for r in again] == ["duplicate"] * 3
    assert [r["document_id"] for r in again] == [r["document_id"] for r in results]
    single = tmp_path / "po.eml"
    single.write_bytes(email((Path(__file__).parents[1] / "data" / "harborview_850.edi").read_bytes()))
    took = o2c("ingest", str(single), "--json", env=environment).stdout.splitlines()
    assert len(took) == 1 and set(json.loads(took[0])) == {"source", "document_id", "status", "order_id",
                                                           "exceptions", "extraction"}
    assert json.loads(took[0])["status"] == "created"
