"""The audit log's hash chain.

Each record's hash covers its own content and the previous record's hash, so editing or deleting any
row breaks every hash after it. The content is serialised canonically (sorted keys, no spaces) so that
the same record always hashes the same on every database and Python version.
"""
from __future__ import annotations

import hashlib
import json

GENESIS = "0" * 64


def canonical(record: dict) -> str:
    return json.dumps(record, sort_keys=True, separators=(",", ":"), default=str, ensure_ascii=False)


def chain_hash(previous_hash: str, record: dict) -> str:
    return hashlib.sha256((previous_hash + canonical(record)).encode("utf-8")).hexdigest()


def verify_chain(rows: list[tuple[int, dict, str, str]]) -> list[str]:
    """Check rows of (seq, record, prev_hash, hash) in seq order; return the problems found."""
    problems, expected_prev, expected_seq = [], GENESIS, None
    for seq, record, prev_hash, stored in rows:
        if expected_seq is not None and seq != expected_seq:
            problems.append(f"audit record {expected_seq} is missing (next is {seq})")
        if prev_hash != expected_prev:
            problems.append(f"audit record {seq}: chain broken (previous hash does not match)")
        if chain_hash(prev_hash, record) != stored:
            problems.append(f"audit record {seq}: content was changed after it was written")
        expected_prev, expected_seq = stored, seq + 1
    return problems
