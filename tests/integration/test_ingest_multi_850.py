"""An X12 interchange holding several 850s (a "mailbag": several ST/SE sets in several GS groups)
becomes one document per 850, each with its own status and order; the 997 answers every group once,
each 850 gets its own 855; the same file again is a duplicate in every part; one bad 850 does not
stop the others."""
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from o2c.formats.x12 import read_x12
from o2c.intake import queue
from o2c.intake.edi_out import outbound_messages
from o2c.intake.service import extract_documents, ingest_document, ingest_documents
from o2c.masterdata.service import load_master_data
from o2c.storage import schema as t
from o2c.storage.uow import unit_of_work

ISA = ("ISA*00*          *00*          *ZZ*HARBORVIEW     *ZZ*KEYSTONEORTHO  *261118*0900*U*00401*000000418*0*P*>~")


def _order(control: str, po: str, qty: int, *, beg: bool = True) -> list[str]:
    body = [f"BEG*00*SA*{po}**20261118"] if beg else []
    body += ["N1*BT*Harbor View Hospital*92*HV01", "N1*ST*Harbor View Hospital - Receiving*92*HV02",
             f"PO1*1*{qty}*EA*2150.00*PE*VP*K-1001", "CTT*1"]
    return [f"ST*850*{control}", *body, f"SE*{len(body) + 2}*{control}"]


def _group(control: str, orders: list[list[str]]) -> list[str]:
    return [f"GS*PO*HARBORVIEW*KEYSTONEORTHO*20261118*0900*{control}*X*004010",
            *[segment for order in orders for segment in order], f"GE*{len(orders)}*{control}"]


def mailbag(*, bad_second: bool = False) -> bytes:
    """Three purchase orders in two groups; the second group's set reuses ST control 0001."""
    first = _group("41", [_order("0001", "HV-501", 1), _order("0002", "HV-502", 2, beg=not bad_second)])
    second = _group("42", [_order("0001", "HV-503", 3)])
    segments = [ISA, *first, *second, "IEA*2*000000418"]
    return ("~\n".join(s.rstrip("~") for s in segments) + "~\n").encode()


def _count(table) -> int:
    with unit_of_work(read_only=True) as uow:
        return uow.conn.execute(select(func.count()).select_from(table)).scalar_one()


def _ingest(data: bytes, name: str = "mailbag.edi"):
    with unit_of_work("test") as uow:
        return ingest_documents(uow, data, name, channel="edi", sender="HARBORVIEW")


@pytest.fixture
def loaded(db_url, demo_master):
    with unit_of_work("test") as uow:
        load_master_data(uow, demo_master)


def test_every_850_becomes_its_own_document_and_order(loaded):
    results = _ingest(mailbag())
    assert [r.status for r in results] == ["created"] * 3, [r.exceptions for r in results]
    assert {r.source for r in results} == {"mailbag.edi"}
    assert len({r.document_id for r in results}) == 3 and len({r.order_id for r in results}) == 3
    assert [r.extraction["po_number"] for r in results] == ["HV-501", "HV-502", "HV-503"]
    assert [(r.part["transaction_no"], r.part["group_control"], r.part["transaction_control"]) for r in results] \
        == [(1, "41", "0001"), (2, "41", "0002"), (3, "42", "0001")]
    assert [r.as_dict()["transaction_no"] for r in results] == [1, 2, 3]
    assert _count(t.documents) == 3 and _count(t.orders) == 3
    with unit_of_work(read_only=True) as uow:
        stored = uow.conn.execute(select(t.documents.c.content, t.documents.c.filename)
                                  .order_by(t.documents.c.document_id)).all()
        quantities = dict(uow.conn.execute(select(t.orders.c.po_number, func.sum(t.order_lines.c.quantity))
                                           .join(t.order_lines).group_by(t.orders.c.po_number)).all())
    assert all(row.content == mailbag() for row in stored)       # nothing of the interchange is lost
    assert [row.filename for row in stored] == [f"mailbag.edi#850-{n}" for n in (1, 2, 3)]
    assert {po: int(q) for po, q in quantities.items()} == {"HV-501": 1, "HV-502": 2, "HV-503": 3}


