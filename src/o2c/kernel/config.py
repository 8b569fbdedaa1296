"""Configuration: what a company decides without changing code.

Defaults live here; a TOML file named by ``O2C_CONFIG`` overrides any of them. Strategies chosen by
configuration are names looked up in registries (invoice triggers, picking rules), never code paths.
"""
from __future__ import annotations

import os
import tomllib
from copy import deepcopy
from functools import lru_cache
from pathlib import Path

from o2c.kernel.errors import O2CError

DEFAULTS: dict = {
    "company": {"id": "KEYSTONE", "name": "Keystone Ortho", "address1": "100 Industrial Pkwy",
                "city": "Warsaw", "state": "IN", "postal_code": "46580", "country": "US",
                "email": "ar@keystone-ortho.example", "edi_id": "KEYSTONEORTHO"},
    # When an invoice is raised, per order type: on_shipment | on_delivery | on_usage | on_po | never
    "invoice_trigger": {"stock": "on_shipment", "bill_only": "on_usage", "consignment_replenishment": "never"},
    "invoice_series": {"invoice": "INV-", "credit_memo": "CM-"},
    "picking_rule": "fefo",
    "default_ship_from": None,            # location id; default: the first warehouse
    "intake": {"price_tolerance": "0.00", "approval_threshold": {"stock": "250000.00", "bill_only": "250000.00",
                                                                  "consignment_replenishment": "250000.00"},
               "past_due_hold_days": 90, "min_confidence": 0.6,
               # the optional language-model extractor (o2c.intake.llm): off unless enabled; the API key
               # is read from the environment variable named here, never from this file
               "llm": {"enabled": False, "base_url": "", "model": "", "api_key_env": "O2C_LLM_API_KEY",
                       "timeout_seconds": 30, "max_input_chars": 12000, "mode": "fill",
                       "allow_patient_data": False, "field_confidence": 0.6, "low_confidence": 0.5,
                       "straight_through": False}},
}


def _merge(base: dict, override: dict) -> dict:
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            _merge(base[key], value)
        else:
            base[key] = value
    return base


@lru_cache(maxsize=4)
def _load(path: str | None) -> dict:
    settings = deepcopy(DEFAULTS)
    if path:
        try:
            with Path(path).open("rb") as handle:
                _merge(settings, tomllib.load(handle))
        except (OSError, tomllib.TOMLDecodeError) as err:
            raise O2CError(f"configuration {path}: {err}", code="config") from None
    return settings


def settings() -> dict:
    return _load(os.environ.get("O2C_CONFIG"))
