"""Normalisation of the two noisy things payers write: invoice references and their own names.

References arrive retyped, OCR-read and reformatted (``INV204049``, ``INV-204I02``, ``inv 0204102``);
names arrive truncated and abbreviated by banks (``EASTBROOK GEN HOSP``). Both are reduced here to
keys that can be looked up in a dictionary, so that matching stays a hash lookup and not a scan.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

# ---------------------------------------------------------------- references

#: characters OCR and retyping confuse with digits, mapped to the digit they stand for
_OCR_TO_DIGIT = str.maketrans({"O": "0", "Q": "0", "D": "0", "I": "1", "L": "1", "|": "1", "S": "5",
                               "B": "8", "Z": "2", "G": "6"})
_NON_ALNUM = re.compile(r"[^0-9A-Z]")
_LEADING_LETTERS = re.compile(r"^[A-Z]+")

#: match levels, strongest first; the engine maps them to confidences
LEVEL_EXACT, LEVEL_FORMAT, LEVEL_CORE, LEVEL_OCR = "exact", "format", "core", "ocr"


def compact(ref: str) -> str:
    """Upper-case alphanumerics only: ``inv-204 049`` -> ``INV204049``. Formatting, not content."""
    return _NON_ALNUM.sub("", ref.upper())


def core_key(ref: str) -> str | None:
    """The numeric core without prefix or leading zeros: ``INV-0204049`` -> ``204049``.

    Payers drop or change prefixes (``INV``, ``INVOICE``, ``#``) and pad numbers; the core is what
    they keep. None when the reference has no digits at all (a word is not a reference).
    """
    body = _LEADING_LETTERS.sub("", compact(ref))
    if not body or not body.isdigit():
        return None
    return body.lstrip("0") or "0"


def ocr_key(ref: str) -> str | None:
    """The core after undoing OCR confusions (O->0, I/l->1, S->5, B->8 ...): ``INV-2O4I02`` -> ``204102``.

    The leading alphabetic prefix is dropped first, so ``INV`` itself is never read as digits.
    Needs at least three real digits, so an ordinary word never turns into a number.
    """
    text = compact(ref)
    prefix = _LEADING_LETTERS.match(text)
    body = text[prefix.end():] if prefix else text
    if sum(c.isdigit() for c in body) < 3:
        return None
    mapped = body.translate(_OCR_TO_DIGIT)
    if not mapped.isdigit():
        return None
    return mapped.lstrip("0") or "0"


def reference_keys(ref: str) -> tuple[str, str, str | None, str | None]:
    """All four lookup keys of a reference at once (exact, format, core, OCR), compacting only once,
    because the book computes them for every one of possibly 100,000 items."""
    text = _NON_ALNUM.sub("", ref.upper())
    prefix = _LEADING_LETTERS.match(text)
    body = text[prefix.end():] if prefix else text
    core = (body.lstrip("0") or "0") if body and body.isdigit() else None
    if core is not None:
        ocr = core if len(body) >= 3 else None
    elif sum(c.isdigit() for c in body) >= 3:
        mapped = body.translate(_OCR_TO_DIGIT)
        ocr = (mapped.lstrip("0") or "0") if mapped.isdigit() else None
    else:
        ocr = None
    return ref.strip().upper(), text, core, ocr


_AMOUNT = re.compile(r"^\$?\(?\d{1,3}(?:,\d{3})+(?:\.\d{2})?\)?$|^\$?\d+\.\d{2}$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$|^\d{1,2}/\d{1,2}/\d{2,4}$")


def looks_like_amount(token: str) -> bool:
    """``10,530.40`` or ``47.84``: an amount, never a reference, however many digits it has."""
    return bool(_AMOUNT.match(token))


def looks_like_date(token: str) -> bool:
    return bool(_DATE.match(token))


# ---------------------------------------------------------------- names

#: legal forms and payables-department words that say nothing about who pays
NAME_NOISE = frozenset({
    "INC", "INCORPORATED", "LLC", "LLP", "LP", "LTD", "LIMITED", "CORP", "CORPORATION", "CO", "COMPANY",
    "PC", "PLLC", "PA", "THE", "OF", "AND", "DBA", "PAYABLES", "PAYABLE", "ACCOUNTS", "AP", "DEPT",
    "TREASURY", "PAYMENTS", "PMT", "PMTS", "GMBH", "AG", "SA", "NA",
})

#: bank abbreviations that are not plain prefixes of one word; prefixes (``SURG``, ``DIST``) are left
#: alone because they stand for several words (surgery, surgical) and the matcher handles them
NAME_ABBREVIATIONS = {
    "HOSP": "HOSPITAL", "GEN": "GENERAL", "MED": "MEDICAL", "CTR": "CENTER", "CNTR": "CENTER",
    "CENTRE": "CENTER", "MEM": "MEMORIAL", "UNIV": "UNIVERSITY", "CTY": "COUNTY", "CNTY": "COUNTY",
    "COMM": "COMMUNITY", "ORTHOPAEDIC": "ORTHOPEDIC", "PAEDIATRIC": "PEDIATRIC",
    "INST": "INSTITUTE", "HLTH": "HEALTH", "SYS": "SYSTEM", "REG": "REGIONAL",
    "RGNL": "REGIONAL", "ST": "SAINT", "MT": "MOUNT", "VLY": "VALLEY", "SVCS": "SERVICES",
    "SVC": "SERVICES", "ASSOC": "ASSOCIATES", "NATL": "NATIONAL", "INTL": "INTERNATIONAL",
}

_NAME_SPLIT = re.compile(r"[^0-9A-Z]+")
_APOSTROPHES = re.compile(r"['\u2019`]")


@dataclass(frozen=True, slots=True)
class NameTokens:
    """A name reduced to comparable tokens; ``initials`` lets ``RMC`` meet ``Regional Medical Center``."""

    tokens: tuple[str, ...]

    @property
    def initials(self) -> str:
        return "".join(t[0] for t in self.tokens)


def name_tokens(name: str) -> NameTokens:
    """Upper-case words without legal forms and payables noise, known abbreviations expanded.

    ``&`` and hyphens separate words, so ``Tri-State`` and ``TRI STATE`` agree; an apostrophe does
    not, because banks drop it: ``St. Mary's`` and ``ST MARYS`` must agree.
    """
    words = [w for w in _NAME_SPLIT.split(_APOSTROPHES.sub("", name.upper())) if w]
    kept = [NAME_ABBREVIATIONS.get(w, w) for w in words if w not in NAME_NOISE]
    return NameTokens(tuple(kept or words))


def alias_key(name: str) -> str:
    """Exact-lookup key for a learned payer alias: the normalised tokens joined."""
    return " ".join(name_tokens(name).tokens)
