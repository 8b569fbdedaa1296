"""Every real bank sample either parses (with its control totals verified) or is refused with a clear
reason; never a crash. Expectations per file are pinned so that a regression in any parser shows."""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from o2c.formats.bank import BankFileError, parse_bank_file
from o2c.kernel.errors import O2CError

pytestmark = pytest.mark.corpus

# relative path -> (payments, skipped) when it parses, or a phrase of the refusal
EXPECTED: dict[str, tuple[int, int] | str] = {
    "bai2/ministryofjustice-bai2/account_trailer_amount_blank_example.bai2": (0, 0),
    "bai2/ministryofjustice-bai2/citi_example.bai2": (1, 0),
    "bai2/ministryofjustice-bai2/nwb_example.bai2": (1, 4),
    "bai2/ministryofjustice-bai2/svb_us_example.bai2": (2, 0),
    "bai2/moov-io-bai2/sample1.txt": (5, 12),
    "bai2/moov-io-bai2/sample2.txt": (4, 0),
    "bai2/moov-io-bai2/sample3.txt": (13, 13),
    "bai2/moov-io-bai2/sample4-continuations-newline-delimited.txt": "49 control total",
    "bai2/moov-io-bai2/sample5-issue113.txt": "malformed record start",
    "bai2/moov-io-bai2/errors/sample-parseError.txt": "01 file header",
    "iso20022_camt/viafintech-camt_parser/052/valid_example.xml": "camt.052",
    "iso20022_camt/viafintech-camt_parser/052/valid_example_with_dates.xml": "camt.052",
    "iso20022_camt/viafintech-camt_parser/053/valid_example.xml": (1, 3),
    "iso20022_camt/viafintech-camt_parser/053/valid_example_v4.xml": (21, 11),
    "iso20022_camt/viafintech-camt_parser/053/valid_example_v8.xml": "closing balance",
    "iso20022_camt/viafintech-camt_parser/053/valid_example_with_batch.xml": "TxsSummry",
    "iso20022_camt/viafintech-camt_parser/053/valid_example_with_datetime.xml": "TxsSummry",
    "iso20022_camt/viafintech-camt_parser/053/valid_example_with_debit.xml": "closing balance",
    "iso20022_camt/viafintech-camt_parser/053/valid_example_with_instdamt.xml": "closing balance",
    "iso20022_camt/viafintech-camt_parser/053/valid_example_with_other_id.xml": (0, 0),
    "iso20022_camt/viafintech-camt_parser/054/valid_example.xml": (3, 2),
    "lockbox/FundersClub-bai-lockbox/test_empty_lockbox.bai": "BAI lockbox",
    "lockbox/FundersClub-bai-lockbox/test_lockbox.bai": "BAI lockbox",
    "nacha_ach/moov-io-ach/ach-ccd-read/ccd-debit.ach": (0, 2),
    "nacha_ach/moov-io-ach/ach-cor-read/cor-read.ach": (0, 1),
    "nacha_ach/moov-io-ach/ach-ctx-read/ctx-debit.ach": (0, 1),
    "nacha_ach/moov-io-ach/ach-ppd-read/ppd-credit.ach": (1, 0),
    "nacha_ach/moov-io-ach/ach-ppd-read/ppd-debit.ach": (0, 1),
    "nacha_ach/moov-io-ach/ach-web-read/web-credit.ach": (2, 0),
    "nacha_ach/moov-io-ach/same-day-ach-ppd-read/same-day-ach-ppd-credit.ach": (1, 0),
    "nacha_ach/moov-io-ach/testdata/20110805A.ach": "file batch count is 5",
    "nacha_ach/moov-io-ach/testdata/contested_addenda.txt": (0, 1),
    "nacha_ach/moov-io-ach/testdata/cor-example.ach": (0, 1),
    "nacha_ach/moov-io-ach/testdata/dishonored-with-addenda05.json": "JSON",
    "nacha_ach/moov-io-ach/testdata/ppd-debit.ach": (0, 1),
    "nacha_ach/moov-io-ach/testdata/ppd-valid.json": "JSON",
    "nacha_ach/moov-io-ach/testdata/return-WEB.ach": (0, 2),
    "nacha_ach/moov-io-ach/testdata/two-micro-deposits.ach": (4, 2),
    "nacha_ach/moov-io-ach/testdata/txp-credit.ach": (1, 0),
    "nacha_ach/moov-io-ach/testdata/web-debit.ach": (5, 1),
    "nacha_ach/moov-io-ach/testdata/web-debit.json": "JSON",
}
OFX = "OFX statements are not supported"


