"""KPI formulas on numbers worked out by hand."""
from datetime import date, datetime, timezone
from decimal import Decimal
from xml.etree import ElementTree

from o2c.receivables.kpis import (SalesPeriod, average_days_delinquent, collection_effectiveness_index, days_between,
                                  duration_summary, dso_countback, kpi_chart_svg, month_periods, rate,
                                  unbilled_summary)


def test_dso_countback_worked_example():
    """AR at the end of November: 150,000.00. November's credit sales were 100,000.00 (30 days),
    October's 80,000.00 (31 days), September's 90,000.00.

    November explains 100,000.00 of the AR -> 30 days, 50,000.00 left.
    October's 80,000.00 is more than what is left -> 50,000 / 80,000 x 31 = 19.375 days.
    DSO = 30 + 19.375 = 49.375 -> 49.4 days."""
    periods = [SalesPeriod("2026-11", 30, 10_000_000), SalesPeriod("2026-10", 31, 8_000_000),
               SalesPeriod("2026-09", 30, 9_000_000)]
    assert dso_countback(15_000_000, periods) == Decimal("49.4")


def test_dso_countback_edges():
    periods = [SalesPeriod("2026-11", 20, 0), SalesPeriod("2026-10", 31, 1000), SalesPeriod("2026-09", 30, 0)]
    # a month without sales still counts whole; AR exactly equal to the sales stops there: 20 + 31
    assert dso_countback(1000, periods) == Decimal("51.0")
    # more AR than all the history explains: the idle months at the far end are not counted
    assert dso_countback(5000, periods) == Decimal("51.0")
    assert dso_countback(0, periods) == Decimal("0.0")
    assert dso_countback(-500, periods) == Decimal("0.0")


def test_cei_worked_example():
    """Beginning AR 200,000, credit sales 100,000, ending AR 120,000 of which 80,000 is current:
    (200,000 + 100,000 - 120,000) / (200,000 + 100,000 - 80,000) = 180,000 / 220,000 = 81.8 %."""
    assert collection_effectiveness_index(20_000_000, 10_000_000, 12_000_000, 8_000_000) == Decimal("81.8")
    assert collection_effectiveness_index(0, 0, 0, 0) is None


def test_average_days_delinquent_is_dso_minus_best_possible():
    """DSO 49.4 with a best possible DSO (countback on current AR only) of 21.0 -> 28.4 days late."""
    assert average_days_delinquent(Decimal("49.4"), Decimal("21.0")) == Decimal("28.4")


def test_rates_and_durations():
    assert rate(17, 20) == Decimal("85.0") and rate(1, 3) == Decimal("33.3") and rate(0, 0) is None
    start = datetime(2026, 11, 1, 8, 0, tzinfo=timezone.utc)
    assert days_between(start, datetime(2026, 11, 2, 20, 0, tzinfo=timezone.utc)) == Decimal("1.50")
    summary = duration_summary([Decimal("1.50"), Decimal("0.50"), Decimal("4.00")])
    assert summary == {"invoices": 3, "average_days": "2.00", "median_days": "1.50", "max_days": "4.00"}


def test_unbilled_usage_summary():
    """300.00 aged 3 days, 700.00 aged 40 days: total 1,000.00, weighted age (300x3 + 700x40)/1000 = 28.9."""
    summary = unbilled_summary([(30000, 3), (70000, 40)])
    assert summary["amount"] == "1000.00" and summary["lines"] == 2 and summary["oldest_days"] == 40
    assert summary["average_age_days"] == "28.9"
    assert summary["by_age"] == {"0-7": "300.00", "8-30": "0.00", "31+": "700.00"}


def test_month_periods_walk_back_from_the_as_of_date():
    assert month_periods(date(2026, 3, 10), 3) == [(date(2026, 3, 1), date(2026, 3, 10)),
                                                    (date(2026, 2, 1), date(2026, 2, 28)),
                                                    (date(2026, 1, 1), date(2026, 1, 31))]


def test_chart_is_well_formed_svg_with_one_bar_per_bucket_and_month():
    report = {"as_of": "2026-11-20", "dso": {"days": "49.4"}, "cei": {"percent": "81.8"},
              "average_days_delinquent": "28.4",
              "aging": {"current": "100.00", "1-30": "50.00", "31-60": "0.00", "61-90": "0.00", "90+": "5.00"},
              "dso_trend": [{"as_of": "2026-10-31", "dso": "40.0"}, {"as_of": "2026-11-20", "dso": "49.4"}]}
    svg = ElementTree.fromstring(kpi_chart_svg(report))
    rects = svg.findall("{http://www.w3.org/2000/svg}rect")
    assert len(rects) == 1 + 5 + 2          # background, aging bars, trend bars
