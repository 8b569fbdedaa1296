"""Read X12 interchanges: bytes -> separators -> segments -> ISA/GS/ST envelopes.

X12 files describe their own syntax: the ISA segment is fixed-width, its 4th character is the element
separator, ISA16 is the component (sub-element) separator and the character right after ISA16 ends
every segment. We read the ISA by counting element separators rather than by byte offsets, because
real files pad ISA with non-breaking spaces, wrap it at 80 columns, or start with a UTF-8 BOM.

What we tolerate, because partners really send it: CR/LF between (or inside, for files wrapped at a
fixed width) segments, indentation and trailing blanks, a missing final terminator, EBCDIC (cp500),
several interchanges in one file ("mailbags"), control numbers written with different zero padding.
What we refuse, because an order could be lost or doubled: a missing trailer (truncated file),
control numbers that do not match between header and trailer, and counts that do not match what is
there. Every refusal names the file and the segment position.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Iterator

from o2c.kernel.errors import Problem
from o2c.formats.x12.errors import X12Error

_NEWLINES = "\r\n"
_EBCDIC_ISA = b"\xc9\xe2\xc1"          # "ISA" in cp500
_UTF8_BOM = b"\xef\xbb\xbf"
_ISA_ELEMENTS = 16


@dataclass(frozen=True, slots=True)
class Separators:
    """The four delimiters an interchange declares in its ISA."""

    element: str = "*"
    component: str | None = ">"
    segment: str = "~"
    repetition: str | None = None
    #: True when segments end at a line break (any of CR, LF, CRLF) instead of a visible character.
    line_terminated: bool = False


@dataclass(frozen=True, slots=True)
class Segment:
    """One segment: ``elements[0]`` is the tag, so ``get(1)`` is the first data element as in the
    X12 reference numbering (BEG03 is ``get(3)``)."""

    elements: tuple[str, ...]
    position: int                      # 1-based ordinal of the segment in its file
    component_separator: str | None = None

    @property
    def tag(self) -> str:
        return self.elements[0]

    def get(self, index: int) -> str | None:
        """Element ``index`` stripped of padding, or None when absent or empty."""
        if index >= len(self.elements):
            return None
        value = self.elements[index].strip()
        return value or None

    def components(self, index: int) -> tuple[str, ...]:
        """The parts of a composite element (C040, C001...)."""
        value = self.get(index)
        if value is None:
            return ()
        if not self.component_separator:
            return (value,)
        return tuple(part.strip() for part in value.split(self.component_separator))

    def __str__(self) -> str:
        return f"segment {self.position} ({self.tag})"


@dataclass(frozen=True, slots=True)
class Transaction:
    """One transaction set between ST and SE; ``segments`` is the body without ST and SE."""

    set_id: str
    control_number: str
    segments: tuple[Segment, ...]
    header: Segment
    implementation: str | None = None  # ST03 (5010 guides)
    trailer: Segment | None = None     # SE; None when missing


@dataclass(frozen=True, slots=True)
class FunctionalGroup:
    functional_id: str                 # GS01: PO, IN, SH, PR, RA, FA ...
    sender: str                        # GS02 application sender code
    receiver: str                      # GS03
    date: date | None
    time: str | None
    control_number: str                # GS06
    agency: str | None                 # GS07 (X)
    version: str                       # GS08: 004010, 004010VICS ...
    transactions: tuple[Transaction, ...]
    header: Segment
    trailer: Segment | None = None     # GE; None when missing


@dataclass(frozen=True, slots=True)
class Interchange:
    separators: Separators
    sender_qualifier: str
    sender_id: str
    receiver_qualifier: str
    receiver_id: str
    date: date | None
    time: str | None
    control_number: str                # ISA13
    version: str                       # ISA12
    ack_requested: bool
    usage: str                         # ISA15: P production, T test
    groups: tuple[FunctionalGroup, ...]
    header: Segment
    trailer: Segment | None = None     # IEA; None when the file is truncated


@dataclass(frozen=True, slots=True)
class X12File:
    """Everything read from one file: its interchanges and the sloppiness we forgave."""

    source: str
    interchanges: tuple[Interchange, ...]
    warnings: tuple[Problem, ...] = field(default=())

    def transactions(self, set_id: str | None = None) -> Iterator[tuple[Interchange, FunctionalGroup, Transaction]]:
        """Every transaction set with its envelopes, in file order (optionally only one set id)."""
        for interchange in self.interchanges:
            for group in interchange.groups:
                for transaction in group.transactions:
                    if set_id is None or transaction.set_id == set_id:
                        yield interchange, group, transaction


# --------------------------------------------------------------------------------------------- bytes


def decode_x12(data: bytes | str, source: str = "<input>") -> str:
    """Bytes to text: strip a UTF-8 BOM, recognise EBCDIC by its ISA, otherwise UTF-8 with a Latin-1
    fallback (X12 basic/extended character sets are within both)."""
    if isinstance(data, str):
        return data.lstrip("\ufeff")
    body = data.lstrip(b" \t\r\n")
    if body.startswith(_EBCDIC_ISA):
        return data.decode("cp500")
    if body.startswith(_UTF8_BOM):
        body = body[len(_UTF8_BOM):]
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return body.decode("latin-1")


def read_x12_file(path: str | Path, *, strict: bool = True) -> X12File:
    """Read a file from disk; the source named in errors is the path as given."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise X12Error(f"cannot read file: {exc.strerror}", source=str(path), code="x12_unreadable") from None
    return read_x12(data, source=str(path), strict=strict)


