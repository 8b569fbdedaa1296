"""Implant sticker blocks on case sheets / implant usage records.

A sticker is a small block of stacked phrases: REF <catalog>, LOT <lot>, SN <serial>, EXP <date> and
often the GS1 element string under its barcode. Nurses also write "no sticker" entries by hand
("7402-3518 / lot L81003"). Blocks are found by clustering such phrases that sit close together
vertically and overlap horizontally, so any grid of stickers works without knowing the form.
"""
from __future__ import annotations

import re

from o2c.intake.pages import values as V
from o2c.intake.pages.geometry import PageLayout, Segment

_KEY = re.compile(r"^(REF|LOT|SN|S/N|SERIAL|EXP|EXPIRY|UDI|CAT)\b[.:#]?", re.I)
_NO_STICKER = re.compile(r"no\s+sticker", re.I)


def _is_seed(seg: Segment) -> bool:
    t = seg.text
    if _KEY.match(t) or _NO_STICKER.search(t) or V.find_gs1(t):
        return True
    return any(V.is_item_code(w.text) for w in seg.words[:2])


def sticker_clusters(layout: PageLayout) -> list[list[Segment]]:
    """Group candidate phrases: same block when vertically near (within ~2.2 line heights) and
    horizontally overlapping."""
    seeds = [s for s in _sticker_phrases(layout) if _is_seed(s)]
    parent = list(range(len(seeds)))

    def find(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    lh = layout.line_height
    for a in range(len(seeds)):
        for b in range(a + 1, len(seeds)):
            sa, sb = seeds[a], seeds[b]
            vgap = max(sa.y0, sb.y0) - min(sa.y1, sb.y1)
            hover = min(sa.x1, sb.x1) - max(sa.x0, sb.x0)
            # handwriting is several print lines tall: its own height sets the distances
            unit = max(lh, 0.75 * max(sa.height, sb.height))
            if vgap < 3.0 * unit and hover > -0.5 * unit and abs(sa.x0 - sb.x0) < 12 * lh:
                parent[find(a)] = find(b)
    groups: dict[int, list[Segment]] = {}
    for k, s in enumerate(seeds):
        groups.setdefault(find(k), []).append(s)
    clusters = [part for g in groups.values() for part in split_stickers(g, lh)]
    clusters = _attach_strays(clusters, lh)
    clusters = _attach_barcode_text([sorted(g, key=lambda s: (s.y0, s.x0)) for g in clusters], lh)
    clusters.sort(key=lambda g: (round(g[0].y0 / (4 * lh)), g[0].x0))
    return clusters


def _key(seg: Segment) -> str | None:
    """Which field of a sticker a phrase prints: REF, LOT, SN, EXP or the barcode's GS1 text."""
    m = _KEY.match(seg.text.strip())
    if m:
        k = m.group(1).upper()
        return {"CAT": "REF", "S/N": "SN", "SERIAL": "SN", "EXPIRY": "EXP"}.get(k, k)
    return "GS1" if V.find_gs1(seg.text) else None


def split_stickers(cluster: list[Segment], lh: float) -> list[list[Segment]]:
    """One sticker prints one REF, one LOT, one SN, one EXP and one barcode text: a block that holds
    two of a kind swallowed a neighbouring sticker. With two or more REF phrases, every phrase goes
    to the REF it sits under (nearest above, or on its band, in its column); then, within each part
    in reading order, a key seen a second time starts a new part. A part that so loses its REF
    (the second sticker's REF unread) names no item and is read as an unread device entry, so the
    unit it records is never silently dropped."""
    cluster = sorted(cluster, key=lambda s: (s.y0, s.x0))
    if _NO_STICKER.search("  ".join(s.text for s in cluster)):
        return [cluster]
    refs = [s for s in cluster if _key(s) == "REF"]
    parts: list[list[Segment]] = [cluster]
    if len(refs) >= 2:
        by_ref: dict[int, list[Segment]] = {id(r): [] for r in refs}
        for seg in cluster:
            if _key(seg) == "REF":
                by_ref[id(seg)].append(seg)
                continue
            above = [r for r in refs if r.y0 <= seg.y0 + lh / 2] or refs
            best = min(above, key=lambda r: abs(seg.y0 - r.y0) + 2 * max(r.x0 - seg.x1, seg.x0 - r.x1, 0)
                       + abs(seg.x0 - r.x0) / 4)
            by_ref[id(best)].append(seg)
        parts = [sorted(g, key=lambda s: (s.y0, s.x0)) for g in by_ref.values()]
    out: list[list[Segment]] = []
    for part in parts:
        current: list[Segment] = []
        seen: set[str] = set()
        for seg in part:
            k = _key(seg)
            if k is not None and k in seen:
                out.append(current)
                current, seen = [], set()
            current.append(seg)
            if k is not None:
                seen.add(k)
        if current:
            out.append(current)
    return out


def _attach_strays(clusters: list[list[Segment]], lh: float) -> list[list[Segment]]:
    """Key phrases that clustered apart from their sticker (an EXP printed in a right-hand column,
    the barcode text with the next sticker's EXP) join the nearest sticker that names an item, sits
    within a few line heights and does not print that key yet; a phrase no sticker takes stays in a
    block of its own (then read as an unread entry, or a label line of its own)."""
    items = [c for c in clusters if _names_item(c)]
    rest = [c for c in clusters if not _names_item(c)]
    out = list(items)
    for c in rest:
        if _NO_STICKER.search("  ".join(s.text for s in c)):
            out.append(c)
            continue
        left: list[Segment] = []
        for seg in c:
            k = _key(seg)
            best, best_d = None, 4 * lh
            if k is not None:
                for target in items:
                    if any(_key(s) == k for s in target):
                        continue
                    x0, x1 = min(s.x0 for s in target), max(s.x1 for s in target)
                    y0, y1 = min(s.y0 for s in target), max(s.y1 for s in target)
                    if seg.y0 < y0 - lh / 2:
                        continue  # a sticker's fields are printed under its REF
                    d = max(x0 - seg.x1, 0, seg.x0 - x1) + max(seg.y0 - y1, 0)
                    if d < best_d:
                        best, best_d = target, d
            if best is not None:
                best.append(seg)
            else:
                left.append(seg)
        if left:
            out.append(left)
    return _join_key_bands(out, lh)


def _join_key_bands(clusters: list[list[Segment]], lh: float) -> list[list[Segment]]:
    """Blocks of key phrases only (LOT, SN, EXP) printed side by side on one band ("LOT L13077"
    "SN SN873179" of a sticker whose REF was unread) are one device entry, not stray phrases."""
    keyed = [c for c in clusters if not _names_item(c) and all(_key(s) in ("LOT", "SN", "EXP") for s in c)]
    out = [c for c in clusters if not any(c is k for k in keyed)]
    keyed.sort(key=lambda c: (min(s.y0 for s in c), min(s.x0 for s in c)))
    merged: list[list[Segment]] = []
    for c in keyed:
        y0, y1, x0 = min(s.y0 for s in c), max(s.y1 for s in c), min(s.x0 for s in c)
        host = next((m for m in merged if min(max(s.y1 for s in m), y1) - max(min(s.y0 for s in m), y0) > 0
                     and 0 <= x0 - max(s.x1 for s in m) < 8 * lh
                     and not ({_key(s) for s in m} & {_key(s) for s in c})), None)
        if host is not None:
            host.extend(c)
        else:
            merged.append(list(c))
    return out + merged


def _sticker_phrases(layout: PageLayout) -> list[Segment]:
    """Sticker text is often printed in monospace with wide word spacing: rejoin phrases of a line
    that are less than two line heights apart ("LOT" "L31246")."""
    out: list[Segment] = []
    lh = layout.line_height
    for line in layout.lines:
        current: Segment | None = None
        for seg in line:
            if seg.used:
                current = None
                continue
            gap = 2.0 * max(lh, 0.75 * min(current.height, seg.height)) if current is not None else 0.0
            if current is not None and seg.x0 - current.x1 < gap and _KEY.fullmatch(current.text.strip()):
                current = Segment(current.words + seg.words, seg.page, seg.line_index)
                out[-1] = current
                continue
            current = seg
            out.append(seg)
    return out


def is_device_entry(cluster: list[Segment]) -> bool:
    """A block that records a device (a "no sticker" note, LOT / SN keys) even when no item could be
    read from it: such a block left unread means a unit is missing from the order."""
    text = "  ".join(s.text for s in cluster)
    if _NO_STICKER.search(text):
        return True
    return len(cluster) >= 2 and bool(re.search(r"\b(LOT|SN|S/N|SERIAL)\b", text, re.I))


def entry_values(cluster: list[Segment]) -> dict | None:
    """The lot and serial as written in a device entry whose item could not be read ("lot 46947",
    "sn GNI 9501": everything after the key, spaces dropped), or None when neither holds four digits.
    They are readings to check against stock, never values on their own."""
    found = {}
    for seg in cluster:
        m = re.match(r"^\s*(LOT|SN|S/N|SERIAL)\b[.:#]?\s*(.+)$", seg.text, re.I)
        if not m:
            continue
        field = "lot" if m.group(1).upper() == "LOT" else "serial"
        value = re.sub(r"[^A-Za-z0-9\-]", "", m.group(2))
        if field not in found and sum(ch.isdigit() for ch in value) >= 4:
            found[field] = value
    return found or None


def _names_item(cluster: list[Segment]) -> bool:
    return any(re.match(r"^(REF|CAT)\b", s.text, re.I) or (not V.find_gs1(s.text) and any(
        V.is_item_code(w.text) for w in s.words[:2])) for s in cluster)


def _attach_barcode_text(clusters: list[list[Segment]], lh: float) -> list[list[Segment]]:
    """The GS1 text printed under a barcode sits a barcode's height below the sticker's REF/LOT
    lines: join such a text-only cluster to the nearest sticker above it that has no UDI yet."""
    keep: list[list[Segment]] = []
    orphans = []
    for c in clusters:
        (orphans if any(V.find_gs1(s.text) for s in c) and not _names_item(c) else keep).append(c)
    for orphan in orphans:
        top = min(s.y0 for s in orphan)
        x0, x1 = min(s.x0 for s in orphan), max(s.x1 for s in orphan)
        best, best_gap = None, 10 * lh
        for c in keep:
            if any(V.find_gs1(s.text) for s in c):
                continue
            bottom = max(s.y1 for s in c)
            overlap = min(x1, max(s.x1 for s in c)) - max(x0, min(s.x0 for s in c))
            if 0 <= top - bottom < best_gap and overlap > 0:
                best, best_gap = c, top - bottom
        if best is not None:
            best.extend(orphan)
        else:
            keep.append(orphan)
    return keep


def _is_key_value(text: str, code: str) -> bool:
    """Whether a code is the value written after a LOT / SN key (then it is no catalog number)."""
    return any(_after_key(text, (k,)) == code.strip(".,;:") for k in ("LOT", "SN", "S/N", "SERIAL"))


def _after_key(text: str, keys: tuple[str, ...]) -> str | None:
    found = _key_match(text, keys)
    return found[1] if found else None


def _key_match(text: str, keys: tuple[str, ...]) -> tuple[str, str] | None:
    """(keyword as printed, value) for the first "KEY value" pair in the text."""
    m = re.search(r"\b(%s)\b[.:#]?\s*([A-Za-z0-9][A-Za-z0-9\-./]*)" % "|".join(keys), text, re.I)
    return (m.group(1), m.group(2)) if m else None


def read_sticker(cluster: list[Segment]) -> dict | None:
    """One device from a block, or None when the block names no item and carries no UDI."""
    text = "  ".join(s.text for s in cluster)
    udi = V.parse_udi_text(text)
    ref = _after_key(text, ("REF", "CAT"))
    ref_seg = next((s for s in cluster if re.match(r"^(REF|CAT)\b", s.text, re.I)), None)
    if ref is None:
        for s in cluster:
            if not V.find_gs1(s.text) and not _KEY.match(s.text):
                code = next((w.text for w in s.words if V.is_item_code(w.text)), None)
                if code and not _is_key_value(text, code):
                    ref, ref_seg = code.strip(".,;:"), s
                    break
    lot = _after_key(text, ("LOT",))
    serial = _after_key(text, ("SN", "S/N", "SERIAL"))
    exp_text = next((s.text for s in cluster if re.match(r"^EXP", s.text, re.I)), None)
    expiry = V.parse_date_text(exp_text) if exp_text else None
    if ref is None and udi is None:
        return None
    if ref is None and not lot and not udi:
        return None
    if udi:
        lot = lot or udi.get("lot")
        serial = serial or udi.get("serial")
        expiry = expiry or udi.get("expiry")
    handwritten = ref_seg is not None and not re.match(r"^(REF|CAT)\b", ref_seg.text, re.I)
    if ref is not None and handwritten and not (lot or serial):
        return None  # a bare code with nothing else is not a device entry
    raw_parts = []
    if ref_seg is not None:
        raw_parts.append(_cut(ref_seg.text) if not handwritten else ref)
    lot_kw = _key_match(text, ("LOT",))
    if lot_kw:
        raw_parts.append(f"{lot_kw[0]} {lot_kw[1]}")
    return {
        "item_raw": " ".join(raw_parts) or (udi["udi"] if udi else None),
        "ref": ref,
        "gtin": udi.get("gtin") if udi else None,
        "lot": lot,
        "serial": serial,
        "expiry": expiry,
        "udi": udi["udi"] if udi else None,
        "segments": cluster,
        "handwritten": handwritten,
    }


def _cut(text: str, keep_first: int = 2) -> str:
    """The key and its value ("REF 7402-3540"), without the description or SN printed beside it."""
    return " ".join(text.split()[:keep_first])
