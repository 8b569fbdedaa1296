"""Answers to broken or empty interchanges: 997 codes from the envelopes, TA1 when there is no group."""
from __future__ import annotations

from pathlib import Path

from o2c.formats.x12 import read_x12
from o2c.formats.x12.ack997 import check_group
from o2c.formats.x12.ta1 import interchange_verdict

PO_850 = (Path(__file__).parents[2] / "data" / "harborview_850.edi").read_text()
ISA = "ISA*00*          *00*          *ZZ*BUYER          *ZZ*SELLER         *260105*1200*U*00401*000000009*1*P*>~"


def _segments(text: str, set_id: str) -> dict:
    return {s.tag: s for _, _, tx in read_x12(text, set_id).transactions(set_id) for s in tx.segments}


def test_set_and_group_envelope_faults_become_ak5_and_ak9_codes():
    text = ISA + "GS*PO*B*S*20260105*1200*7*X*004010~ST*850*0001~BEG*00*SA*P**20260105~SE*9*0002~GE*2*7~IEA*1*000000009~"
    (interchange,) = read_x12(text, "t", strict=False).interchanges
    ack = check_group(interchange.groups[0])
    assert ack.sets[0].status == "R" and ack.sets[0].error_codes == ("3", "4")
    assert ack.error_codes == ("5",) and ack.group_status == "R"


def test_interchange_verdicts():
    good = read_x12(PO_850, "ok").interchanges[0]
    assert interchange_verdict(good) == ("A", "000")
    empty = read_x12(ISA + "IEA*0*000000009~", "empty").interchanges[0]
    assert interchange_verdict(empty) == ("R", "024")
    miscounted = read_x12(ISA + "IEA*3*000000009~", "count", strict=False).interchanges[0]
    assert interchange_verdict(miscounted) == ("R", "021")
    truncated = read_x12(ISA + "GS*PO*B*S*20260105*1200*7*X*004010~", "cut", strict=False).interchanges[0]
    assert interchange_verdict(truncated)[1] == "023"


def _ingest(db_url, demo_master, data: bytes, name: str):
    from o2c.intake.edi_out import outbound_messages
    from o2c.intake.service import ingest_document
    from o2c.masterdata.service import load_master_data
    from o2c.storage.uow import unit_of_work

    with unit_of_work("test") as uow:
        load_master_data(uow, demo_master)
        result = ingest_document(uow, data, name, channel="edi", sender="HARBORVIEW")
    with unit_of_work(read_only=True) as uow:
        return result, {m["payload"]["transaction"]: m["payload"] for m in outbound_messages(uow.conn)}


def test_an_interchange_without_a_group_is_refused_and_answered_with_a_ta1(db_url, demo_master):
    result, sent = _ingest(db_url, demo_master, (ISA + "IEA*0*000000009~").encode(), "empty.edi")
    assert result.status == "rejected" and result.exceptions and result.exceptions[0]["message"]
    assert set(sent) == {"TA1"}
    answer = read_x12(sent["TA1"]["content"], "ta1").interchanges[0]   # reads back without a fault
    assert answer.groups == () and "TA1*000000009*260105*1200*R*024~" in sent["TA1"]["content"]


def test_a_miscounted_group_gets_a_997_naming_the_fault(db_url, demo_master):
    broken = PO_850.replace("GE*1*", "GE*4*")
    assert broken != PO_850
    result, sent = _ingest(db_url, demo_master, broken.encode(), "miscount.edi")
    assert result.status == "rejected"
    ak9 = _segments(sent["997"]["content"], "997")["AK9"]
    assert ak9.get(1) == "R" and ak9.get(5) == "5"
