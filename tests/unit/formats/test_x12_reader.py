"""The X12 tokenizer and envelope checks, on small hand-written interchanges and on real files."""
from __future__ import annotations

import json
from datetime import date

import pytest

from o2c.formats.x12 import X12Error, read_x12

ISA = ("ISA*00*          *00*          *ZZ*HOSPITAL       *ZZ*KEYSTONE       *261111*1256*U*00401*"
       "000000042*0*P*>")


def interchange(*body: str, isa: str = ISA, term: str = "~", se_count: int | None = None,
                ge_count: str = "1", iea_control: str = "000000042", st_control: str = "0001") -> str:
    """An interchange around ``body`` segments with correct trailers unless a test overrides one."""
    count = len(body) + 2 if se_count is None else se_count
    segments = [isa, "GS*PO*HOSPITAL*KEYSTONE*20261111*1256*7*X*004010", f"ST*850*{st_control}", *body,
                f"SE*{count}*0001", f"GE*{ge_count}*7", f"IEA*1*{iea_control}"]
    return term.join(segments) + term


def test_separators_are_read_from_the_isa():
    text = interchange("BEG*00*SA*PO1**20261111").replace("*", "|").replace("~", "!")
    parsed = read_x12(text)
    separators = parsed.interchanges[0].separators
    assert (separators.element, separators.component, separators.segment) == ("|", ">", "!")
    (_, group, transaction), = parsed.transactions()
    assert transaction.segments[0].get(3) == "PO1"
    assert group.version == "004010"


def test_interchange_header_values_are_trimmed_and_typed():
    parsed = read_x12(interchange("BEG*00*SA*PO1**20261111"))
    header = parsed.interchanges[0]
    assert header.sender_id == "HOSPITAL" and header.receiver_id == "KEYSTONE"
    assert header.date == date(2026, 11, 11)
    assert header.control_number == "000000042" and header.usage == "P"


def test_line_breaks_between_segments_and_indentation_are_tolerated():
    text = interchange("BEG*00*SA*PO1**20261111", "REF*DP*ORTHO", term="~\r\n    ")
    (_, _, transaction), = read_x12(text).transactions()
    assert [s.tag for s in transaction.segments] == ["BEG", "REF"]


def test_segments_ended_by_line_breaks_only():
    text = interchange("BEG*00*SA*PO1**20261111", term="\n")
    (_, _, transaction), = read_x12(text).transactions()
    assert read_x12(text).interchanges[0].separators.line_terminated
    assert transaction.segments[0].get(5) == "20261111"


def test_lines_wrapped_at_a_fixed_width_are_joined():
    flat = interchange("BEG*00*SA*PO1**20261111", "PID*F****ACETABULAR SHELL 60MM")
    wrapped = "\n".join(flat[i:i + 80] for i in range(0, len(flat), 80))
    (_, _, transaction), = read_x12(wrapped).transactions()
    assert transaction.segments[1].get(5) == "ACETABULAR SHELL 60MM"


def test_missing_final_terminator_and_trailing_blanks_are_tolerated():
    text = interchange("BEG*00*SA*PO1**20261111").rstrip("~") + "   \r\n"
    assert read_x12(text).interchanges[0].control_number == "000000042"


def test_utf8_bom_and_ebcdic_are_decoded():
    text = interchange("BEG*00*SA*PO1**20261111")
    assert read_x12(b"\xef\xbb\xbf" + text.encode()).interchanges[0].sender_id == "HOSPITAL"
    assert read_x12(text.encode("cp500")).interchanges[0].sender_id == "HOSPITAL"


def test_mailbag_with_two_interchanges_and_different_separators():
    first = interchange("BEG*00*SA*PO1**20261111")
    second = interchange("BEG*00*SA*PO2**20261112").replace("*", "^")
    parsed = read_x12(first + "\n" + second)
    numbers = [t.segments[0].get(3) for _, _, t in parsed.transactions()]
    assert numbers == ["PO1", "PO2"]


def test_several_transactions_in_a_group_are_counted_by_ge01():
    segments = [ISA, "GS*PO*A*B*20261111*1256*7*X*004010",
                "ST*850*0001", "BEG*00*SA*PO1**20261111", "SE*3*0001",
                "ST*850*0002", "BEG*00*SA*PO2**20261111", "SE*3*0002",
                "GE*2*7", "IEA*1*000000042"]
    parsed = read_x12("~".join(segments) + "~")
    assert [t.control_number for _, _, t in parsed.transactions()] == ["0001", "0002"]


