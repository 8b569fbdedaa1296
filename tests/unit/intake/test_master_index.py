"""Lookups of the master data snapshot: exact keys first, tolerant folding, fuzzy names last."""
from __future__ import annotations

import pytest

from o2c.intake.master_index import MasterIndex, catalog_key, name_key


def build() -> MasterIndex:
    return MasterIndex.from_rows(
        customers=[
            {"customer_id": "C-1", "name": "Northfield Memorial Hospital", "email": "buy@northfield.org",
             "phone": "+15075550163", "edi_id": "NFMH"},
            {"customer_id": "C-2", "name": "Northfield Orthopedic ASC, LLC", "email": "orders@nfortho.com"},
            {"customer_id": "C-3", "name": "St. Brendan Medical Center", "email": "ap@stbrendan.org"},
        ],
        sites=[
            {"site_id": "S-1-02", "customer_id": "C-1", "name": "Northfield Memorial Hospital - Central Receiving",
             "address1": "2010 Division St S", "postal_code": "55057", "kind": "ship_to"},
            {"site_id": "S-1-03", "customer_id": "C-1", "name": "Northfield Memorial Hospital",
             "address1": "2000 Division St S", "postal_code": "55057", "kind": "facility"},
            {"site_id": "S-2-02", "customer_id": "C-2", "name": "Northfield Orthopedic ASC - Receiving",
             "address1": "1400 Jefferson Rd", "kind": "ship_to"},
        ],
        items=[
            {"item_id": "7103-1204", "description": "ACETABULAR SHELL 52MM", "gtin": "00847120000103", "uom": "EA",
             "pack_size": "1"},
            {"item_id": "7103-1206", "description": "ACETABULAR SHELL 56MM", "uom": "EA", "pack_size": "1"},
            {"item_id": "7104-1002", "description": "ACETABULAR LINER XLPE 32MM NEUTRAL", "uom": "EA"},
            {"item_id": "7404-0016", "description": "K-WIRE 1.6MM X 150MM BX/10", "uom": "BX", "pack_size": "10"},
        ],
        customer_items=[{"customer_id": "C-3", "customer_item_ref": "100428664", "item_id": "7104-1002"}],
        physicians=[
            {"physician_id": "P-1", "name": "Elena Vasquez", "site_id": "S-1-03"},
            {"physician_id": "P-2", "name": "George Lambert", "site_id": "S-1-03"},
            {"physician_id": "P-3", "name": "Amanda Reinholt", "site_id": "S-1-03"},
            {"physician_id": "P-4", "name": "Grace Reinholt", "site_id": "S-9-03"},
        ],
        reps=[{"rep_id": "R-1", "name": "Erik Lindgren", "phone": "+16125550109", "email": "erik@keystone.com"}],
    )


@pytest.fixture(scope="module")
def master() -> MasterIndex:
    return build()


def test_catalog_key_folds_dashes_spaces_and_letter_digit_confusions():
    assert catalog_key("71O3 1204") == catalog_key("7103-1204") == catalog_key("71031204")


def test_name_key_drops_generic_words_and_expands_abbreviations():
    assert name_key("Northfield Mem. Hospital, Inc.") == "northfield memorial"
    assert name_key("St Brendan Med Ctr") == "saint brendan"


def test_customer_by_edi_email_domain_phone(master):
    assert master.customer_by_edi("nfmh").id == "C-1"
    assert master.customer_by_email("Buyer <BUY@northfield.org>").how == "email"
    domain = master.customer_by_email("someone.else@nfortho.com")
    assert (domain.id, domain.how) == ("C-2", "email_domain")
    assert master.customer_by_phone("(507) 555-0163").id == "C-1"
    assert master.customer_by_email("who@gmail.com") is None


@pytest.mark.parametrize("text", ["northfoeld mem", "Northfield Memorial", "NORTHFIELD MEM HOSP"])
def test_customer_by_misspelt_name(master, text):
    assert master.customer_by_name(text).id == "C-1"


def test_unrelated_name_is_not_matched(master):
    assert master.customer_by_name("Keystone Orthopedics Warsaw") is None


def test_customer_and_site_by_address(master):
    assert master.customer_by_address("ship to 1400 Jefferson Rd, Northfield MN").id == "C-2"
    assert master.site_for("C-1", "Central Receiving, 2010 Division St S", prefer_kind="ship_to").id == "S-1-02"


def test_site_for_customer_with_one_site_of_the_kind(master):
    assert master.site_for("C-1", None, prefer_kind="facility").id == "S-1-03"


