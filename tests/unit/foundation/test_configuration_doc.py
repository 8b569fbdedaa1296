"""The example configuration in docs/configuration.md is valid: every section is read by the code
that owns it without error, and the values reach it."""
import re
import tomllib
from decimal import Decimal
from pathlib import Path

from o2c.kernel import config

DOC = Path(__file__).resolve().parents[3] / "docs" / "configuration.md"


def test_the_documented_example_configures_every_capability(tmp_path, monkeypatch):
    example = re.search(r"```toml\n(.*?)```", DOC.read_text(), re.S).group(1)
    tomllib.loads(example)
    path = tmp_path / "o2c.toml"
    path.write_text(example)
    monkeypatch.setenv("O2C_CONFIG", str(path))
    settings = config.settings()
    assert settings["invoice_trigger"]["stock"] == "on_shipment"

    from o2c.cash.importing import cash_settings
    matching, reading = cash_settings(settings)
    assert matching.auto_threshold == 0.85 and reading["lockbox_columns"]["Inv #"] == "invoice_number"

    from o2c.receivables.collections import policy_from_config
    policy = policy_from_config(settings["collections"]["dunning"])
    assert [(level.template, level.fee_minor) for level in policy.levels][-1] == ("final_notice", 2500)

    from o2c.intake.rules import Policy
    policy = Policy.from_settings(settings["intake"])
    assert policy.max_line_quantity == 100 and policy.approval_threshold["stock"] == Decimal("250000.00")

    from o2c.web.config import load
    assert load().max_upload_bytes == 25 * 1024 * 1024 and load().cookie_secure