def test_one_997_per_group_and_one_855_per_order(loaded):
    results = _ingest(mailbag())
    with unit_of_work(read_only=True) as uow:
        messages = outbound_messages(uow.conn)
    acks = [m for m in messages if m["payload"]["transaction"] == "997"]
    assert len(acks) == 1
    sets = list(read_x12(acks[0]["payload"]["content"], "997").transactions("997"))
    assert len(sets) == 2                                         # one 997 per functional group
    ak = [[(s.tag, s.get(1), s.get(2)) for s in tx.segments if s.tag in ("AK1", "AK2", "AK5", "AK9")]
          for _, _, tx in sets]
    assert ak[0] == [("AK1", "PO", "41"), ("AK2", "850", "0001"), ("AK5", "A", None), ("AK2", "850", "0002"),
                     ("AK5", "A", None), ("AK9", "A", "2")]
    assert ak[1] == [("AK1", "PO", "42"), ("AK2", "850", "0001"), ("AK5", "A", None), ("AK9", "A", "1")]
    po_acks = {m["aggregate_id"]: m["payload"] for m in messages if m["payload"]["transaction"] == "855"}
    assert set(po_acks) == {r.document_id for r in results}
    for result in results:
        (_, _, tx), = read_x12(po_acks[result.document_id]["content"], "855").transactions("855")
        bak = next(s for s in tx.segments if s.tag == "BAK")
        assert bak.get(3) == result.extraction["po_number"] and bak.get(8) == result.order_id


def test_the_same_interchange_again_is_a_duplicate_in_every_part(loaded):
    first = _ingest(mailbag())
    counts = [_count(table) for table in (t.documents, t.orders, t.outbox, t.audit_log)]
    again = _ingest(mailbag(), "mailbag-resent.edi")
    assert [r.status for r in again] == ["duplicate"] * 3
    assert [r.document_id for r in again] == [r.document_id for r in first]
    assert [r.order_id for r in again] == [r.order_id for r in first]
    assert {r.source for r in again} == {"mailbag-resent.edi"}
    assert [_count(table) for table in (t.documents, t.orders, t.outbox, t.audit_log)] == counts


def test_a_bad_850_does_not_stop_its_siblings(loaded):
    results = _ingest(mailbag(bad_second=True))
    assert [r.status for r in results] == ["created", "rejected", "created"]
    assert results[1].document_id is not None and results[1].exceptions[0]["code"] == "unreadable"
    assert "BEG" in results[1].exceptions[0]["message"]
    assert _count(t.documents) == 3 and _count(t.orders) == 2
    with unit_of_work(read_only=True) as uow:
        messages = outbound_messages(uow.conn)
    (ack,) = [m["payload"]["content"] for m in messages if m["payload"]["transaction"] == "997"]
    first_group = next(tx for _, _, tx in read_x12(ack, "997").transactions("997"))
    verdicts = [(s.tag, s.get(1)) for s in first_group.segments if s.tag in ("AK5", "AK9")]
    assert verdicts == [("AK5", "A"), ("AK5", "R"), ("AK9", "P")]
    assert sum(m["payload"]["transaction"] == "855" for m in messages) == 2    # no PO to answer in the bad one


def test_a_part_in_the_queue_is_read_again_as_its_own_850(loaded):
    data = mailbag().replace(b"K-1001", b"K-NOPE")
    results = _ingest(data)
    assert [r.status for r in results] == ["exception"] * 3
    with unit_of_work("test") as uow:
        again = [queue.rerun(uow, r.document_id) for r in results]
    assert [a["extraction"]["po_number"] for a in again] == ["HV-501", "HV-502", "HV-503"]
    assert {a["extraction"]["source"] for a in again} == {"mailbag.edi"}
    assert _count(t.documents) == 3


def test_ingest_document_takes_in_every_part_and_answers_with_the_first(loaded):
    with unit_of_work("test") as uow:
        first = ingest_document(uow, mailbag(), "mailbag.edi", channel="edi", sender="HARBORVIEW")
    assert first.status == "created" and first.part["transaction_no"] == 1
    assert _count(t.documents) == 3


