"""TA1 Interchange Acknowledgment: the answer to an interchange whose envelope itself is at fault or
that holds no functional group, so there is no group a 997 could acknowledge.

The TA1 travels alone in an ISA/IEA envelope (IEA01 counts zero groups) and names the interchange it
answers by its ISA13, ISA09 and ISA10; TA104 says A accepted, E accepted with errors or R rejected and
TA105 gives the note code (000 no error, 001 control numbers differ, 021 group count wrong, 023
premature end of file, 024 invalid interchange content such as no GS group).
"""
from __future__ import annotations

from o2c.formats.x12.reader import Interchange, interchange_syntax_errors
from o2c.formats.x12.writer import Envelope, _isa, format_segment

ACCEPTED, ACCEPTED_WITH_ERRORS, REJECTED = "A", "E", "R"
NO_ERROR, NO_GROUP = "000", "024"


def interchange_verdict(interchange: Interchange) -> tuple[str, str]:
    """(TA104, TA105) for an interchange as read: its envelope faults first, then an empty content."""
    codes = interchange_syntax_errors(interchange)
    if codes:
        return REJECTED, codes[0]
    if not interchange.groups:
        return REJECTED, NO_GROUP
    return ACCEPTED, NO_ERROR


def write_ta1(envelope: Envelope, interchange: Interchange, status: str, note: str) -> str:
    """One interchange holding only the TA1 for ``interchange``."""
    sep = envelope.separators
    date = interchange.date.strftime("%y%m%d") if interchange.date else interchange.header.get(9) or "000000"
    time = (interchange.time or "0000")[:4]
    control = interchange.control_number.strip()
    control = f"{int(control):09d}" if control.isdigit() else control.rjust(9, "0")[:9]
    lines = [_isa(envelope), format_segment(("TA1", control, date, time, status, note), sep),
             format_segment(("IEA", 0, f"{envelope.interchange_control:09d}"), sep)]
    return sep.segment.join(lines) + sep.segment + "\n"
