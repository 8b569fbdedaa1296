"""Append to and verify the hash-chained audit log."""
from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection

from o2c.audit.model import GENESIS, canonical, chain_hash, verify_chain
from o2c.storage import schema as t
from o2c.storage.db import is_postgres


def _head(conn: Connection) -> tuple[int, str]:
    query = select(t.audit_head.c.seq, t.audit_head.c.hash).where(t.audit_head.c.id == 1)
    if is_postgres(conn):
        query = query.with_for_update()   # one chain: appenders queue here instead of forking it
    row = conn.execute(query).first()
    if row is None:
        conn.execute(insert(t.audit_head).values(id=1, seq=0, hash=GENESIS))
        if is_postgres(conn):
            conn.execute(select(t.audit_head.c.seq).where(t.audit_head.c.id == 1).with_for_update())
        return 0, GENESIS
    return row.seq, row.hash


def _record(seq: int, at: str, actor: str, action: str, entity: str, entity_id: str,
            document_ref: str | None, payload_text: str) -> dict:
    return {"seq": seq, "at": at, "actor": actor, "action": action, "entity": entity, "entity_id": entity_id,
            "document_ref": document_ref, "payload": payload_text}


def append(conn: Connection, *, actor: str, at: datetime, action: str, entity: str, entity_id: str,
           payload: dict, document_ref: str | None = None) -> int:
    seq, prev = _head(conn)
    seq += 1
    at_text = at.isoformat()
    payload_text = canonical(payload)
    record = _record(seq, at_text, actor, action, entity, entity_id, document_ref, payload_text)
    digest = chain_hash(prev, record)
    conn.execute(insert(t.audit_log).values(**record, prev_hash=prev, hash=digest))
    conn.execute(update(t.audit_head).where(t.audit_head.c.id == 1).values(seq=seq, hash=digest))
    return seq


def verify(conn: Connection) -> list[str]:
    """Every problem in the chain: edited rows, deleted rows (in the middle or at the end)."""
    rows = conn.execute(select(t.audit_log).order_by(t.audit_log.c.seq)).mappings().all()
    chain = [(r["seq"], _record(r["seq"], r["at"], r["actor"], r["action"], r["entity"], r["entity_id"],
                                r["document_ref"], r["payload"]), r["prev_hash"], r["hash"]) for r in rows]
    problems = verify_chain(chain)
    if chain and chain[0][0] != 1:
        problems.insert(0, f"audit records 1..{chain[0][0] - 1} are missing")
    head = conn.execute(select(t.audit_head.c.seq, t.audit_head.c.hash)).first()
    last_seq, last_hash = (chain[-1][0], chain[-1][3]) if chain else (0, GENESIS)
    if head is not None and (head.seq, head.hash) != (last_seq, last_hash):
        problems.append(f"audit log ends at record {last_seq} but {head.seq} were written: newest records deleted")
    return problems


def history(conn: Connection, entity: str, entity_id: str) -> list[dict]:
    rows = conn.execute(select(t.audit_log).where(t.audit_log.c.entity == entity,
                                                  t.audit_log.c.entity_id == entity_id)
                        .order_by(t.audit_log.c.seq)).mappings().all()
    return [dict(r, payload=json.loads(r["payload"])) for r in rows]