def test_composite_elements_are_split_on_the_component_separator():
    (_, _, transaction), = read_x12(interchange("SLN*1**I*2*EA>6")).transactions()
    assert transaction.segments[0].components(5) == ("EA", "6")


def test_control_numbers_compare_as_numbers_when_only_padding_differs():
    assert read_x12(interchange("BEG*00*SA*PO1**20261111", iea_control="42")).interchanges


@pytest.mark.parametrize("override, message", [
    ({"se_count": 9}, "SE01 says '9' segments"),
    ({"iea_control": "000000043"}, "IEA02 '000000043' does not match ISA13 '000000042'"),
    ({"ge_count": "3"}, "GE01 says '3' transaction sets"),
])
def test_envelope_faults_are_refused_naming_the_segment(override, message):
    with pytest.raises(X12Error) as caught:
        read_x12(interchange("BEG*00*SA*PO1**20261111", **override), source="po.edi")
    assert message in str(caught.value)
    assert str(caught.value).startswith("po.edi: ")
    assert "segment" in caught.value.problems[0].message


def test_st_and_se_control_numbers_must_match():
    with pytest.raises(X12Error, match="SE02 '0001' does not match ST02 '0009'"):
        read_x12(interchange("BEG*00*SA*PO1**20261111", st_control="0009"))


def test_truncated_file_is_refused():
    text = interchange("BEG*00*SA*PO1**20261111", "REF*DP*ORTHO")
    cut = text[: text.index("REF")]
    with pytest.raises(X12Error, match="no SE trailer|no IEA trailer") as caught:
        read_x12(cut, source="cut.edi")
    assert caught.value.code == "x12_truncated"


def test_file_cut_inside_the_isa_is_refused():
    with pytest.raises(X12Error, match="inside the ISA"):
        read_x12(ISA[:40])


@pytest.mark.parametrize("garbage", [b"", b"\x00\x01\x02\xff\xfe" * 50, b"%PDF-1.7\n%\xe2\xe3", b"ISA"])
def test_garbage_is_a_clear_refusal_not_a_crash(garbage):
    with pytest.raises(X12Error) as caught:
        read_x12(garbage, source="junk.bin")
    assert "junk.bin" in str(caught.value)


def test_lenient_mode_returns_faults_as_warnings():
    parsed = read_x12(interchange("BEG*00*SA*PO1**20261111", se_count=9), strict=False)
    assert [w.code for w in parsed.warnings] == ["x12_count_mismatch"]
    assert len(list(parsed.transactions("850"))) == 1


def test_isa16_used_as_terminator_before_line_breaks_is_repaired():
    text = interchange("BEG*00*SA*PO1**20261111", term="~\n").replace(">~\n", "~\n", 1)
    parsed = read_x12(text)
    (_, group, transaction), = parsed.transactions()
    assert group.version == "004010"
    assert [w.code for w in parsed.warnings] == ["tolerated_isa16"]


# ---------------------------------------------------------------------------------- real files


def _ediengine_segments(node: dict) -> list[list[str]]:
    """Flatten EdiEngine's loop tree into (tag, elements...) rows."""
    if node.get("Type") == "S":
        return [[node["Name"], *[e.get("E", "") for e in node["Content"]]]]
    rows = []
    for child in node.get("Content", []):
        rows.extend(_ediengine_segments(child))
    return rows


def test_segments_match_ediengine_parse_of_856_crossdock(corpus_dir):
    folder = corpus_dir / "real" / "x12_edi" / "ediengine"
    expected = _ediengine_segments(json.loads((folder / "856.Crossdock.OK.json").read_text()))
    parsed = read_x12((folder / "856.Crossdock.OK.edi").read_bytes())
    (_, _, transaction), = parsed.transactions("856")
    ours = [[s.tag, *s.elements[1:]] for s in transaction.segments]
    trim = lambda row: row[: max(i for i, v in enumerate(row) if v) + 1]  # noqa: E731 - trailing empties
    assert [trim(r) for r in ours] == [trim(r) for r in expected]
