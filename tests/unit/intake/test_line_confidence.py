"""A line's confidence: its weakest reading times the table structure, with a part number lifted
when the description printed beside it independently names the same item."""
from __future__ import annotations

import pytest

from o2c.intake.confidence import corroborate, line_confidence
from o2c.intake.master_index import MasterIndex
from o2c.intake.resolve import resolve


@pytest.fixture(scope="module")
def master() -> MasterIndex:
    return MasterIndex.from_rows(
        customers=[{"customer_id": "C-1", "name": "Northfield Memorial Hospital", "currency": "USD"}],
        items=[
            {"item_id": "7402-3516", "description": "CORTICAL SCREW 3.5 X 16MM", "uom": "EA", "pack_size": "1"},
            {"item_id": "7402-3518", "description": "CORTICAL SCREW 3.5 X 18MM", "uom": "EA", "pack_size": "1"},
            {"item_id": "7603-0001", "description": "PULSED LAVAGE KIT BX/6", "uom": "BX", "pack_size": "6"},
        ],
    )


def _doc(catalog: str, description: str | None, item_conf: float) -> dict:
    read = {"item": item_conf, "quantity": 0.96, "layout": 0.95}
    return {"document_type": "purchase_order", "customer_id": "C-1", "customer_name_raw": None, "lines": [{
        "line_no": 1, "item_id": None, "item_raw": f"{catalog} {description or ''}".strip(), "catalog_raw": catalog,
        "description_raw": description, "customer_item_ref": None, "quantity": "2", "uom": "EA",
        "unit_price": None, "lot": None, "serial": None, "expiry": None, "udi": None,
        "confidence": line_confidence(read), "field_confidence": read}], "warnings": []}


def test_weakest_reading_times_structure():
    assert line_confidence({"item": 0.9, "quantity": 0.5, "layout": 0.95}) == 0.475
    assert line_confidence({"layout": 0.6}) == 0.6
    assert corroborate({"item": 0.2, "quantity": 0.5}, "item") == {"item": 0.95, "quantity": 0.5}
    assert corroborate({"item": 0.99}, "item")["item"] == 0.99  # never lowered
    assert corroborate({"quantity": 0.5}, "item") == {"quantity": 0.5}


def test_faint_part_number_that_its_description_names_is_sure(master):
    line = resolve(_doc("7402-3516", "Cortical Screw 3.5 X 16Mm", 0.13), master)["lines"][0]
    assert line["item_id"] == "7402-3516"
    assert line["field_confidence"]["item"] == 0.95
    assert line["confidence"] == pytest.approx(0.95 * 0.95, abs=1e-3)


def test_sibling_misread_is_not_corroborated(master):
    # the page says 16MM but OCR read the part number as its sibling's: the readings disagree
    line = resolve(_doc("7402-3518", "Cortical Screw 3.5 X 16Mm", 0.13), master)["lines"][0]
    assert line["item_id"] == "7402-3518"
    assert line["field_confidence"]["item"] == 0.13
    assert line["confidence"] <= 0.13


def test_no_description_no_corroboration(master):
    line = resolve(_doc("7603-0001", None, 0.2), master)["lines"][0]
    assert line["item_id"] == "7603-0001"
    assert line["confidence"] <= 0.2