def test_item_by_catalog_tolerates_ocr(master):
    found = master.item_by_catalog("71O3-12O4")
    assert (found.id, found.how) == ("7103-1204", "catalog_folded")
    assert master.item_by_catalog("7103-1204").score == 1.0
    assert master.item_by_catalog("7199-0904") is None


def test_item_by_gtin_and_customer_ref(master):
    assert master.item_by_gtin("847120000103").id == "7103-1204"
    assert master.item_by_customer_ref("C-3", "100428664").id == "7104-1002"
    assert master.item_by_customer_ref("C-1", "100428664") is None


def test_item_by_description_needs_a_clear_winner(master):
    assert master.item_by_description("acetabular liner xlpe 32mm neutral").id == "7104-1002"
    assert master.item_by_description("acetabular shell") is None


def test_physician_by_name_within_site(master):
    assert master.physician_by_name("dr vasquez", site_id="S-1-03").id == "P-1"
    assert master.physician_by_name("Dr G Lambert", customer_id="C-1").id == "P-2"
    assert master.physician_by_name("Dr. Vasqeuz", site_id="S-1-03").id == "P-1"


def test_physician_first_name_must_agree(master):
    assert master.physician_by_name("Grace Reinholt, MD", site_id="S-1-03").id == "P-4"
    assert master.physician_by_name("dr reinholt") is None  # two Reinholts, no site: ambiguous


def test_a_misread_title_or_a_stray_glyph_before_the_name_is_no_given_name(master):
    from o2c.intake.master_index import person_words

    assert person_words("De. Grace Holloway") == ["grace", "holloway"]
    assert person_words("Dee Ann Smith") == ["dee", "ann", "smith"]  # a name, not a title
    assert master.physician_by_name("De. Grace Reinholt", site_id="S-9-03").id == "P-4"
    assert master.physician_by_name("x Grace Reinholt", site_id="S-1-03").id == "P-4"
    # a given name that agrees with neither Reinholt still vetoes, wherever it stands
    assert master.physician_by_name("De. Mary Reinholt") is None
    assert master.physician_by_name("Mary x Reinholt") is None


def test_rep_lookups(master):
    assert master.rep_by_phone("+1 612 555 0109").id == "R-1"
    assert master.rep_by_email("ERIK@keystone.com").id == "R-1"
    assert master.rep_by_name("Erik Lindgren").id == "R-1"


def test_aliases_are_remembered_in_a_new_snapshot(master):
    learned = master.with_aliases(senders={"gmail.buyer@gmail.com": "C-3"},
                                  customer_items={("C-1", "NF-77"): "7103-1206"})
    assert learned.customer_by_email("gmail.buyer@gmail.com").id == "C-3"
    assert learned.item_by_customer_ref("C-1", "nf 77").id == "7103-1206"
    assert master.customer_by_email("gmail.buyer@gmail.com") is None


def test_from_csv_dir(tmp_path):
    (tmp_path / "customers.csv").write_text("customer_id,name,edi_id\nC-9,Atlas Surgical,ATLAS\n")
    (tmp_path / "items.csv").write_text("item_id,description\n7000-0001,WIDGET\n")
    index = MasterIndex.from_csv_dir(tmp_path)
    assert index.customer_by_edi("ATLAS").id == "C-9"
    assert index.item_by_catalog("7000 0001").id == "7000-0001"


# ------------------------------------------------------------------ handwritten rep names
@pytest.fixture(scope="module")
def reps_master() -> MasterIndex:
    return MasterIndex.from_rows(
        customers=[{"customer_id": "C-W", "name": "Lakeview Clinic"}, {"customer_id": "C-T", "name": "Hill Country"}],
        sites=[{"site_id": "S-W", "customer_id": "C-W", "name": "Lakeview Clinic", "state": "WI", "kind": "facility"},
               {"site_id": "S-T", "customer_id": "C-T", "name": "Hill Country", "state": "NC", "kind": "facility"}],
        reps=[{"rep_id": "R-1", "name": "Derek Holt", "territory": "Wisconsin"},
              {"rep_id": "R-2", "name": "Shonda Miles", "territory": "Carolinas"},
              {"rep_id": "R-3", "name": "Dana Holt", "territory": "Texas"},
              {"rep_id": "R-4", "name": "Derek Vance", "territory": "Ohio / Kentucky"}])


def test_rep_misread_given_name_still_matches_by_surname_with_less_confidence(reps_master):
    found = reps_master.rep_candidates("Deck Holt", customer_id="C-W")
    assert [m.id for m in found] == ["R-1"] and 0.8 <= found[0].score < 0.9
    assert reps_master.rep_by_name("Derek Holt").score == 1.0


