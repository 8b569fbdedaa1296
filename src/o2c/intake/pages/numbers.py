"""Line arithmetic: quantity x unit price = extended amount, used to check and repair OCR'd numbers.

A printed order line states its arithmetic, so three numbers read independently check each other.
When the quantity is unreadable but the unit price and the extended amount were read, their
quotient is the quantity if it is a whole positive number. When all three are read and disagree,
one misread glyph is the usual cause (OCR confuses 1/7, 5/6/8, 0/8/9, 3/8): the single-glyph
change that makes the line add up is taken when exactly one reading does. Otherwise the values stay
as read and the caller lowers the line's confidence, so a person checks the document.
All arithmetic is Decimal; values are the decimal strings of ``pages.values``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

#: digits OCR mistakes for one another on scans and faxes.
CONFUSABLE_GROUPS = ("17", "568", "089", "38")
CONFUSIONS: dict[str, str] = {
    d: "".join(sorted({c for g in CONFUSABLE_GROUPS if d in g for c in g} - {d})) for d in "0123456789"}
CENT = Decimal("0.01")


@dataclass
class Reconciled:
    quantity: str | None
    unit_price: str | None
    ext: str | None
    #: how each changed value was obtained ("extended / unit_price", "ocr digit 7->1").
    how: dict[str, str] = field(default_factory=dict)
    #: True when the three values add up, False when they do not and nothing repaired them, None
    #: when fewer than three values are known (nothing to check).
    agrees: bool | None = None


def _dec(text: str | None) -> Decimal | None:
    if text is None:
        return None
    try:
        value = Decimal(text)
    except (InvalidOperation, ValueError):
        return None
    return value if value.is_finite() else None


def adds_up(quantity: str | None, unit_price: str | None, ext: str | None) -> bool | None:
    """Whether quantity x unit price equals the extended amount to the cent (None: a value missing)."""
    q, p, e = _dec(quantity), _dec(unit_price), _dec(ext)
    if q is None or p is None or e is None:
        return None
    return abs((q * p).quantize(CENT, ROUND_HALF_UP) - e) <= CENT


def whole_quotient(ext: str | None, unit_price: str | None) -> str | None:
    """ext / unit_price when it is a whole positive number that multiplies back to ext."""
    e, p = _dec(ext), _dec(unit_price)
    if e is None or p is None or p <= 0 or e <= 0:
        return None
    q = (e / p).to_integral_value(ROUND_HALF_UP)
    if q < 1 or not adds_up(str(q), unit_price, ext):
        return None
    return str(q)


def digit_variants(text: str) -> list[tuple[str, str]]:
    """Every reading of ``text`` with one digit replaced by a digit OCR confuses it with:
    (variant, "a->b") pairs."""
    out = []
    for k, ch in enumerate(text):
        for alt in CONFUSIONS.get(ch, ""):
            if k == 0 and alt == "0" and len(text) > 1 and text[1] != ".":
                continue  # no leading zero
            out.append((text[:k] + alt + text[k + 1:], f"{ch}->{alt}"))
    return out


def cents_quotient(ext: str | None, quantity: str | None) -> str | None:
    """ext / quantity when it is an amount to the cent that multiplies back to ext exactly."""
    e, q = _dec(ext), _dec(quantity)
    if e is None or q is None or q <= 0 or e <= 0:
        return None
    p = (e / q).quantize(CENT, ROUND_HALF_UP)
    return format(p, "f") if p > 0 and (q * p).quantize(CENT, ROUND_HALF_UP) == e else None


def reconcile(quantity: str | None, unit_price: str | None, ext: str | None,
              weak: str | None = None) -> Reconciled:
    """Check and repair one line's numbers (see the module doc). ``weak`` names a value whose
    reading was garbled (a faint or unreadable cell): when no single-digit change explains the
    disagreement, that value is recomputed from the two others, if they give a clean one."""
    r = Reconciled(quantity, unit_price, ext)
    if quantity is None:
        q = whole_quotient(ext, unit_price)
        if q is not None:
            r.quantity, r.how["quantity"], r.agrees = q, "extended / unit_price", True
        return r
    if unit_price is None and weak == "unit_price" and cents_quotient(ext, quantity):
        r.unit_price, r.how["unit_price"], r.agrees = cents_quotient(ext, quantity), "extended / quantity", True
        return r
    ok = adds_up(quantity, unit_price, ext)
    if ok is None or ok:
        r.agrees = ok
        return r
    fixes: dict[tuple[str, str, str], tuple[str, str]] = {}
    values = {"quantity": quantity, "unit_price": unit_price, "ext": ext}
    for role, text in values.items():
        for variant, change in digit_variants(text):
            trial = dict(values, **{role: variant})
            if _dec(trial["quantity"]) and _dec(trial["quantity"]) > 0 and adds_up(
                    trial["quantity"], trial["unit_price"], trial["ext"]):
                fixes.setdefault((trial["quantity"], trial["unit_price"], trial["ext"]), (role, change))
    if len(fixes) == 1:
        (q, p, e), (role, change) = next(iter(fixes.items()))
        r.quantity, r.unit_price, r.ext = q, p, e
        r.how[role] = f"ocr digit {change}"
        r.agrees = True
    elif weak == "quantity" and whole_quotient(ext, unit_price):
        r.quantity, r.how["quantity"], r.agrees = whole_quotient(ext, unit_price), "extended / unit_price", True
    elif weak == "unit_price" and cents_quotient(ext, quantity):
        r.unit_price, r.how["unit_price"], r.agrees = cents_quotient(ext, quantity), "extended / quantity", True
    else:
        r.agrees = False
    return r