def read_x12(data: bytes | str, source: str = "<input>", *, strict: bool = True) -> X12File:
    """Parse every interchange in ``data``.

    With ``strict`` (the default) any envelope fault raises ``X12Error`` listing all faults; without it
    the faults are returned as ``warnings`` and whatever could be structured is returned.
    """
    text = decode_x12(data, source)
    problems: list[Problem] = []
    interchanges = []
    for separators, isa_fields, segments in _split_interchanges(text, source, problems):
        interchanges.append(_build_interchange(separators, isa_fields, segments, source, problems))
    if not interchanges:
        raise X12Error("no ISA interchange header found", source=source, code="x12_no_interchange")
    fatal = [p for p in problems if not p.code.startswith("tolerated")]
    if strict and fatal:
        raise X12Error(f"{len(fatal)} envelope problem(s); first: {fatal[0].message}", source=source,
                       problems=fatal, code=fatal[0].code)
    return X12File(source, tuple(interchanges), tuple(problems))


# ---------------------------------------------------------------------------------- ISA + separators


def _read_isa(text: str, start: int, source: str) -> tuple[Separators, list[str], int]:
    """Read the ISA at ``start`` by counting element separators (tolerating line wraps inside it) and
    return the separators it declares, its 17 fields (tag included) and the index after its terminator."""
    if start + 4 > len(text):
        raise X12Error("file ends inside the ISA segment", source=source, code="x12_truncated")
    element = text[start + 3]
    # Control characters (FS, GS, RS, US ... which Python counts as whitespace) are common separators.
    if element.isalnum() or element in " \t\r\n\x0b\x0c":
        raise X12Error(f"ISA declares {element!r} as element separator, which cannot be one",
                       source=source, code="x12_bad_isa")
    fields, current, index, count = ["ISA"], [], start + 4, 1
    while count < _ISA_ELEMENTS:
        if index >= len(text):
            raise X12Error("file ends inside the ISA segment", source=source, code="x12_truncated")
        char = text[index]
        if char == element:
            fields.append("".join(current))
            current, count = [], count + 1
        elif char not in _NEWLINES:
            current.append(char)
        index += 1
    while index < len(text) and text[index] in _NEWLINES:
        index += 1
    if index >= len(text):
        raise X12Error("file ends inside the ISA segment", source=source, code="x12_truncated")
    component = text[index]
    fields.append(component)
    segment, after, line_terminated = _segment_terminator(text, index + 1, source)
    repetition = fields[11] if fields[12].strip() >= "00402" and not fields[11].isalnum() else None
    separators = Separators(element, component, segment, repetition, line_terminated)
    return separators, fields, after