def test_rep_surname_shared_by_two_reps_is_settled_by_the_facility_territory(reps_master):
    assert reps_master.rep_by_name("Holt") is None  # two Holts, no facility: ambiguous
    assert len(reps_master.rep_candidates("Holt")) == 2
    assert reps_master.rep_by_name("Holt", site_id="S-W").id == "R-1"


def test_rep_given_name_alone_only_among_the_facility_reps(reps_master):
    assert reps_master.rep_by_name("Shonda") is None
    assert reps_master.rep_by_name("Shonda", customer_id="C-T").id == "R-2"  # Carolinas covers NC
    assert reps_master.rep_by_name("honda Miles", customer_id="C-T").score == 1.0
    assert reps_master.rep_by_name("Derek", customer_id="C-T") is None


def test_territory_names_cover_states():
    from o2c.intake.master_index import _territory_covers
    assert _territory_covers("Carolinas", {"SC"}) and _territory_covers("Northern California", {"CA"})
    assert _territory_covers("Ohio / Kentucky", {"KY"}) and _territory_covers("WI, MN", {"MN"})
    assert not _territory_covers("Pacific Northwest", {"WI"}) and not _territory_covers("", {"WI"})


def _stocked() -> MasterIndex:
    return MasterIndex.from_rows(
        sites=[{"site_id": "S-1", "customer_id": "C-1", "name": "Pinecrest", "kind": "facility"}],
        locations=[{"location_id": "CON-1", "kind": "consignment", "site_id": "S-1", "customer_id": "C-1"},
                   {"location_id": "CON-2", "kind": "consignment", "site_id": "S-2", "customer_id": "C-2"},
                   {"location_id": "TRK-7", "kind": "trunk", "rep_id": "R-7"}],
        inventory=[{"location_id": "CON-1", "item_id": "7105-0107", "lot": "L48947", "serial": "SN193501", "quantity": "1"},
                   {"location_id": "CON-1", "item_id": "7105-0107", "lot": "L48947", "serial": "SN193502", "quantity": "1"},
                   {"location_id": "CON-1", "item_id": "7105-0108", "lot": "L70001", "serial": "", "quantity": "0"},
                   {"location_id": "CON-2", "item_id": "7105-0107", "lot": "L46947", "serial": "SN195501", "quantity": "1"},
                   {"location_id": "TRK-7", "item_id": "7201-0500", "lot": "L31246", "serial": "", "quantity": "2"}])


def test_misread_lot_and_serial_fit_one_unit_at_the_facility():
    from o2c.intake.master_index import near_reading
    assert near_reading("46947", "L48947")  # prefix lost, one digit misread
    assert near_reading("GNI 9501", "SN193501")  # "SN1" read as "GNI", one digit dropped
    assert not near_reading("46947", "L48977") and not near_reading("123", "L123")
    index = _stocked()
    places = index.usage_locations("S-1", None)
    assert places == ["CON-1"]
    fit = index.units_fitting(places, lot="46947", serial="GNI 9501")
    assert [u["serial"] for u in fit] == ["SN193501"]  # not SN193502 (two digits off), not CON-2's unit
    assert len(index.units_fitting(places, lot="46947")) == 2  # the lot alone fits two units: no answer
    assert index.units_fitting(places, lot="L7000") == []  # none on hand
    assert index.units_fitting(places, lot="ab", serial="x1") == []  # too little read to compare
    assert [u["lot"] for u in index.units_fitting(index.usage_locations(None, "R-7"), lot="31246")] == ["L31246"]


def test_inventory_is_replaced_without_rebuilding_master_lookups():
    index = _stocked()
    fresh = index.with_inventory([])
    assert fresh.inventory == () and index.inventory
    assert fresh.usage_locations("S-1", None) == ["CON-1"] and fresh._idx is not index._idx


def test_printed_lot_read_with_confused_glyphs_is_one_unit_of_its_item():
    from o2c.intake.master_index import printed_reading
    assert printed_reading("199343", "L99343") and printed_reading("SN5O1664", "SN501664")
    assert not printed_reading("99343", "L99343")  # a glyph lost is not a print confusion
    assert not printed_reading("L99348", "L99343")  # nor a digit read as another digit
    index = _stocked()
    places = index.usage_locations("S-1", None)
    assert [u["serial"] for u in index.units_printed_as(places, item_id="7105-0107", lot="148947",
                                                         serial="SN193502")] == ["SN193502"]
    assert len(index.units_printed_as(places, item_id="7105-0107", lot="148947", serial=None)) == 2
    assert index.units_printed_as(places, item_id="7105-0107", lot="148947", serial="SN193509") == []
    assert index.units_printed_as(places, item_id="7201-0500", lot="131246", serial=None) == []  # not this item here
