"""An mbox file is many e-mails: each becomes a document of its own."""
import json
import os
import subprocess
import sys

MESSAGE = """From: Dana Hoffman <orders@cedarridge.example>
To: Keystone Orders <orders@keystone-ortho.example>
Subject: PO {po}
Date: Thu, 19 Nov 2026 07:43:53 -0800
Content-Type: text/plain; charset="utf-8"

Please enter this order for Cedar Ridge Surgery Center.
PO#: {po}

- K-3001 (bone cement 40g) qty {qty} EA

Thank you!
"""


def test_each_message_of_an_mbox_is_ingested(tmp_path, demo_master):
    mbox = tmp_path / "inbox.mbox"
    mbox.write_text("".join(f"From orders@cedarridge.example Thu Nov 19 07:43:53 2026\n{MESSAGE.format(po=po, qty=q)}\n"
                            for po, q in (("CR-5001", 2), ("CR-5002", 3))))
    env = {**os.environ, "O2C_DATABASE_URL": f"sqlite:///{tmp_path / 'mbox.db'}"}
    run = lambda *a: subprocess.run([sys.executable, "-m", "o2c", *a], capture_output=True, text=True,  # noqa: E731
                                    env=env, timeout=180)
    assert run("load", str(demo_master)).returncode == 0
    result = run("ingest", str(mbox), "--json")
    outputs = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(o["source"], o["message_no"], o["extraction"]["po_number"]) for o in outputs] == [
        (str(mbox), 1, "CR-5001"), (str(mbox), 2, "CR-5002")]
    assert [line["quantity"] for o in outputs for line in o["extraction"]["lines"]] == ["2", "3"]
    assert len({o["document_id"] for o in outputs}) == 2