def _segment_terminator(text: str, index: int, source: str) -> tuple[str, int, bool]:
    """The character after ISA16 ends every segment. Blanks followed by a line break mean the partner
    ends segments with line breaks (and pads them)."""
    if index >= len(text):
        raise X12Error("file ends right after the ISA segment", source=source, code="x12_truncated")
    char = text[index]
    if char in _NEWLINES:
        return "\n", index + 1, True
    if char in " \t":
        probe = index
        while probe < len(text) and text[probe] in " \t":
            probe += 1
        if probe < len(text) and text[probe] in _NEWLINES:
            return "\n", probe + 1, True
    return char, index + 1, False


# ------------------------------------------------------------------------------------------- segments


def _split_interchanges(text: str, source: str, problems: list[Problem]):
    """Yield (separators, ISA fields, segments ISA..IEA) for each interchange in the text."""
    position = 0      # segment ordinal across the file
    index = _skip_blanks(text, 0)
    if index < len(text) and not text.startswith("ISA", index):
        raise X12Error(f"does not start with an ISA segment (found {text[index:index + 12]!r})",
                       source=source, code="x12_no_interchange")
    while index < len(text):
        if not text.startswith("ISA", index):
            raise X12Error(f"unexpected data after IEA, at character {index}: {text[index:index + 12]!r}",
                           source=source, code="x12_trailing_data")
        separators, fields, after = _read_isa(text, index, source)
        separators = _repair_component_as_terminator(text, after, separators, problems, source)
        position += 1
        isa = Segment(tuple(fields), position, separators.component)
        segments = [isa]
        index = after
        closed = False
        for raw, start, index in _raw_segments(text, index, separators):
            elements = tuple(raw.split(separators.element))
            if elements[0] == "ISA":
                index = start
                break
            position += 1
            segments.append(Segment(elements, position, separators.component))
            if elements[0] == "IEA":
                closed = True
                break
        if not closed:
            problems.append(Problem("x12_truncated",
                                    f"interchange {fields[13].strip()} (segment {isa.position}) has no IEA "
                                    "trailer: the file is truncated", source))
            index = _next_isa(text, index)
        yield separators, fields, segments
        index = _skip_blanks(text, index)


def _raw_segments(text: str, index: int, separators: Separators) -> Iterator[tuple[str, int, int]]:
    """Yield each non-empty segment text (cleaned of wraps and padding) with where it starts and the
    index after its terminator."""
    if separators.line_terminated:
        pattern = re.compile(r"\r\n|\r|\n")
    else:
        pattern = re.compile(re.escape(separators.segment))
    while index < len(text):
        match = pattern.search(text, index)
        end = match.start() if match else len(text)
        after = match.end() if match else len(text)
        start, raw = index, text[index:end]
        if not separators.line_terminated:
            raw = raw.replace("\r", "").replace("\n", "")
        raw = raw.strip(" \t\r\n\x00\u00a0")
        if separators.line_terminated and raw.endswith(separators.segment) and separators.segment != "\n":
            raw = raw[:-1]
        index = after
        if raw:
            yield raw, start, index


def _repair_component_as_terminator(text: str, after: int, separators: Separators, problems: list[Problem],
                                    source: str) -> Separators:
    """Some partners omit ISA16 and end segments with ``~`` plus a line break; their ISA16 slot then
    holds the terminator. Detect it from the GS line ending with that same character."""
    if not separators.line_terminated or not separators.component:
        return separators
    next_line = text[after:].lstrip().split("\n", 1)[0].rstrip()
    if next_line.startswith("GS") and next_line.endswith(separators.component):
        problems.append(Problem("tolerated_isa16",
                                f"ISA16 {separators.component!r} is used as segment terminator; "
                                "no component separator declared", source))
        return Separators(separators.element, None, separators.component, separators.repetition, True)
    return separators


