"""Write X12 interchanges: the envelope (ISA/GS/ST ... SE/GE/IEA) around transaction bodies.

Transaction modules build their bodies as plain tuples of element values; this module owns the syntax:
the fixed-width ISA, counts and control numbers in every trailer, trailing empty elements dropped, and
a refusal when a value contains a separator (writing it would silently split the element at the
partner's end). Control numbers and the creation moment are handed in by the caller, who keeps the
counters and the clock.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Iterable, Sequence

from o2c.kernel.money import decimal_text
from o2c.formats.x12.errors import X12Error
from o2c.formats.x12.reader import Separators

#: One segment as the transaction modules build it: tag first, then element values (None = empty).
SegmentValues = Sequence["str | Decimal | int | None"]

DEFAULT_SEPARATORS = Separators(element="*", component=">", segment="~", repetition=None)


@dataclass(frozen=True, slots=True)
class Envelope:
    """Who sends to whom and under which control numbers; one per outgoing interchange."""

    sender_id: str
    receiver_id: str
    interchange_control: int
    group_control: int
    created: datetime
    sender_qualifier: str = "ZZ"
    receiver_qualifier: str = "ZZ"
    group_sender: str | None = None       # GS02; the ISA sender id when None
    group_receiver: str | None = None     # GS03
    usage: str = "P"                      # P production, T test
    ack_requested: bool = False
    version: str = "004010"               # GS08
    separators: Separators = field(default=DEFAULT_SEPARATORS)


@dataclass(frozen=True, slots=True)
class OutgoingSet:
    """A transaction set ready to wrap: its id (855...), control number (ST02) and body segments."""

    set_id: str
    control_number: str
    body: tuple[tuple, ...]


def x12_date(value: date | None) -> str | None:
    return value.strftime("%Y%m%d") if value else None


def x12_number(value: Decimal | int | None) -> str | None:
    """An R (real) element: exact, no exponent, no float ever."""
    if value is None:
        return None
    return decimal_text(Decimal(value))


def _format_value(value: object, separators: Separators, where: str) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        raise X12Error(f"{where}: {value!r} is a float; X12 amounts are written from Decimals", code="x12_float")
    text = x12_number(value) if isinstance(value, (Decimal, int)) and not isinstance(value, bool) else str(value)
    reserved = {separators.element, separators.segment, separators.component or "", separators.repetition or ""}
    reserved.discard("")
    if any(char in text for char in reserved) or "\r" in text or "\n" in text:
        raise X12Error(f"{where}: value {text!r} contains an X12 separator", code="x12_separator_in_value")
    return text


def format_segment(values: SegmentValues, separators: Separators = DEFAULT_SEPARATORS) -> str:
    """One segment's text without terminator; trailing empty elements are dropped as the standard asks."""
    tag = str(values[0])
    texts = [tag] + [_format_value(v, separators, f"{tag}{i:02d}") for i, v in enumerate(values[1:], start=1)]
    while len(texts) > 1 and texts[-1] == "":
        texts.pop()
    return separators.element.join(texts)


def _isa(envelope: Envelope) -> str:
    """The fixed-width ISA: every field padded to its exact length (106 characters with terminator)."""
    sep = envelope.separators
    for name, value, width in (("sender id", envelope.sender_id, 15), ("receiver id", envelope.receiver_id, 15)):
        if len(value) > width:
            raise X12Error(f"ISA {name} {value!r} is longer than {width} characters", code="x12_isa_field")
    if not 0 <= envelope.interchange_control <= 999_999_999:
        raise X12Error("ISA13 control number must be 0..999999999", code="x12_isa_field")
    repetition = sep.repetition or "U"
    fields = ["ISA", "00", " " * 10, "00", " " * 10,
              envelope.sender_qualifier.ljust(2), envelope.sender_id.ljust(15),
              envelope.receiver_qualifier.ljust(2), envelope.receiver_id.ljust(15),
              envelope.created.strftime("%y%m%d"), envelope.created.strftime("%H%M"),
              repetition, "00501" if sep.repetition else "00401", f"{envelope.interchange_control:09d}",
              "1" if envelope.ack_requested else "0", envelope.usage, sep.component or ">"]
    return sep.element.join(fields)


def write_interchange(envelope: Envelope, functional_id: str, sets: Iterable[OutgoingSet]) -> str:
    """One interchange holding one functional group (``functional_id``: FA, PR, SH, IN ...) of sets."""
    sep = envelope.separators
    sets = list(sets)
    if not sets:
        raise X12Error("an interchange needs at least one transaction set", code="x12_empty")
    lines = [_isa(envelope), format_segment(
        ("GS", functional_id, envelope.group_sender or envelope.sender_id,
         envelope.group_receiver or envelope.receiver_id, envelope.created.strftime("%Y%m%d"),
         envelope.created.strftime("%H%M"), envelope.group_control, "X", envelope.version), sep)]
    for outgoing in sets:
        body = [format_segment(values, sep) for values in outgoing.body]
        lines.append(format_segment(("ST", outgoing.set_id, outgoing.control_number), sep))
        lines.extend(body)
        lines.append(format_segment(("SE", len(body) + 2, outgoing.control_number), sep))
    lines.append(format_segment(("GE", len(sets), envelope.group_control), sep))
    lines.append(format_segment(("IEA", 1, f"{envelope.interchange_control:09d}"), sep))
    return sep.segment.join(lines) + sep.segment + "\n"


def sets_with_controls(bodies: Iterable[tuple[str, Sequence[tuple]]], first_control: int = 1) -> list[OutgoingSet]:
    """Number consecutive sets 0001, 0002 ... (ST02 is unique within its group)."""
    return [OutgoingSet(set_id, f"{first_control + n:04d}", tuple(body))
            for n, (set_id, body) in enumerate(bodies)]