def test_extraction_gives_one_object_per_850_and_stores_nothing(loaded):
    with unit_of_work("test", read_only=True) as uow:
        extractions = extract_documents(uow, mailbag(), "mailbag.edi", channel="edi")
        single = extract_documents(uow, Path(__file__).parents[1].joinpath("data", "harborview_850.edi")
                                   .read_bytes(), "po.edi", channel="edi")
    assert [e["po_number"] for e in extractions] == ["HV-501", "HV-502", "HV-503"]
    assert {e["source"] for e in extractions} == {"mailbag.edi"}
    assert [e["edi"]["transaction_no"] for e in extractions] == [1, 2, 3]
    assert not any("only the first" in w for e in extractions for w in e["warnings"])
    assert len(single) == 1 and "transaction_no" not in single[0]["edi"]
    assert _count(t.documents) == 0


def test_a_real_mailbag_becomes_one_document_per_850(loaded, shared_dir):
    path = shared_dir / "corpus" / "real" / "x12_edi" / "bots-plugins" / "x12_mixed" / "mailbag01.x12"
    if not path.is_file():
        pytest.skip("the real X12 corpus is not present")
    results = _ingest(path.read_bytes(), "mailbag01.x12")
    assert len(results) == 11 and all(r.document_id for r in results)
    assert len({r.document_id for r in results}) == 11
    assert [r.part["transaction_no"] for r in results] == list(range(1, 12))
    again = _ingest(path.read_bytes(), "mailbag01.x12")
    assert [r.status for r in again] == ["duplicate"] * 11 and _count(t.documents) == 11


