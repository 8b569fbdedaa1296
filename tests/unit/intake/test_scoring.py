"""Extraction scoring on hand-made outputs and truths: the matching rules of the acceptance scorer,
and the business figures (nothing invented, straight through, created but wrong)."""
from __future__ import annotations

from o2c.intake.scoring import (
    attribute_accuracy,
    attribute_precision,
    check_targets,
    match_lines,
    norm_patient,
    score_outputs,
    timing_figures,
)


def line(item, qty, **attrs):
    return {"item_id": item, "quantity": qty, **attrs}


def truth(lines, status="created", family="pdf", reason=None, **header):
    return {"customer_id": "C-1", "site_id": "S-1", "po_number": "PO 1", "order_date": "2026-11-01",
            "procedure": None, "lines": lines, "expect_status": status, "expect_reason": reason,
            "family": family, **header}


def ingest(lines, status="created", exceptions=(), **header):
    extraction = {"customer_id": "c-1", "site_id": "S-1", "po_number": "po1", "order_date": "2026-11-01T08:00",
                  "lines": lines, **header}
    return {"source": "docs/x.pdf", "status": status, "exceptions": list(exceptions), "extraction": extraction}


# ------------------------------------------------------------------ matching
def test_lines_match_on_item_and_quantity_one_to_one():
    counts, groups = match_lines([line("A", "2"), line("A", "2"), line("B", 1)],
                                 [line("a", 2), line("B", "3"), line("A", "2.0")])
    assert (counts.truth, counts.output, counts.matched_truth, counts.matched_output) == (3, 3, 2, 2)
    assert len(groups) == 2


def test_the_output_line_with_the_same_unit_is_preferred():
    _, groups = match_lines([line("A", 1, lot="L2")], [line("A", 1, lot="L1"), line("A", 1, lot="L-2")])
    assert groups[0].output[0]["lot"] == "L-2"


def test_a_split_line_counts_when_the_quantities_add_up():
    counts, groups = match_lines([line("A", 3, lot="L1")], [line("A", 2, lot="L1"), line("A", 1, lot="L1")])
    assert (counts.matched_truth, counts.matched_output) == (1, 2)
    assert counts.f1 == 1.0
    assert attribute_accuracy(groups, "lot").rate == 1.0


def test_merged_lines_count_when_the_quantities_add_up():
    counts, _ = match_lines([line("A", 2), line("A", 1)], [line("A", 3)])
    assert (counts.matched_truth, counts.matched_output) == (2, 1)


def test_a_split_that_does_not_add_up_matches_nothing():
    counts, _ = match_lines([line("A", 3)], [line("A", 2), line("A", 2)])
    assert (counts.matched_truth, counts.matched_output) == (0, 0)
    assert counts.precision == 0.0 and counts.recall == 0.0


def test_lines_without_an_item_take_no_part():
    counts, _ = match_lines([line("A", 1), line(None, 1)], [line("A", 1), line("", 5), "junk"])
    assert (counts.truth, counts.output, counts.matched_truth) == (1, 1, 1)


def test_no_truth_lines_and_no_output_lines_is_perfect():
    counts, _ = match_lines([], [])
    assert (counts.precision, counts.recall, counts.f1) == (1.0, 1.0, 1.0)


# ------------------------------------------------------------------ attributes
def test_attribute_accuracy_normalises_and_skips_unstated_values():
    _, groups = match_lines([line("A", 1, lot="ab-12", unit_price="1346.40", serial=None)],
                            [line("A", 1, lot="AB 12", unit_price="$1,346.4", serial="S9")])
    assert attribute_accuracy(groups, "lot").rate == 1.0
    assert attribute_accuracy(groups, "unit_price").rate == 1.0
    assert attribute_accuracy(groups, "serial").n == 0


def test_an_invented_serial_costs_precision_but_not_accuracy():
    _, groups = match_lines([line("A", 1, serial=None, lot="L1")], [line("A", 1, serial="S9", lot="L1")])
    assert (attribute_precision(groups, "serial").ok, attribute_precision(groups, "serial").n) == (0, 1)
    assert attribute_precision(groups, "lot").rate == 1.0


