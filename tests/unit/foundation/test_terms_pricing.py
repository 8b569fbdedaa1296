from datetime import date
from decimal import Decimal

import pytest

from o2c.billing.terms import PaymentTerms
from o2c.kernel.errors import InvalidValue, NotFound
from o2c.masterdata.model import Contract, Customer, Item, is_valid_gtin
from o2c.pricing.model import quote_price, to_stock_units


def test_terms_parse_discount_and_net_days():
    terms = PaymentTerms.parse("2/10 NET30")
    assert (terms.net_days, terms.discount_percent, terms.discount_days) == (30, Decimal("2"), 10)
    assert terms.due_date(date(2026, 11, 1)) == date(2026, 12, 1)
    assert terms.discount_on(Decimal("1000.00"), date(2026, 11, 1), date(2026, 11, 11)) == Decimal("20.00")
    assert terms.discount_on(Decimal("1000.00"), date(2026, 11, 1), date(2026, 11, 12)) == 0
    assert str(PaymentTerms.parse("net45")) == "NET45"
    assert str(PaymentTerms.parse("1.5/15 NET45")) == "1.5/15 NET45"
    with pytest.raises(InvalidValue):
        PaymentTerms.parse("whenever")


def test_gtin_check_digit():
    assert is_valid_gtin("00812345000016")
    assert not is_valid_gtin("00812345000017")
    assert not is_valid_gtin("0081234500001")


STEM = Item("K-1", "STEM", uom="EA", list_price=Decimal("2450.00"))
SCREWS = Item("K-2", "SCREWS", uom="BX", pack_size=10, list_price=Decimal("410.00"))
HOSPITAL = Customer("C-1", "Hospital", gpo_id="GPO-A")
ON = date(2026, 11, 20)


def test_customer_contract_beats_gpo_contract_beats_list_price():
    contracts = [Contract("G1", "K-1", Decimal("2150.00"), gpo_id="GPO-A"),
                 Contract("C1", "K-1", Decimal("2200.00"), customer_id="C-1")]
    quote = quote_price(STEM, HOSPITAL, contracts, quantity=1, uom="EA", on=ON)
    assert (quote.unit_price, quote.source, quote.contract_id) == (Decimal("2200.00"), "customer_contract", "C1")
    quote = quote_price(STEM, HOSPITAL, contracts[:1], quantity=1, uom="EA", on=ON)
    assert (quote.unit_price, quote.source) == (Decimal("2150.00"), "gpo_contract")
    other = Customer("C-2", "Clinic", gpo_id="GPO-B")
    assert quote_price(STEM, other, contracts, quantity=1, uom="EA", on=ON).source == "list"


def test_expired_or_future_contracts_do_not_apply():
    contracts = [Contract("G1", "K-1", Decimal("2000.00"), gpo_id="GPO-A", end_date=date(2026, 11, 19)),
                 Contract("G2", "K-1", Decimal("1900.00"), gpo_id="GPO-A", start_date=date(2026, 11, 21))]
    assert quote_price(STEM, HOSPITAL, contracts, quantity=1, uom="EA", on=ON).source == "list"


def test_minimum_quantity_tiers_and_lowest_valid_price():
    contracts = [Contract("T1", "K-2", Decimal("365.00"), gpo_id="GPO-A", uom="BX", min_quantity=1),
                 Contract("T5", "K-2", Decimal("349.00"), gpo_id="GPO-A", uom="BX", min_quantity=5)]
    assert quote_price(SCREWS, HOSPITAL, contracts, quantity=4, uom="BX", on=ON).unit_price == Decimal("365.00")
    assert quote_price(SCREWS, HOSPITAL, contracts, quantity=5, uom="BX", on=ON).unit_price == Decimal("349.00")
    # 50 eaches are 5 boxes: the tier applies, and the price is per each
    assert quote_price(SCREWS, HOSPITAL, contracts, quantity=50, uom="EA", on=ON).unit_price == Decimal("34.9")


def test_pack_conversion_refuses_partial_packs_and_unknown_units():
    assert to_stock_units(SCREWS, 20, "EA") == 2
    with pytest.raises(NotFound) as err:
        to_stock_units(SCREWS, 15, "EA")
    assert err.value.code == "quantity"
    with pytest.raises(NotFound) as err:
        to_stock_units(SCREWS, 1, "CS")
    assert err.value.code == "unknown_uom"