def test_an_http_upload_answers_with_every_part(db_url, demo_master):
    from tests.integration.test_web_api import bearer, make_client, seed
    tokens = seed(db_url, demo_master)
    client = make_client(db_url)
    headers = bearer(tokens["operations"])
    response = client.post("/api/documents", files={"file": ("mailbag.edi", mailbag())}, data={"channel": "edi"},
                           headers=headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert [p["status"] for p in body["parts"]] == ["created"] * 3
    assert [p["transaction_no"] for p in body["parts"]] == [1, 2, 3]
    assert body["document_id"] == body["parts"][0]["document_id"]
    again = client.post("/api/documents", files={"file": ("mailbag.edi", mailbag())}, headers=headers).json()
    assert [p["status"] for p in again["parts"]] == ["duplicate"] * 3
    single = client.post("/api/documents", files={"file": ("po.edi", Path(__file__).parents[1].joinpath(
        "data", "harborview_850.edi").read_bytes())}, headers=headers).json()
    assert single["status"] == "created" and "parts" not in single and "transaction_no" not in single


# ------------------------------------------------------------------ an e-mail carrying a mailbag
def email(attachment: bytes, *, body: str = "Please find our purchase orders attached.\n\nThanks,\nPurchasing",
          pdf: bytes | None = None) -> bytes:
    from email.message import EmailMessage
    message = EmailMessage()
    message["From"] = "Purchasing <purchasing@harborview.example>"
    message["To"] = "orders@keystone.example"
    message["Subject"] = "Purchase orders"
    message["Date"] = "Wed, 18 Nov 2026 09:30:00 +0000"
    message.set_content(body)
    message.add_attachment(attachment, maintype="application", subtype="edi-x12", filename="orders.edi")
    if pdf is not None:
        message.add_attachment(pdf, maintype="application", subtype="pdf", filename="order.pdf")
    return message.as_bytes()


def _ingest_mail(data: bytes, name: str = "orders.eml"):
    with unit_of_work("test") as uow:
        return ingest_documents(uow, data, name, channel="email")


def test_an_email_with_a_mailbag_attachment_becomes_one_document_per_850(loaded):
    data = email(mailbag())
    results = _ingest_mail(data)
    assert [r.status for r in results] == ["created"] * 3, [r.exceptions for r in results]
    assert [r.extraction["po_number"] for r in results] == ["HV-501", "HV-502", "HV-503"]
    assert [r.part["transaction_no"] for r in results] == [1, 2, 3]
    assert {r.part["attachment"] for r in results} == {"orders.edi"}
    assert {r.source for r in results} == {"orders.eml"}
    assert not any("only the first" in w for r in results for w in r.extraction["warnings"])
    assert _count(t.documents) == 3 and _count(t.orders) == 3
    with unit_of_work(read_only=True) as uow:
        stored = uow.conn.execute(select(t.documents).order_by(t.documents.c.document_id)).mappings().all()
        quantities = dict(uow.conn.execute(select(t.orders.c.po_number, func.sum(t.order_lines.c.quantity))
                                           .join(t.order_lines).group_by(t.orders.c.po_number)).all())
    assert all(row["content"] == data for row in stored)          # the e-mail's bytes, whole, in every part
    assert [row["filename"] for row in stored] == [f"orders.eml#850-{n}" for n in (1, 2, 3)]
    assert {row["channel"] for row in stored} == {"email"}
    assert {row["sender"] for row in stored} == {"purchasing@harborview.example"}
    assert {row["received_at"].replace(tzinfo=None) for row in stored} == {datetime(2026, 11, 18, 9, 30)}
    assert {po: int(q) for po, q in quantities.items()} == {"HV-501": 1, "HV-502": 2, "HV-503": 3}

    counts = [_count(table) for table in (t.documents, t.orders, t.outbox, t.audit_log)]
    again = _ingest_mail(data, "orders-again.eml")
    assert [r.status for r in again] == ["duplicate"] * 3
    assert [r.document_id for r in again] == [r.document_id for r in results]
    assert [_count(table) for table in (t.documents, t.orders, t.outbox, t.audit_log)] == counts


def test_a_part_of_an_email_in_the_queue_is_read_again_as_its_own_850(loaded):
    results = _ingest_mail(email(mailbag().replace(b"K-1001", b"K-NOPE")))
    assert [r.status for r in results] == ["exception"] * 3
    with unit_of_work("test") as uow:
        again = [queue.rerun(uow, r.document_id) for r in results]
    assert [a["extraction"]["po_number"] for a in again] == ["HV-501", "HV-502", "HV-503"]
    assert {a["extraction"]["channel"] for a in again} == {"email"}
    assert _count(t.documents) == 3


def test_an_email_with_one_850_is_one_document_as_before(loaded):
    single = Path(__file__).parents[1].joinpath("data", "harborview_850.edi").read_bytes()
    data = email(single)
    with unit_of_work("test", read_only=True) as uow:
        expected = extract_documents(uow, data, "po.eml", channel="email")
    results = _ingest_mail(data, "po.eml")
    assert len(results) == 1 and results[0].part is None and "transaction_no" not in results[0].as_dict()
    assert results[0].status == "created", results[0].exceptions
    assert results[0].extraction["po_number"] == expected[0]["po_number"]
    assert results[0].extraction["lines"] == expected[0]["lines"] and len(expected) == 1
    with unit_of_work(read_only=True) as uow:
        (row,) = uow.conn.execute(select(t.documents)).mappings().all()
    assert row["filename"] == "po.eml" and row["content"] == data and row["channel"] == "email"
    assert [r.status for r in _ingest_mail(data, "po.eml")] == ["duplicate"]


@pytest.mark.parametrize("extra", ["body", "pdf"])
def test_an_email_with_other_order_content_beside_a_mailbag_is_one_document_with_a_warning(loaded, extra):
    pdf = b"%PDF-1.4\n%stub\n" if extra == "pdf" else None
    body = "Please also send:\n2 EA K-1001 knee system\n" if extra == "body" else \
        "Please find our purchase orders attached."
    results = _ingest_mail(email(mailbag(), body=body, pdf=pdf))
    assert len(results) == 1 and results[0].part is None
    assert _count(t.documents) == 1
    warnings = results[0].extraction["warnings"]
    what = "order lines in the body" if extra == "body" else "attachment order.pdf"
    assert any("holds 3 purchase orders" in w and what in w for w in warnings), warnings
    with unit_of_work("test", read_only=True) as uow:
        assert len(extract_documents(uow, email(mailbag(), body=body, pdf=pdf), "orders.eml")) == 1