def test_each_truth_lot_vouches_for_one_output_lot_in_a_split():
    _, groups = match_lines([line("A", 2, lot="L1")], [line("A", 1, lot="L1"), line("A", 1, lot="L1")])
    tally = attribute_precision(groups, "lot")
    assert (tally.ok, tally.n) == (1, 2)


def test_patient_refs_compare_without_their_label():
    assert norm_patient("MRN 00123") == norm_patient("00123") == "00123"
    assert norm_patient("mr-00123") == "00123"


# ------------------------------------------------------------------ documents
def test_header_fields_and_invented_values():
    truths = {"d1": truth([line("A", 1)], po_number=None)}
    report = score_outputs({"d1": ingest([line("A", 1)])}, truths)
    assert report["fields"]["customer_id"] == 1.0 and report["fields"]["order_date"] == 1.0
    assert report["fields"]["po_number"] is None
    assert report["invented_counts"]["po_number"] == [1, 1]
    assert report["invented_counts"]["order_date"] == [0, 0]


def test_straight_through_counts_only_documents_expected_created():
    truths = {"d1": truth([line("A", 1)]), "d2": truth([line("A", 1)]),
              "d3": truth([line("A", 1)], status="exception", reason="price_mismatch")}
    outputs = {"d1": ingest([line("A", 1)]),
               "d2": ingest([line("A", 1)], status="exception"),
               "d3": ingest([line("A", 1)], status="exception", exceptions=[{"code": "price", "message": "x"}])}
    report = score_outputs(outputs, truths)
    assert report["straight_through_counts"] == [1, 2]
    assert report["wrong_clean_counts"] == [0, 1]
    assert report["status_acc"] == 2 / 3 and report["reason_acc"] == 1.0


def test_created_orders_are_wrong_when_the_status_or_any_line_is_wrong():
    truths = {"d1": truth([line("A", 1)], status="exception", reason="credit_hold"),
              "d2": truth([line("A", 1), line("B", 1)]),
              "d3": truth([line("A", 1)]),
              "d4": truth([line("A", 1)])}
    outputs = {"d1": ingest([line("A", 1)]), "d2": ingest([line("A", 1)]), "d3": ingest([line("A", 1)]),
               "d4": ingest([line("A", 1), line(None, 1)])}
    report = score_outputs(outputs, truths)
    assert report["wrong_clean_counts"] == [3, 4]


def test_a_missing_output_is_empty_and_a_wrong_status():
    truths = {"d1": truth([line("A", 1)]), "d2": truth([line("A", 1)], family="scan")}
    report = score_outputs({"d1": ingest([line("A", 1)])}, truths)
    assert report["missing"] == 1
    assert report["status_acc"] == 0.5
    assert report["straight_through_counts"] == [1, 2]
    assert report["families"]["scan"]["line_recall"] == 0.0
    assert list(report["families"]) == ["pdf", "scan"]


def test_bare_extractions_are_scored_without_status():
    report = score_outputs({"d1": {"customer_id": "C-1", "lines": [line("A", 1)]}}, {"d1": truth([line("A", 1)])})
    assert report["status_acc"] is None and report["line_f1"] == 1.0


# ------------------------------------------------------------------ timing and targets
def test_timing_medians_and_the_ratio_to_tesseract():
    docs = [{"family": "pdf", "seconds": 0.1, "pages": []}, {"family": "email", "seconds": 0.3, "pages": []},
            {"family": "scan", "seconds": 3.0, "pages": [{"ours": 1.2, "tesseract": 1.0},
                                                         {"ours": 2.0, "tesseract": 1.0}]}]
    figures = timing_figures(docs)
    assert figures["median_text_document_seconds"] == 0.2 and figures["text_documents"] == 2
    assert figures["median_ocr_ratio"] == 1.6 and figures["scanned_pages"] == 2


def test_targets_are_marked_met_missed_or_not_measured():
    checks = {c["name"]: c for c in check_targets({"wrong_clean": 0.01, "straight_through": 0.9,
                                                   "timing": {"median_text_document_seconds": 0.2}})}
    assert checks["clean-looking but wrong (of created)"]["met"] is False
    assert checks["straight through (of expected)"]["met"] is True
    assert checks["median s per text document"]["met"] is True
    assert checks["lot precision"]["met"] is None