@pytest.fixture(scope="module")
def real_dir(corpus_dir: Path) -> Path:
    path = corpus_dir / "real" / "bank_payments"
    if not path.is_dir():
        pytest.skip("real bank samples absent")
    return path


def test_every_real_file_is_covered(real_dir: Path) -> None:
    present = {str(p.relative_to(real_dir)) for p in real_dir.rglob("*") if p.is_file()}
    present -= {"SOURCES.md", "nacha_ach/moov-io-ach/testdata/large-files/CCD+addenda05-200-batches-100000-entries.ach.gz"}
    present = {p for p in present if not p.startswith("ofx/")}
    assert present == set(EXPECTED)


@pytest.mark.parametrize("relative", sorted(EXPECTED))
def test_real_file_parses_or_is_refused_clearly(real_dir: Path, relative: str) -> None:
    expected = EXPECTED[relative]
    path = real_dir / relative
    if isinstance(expected, str):
        with pytest.raises(O2CError) as refused:
            parse_bank_file(path, path.name)
        assert expected in str(refused.value) and path.name in str(refused.value)
        return
    result = parse_bank_file(path, path.name)
    assert (len(result.payments), len(result.skipped)) == expected
    assert all(p.amount > 0 and p.is_credit and p.source_key for p in result.payments)
    assert len({p.source_key for p in result.payments}) == len(result.payments)
    if result.format in ("bai2", "nacha"):
        assert result.checks, "control totals must have been verified"


def test_ofx_is_refused_with_reason(real_dir: Path) -> None:
    files = sorted((real_dir / "ofx").rglob("*.ofx"))
    assert files
    for path in files:
        with pytest.raises(O2CError, match=OFX):
            parse_bank_file(path, path.name)


def test_gzip_nacha_with_100k_entries_checks_every_batch(real_dir: Path) -> None:
    path = real_dir / "nacha_ach/moov-io-ach/testdata/large-files/CCD+addenda05-200-batches-100000-entries.ach.gz"
    result = parse_bank_file(path, path.name)
    assert len(result.skipped) + len(result.payments) == 100_000
    assert sum(1 for c in result.checks if "entry hash" in c) == 201     # 200 batches + the file


def test_known_values_of_real_files(real_dir: Path) -> None:
    citi = parse_bank_file(real_dir / "bai2/ministryofjustice-bai2/citi_example.bai2").payments[0]
    assert (citi.bank_ref, citi.amount, citi.currency, str(citi.value_date)) == ("1234567890", Decimal("0.01"),
                                                                                 "GBP", "2015-07-15")
    assert citi.alt_refs == ("RP12312312312312",)
    svb = parse_bank_file(real_dir / "bai2/ministryofjustice-bai2/svb_us_example.bai2").payments
    assert [(p.bank_ref, p.amount, str(p.value_date)) for p in svb] == [
        ("172629", Decimal("4901.96"), "2022-02-01"), ("150675", Decimal("9058.00"), "2022-02-02")]
    notif = parse_bank_file(real_dir / "iso20022_camt/viafintech-camt_parser/054/valid_example.xml").payments
    assert [(p.bank_ref, p.amount, p.payer_name, p.payer_account) for p in notif[:2]] == [
        ("EndToEnd-CRDBRActSame-1B9C-CHDDBB2", Decimal("15.00"), "Rutschmann Pia", "CH4409000000495962779"),
        ("EndToEnd-CRDBRActSame-1B9C-CHDDBB3", Decimal("9.00"), "Bernasconi Maria", "CH3709000000250094580")]
    assert notif[0].currency == "CHF" and notif[0].free_text == "Mitteilung 132"
    web = parse_bank_file(real_dir / "nacha_ach/moov-io-ach/ach-web-read/web-credit.ach").payments
    assert [(p.bank_ref, p.amount, p.payer_name, p.free_text) for p in web] == [
        ("121042880000001", Decimal("100.00"), "Name on Account", "PAY-GATE payment"),
        ("121042880000002", Decimal("7.99"), "Name on Account", "Monthly Membership Subscription")]
    assert str(web[0].value_date) == "2018-10-12"


def test_refusals_are_bank_file_errors_with_the_line(real_dir: Path) -> None:
    with pytest.raises(BankFileError) as refused:
        parse_bank_file(real_dir / "nacha_ach/moov-io-ach/testdata/20110805A.ach", "20110805A.ach")
    assert refused.value.line == 93 and str(refused.value).startswith("20110805A.ach:93:")
