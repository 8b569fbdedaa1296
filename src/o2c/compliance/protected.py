"""Protected patient data: sealed at rest, readable only with the installation's key.

Patient references (MRN, name) that arrive on case sheets must not sit in the database as plain text.
They are sealed with Fernet (AES in CBC mode with an HMAC) before they are stored, and unsealed only
where a person with the right role needs them (a recall, a Part 821 tracking export). The key comes
from ``O2C_DATA_KEY`` or the key file ``O2C_KEY_FILE`` (default ``./o2c.key``, created on first use with
owner-only permissions). Losing the key makes sealed values unreadable, by design.
"""
from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from o2c.kernel.errors import O2CError

PREFIX = "sealed:v1:"


def _key_file() -> Path:
    return Path(os.environ.get("O2C_KEY_FILE", "o2c.key"))


@lru_cache(maxsize=4)
def _fernet(key: bytes) -> Fernet:
    return Fernet(key)


def _key() -> bytes:
    env = os.environ.get("O2C_DATA_KEY")
    if env:
        return env.encode()
    path = _key_file()
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(Fernet.generate_key())
    return path.read_bytes().strip()


def seal(value: str | None) -> str | None:
    """Seal a patient reference for storage; None and already sealed values pass through."""
    if value is None or value.startswith(PREFIX):
        return value
    return PREFIX + _fernet(_key()).encrypt(value.encode("utf-8")).decode("ascii")


def unseal(value: str | None) -> str | None:
    if value is None or not value.startswith(PREFIX):
        return value
    try:
        return _fernet(_key()).decrypt(value[len(PREFIX):].encode("ascii")).decode("utf-8")
    except InvalidToken:
        raise O2CError("a sealed patient reference cannot be read with this installation's key",
                       code="wrong_data_key") from None


def mask(value: str | None) -> str | None:
    """What may be shown or logged: all but the last two characters hidden."""
    plain = unseal(value)
    if plain is None:
        return None
    return "*" * max(len(plain) - 2, 0) + plain[-2:]


def seal_bytes(data: bytes) -> bytes:
    return _fernet(_key()).encrypt(data)


def unseal_bytes(token: bytes) -> bytes:
    try:
        return _fernet(_key()).decrypt(token)
    except InvalidToken:
        raise O2CError("a sealed document cannot be read with this installation's key",
                       code="wrong_data_key") from None


def _map_patient_refs(value, change):
    """Apply ``change`` to ``patient_ref`` at the top of a JSON object and under ``procedure``."""
    if not isinstance(value, dict):
        return value
    result = dict(value)
    if isinstance(result.get("patient_ref"), str):
        result["patient_ref"] = change(result["patient_ref"])
    if isinstance(result.get("procedure"), dict):
        result["procedure"] = _map_patient_refs(result["procedure"], change)
    return result


def seal_patient_fields(value):
    return _map_patient_refs(value, seal)


def unseal_patient_fields(value):
    return _map_patient_refs(value, unseal)
