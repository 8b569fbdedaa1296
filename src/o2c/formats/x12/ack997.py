"""997 Functional Acknowledgment: tell a partner which of its transaction sets we took.

A partner that sends an 850 waits for the 997 before it trusts the order arrived; without one it
resends, and the order doubles. So every accepted or refused group gets one, built from what the
reader saw (``acknowledge_group``) or from explicit per-set verdicts.
"""
from __future__ import annotations

from dataclasses import dataclass

from o2c.formats.x12.errors import X12Error
from o2c.formats.x12.reader import FunctionalGroup, Transaction, group_syntax_errors, set_syntax_errors
from o2c.formats.x12.writer import Envelope, OutgoingSet, write_interchange

#: AK501 / AK901 codes: A accepted, E accepted with errors noted, R rejected, P partially accepted (AK9 only).
ACCEPTED, ACCEPTED_WITH_ERRORS, REJECTED, PARTIALLY_ACCEPTED = "A", "E", "R", "P"


@dataclass(frozen=True, slots=True)
class SetAcknowledgement:
    """AK2 + AK5: one transaction set's verdict and up to five AK5 syntax error codes (e.g. 4 = number of
    included segments does not match actual count, 3 = control number mismatch)."""

    set_id: str
    control_number: str
    status: str = ACCEPTED
    error_codes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class FunctionalAck997:
    functional_id: str                    # AK101: the acknowledged group's GS01
    group_control: str                    # AK102: its GS06
    sets: tuple[SetAcknowledgement, ...]
    received_count: int | None = None     # AK903; defaults to the number of sets acknowledged
    error_codes: tuple[str, ...] = ()     # AK905..AK909: group syntax errors (3 no GE, 4 control, 5 count)

    @property
    def accepted_count(self) -> int:
        return sum(1 for s in self.sets if s.status in (ACCEPTED, ACCEPTED_WITH_ERRORS))

    @property
    def group_status(self) -> str:
        """AK901 follows from the sets: all accepted -> A, none -> R, some -> P; a group whose own
        envelope is in error is rejected whole."""
        if self.error_codes:
            return REJECTED
        if not self.sets:
            return ACCEPTED
        accepted = self.accepted_count
        if accepted == len(self.sets):
            return ACCEPTED_WITH_ERRORS if any(s.status == ACCEPTED_WITH_ERRORS for s in self.sets) else ACCEPTED
        return REJECTED if accepted == 0 else PARTIALLY_ACCEPTED


def acknowledge_group(group: FunctionalGroup, rejected: dict[str, tuple[str, ...]] | None = None) -> FunctionalAck997:
    """A 997 for a group as read: every set accepted unless its ST02 is in ``rejected`` (with AK5 codes)."""
    rejected = rejected or {}
    sets = tuple(
        SetAcknowledgement(t.set_id, t.control_number, REJECTED if t.control_number in rejected else ACCEPTED,
                           tuple(rejected.get(t.control_number, ())))
        for t in group.transactions)
    return FunctionalAck997(group.functional_id, group.control_number, sets, len(group.transactions))


def check_group(group: FunctionalGroup, rejected: dict[str, tuple[str, ...]] | None = None) -> FunctionalAck997:
    """A 997 for a group from its own envelopes: a set with a missing or wrong SE is rejected with
    its AK5 codes, a group with a missing or wrong GE gets AK9 codes and is rejected whole, and sets
    in ``rejected`` (a content error found later, code 5) are rejected too."""
    verdicts = dict(rejected or {})
    for transaction in group.transactions:
        codes = set_syntax_errors(transaction) + verdicts.get(transaction.control_number, ())
        if codes:
            verdicts[transaction.control_number] = tuple(dict.fromkeys(codes))[:5]
    ack = acknowledge_group(group, verdicts)
    return FunctionalAck997(ack.functional_id, ack.group_control, ack.sets, ack.received_count,
                            group_syntax_errors(group))


def ack997_body(ack: FunctionalAck997) -> tuple[tuple, ...]:
    segments: list[tuple] = [("AK1", ack.functional_id, ack.group_control)]
    for item in ack.sets:
        if len(item.error_codes) > 5:
            raise X12Error(f"AK5 holds at most 5 error codes, set {item.control_number} has {len(item.error_codes)}")
        segments.append(("AK2", item.set_id, item.control_number))
        segments.append(("AK5", item.status, *item.error_codes))
    received = ack.received_count if ack.received_count is not None else len(ack.sets)
    segments.append(("AK9", ack.group_status, len(ack.sets), received, ack.accepted_count, *ack.error_codes[:5]))
    return tuple(segments)


def write_997(envelope: Envelope, acks: list[FunctionalAck997], first_control: int = 1) -> str:
    """An interchange with one 997 per acknowledged group."""
    sets = [OutgoingSet("997", f"{first_control + n:04d}", ack997_body(ack)) for n, ack in enumerate(acks)]
    return write_interchange(envelope, "FA", sets)


def parse_997(transaction: Transaction) -> FunctionalAck997:
    """Read a 997 back (ours or a partner's answer to our 855/856/810)."""
    functional_id = group_control = None
    sets: list[SetAcknowledgement] = []
    pending: tuple[str, str] | None = None
    received = None
    for segment in transaction.segments:
        if segment.tag == "AK1":
            functional_id, group_control = segment.get(1), segment.get(2)
        elif segment.tag == "AK2":
            pending = (segment.get(1) or "", segment.get(2) or "")
        elif segment.tag == "AK5" and pending:
            codes = tuple(c for c in (segment.get(i) for i in range(2, 7)) if c)
            sets.append(SetAcknowledgement(pending[0], pending[1], segment.get(1) or "", codes))
            pending = None
        elif segment.tag == "AK9":
            value = segment.get(3)
            received = int(value) if value and value.isdigit() else None
    if functional_id is None:
        raise X12Error(f"{transaction.header}: 997 without AK1", code="x12_997_no_ak1")
    return FunctionalAck997(functional_id, group_control or "", tuple(sets), received)