def _skip_blanks(text: str, index: int) -> int:
    while index < len(text) and (text[index].isspace() or text[index] in "\x00\ufeff\x1a"):
        index += 1
    return index


def _next_isa(text: str, index: int) -> int:
    found = text.find("ISA", index)
    return found if found >= 0 else len(text)


# ------------------------------------------------------------------------------------------ envelopes


def _same_control(left: str | None, right: str | None) -> bool:
    """Control numbers match when equal as written, or as numbers (partners differ in zero padding)."""
    left, right = (left or "").strip(), (right or "").strip()
    if left == right:
        return True
    return left.isdigit() and right.isdigit() and int(left) == int(right)


def _count_matches(declared: str | None, actual: int) -> bool:
    return declared is not None and declared.strip().isdigit() and int(declared) == actual


def parse_x12_date(value: str | None) -> date | None:
    """CCYYMMDD, or YYMMDD as ISA09 and older versions write it (years 00-49 are 20xx)."""
    if not value:
        return None
    value = value.strip()
    try:
        if len(value) == 8 and value.isdigit():
            return date(int(value[:4]), int(value[4:6]), int(value[6:]))
        if len(value) == 6 and value.isdigit():
            year = int(value[:2])
            return date(2000 + year if year < 50 else 1900 + year, int(value[2:4]), int(value[4:]))
    except ValueError:
        return None
    return None


def _build_interchange(separators: Separators, fields: list[str], segments: list[Segment], source: str,
                       problems: list[Problem]) -> Interchange:
    isa = segments[0]
    control = fields[13].strip()
    body = segments[1:]
    trailer = body[-1] if body and body[-1].tag == "IEA" else None
    if trailer is not None:
        body = body[:-1]
    groups = _build_groups(body, source, problems)
    if trailer is not None:
        if not _same_control(trailer.get(2), control):
            problems.append(Problem("x12_control_mismatch",
                                    f"{trailer}: IEA02 {trailer.get(2)!r} does not match ISA13 {control!r}", source))
        if not _count_matches(trailer.get(1), len(groups)):
            problems.append(Problem("x12_count_mismatch",
                                    f"{trailer}: IEA01 says {trailer.get(1)!r} groups, interchange has {len(groups)}",
                                    source))
    return Interchange(
        separators=separators,
        sender_qualifier=fields[5].strip(), sender_id=fields[6].strip(),
        receiver_qualifier=fields[7].strip(), receiver_id=fields[8].strip(),
        date=parse_x12_date(fields[9]), time=fields[10].strip() or None,
        control_number=control, version=fields[12].strip(),
        ack_requested=fields[14].strip() == "1", usage=fields[15].strip(),
        groups=tuple(groups), header=isa, trailer=trailer,
    )


def _build_groups(segments: list[Segment], source: str, problems: list[Problem]) -> list[FunctionalGroup]:
    groups: list[FunctionalGroup] = []
    index = 0
    while index < len(segments):
        head = segments[index]
        if head.tag == "TA1":      # an interchange acknowledgement sits between ISA and the groups
            index += 1
            continue
        if head.tag != "GS":
            problems.append(Problem("x12_structure", f"{head}: expected GS, found {head.tag}", source))
            index += 1
            continue
        end = index + 1
        while end < len(segments) and segments[end].tag not in ("GE", "GS"):
            end += 1
        transactions = _build_transactions(segments[index + 1:end], source, problems)
        trailer = None
        if end < len(segments) and segments[end].tag == "GE":
            trailer = segments[end]
            _check_group_trailer(head, trailer, len(transactions), source, problems)
            end += 1
        else:
            problems.append(Problem("x12_truncated", f"{head}: group {head.get(6)!r} has no GE trailer", source))
        groups.append(FunctionalGroup(
            functional_id=head.get(1) or "", sender=head.get(2) or "", receiver=head.get(3) or "",
            date=parse_x12_date(head.get(4)), time=head.get(5), control_number=head.get(6) or "",
            agency=head.get(7), version=head.get(8) or "", transactions=tuple(transactions), header=head,
            trailer=trailer,
        ))
        index = end
    return groups


def set_syntax_errors(transaction: Transaction) -> tuple[str, ...]:
    """AK5 codes (element 718) for what is wrong with a set's envelope: 2 trailer missing, 3 control
    numbers differ, 4 segment count differs."""
    trailer = transaction.trailer
    if trailer is None:
        return ("2",)
    codes = []
    if not _same_control(trailer.get(2), transaction.control_number):
        codes.append("3")
    if not _count_matches(trailer.get(1), len(transaction.segments) + 2):
        codes.append("4")
    return tuple(codes)


def group_syntax_errors(group: FunctionalGroup) -> tuple[str, ...]:
    """AK9 codes (element 716): 3 trailer missing, 4 control numbers differ, 5 set count differs."""
    trailer = group.trailer
    if trailer is None:
        return ("3",)
    codes = []
    if not _same_control(trailer.get(2), group.control_number):
        codes.append("4")
    if not _count_matches(trailer.get(1), len(group.transactions)):
        codes.append("5")
    return tuple(codes)


def interchange_syntax_errors(interchange: Interchange) -> tuple[str, ...]:
    """TA105 note codes: 023 premature end of file, 001 control numbers differ, 021 group count differs."""
    trailer = interchange.trailer
    if trailer is None:
        return ("023",)
    codes = []
    if not _same_control(trailer.get(2), interchange.control_number):
        codes.append("001")
    if not _count_matches(trailer.get(1), len(interchange.groups)):
        codes.append("021")
    return tuple(codes)


def _check_group_trailer(head: Segment, trailer: Segment, count: int, source: str, problems: list[Problem]) -> None:
    if not _same_control(trailer.get(2), head.get(6)):
        problems.append(Problem("x12_control_mismatch",
                                f"{trailer}: GE02 {trailer.get(2)!r} does not match GS06 {head.get(6)!r}", source))
    if not _count_matches(trailer.get(1), count):
        problems.append(Problem("x12_count_mismatch",
                                f"{trailer}: GE01 says {trailer.get(1)!r} transaction sets, group has {count}", source))


def _build_transactions(segments: list[Segment], source: str, problems: list[Problem]) -> list[Transaction]:
    transactions: list[Transaction] = []
    index = 0
    while index < len(segments):
        head = segments[index]
        if head.tag != "ST":
            problems.append(Problem("x12_structure", f"{head}: {head.tag} outside a transaction set (ST..SE)", source))
            index += 1
            continue
        end = index + 1
        while end < len(segments) and segments[end].tag not in ("SE", "ST"):
            end += 1
        body = tuple(segments[index + 1:end])
        trailer = None
        if end < len(segments) and segments[end].tag == "SE":
            trailer = segments[end]
            _check_set_trailer(head, trailer, len(body) + 2, source, problems)
            end += 1
        else:
            problems.append(Problem("x12_truncated",
                                    f"{head}: transaction set {head.get(2)!r} has no SE trailer", source))
        transactions.append(Transaction(head.get(1) or "", head.get(2) or "", body, head, head.get(3), trailer))
        index = end
    return transactions


def _check_set_trailer(head: Segment, trailer: Segment, count: int, source: str, problems: list[Problem]) -> None:
    if not _same_control(trailer.get(2), head.get(2)):
        problems.append(Problem("x12_control_mismatch",
                                f"{trailer}: SE02 {trailer.get(2)!r} does not match ST02 {head.get(2)!r}", source))
    if not _count_matches(trailer.get(1), count):
        problems.append(Problem("x12_count_mismatch",
                                f"{trailer}: SE01 says {trailer.get(1)!r} segments, transaction set "
                                f"{head.get(2)!r} has {count} (ST to SE)", source))
